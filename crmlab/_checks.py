"""Shared input checks for the model modules: tables, columns and their values.

One source of truth for the two messages students meet most often::

    orders is missing column(s) 'amount' (expected: customer_id, order_date, amount)
    orders must be a pandas DataFrame, got list

Value checks name the column, the number of bad rows and an example::

    orders.amount holds text, not numbers: 3 rows of 120 are not a number (e.g. '12,50 EUR'); ...
    orders.amount has 1 row with a negative value (e.g. -37.5): amounts cannot be negative; ...
    orders.order_date has 2 rows with a missing date (NaT) (of 120): fix or drop those rows ...

Modules that add their own checks (date dtypes, a hint about contractual data,
a different wording) keep a small private wrapper that calls these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab.i18n import N_, _

if TYPE_CHECKING:
    from crmlab.data.io import CRMData

__all__ = ["dataset_tables", "numeric_array", "require_columns", "require_dates", "require_table",
           "require_numeric", "require_present", "require_rows"]


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
        raise ValueError(_("{name} must be a pandas DataFrame, got {type}").format(
            name=name, type=type(df).__name__))
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(_("{name} is missing column(s) {missing} (expected: {expected})").format(
            name=name, missing=", ".join(map(repr, missing)), expected=", ".join(columns)))
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
        raise ValueError(_("expected a dataset from crmlab.load/crmlab.generate or a dict of "
                           "DataFrames, got {type}").format(type=type(data).__name__))
    return frames


# ------------------------------------------------------------------ values
def _example(values) -> str:
    """The first value of ``values`` as a short repr for a message."""
    for v in values:
        text = repr(v.item() if hasattr(v, "item") else v)
        return text if len(text) <= 30 else text[:29] + "…'"
    return ""


def _rows(n: int) -> str:
    """"1 row", "12 rows" (in the current language)."""
    return (_("{n} row") if n == 1 else _("{n} rows")).format(n=f"{n:,}")


def _fix(frame: str, column: str) -> str:
    return _("fix or drop those rows first, e.g. {frame}.dropna(subset=['{column}'])").format(
        frame=frame, column=column)


def require_rows(df: pd.DataFrame, name: str, hint: str = "") -> pd.DataFrame:
    """Check that ``df`` has at least one row; return it unchanged.

    Raises
    ------
    ValueError
        "NAME is empty (0 rows): nothing to compute from", then ``hint`` if given.

    Examples
    --------
    >>> import pandas as pd
    >>> require_rows(pd.DataFrame({"a": []}), "orders")
    Traceback (most recent call last):
    ...
    ValueError: orders is empty (0 rows): nothing to compute from
    """
    if len(df) == 0:
        message = _("{name} is empty (0 rows): nothing to compute from").format(name=name)
        if hint:
            message = _("{message}; {hint}").format(message=message, hint=_(hint))
        raise ValueError(message)
    return df


def require_present(df: pd.DataFrame, name: str, columns: Iterable[str]) -> pd.DataFrame:
    """Check that ``columns`` of ``df`` (ids, keys, labels) have no missing values.

    Raises
    ------
    ValueError
        "NAME.COL has N rows with a missing value (of M): fix or drop ..."

    Examples
    --------
    >>> import pandas as pd
    >>> require_present(pd.DataFrame({"customer_id": ["a", None]}), "orders", ["customer_id"])
    Traceback (most recent call last):
    ...
    ValueError: orders.customer_id has 1 row with a missing value (of 2): fix or drop those \
rows first, e.g. orders.dropna(subset=['customer_id'])
    """
    for col in columns:
        bad = int(df[col].isna().sum())
        if bad:
            raise ValueError(_("{column} has {rows} with a missing value (of {total}): {fix}")
                             .format(column=f"{name}.{col}", rows=_rows(bad),
                                     total=f"{len(df):,}", fix=_fix(name, col)))
    return df


def require_numeric(df: pd.DataFrame, name: str, columns: Iterable[str], *,
                    missing: bool = False, non_negative: bool = False,
                    what: str = N_("values")) -> pd.DataFrame:
    """Check that ``columns`` of ``df`` hold finite numbers; return ``df`` unchanged.

    Parameters
    ----------
    df : pandas.DataFrame
        The input table (its columns were checked with :func:`require_columns`).
    name : str
        Its name in messages.
    columns : iterable of str
        The columns to check.
    missing : bool, default False
        Allow missing values (NaN); by default they are an error.
    non_negative : bool, default False
        Negative values are an error (amounts, counts, durations).
    what : str
        What the numbers are, for the negative-value message ("amounts").

    Raises
    ------
    ValueError
        Naming the column, how many rows are bad and one example:
        text that is not a number, a missing value, an infinite or a negative value.

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"amount": ["10.0", "12,50 EUR"]})
    >>> require_numeric(o, "orders", ["amount"])
    Traceback (most recent call last):
    ...
    ValueError: orders.amount holds text, not numbers: 1 row of 2 is not a number (e.g. \
'12,50 EUR'); fix those rows, then convert with pd.to_numeric(orders['amount'])
    >>> require_numeric(pd.DataFrame({"amount": [5.0, -37.5]}), "orders", ["amount"],
    ...                 non_negative=True, what="amounts")
    Traceback (most recent call last):
    ...
    ValueError: orders.amount has 1 row with a negative value (e.g. -37.5): amounts cannot \
