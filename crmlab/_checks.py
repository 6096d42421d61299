"""Shared input checks for the model modules: missing columns, missing tables.

One source of truth for the two messages students meet most often::

    orders is missing column(s) 'amount' (expected: customer_id, order_date, amount)
    orders must be a pandas DataFrame, got list

Modules that add their own checks (date dtypes, a hint about contractual data,
a different wording) keep a small private wrapper that calls these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from crmlab.data.io import CRMData

__all__ = ["dataset_tables", "require_columns"]


def require_columns(df: pd.DataFrame, name: str, columns: Iterable[str], *,
                    check_frame: bool = True) -> pd.DataFrame:
    """Check that ``df`` is a DataFrame holding ``columns``; return it unchanged.

    Parameters
    ----------
    df : pandas.DataFrame
        The input table.
    name : str
        Its name in error messages (``"orders"``, ``"surveys"`` …).
    columns : iterable of str
        The columns the caller needs, in the order shown after ``expected:``.
    check_frame : bool, default True
        Also check that ``df`` is a DataFrame (callers with their own wording
        for that message pass False).

    Raises
    ------
    ValueError
        "NAME must be a pandas DataFrame, got TYPE" or
        "NAME is missing column(s) 'a', 'b' (expected: a, b, c)".

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"a": [1]}), "t", ["a", "b"])
    Traceback (most recent call last):
    ...
    ValueError: t is missing column(s) 'b' (expected: a, b)
    """
    columns = tuple(columns)
    if check_frame and not isinstance(df, pd.DataFrame):
        raise ValueError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{name} is missing column(s) {', '.join(map(repr, missing))} "
                         f"(expected: {', '.join(columns)})")
    return df


def dataset_tables(data: CRMData | Mapping[str, pd.DataFrame]) -> Mapping[str, pd.DataFrame]:
    """The tables of a dataset: a CRMData's ``tables`` or a dict of DataFrames as given.

    Raises
    ------
    ValueError
        If ``data`` is neither.

    Examples
    --------
    >>> import pandas as pd
    >>> list(dataset_tables({"orders": pd.DataFrame()}))
    ['orders']
    """
    frames = getattr(data, "tables", data)
    if not isinstance(frames, Mapping):
        raise ValueError("expected a dataset from crmlab.load/crmlab.generate or a dict of "
                         f"DataFrames, got {type(data).__name__}")
    return frames
