"""Private helpers shared by :mod:`crmlab.lifecycle`, :mod:`crmlab.winback` and
:mod:`crmlab.cohorts`: the table check and dates as whole days since 1970."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.i18n import _

DAYS_PER_MONTH = 30.4375


def _require(df: pd.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(_("{name} must be a pandas DataFrame with columns {columns}; got {type}").format(
                            name=name, columns=', '.join(columns), type=type(df).__name__))
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(_("{name} is missing column{value} {missing} (expected: {columns})").format(
                             name=name, value='s' if len(missing) > 1 else '',
                             missing=', '.join(map(repr, missing)), columns=', '.join(columns)))


def _dates(s: pd.Series, what: str) -> np.ndarray:
    """Whole days since 1970 as float (NaN for missing), with a clear error for text."""
    if not pd.api.types.is_datetime64_any_dtype(s):
        raise ValueError(_("{what} holds {dtype} values, not dates: parse it first, e.g. "
                           "pd.to_datetime(df[col])").format(what=what, dtype=s.dtype))
    days = s.to_numpy().astype("datetime64[D]")
    out = days.astype("int64").astype(float)
    out[np.isnat(days)] = np.nan
    return out


def _lookup(keys: pd.Index, values: pd.Series) -> np.ndarray:
    """Position of each value in the unique ``keys`` (-1 where absent).

    Arrow-backed strings (pandas' default) use pyarrow's hash lookup, about
    three times faster than ``Index.get_indexer`` on a million ids.
    """
    if isinstance(keys.array, pd.arrays.ArrowStringArray) and isinstance(
            getattr(values, "array", None), pd.arrays.ArrowStringArray):
        import pyarrow as pa
        import pyarrow.compute as pc

        found = pc.index_in(pa.array(values.array), value_set=pa.array(keys.array))
        return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return keys.get_indexer(np.asarray(values))


def _as_of(value, what: str = "as_of") -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(_("{what} must be a date such as '2024-12-31', got {value}").format(
                             what=what, value=repr(value))) from None
    if ts is pd.NaT:
        raise ValueError(_("{what} must be a date such as '2024-12-31', got {value}").format(
                             what=what, value=repr(value)))
    return ts.normalize()


def _day(ts: pd.Timestamp) -> float:
    return float(np.datetime64(ts.date(), "D").astype("int64"))
