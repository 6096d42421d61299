"""The dataset object and saving it (CSV, SQLite); see :mod:`crmlab.data.io`.

:class:`CRMData`, :class:`Truth` and the writers live here so that the generator
(:mod:`crmlab.data.generate`) can build a dataset without importing
:mod:`crmlab.data.io`, whose :func:`~crmlab.data.io.load` regenerates a committed
dataset that is not on disk.  Import them from :mod:`crmlab.data.io`.
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

from crmlab._files import first_missing
from crmlab.data.schema import Table, table, tables_for
from crmlab.i18n import _

FORMATS = ("csv", "sqlite")
SQLITE_NAME = "crm.sqlite"


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
        raise AttributeError(_("truth has no {name}; it has: {items}").format(
                                 name=repr(name), items=', '.join([*self.frames(), *scalars])))


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
        raise AttributeError(_("no table {name} in this {scenario} dataset; tables: {tables}").format(
                                 name=repr(name),
                                 scenario=self.__dict__.get('meta', {}).get('scenario'),
                                 tables=', '.join(tables)))

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            raise KeyError(_("no table {name}; tables: {tables}").format(
                               name=repr(name), tables=', '.join(self.tables)))
        return self.tables[name]

    def __repr__(self) -> str:
        m = self.meta
        rows = ", ".join(f"{k}={len(v):,}" for k, v in self.tables.items())
        return (f"CRMData(scenario={m.get('scenario')!r}, n_customers={m.get('n_customers')}, "
                f"seed={m.get('seed')}, locale={m.get('locale')!r}; {rows})")

    def save(self, path: str | os.PathLike, format: str = "csv", overwrite: bool = True) -> Path:
        """Write the dataset to the folder ``path`` (see the module docstring).

        Parameters
        ----------
        path : str or path-like
            The folder.  It is created if missing; its parent folders too.
        format : {"csv", "sqlite"}
            ``"csv"`` writes one CSV per table; ``"sqlite"`` also writes
            ``crm.sqlite`` with primary and foreign keys.
        overwrite : bool
            What to do when ``path`` is a folder that is not empty.  ``False``:
            refuse.  ``True``: write the dataset's files into it and leave every
            other file alone.  A folder holding a dataset saved before (it has
            ``metadata.json``) gets that dataset's files replaced (and its
            ``crm.sqlite``, if it has one, rebuilt); in any other folder a file
            of the same name as one of the dataset's is never replaced: the
            save is refused.

        Returns
        -------
        Path
            The folder.

        Notes
        -----
        Nothing is ever deleted.  Everything is first written to a temporary
        folder beside the target; a failure leaves the target as it was and no
        folder behind that the save created.
        """
        if format not in FORMATS:
            raise ValueError(_("unknown format {value}; choose one of: {formats}").format(
                                 value=repr(format), formats=', '.join(FORMATS)))
        target = Path(path)
        if target.exists() and not target.is_dir():
            raise ValueError(_("cannot write dataset to {target}: it is a file, not a folder").format(
                                 target=target))
        occupied = target.is_dir() and any(target.iterdir())
        is_dataset = (target / "metadata.json").is_file()
        if occupied and not overwrite:
            raise ValueError(_("{target} already exists and is not empty (pass overwrite=True "
                               "to write the dataset's files into it)").format(target=target))
        sqlite = format == "sqlite" or (is_dataset and (target / SQLITE_NAME).is_file())
        parent = target.absolute().parent
        created = first_missing(parent)
        try:
            parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
            tmp.chmod(0o755)  # mkdtemp makes it private; a dataset is for everyone
        except OSError as exc:
            _remove_created(created)
            raise ValueError(_("cannot write to {parent}: {value}").format(
                                 parent=parent, value=exc.strerror or exc)) from None
        try:
            write_folder(self, tmp, sqlite=sqlite)
            if not target.exists():
                os.replace(tmp, target)
            else:
                _move_files(tmp, target, replace=is_dataset or not occupied)
                shutil.rmtree(tmp, ignore_errors=True)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            _remove_created(created)
            raise ValueError(_("cannot write dataset to {target}: {value}").format(
                                 target=target, value=exc.strerror or exc)) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            _remove_created(created)
            raise
        return target


def dataset_files(folder: str | os.PathLike) -> list[str]:
    """The files of a saved dataset folder that are part of the dataset.

    Parameters
    ----------
    folder : str or path-like
        A folder written by :meth:`CRMData.save`.

    Returns
    -------
    list of str
        Paths relative to the folder, ``/``-separated, sorted: what ``save`` writes.
    """
    root = Path(folder)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _remove_created(folder: Path | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _move_files(src: Path, target: Path, replace: bool) -> None:
    """Move every file of ``src`` into ``target`` (same relative paths).

    With ``replace=False`` no existing file may be replaced: a clash raises
    ``ValueError`` before anything is moved.
    """
    files = dataset_files(src)
    clashes = [f for f in files if (target / f).exists()
               and (not replace or not (target / f).is_file())]
    if clashes:
        shown = ", ".join(clashes[:5]) + (", ..." if len(clashes) > 5 else "")
        raise ValueError(_("{target} is not a CRM Lab dataset folder (no metadata.json) and "
                           "already has {shown}: not replacing files crmlab did not write").format(
                             target=target, shown=shown))
    for f in sorted(files, key=lambda f: f == "metadata.json"):  # metadata.json last
        (target / f).parent.mkdir(parents=True, exist_ok=True)
        os.replace(src / f, target / f)


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
    """``metadata.json`` of a dataset folder, with one clear error if it is unreadable."""
    path = folder / "metadata.json"
    if not path.exists():
        raise ValueError(_("{folder} is not a CRM Lab dataset (no metadata.json)").format(
                             folder=folder))
    regenerate = ("; regenerate the dataset (`crmlab generate ... --out FOLDER`) or restore "
                  "the file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(_("{path} is not a text file (not UTF-8){regenerate}").format(
                             path=path, regenerate=regenerate)) from None
    except OSError as exc:
        raise ValueError(_("cannot read {path}: {value}").format(
                             path=path, value=exc.strerror or exc)) from None
    if not text.strip():
        raise ValueError(_("{path} is empty{regenerate}").format(
                             path=path, regenerate=regenerate))
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(_("{path} is not valid JSON ({msg} at line {lineno}, column "
                           "{colno}){regenerate}").format(
                             path=path, msg=exc.msg, lineno=exc.lineno, colno=exc.colno,
                             regenerate=regenerate)) from None
    if not isinstance(meta, dict):
        raise ValueError(_("{path} must hold a JSON object with 'scenario', 'rows' ..., got a "
                           "{type}{regenerate}").format(
                             path=path, type=type(meta).__name__, regenerate=regenerate))
    rows = meta.get("rows")
    if rows is not None and not (isinstance(rows, dict) and all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in rows.values())):
        raise ValueError(_("{path}: 'rows' must map each table to its row count, got "
                           "{rows}{regenerate}").format(
                             path=path, rows=str(rows)[:60], regenerate=regenerate))
    return meta
