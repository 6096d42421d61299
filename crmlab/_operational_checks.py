"""Private input checks shared by :mod:`crmlab.operational`, :mod:`crmlab.campaigns` and
:mod:`crmlab.recommend`."""

from __future__ import annotations

import pandas as pd

from crmlab._checks import require_columns
from crmlab.i18n import _


def _require(df, name: str, columns) -> None:
    if not isinstance(df, pd.DataFrame):
        raise ValueError(_("{name} must be a DataFrame with columns {columns}; got {type}").format(
                             name=name, columns=', '.join(columns), type=type(df).__name__))
    require_columns(df, name, columns, check_frame=False)


def _date(x, name: str) -> pd.Timestamp:
    try:
        t = pd.Timestamp(x)
    except (TypeError, ValueError):
        raise ValueError(_("{name} must be a date such as '2024-06-30', got {x}").format(
                             name=name, x=repr(x))) from None
    if pd.isna(t):
        raise ValueError(_("{name} must be a date such as '2024-06-30', got {x}").format(
                             name=name, x=repr(x)))
    return t
