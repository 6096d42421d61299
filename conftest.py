"""Set-up for the whole test run: unit tests, doctests and notebooks."""

import os
import tempfile


def pytest_configure(config):
    # Matplotlib builds its font cache the first time it is used and says so on
    # stderr; build it now so the message never lands in a notebook's output.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.font_manager  # noqa: F401

    # Exercise checks write a progress file next to the notebook; during the
    # tests it goes to a temporary folder instead of the repository.
    os.environ.setdefault("CRMLAB_PROGRESS", os.path.join(
        tempfile.mkdtemp(prefix="crmlab-tests-"), "crmlab-progress.json"))
