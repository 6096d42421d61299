"""The dataset object, saving (CSV, SQLite) and loading.

A saved dataset is a folder::

    retail/
      metadata.json        arguments, package version, row counts
      customers.csv ...    one file per observed table
      truth/               latent values: never mixed into the observed tables
        customers.csv ...
        truth.json
      crm.sqlite           (optional) the observed tables as one SQLite database

Saving writes everything to a temporary folder beside the target and renames
it into place at the end, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from crmlab.data.schema import SCENARIOS, Table, table, tables_for

__all__ = ["CRMData", "Truth", "load", "build_sqlite", "check_table", "FORMATS",
           "datasets_dir", "DEFAULT_DATASETS"]

FORMATS = ("csv", "sqlite")
SQLITE_NAME = "crm.sqlite"

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


@dataclass
class Truth:
    """What the simulation drew but a firm never observes."""

    customers: pd.DataFrame
    regions: pd.DataFrame
    employees: pd.DataFrame
    scalars: dict = field(default_factory=dict)
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"customers": self.customers, "regions": self.regions,
                "employees": self.employees, **self.extra}

    def __getattr__(self, name):
        extra = self.__dict__.get("extra", {})
        if name in extra:
            return extra[name]
        scalars = self.__dict__.get("scalars", {})
        if name in scalars:
            return scalars[name]
        raise AttributeError(f"truth has no {name!r}; it has: "
                             f"{', '.join([*self.frames(), *scalars])}")


@dataclass
class CRMData:
    """Named observed tables, the truth beside them, and metadata."""

    tables: dict[str, pd.DataFrame]
    truth: Truth | None
    meta: dict

    def __getattr__(self, name):
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(f"no table {name!r} in this {self.__dict__.get('meta', {}).get('scenario')}"
                             f" dataset; tables: {', '.join(tables)}")

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            raise KeyError(f"no table {name!r}; tables: {', '.join(self.tables)}")
        return self.tables[name]

    def __repr__(self) -> str:
        m = self.meta
        rows = ", ".join(f"{k}={len(v):,}" for k, v in self.tables.items())
        return (f"CRMData(scenario={m.get('scenario')!r}, n_customers={m.get('n_customers')}, "
                f"seed={m.get('seed')}, locale={m.get('locale')!r}; {rows})")

    def save(self, path: str | os.PathLike, format: str = "csv", overwrite: bool = True) -> Path:
        """Write the dataset to the folder ``path`` (see the module docstring).

        ``format="csv"`` writes one CSV per table; ``"sqlite"`` also writes
        ``crm.sqlite`` with primary and foreign keys.
        """
        if format not in FORMATS:
            raise ValueError(f"unknown format {format!r}; choose one of: {', '.join(FORMATS)}")
        target = Path(path)
        if target.exists() and not target.is_dir():
            raise ValueError(f"cannot write dataset to {target}: it is a file, not a folder")
        if target.exists() and not overwrite:
            raise ValueError(f"{target} already exists (pass overwrite=True to replace it)")
        parent = target.resolve().parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
            tmp.chmod(0o755)  # mkdtemp makes it private; a dataset is for everyone
        except OSError as exc:
            raise ValueError(f"cannot write to {parent}: {exc.strerror or exc}") from None
        try:
            write_folder(self, tmp, sqlite=(format == "sqlite"))
            if target.exists():
                old = parent / f".{target.name}.old-{os.getpid()}"
                os.replace(target, old)
                os.replace(tmp, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, target)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise ValueError(f"cannot write dataset to {target}: {exc.strerror or exc}") from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return target


def _csv_ready(df: pd.DataFrame, tab: Table | None, scenario: str | None) -> pd.DataFrame:
    out = df.copy()
    decimals = {c.name: c.decimals for c in tab.columns} if tab is not None else {}
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_float_dtype(s):
            out[col] = s.round(decimals.get(col, 6))
        elif pd.api.types.is_datetime64_any_dtype(s):
            # dates without a time part are written as YYYY-MM-DD
            has_time = (s.dropna().dt.normalize() != s.dropna()).any()
            fmt = "%Y-%m-%d %H:%M:%S" if has_time else "%Y-%m-%d"
            out[col] = s.dt.strftime(fmt)
    return out


def _write_csv(df: pd.DataFrame, path: Path, tab: Table | None = None) -> None:
    _csv_ready(df, tab, None).to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_folder(data: CRMData, folder: Path, sqlite: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in data.tables.items():
        _write_csv(df, folder / f"{name}.csv", table(name))
    meta = dict(data.meta)
    meta["rows"] = {k: len(v) for k, v in data.tables.items()}
    (folder / "metadata.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    if data.truth is not None:
        tdir = folder / "truth"
        tdir.mkdir(exist_ok=True)
        for name, df in data.truth.frames().items():
            _write_csv(df, tdir / f"{name}.csv")
        (tdir / "truth.json").write_text(
            json.dumps(_jsonable(data.truth.scalars), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8")
    if sqlite:
        build_sqlite(folder)


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


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
        raise ValueError(f"{name} table: {'; '.join(parts)} (expected: {', '.join(expected)})")


SQL_TYPES = {"id": "TEXT", "str": "TEXT", "int": "INTEGER", "float": "REAL", "bool": "INTEGER",
             "date": "TEXT", "datetime": "TEXT"}


def build_sqlite(folder: str | os.PathLike, force: bool = False) -> Path:
    """Build ``crm.sqlite`` in a saved dataset folder from its CSV files.

    One table per CSV, with the schema's primary and foreign keys; dates are
    ISO text.  Written to a temporary file and renamed, like everything else.
    """
    folder = Path(folder)
    meta = _read_meta(folder)
    scenario = meta["scenario"]
    target = folder / SQLITE_NAME
    if target.exists() and not force:
        return target
    fd, tmp_name = tempfile.mkstemp(prefix=".crm.", suffix=".sqlite", dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.chmod(0o644)
    try:
        con = sqlite3.connect(tmp)
        try:
            for tab in tables_for(scenario):
                csv = folder / f"{tab.name}.csv"
                if not csv.exists():
                    continue
                cols = tab.columns_for(scenario)
                defs = [f'"{c.name}" {SQL_TYPES[c.dtype]}' for c in cols]
                if tab.primary_key:
                    defs.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in tab.primary_key)
                                + ")")
                for c in cols:
                    if c.references:
                        rt, rc = c.references.split(".")
                        defs.append(f'FOREIGN KEY ("{c.name}") REFERENCES "{rt}" ("{rc}")')
                con.execute(f'CREATE TABLE "{tab.name}" (\n  ' + ",\n  ".join(defs) + "\n)")
                df = pd.read_csv(csv, dtype=str, keep_default_na=False, na_values=[""])
                values = []
                for c in cols:
                    s = df[c.name]
                    if c.dtype == "bool":
                        s = s.map({"True": 1, "False": 0})
                    elif c.dtype in ("int", "float"):
                        s = pd.to_numeric(s, errors="coerce")
                    values.append(s.astype(object).where(s.notna(), None))
                rows = zip(*values)
                marks = ", ".join("?" * len(cols))
                con.executemany(f'INSERT INTO "{tab.name}" VALUES ({marks})', rows)
            con.commit()
        finally:
            con.close()
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _read_meta(folder: Path) -> dict:
    path = folder / "metadata.json"
    if not path.exists():
        raise ValueError(f"{folder} is not a CRM Lab dataset (no metadata.json)")
    return json.loads(path.read_text(encoding="utf-8"))


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
                f"no dataset {key!r}: give a committed name ({', '.join(DEFAULT_DATASETS)}) "
                "or a folder written by CRMData.save / `crmlab generate`")
    meta = _read_meta(folder)
    scenario = meta.get("scenario")
    if scenario not in SCENARIOS:
        raise ValueError(f"{folder}/metadata.json names an unknown scenario {scenario!r}")
    raw = bool(meta.get("defects"))
    tables = {}
    for tab in tables_for(scenario):
        csv = folder / f"{tab.name}.csv"
        if not csv.exists():
            raise ValueError(f"{folder} is missing {tab.name}.csv")
        tables[tab.name] = _read_table(csv, tab, scenario, raw)
    t = _read_truth(folder / "truth") if truth and (folder / "truth").exists() else None
    return CRMData(tables=tables, truth=t, meta=meta)


def _read_table(csv: Path, tab: Table, scenario: str, raw: bool) -> pd.DataFrame:
    cols = tab.columns_for(scenario)
    df = pd.read_csv(csv, dtype=str, keep_default_na=False, na_values=[""])
    check_table(tab.name, df, scenario)
    for c in cols:
        s = df[c.name]
        if c.dtype in ("id", "str"):
            continue
        if raw and c.dtype in ("date", "datetime"):
            continue  # inconsistent formats are the point of a defects dataset
        if c.dtype == "bool":
            df[c.name] = s.map({"True": True, "False": False}).astype("boolean" if raw else bool)
        elif c.dtype == "int":
            df[c.name] = pd.to_numeric(s, errors="coerce" if raw else "raise").astype("Int64")
            if not c.nullable and not raw:
                df[c.name] = df[c.name].astype("int64")
        elif c.dtype == "float":
            df[c.name] = pd.to_numeric(s, errors="coerce" if raw else "raise")
        elif c.dtype in ("date", "datetime"):
            df[c.name] = pd.to_datetime(s, format="ISO8601").astype("datetime64[s]")
    return df


def _read_truth(tdir: Path) -> Truth:
    frames = {}
    for csv in sorted(tdir.glob("*.csv")):
        df = pd.read_csv(csv)
        for col in df.columns:
            if col.endswith("_date"):
                df[col] = pd.to_datetime(df[col])
        frames[csv.stem] = df
    scalars = json.loads((tdir / "truth.json").read_text(encoding="utf-8"))
    return Truth(customers=frames.pop("customers"), regions=frames.pop("regions"),
                 employees=frames.pop("employees"), scalars=scalars, extra=frames)