be negative; fix or drop those rows first
    """
    for col in columns:
        s = df[col]
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            if pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_bool_dtype(s):
                raise ValueError(_("{column} holds {dtype} values, not numbers (is '{col}' the "
                                   "right column?)").format(column=f"{name}.{col}",
                                                             dtype=s.dtype, col=col))
            as_num = pd.to_numeric(s, errors="coerce")
            bad = s.notna() & as_num.isna()
            n_bad = int(bad.sum())
            if n_bad:
                message = (_("{column} holds text, not numbers: {rows} of {total} is not a "
                             "number (e.g. {example}); fix those rows, then convert with "
                             "pd.to_numeric({name}['{col}'])") if n_bad == 1 else
                           _("{column} holds text, not numbers: {rows} of {total} are not a "
                             "number (e.g. {example}); fix those rows, then convert with "
                             "pd.to_numeric({name}['{col}'])"))
                raise ValueError(message.format(column=f"{name}.{col}", rows=_rows(n_bad),
                                                total=f"{len(s):,}", example=_example(s[bad]),
                                                name=name, col=col))
            raise ValueError(_("{column} holds text ({dtype}), not numbers: convert it with "
                               "{name}['{col}'] = pd.to_numeric({name}['{col}'])").format(
                column=f"{name}.{col}", dtype=s.dtype, name=name, col=col))
        values = s.to_numpy(dtype=float, na_value=np.nan)
        nan = np.isnan(values)
        if not missing and nan.any():
            raise ValueError(_("{column} has {rows} with a missing value (of {total}): {fix}")
                             .format(column=f"{name}.{col}", rows=_rows(int(nan.sum())),
                                     total=f"{len(s):,}", fix=_fix(name, col)))
        inf = np.isinf(values)
        if inf.any():
            raise ValueError(_("{column} has {rows} with an infinite value: fix or drop those "
                               "rows first").format(column=f"{name}.{col}",
                                                    rows=_rows(int(inf.sum()))))
        if non_negative:
            neg = values < 0
            if neg.any():
                raise ValueError(_("{column} has {rows} with a negative value (e.g. {example}): "
                                   "{what} cannot be negative; fix or drop those rows first")
                                 .format(column=f"{name}.{col}", rows=_rows(int(neg.sum())),
                                         example=_example(values[neg]), what=_(what)))
    return df


def require_dates(df: pd.DataFrame, name: str, columns: Iterable[str], *,
                  missing: bool = False) -> pd.DataFrame:
    """Check that ``columns`` of ``df`` hold parsed dates; return ``df`` unchanged.

    Parameters
    ----------
    df : pandas.DataFrame
        The input table.
    name : str
        Its name in messages.
    columns : iterable of str
        The date columns.
    missing : bool, default False
        Allow missing dates (NaT), e.g. the end date of a running contract.

    Raises
    ------
    ValueError
        "NAME.COL holds text, not dates: parse it first ..." (with the count of
        rows that cannot be read as a date) or "NAME.COL has N rows with a
        missing date (NaT) ...".

    Examples
    --------
    >>> import pandas as pd
    >>> require_dates(pd.DataFrame({"order_date": pd.to_datetime(["2024-01-01", None])}),
    ...               "orders", ["order_date"])
    Traceback (most recent call last):
    ...
    ValueError: orders.order_date has 1 row with a missing date (NaT) (of 2): fix or drop \
