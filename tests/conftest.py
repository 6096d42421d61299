"""Shared fixtures: datasets generated once per test session."""

from __future__ import annotations

import pytest

import crmlab


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
