"""Private input checks shared by :mod:`crmlab.operational`, :mod:`crmlab.campaigns` and
:mod:`crmlab.recommend`."""

from __future__ import annotations

import pandas as pd

from crmlab._checks import require_columns


def _require(df, name: str, columns) -> None:
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{name} must be a DataFrame with columns {', '.join(columns)}; "
                         f"got {type(df).__name__}")
    require_columns(df, name, columns, check_frame=False)


def _date(x, name: str) -> pd.Timestamp:
    try:
        t = pd.Timestamp(x)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a date such as '2024-06-30', got {x!r}") from None
    if pd.isna(t):
        raise ValueError(f"{name} must be a date such as '2024-06-30', got {x!r}")
    return t
