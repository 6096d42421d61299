"""CRM Lab: a workbook for customer relationship management (客户关系管理).

The heavy parts (pandas, faker, the simulation) are imported only when first
used, so ``import crmlab`` stays fast.

>>> import crmlab
>>> data = crmlab.generate("retail", n_customers=300, seed=1)
>>> data.customers.shape[0]
300
"""

from __future__ import annotations

from importlib import import_module

from crmlab import i18n as _i18n
from crmlab._version import __version__
from crmlab.seeds import seed_for

__all__ = ["__version__", "generate", "load", "seed_for", "CRMData", "Truth", "SCENARIOS",
           "LOCALES", "build_sqlite", "set_language", "get_language", "start", "start_case", "exercise", "check", "hint", "progress", "handin",
           "assessment", "class_report", "case"]

_LAZY = {
    "generate": "crmlab.data.generate",
    "load": "crmlab.data.io",
    "build_sqlite": "crmlab.data.io",
    "CRMData": "crmlab.data.io",
    "Truth": "crmlab.data.io",
    "SCENARIOS": "crmlab.data.schema",
    "LOCALES": "crmlab.data.pools",
    "set_language": "crmlab.i18n",
    "get_language": "crmlab.i18n",
    "start": "crmlab.exercises",
    "start_case": "crmlab.exercises",
    "exercise": "crmlab.exercises",
    "check": "crmlab.exercises",
    "hint": "crmlab.exercises",
    "progress": "crmlab.exercises",
    "handin": "crmlab.exercises",
    "assessment": "crmlab.exercises.packs",
    "class_report": "crmlab.exercises.report",
    "case": "crmlab.capstone",
}


# the submodules, imported on first use as attributes (``crmlab.glossary``), so that
# ``import crmlab`` alone is enough in a notebook
SUBMODULES = frozenset({
    "btyd", "campaigns", "capstone", "catalogue", "cleaning", "cli", "clv", "cohorts", "concentration", "crm_kinds",
    "data", "did", "evaluation", "exercises", "glossary", "i18n", "implementation", "integration",
    "interactive", "kano", "lifecycle", "linkage", "loyalty", "operational", "privacy",
    "recommend", "recovery", "reliability", "retention", "rfm", "roi", "satisfaction",
    "satisfaction_value", "sbg", "scorecard", "seeds", "strategy", "tour", "translate", "value",
    "winback",
})


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in SUBMODULES:
        return import_module(f"crmlab.{name}")  # the import sets the attribute too
    raise AttributeError(f"module 'crmlab' has no attribute {name!r}")


# in a notebook, tables show Chinese column names in the Chinese edition
_i18n.register_table_display()


def __dir__():
    return sorted({*globals(), *_LAZY, *SUBMODULES})
