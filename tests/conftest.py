"""Shared fixtures: datasets loaded or generated once per test session.

The committed datasets (``retail``, ``telecom``) are shared by every module
that asks for them, so tests must not modify their tables in place.
"""

from __future__ import annotations

import pytest

import crmlab
from crmlab import i18n


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test leaves open (the backend is Agg, see ../conftest.py)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="session")
def retail():
    """The committed retail dataset."""
    return crmlab.load("retail")


@pytest.fixture(scope="session")
def telecom():
    """The committed telecom dataset."""
    return crmlab.load("telecom")


@pytest.fixture(scope="session")
def big_telecom():
    """A size where the planted statistics are clear (about 1 s to make)."""
    return crmlab.generate("telecom", 20000, seed=11)


@pytest.fixture(scope="session")
def big_retail():
    return crmlab.generate("retail", 20000, seed=11)


@pytest.fixture(scope="session")
def small():
    """One small dataset per scenario, for schema and shape checks."""
    return {s: crmlab.generate(s, 400, seed=5) for s in crmlab.SCENARIOS}


@pytest.fixture
def zh(monkeypatch):
    """Chinese (crmlab.set_language("zh")) for one test, the default language afterwards."""
    monkeypatch.setitem(i18n._state, "language", None)
    crmlab.set_language("zh")
    yield
    i18n._state["language"] = None
