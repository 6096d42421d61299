"""The dataset object, saving (CSV, SQLite) and loading.

A saved dataset is a folder::

    retail/
      metadata.json        arguments, package version, row counts
      customers.csv ...    one file per observed table
      truth/               latent values: never mixed into the observed tables
        customers.csv ...
        truth.json
      crm.sqlite           (optional) the observed tables as one SQLite database

Saving writes everything to a temporary folder beside the target and moves it
into place at the end, so a failure leaves nothing half-written; it never
deletes a file (see :meth:`CRMData.save`).
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from crmlab.data._dataset import FORMATS, CRMData, Truth, _read_meta, build_sqlite
from crmlab.data.schema import SCENARIOS, Table, table, tables_for
from crmlab.i18n import N_, _

__all__ = ["CRMData", "Truth", "load", "build_sqlite", "check_table", "FORMATS",
           "datasets_dir", "DEFAULT_DATASETS"]

# The committed datasets and the arguments that regenerate them byte for byte.
DEFAULT_DATASETS: dict[str, dict] = {
    "retail": {"scenario": "retail", "n_customers": 5000, "seed": 2024, "locale": "en_US"},
    "telecom": {"scenario": "telecom", "n_customers": 3000, "seed": 2024, "locale": "en_US"},
    "bank": {"scenario": "bank", "n_customers": 2500, "seed": 2024, "locale": "en_US"},
    "b2b": {"scenario": "b2b", "n_customers": 300, "seed": 2024, "locale": "en_US"},
    "retail_zh": {"scenario": "retail", "n_customers": 2000, "seed": 2024, "locale": "zh_CN"},
    "retail_dirty": {"scenario": "retail", "n_customers": 1500, "seed": 2024, "locale": "en_US",
                     "defects": True},
}


def check_table(name: str, df: pd.DataFrame, scenario: str) -> None:
    """Raise ``ValueError`` if ``df`` does not have exactly the schema's columns."""
    expected = table(name).column_names(scenario)
    got = list(df.columns)
    if got != expected:
        missing = [c for c in expected if c not in got]
        extra = [c for c in got if c not in expected]
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(map(repr, missing))}")
        if extra:
            parts.append(f"unexpected column(s) {', '.join(map(repr, extra))}")
        if not parts:
            parts.append("columns in the wrong order")
        raise ValueError(_("{name} table: {parts} (expected: {expected})").format(
                             name=name, parts='; '.join(parts), expected=', '.join(expected)))


def datasets_dir() -> Path | None:
    """The repository's ``datasets/`` folder (env ``CRMLAB_DATASETS`` wins)."""
    env = os.environ.get("CRMLAB_DATASETS")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in [Path.cwd(), *Path.cwd().parents, *here.parents]:
        cand = parent / "datasets"
        if (cand / "retail" / "metadata.json").exists():
            return cand
    return None


def load(name_or_path: str | os.PathLike = "retail", truth: bool = True) -> CRMData:
    """Load a committed dataset by name (``"retail"``) or a saved folder.

    Dates are parsed and columns typed from the schema, except in datasets made
    with ``defects``: their inconsistent formats are kept as written, as text.
    A committed name that is not on disk is regenerated from its recorded
    arguments (same bytes as the committed files).
    """
    key = str(name_or_path)
    folder = Path(key)
    if not (folder / "metadata.json").exists():
        base = datasets_dir()
        if key in DEFAULT_DATASETS and base is not None and (base / key / "metadata.json").exists():
            folder = base / key
        elif key in DEFAULT_DATASETS:
            from crmlab.data.generate import generate

            return generate(**DEFAULT_DATASETS[key])
        else:
            raise ValueError(
                _("no dataset {key}: give a committed name ({default_datasets}) or a folder "
                  "written by CRMData.save / `crmlab generate`").format(
                    key=repr(key), default_datasets=', '.join(DEFAULT_DATASETS)))
    meta = _read_meta(folder)
    scenario = meta.get("scenario")
    if scenario not in SCENARIOS:
        raise ValueError(_("{folder}/metadata.json names an unknown scenario {scenario}").format(
                             folder=folder, scenario=repr(scenario)))
    raw = bool(meta.get("defects"))
    tables = {}
    for tab in tables_for(scenario):
        csv = folder / f"{tab.name}.csv"
        if not csv.exists():
            raise ValueError(_("{folder} is missing {name}.csv").format(
                                 folder=folder, name=tab.name))
        tables[tab.name] = _read_table(csv, tab, scenario, raw,
                                       (meta.get("rows") or {}).get(tab.name))
    t = _read_truth(folder / "truth") if truth and (folder / "truth").exists() else None
    return CRMData(tables=tables, truth=t, meta=meta)


def _read_csv(csv: Path, **kwargs) -> pd.DataFrame:
    """``pd.read_csv`` whose errors name the file and say what is wrong with it."""
    fix = "; regenerate the dataset (`crmlab generate ... --out FOLDER`) or restore the file"
    try:
        df = pd.read_csv(csv, encoding="utf-8", **kwargs)
    except UnicodeDecodeError:
        raise ValueError(_("{csv} is not a UTF-8 text CSV file (is it corrupt?){fix}").format(
                             csv=csv, fix=fix)) from None
    except pd.errors.EmptyDataError:
        raise ValueError(_("{csv} is empty (no header row){fix}").format(csv=csv, fix=fix)) from None
    except pd.errors.ParserError as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else "unreadable"
        detail = detail.split("C error: ")[-1]  # "Expected 7 fields in line 6, saw 9"
        raise ValueError(_("{csv} is not a well-formed CSV file ({detail}){fix}").format(
                             csv=csv, detail=detail[:120], fix=fix)) from None
    except OSError as exc:
        raise ValueError(_("cannot read {csv}: {value}").format(
                             csv=csv, value=exc.strerror or exc)) from None
    return df