those rows first, e.g. orders.dropna(subset=['order_date'])
    """
    for col in columns:
        s = df[col]
        if not pd.api.types.is_datetime64_any_dtype(s):
            hint = ""
            if s.dtype == object or pd.api.types.is_string_dtype(s):
                parsed = pd.to_datetime(s, errors="coerce", format="mixed")
                bad = s.notna() & parsed.isna()
                if bad.any():
                    n_bad = int(bad.sum())
                    hint = _("{rows} of {total} cannot be read as a date, e.g. {example}").format(
                        rows=_rows(n_bad), total=f"{len(s):,}", example=_example(s[bad]))
            message = (_("{column} holds text, not dates ({hint}): parse it first, e.g. "
                         "{name}['{col}'] = pd.to_datetime({name}['{col}'])") if hint else
                       _("{column} holds text, not dates: parse it first, e.g. "
                         "{name}['{col}'] = pd.to_datetime({name}['{col}'])"))
            raise ValueError(message.format(column=f"{name}.{col}", hint=hint, name=name,
                                            col=col))
        if not missing:
            nat = int(s.isna().sum())
            if nat:
                raise ValueError(_("{column} has {rows} with a missing date (NaT) (of {total}): "
                                   "{fix}").format(column=f"{name}.{col}", rows=_rows(nat),
                                                   total=f"{len(s):,}", fix=_fix(name, col)))
    return df


def numeric_array(values, name: str, *, non_negative: bool = False, missing: bool = False,
                  what: str = N_("values")) -> np.ndarray:
    """``values`` (list, array, Series) as a 1-d float array, with clear errors.

    Raises
    ------
    ValueError
        Empty input, text that is not a number, missing, infinite or (with
        ``non_negative``) negative values: naming ``name``, the count and an example.

    Examples
    --------
    >>> numeric_array([3, "abc", 4], "durations")
    Traceback (most recent call last):
    ...
    ValueError: durations holds text, not numbers: 1 of 3 values is not a number (e.g. 'abc')
    """
    if isinstance(values, pd.DataFrame):
        raise ValueError(_("{name} must be one column of numbers, got a DataFrame with {n} "
                           "columns; pick one, e.g. df['amount']").format(
            name=name, n=values.shape[1]))
    if isinstance(values, (str, bytes)):
        raise ValueError(_("{name} must be numbers, got the text {example}").format(
            name=name, example=_example([values])))
    arr = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(_("{name} must be a 1-d list of numbers, got shape {shape}").format(
            name=name, shape=arr.shape))
    if arr.size == 0:
        raise ValueError(_("{name} is empty: it needs at least one number").format(name=name))
    if arr.dtype.kind in "fiu":
        out = arr.astype(float)
    else:
        if arr.dtype.kind == "b":
            raise ValueError(_("{name} holds True/False values, not numbers").format(name=name))
        s = pd.Series(arr)
        num = pd.to_numeric(s, errors="coerce")
        bad = s.notna() & num.isna() & ~s.map(lambda v: isinstance(v, float))
        if bad.any():
            n_bad = int(bad.sum())
            message = (_("{name} holds text, not numbers: {bad} of {total} value is not a "
                         "number (e.g. {example})") if arr.size == 1 else
                       _("{name} holds text, not numbers: {bad} of {total} values is not a "
                         "number (e.g. {example})") if n_bad == 1 else
                       _("{name} holds text, not numbers: {bad} of {total} values are not a "
                         "number (e.g. {example})"))
            raise ValueError(message.format(name=name, bad=f"{n_bad:,}", total=f"{arr.size:,}",
                                            example=_example(s[bad])))
        out = num.to_numpy(dtype=float, na_value=np.nan)
    nan = np.isnan(out)
    if nan.any() and not missing:
        raise ValueError(_("{name} has {n} missing value(s) (NaN) of {total}: drop or fill "
                           "them first").format(name=name, n=f"{int(nan.sum()):,}",
                                                total=f"{out.size:,}"))
    if np.isinf(out).any():
        raise ValueError(_("{name} has {n} infinite value(s): drop or fix them first").format(
            name=name, n=f"{int(np.isinf(out).sum()):,}"))
    if non_negative and (out < 0).any():
        neg = out < 0
        raise ValueError(_("{name} has {n} negative value(s) (e.g. {example}): {what} cannot be "
                           "negative").format(name=name, n=f"{int(neg.sum()):,}",
                                              example=_example(out[neg]), what=_(what)))
    return out


def require_table(df: pd.DataFrame, name: str, columns: Iterable[str], *,
                  ids: Iterable[str] = (), dates: Iterable[str] = (),
                  optional_dates: Iterable[str] = (), numbers: Iterable[str] = (),
                  optional_numbers: Iterable[str] = (),
                  non_negative: Iterable[str] = (), check_frame: bool = True) -> pd.DataFrame:
    """All the checks of one input table in one call; return it unchanged.

    ``columns`` must be present (:func:`require_columns`); then ``ids`` must
    have no missing value, ``dates`` must be parsed dates without NaT
    (``optional_dates`` may have NaT), ``numbers`` must be finite numbers
    (``optional_numbers`` may be NaN) and ``non_negative`` columns (among the
    numbers) must be >= 0.

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"customer_id": ["a"], "order_date": pd.to_datetime(["2024-01-01"]),
    ...                   "amount": [-1.0]})
    >>> require_table(o, "orders", ["customer_id", "order_date", "amount"],
    ...               ids=["customer_id"], dates=["order_date"], numbers=["amount"],
    ...               non_negative=["amount"])
    Traceback (most recent call last):
    ...
    ValueError: orders.amount has 1 row with a negative value (e.g. -1.0): values cannot be \
negative; fix or drop those rows first
    """
    require_columns(df, name, columns, check_frame=check_frame)
    non_negative = set(non_negative)
    require_present(df, name, ids)
    require_dates(df, name, dates)
    require_dates(df, name, optional_dates, missing=True)
    for col in numbers:
        require_numeric(df, name, [col], non_negative=col in non_negative)
    for col in optional_numbers:
        require_numeric(df, name, [col], missing=True, non_negative=col in non_negative)
    return df
