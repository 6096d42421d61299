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