def _bad_cells(s: pd.Series, parsed: pd.Series) -> pd.Series:
    return s.notna() & parsed.isna()


def _value_error(csv: Path, col: str, bad: pd.Series, s: pd.Series, what: str) -> ValueError:
    n = int(bad.sum())
    example = str(s[bad].iloc[0])
    example = example if len(example) <= 30 else example[:29] + "…"
    first = int(np.flatnonzero(bad.to_numpy())[0]) + 2  # +1 header, +1 one-based
    message = (_("{file}: column '{col}' has {n} row that is not {what} (e.g. {example} on line "
                 "{line}); fix the file or regenerate the dataset") if n == 1 else
               _("{file}: column '{col}' has {n} rows that are not {what} (e.g. {example} on line "
                 "{line}); fix the file or regenerate the dataset"))
    return ValueError(message.format(file=csv, col=col, n=f"{n:,}", what=_(what),
                                     example=repr(example), line=first))


def _read_table(csv: Path, tab: Table, scenario: str, raw: bool,
                expected_rows: int | None = None) -> pd.DataFrame:
    """Read one observed table, typed from the schema, checked against ``metadata.json``.

    Raises
    ------
    ValueError
        Naming the file and the problem: not a CSV, empty, wrong columns, fewer
        or more rows than ``metadata.json`` records, or cells that are not
        numbers, dates or True/False where the schema says so.
    """
    cols = tab.columns_for(scenario)
    df = _read_csv(csv, dtype=str, keep_default_na=False, na_values=[""])
    try:
        check_table(tab.name, df, scenario)
    except ValueError as exc:
        raise ValueError(_("{csv}: {exc}").format(csv=csv, exc=exc)) from None
    if expected_rows is not None and len(df) != expected_rows:
        how = "truncated or cut short?" if len(df) < expected_rows else "rows were added?"
        raise ValueError(_("{csv} has {n} rows but metadata.json records {expected_rows} "
                           "({how}); regenerate the dataset or restore the file").format(
                             csv=csv, n=format(len(df), ","),
                             expected_rows=format(expected_rows, ","), how=how))
    for c in cols:
        s = df[c.name]
        if not c.nullable and not raw and s.isna().any():
            n = int(s.isna().sum())
            raise ValueError(_("{csv}: column '{name}' has {n} empty cell{value} but must not "
                               "be empty (truncated or edited file?); regenerate the dataset or "
                               "restore the file").format(
                                 csv=csv, name=c.name, n=format(n, ","),
                                 value='s' if n != 1 else ''))
        if c.dtype in ("id", "str"):
            continue
        if raw and c.dtype in ("date", "datetime"):
            continue  # inconsistent formats are the point of a defects dataset
        if c.dtype == "bool":
            parsed = s.map({"True": True, "False": False})
            if not raw and _bad_cells(s, parsed).any():
                raise _value_error(csv, c.name, _bad_cells(s, parsed), s, N_("True or False"))
            df[c.name] = parsed.astype("boolean" if raw or c.nullable else bool)
        elif c.dtype in ("int", "float"):
            parsed = pd.to_numeric(s, errors="coerce")
            bad = _bad_cells(s, parsed)
            if bad.any():
                err = _value_error(csv, c.name, bad, s, N_("a number"))
                if not raw:
                    raise err
                warnings.warn(_("{err}; they are read as missing values").format(err=err), stacklevel=3)
            if c.dtype == "int":
                if not raw and (parsed.dropna() % 1 != 0).any():
                    raise _value_error(csv, c.name, parsed.notna() & (parsed % 1 != 0), s,
                                       N_("a whole number"))
                parsed = parsed.where(parsed % 1 == 0).astype("Int64")
                if not c.nullable and not raw:
                    parsed = parsed.astype("int64")
            df[c.name] = parsed
        elif c.dtype in ("date", "datetime"):
            parsed = pd.to_datetime(s, format="ISO8601", errors="coerce")
            bad = _bad_cells(s, parsed)
            if bad.any():
                raise _value_error(csv, c.name, bad, s, N_("a date (YYYY-MM-DD)"))
            df[c.name] = parsed.astype("datetime64[s]")
    return df


def _read_truth(tdir: Path) -> Truth:
    frames = {}
    for csv in sorted(tdir.glob("*.csv")):
        df = _read_csv(csv)
        for col in df.columns:
            if col.endswith("_date"):
                parsed = pd.to_datetime(df[col], errors="coerce")
                bad = _bad_cells(df[col], parsed)
                if bad.any():
                    raise _value_error(csv, col, bad, df[col], N_("a date (YYYY-MM-DD)"))
                df[col] = parsed
        frames[csv.stem] = df
    missing = [f"{n}.csv" for n in ("customers", "regions", "employees") if n not in frames]
    if missing or not (tdir / "truth.json").exists():
        missing += [] if (tdir / "truth.json").exists() else ["truth.json"]
        raise ValueError(_("{tdir} is missing {missing}; regenerate the dataset or load it with "
                           "truth=False").format(tdir=tdir, missing=', '.join(missing)))
    path = tdir / "truth.json"
    try:
        scalars = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(_("{path} is not valid JSON ({getattr}); regenerate the dataset or "
                           "load it with truth=False").format(
                             path=path, getattr=getattr(exc, 'msg', 'not UTF-8 text'))) from None
    if not isinstance(scalars, dict):
        raise ValueError(_("{path} must hold a JSON object; regenerate the dataset or load it "
                           "with truth=False").format(path=path))
    return Truth(customers=frames.pop("customers"), regions=frames.pop("regions"),
                 employees=frames.pop("employees"), scalars=scalars, extra=frames)
