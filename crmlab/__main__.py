from crmlab.cli import main

raise SystemExit(main())
