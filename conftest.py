"""Set-up for the whole test run: unit tests, doctests and notebooks."""

import os
import tempfile


def pytest_configure(config):
    # Matplotlib builds its font cache the first time it is used and says so on
    # stderr; build it now so the message never lands in a notebook's output.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.font_manager  # noqa: F401

    # Exercise checks write a progress file next to the notebook (one per
    # folder); during the tests these files go to a temporary folder instead.
    os.environ.setdefault("CRMLAB_PROGRESS_DIR", tempfile.mkdtemp(prefix="crmlab-tests-"))

    # Without a Chinese font, the Chinese notebooks' plots keep English labels and crmlab
    # says so once (on stderr). The saved notebooks were run with a font: the notice must
    # not make their outputs differ on a machine without one (plots are not compared).
    os.environ.setdefault("CRMLAB_FONT_NOTICE", "0")
