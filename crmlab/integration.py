"""Customer information integration (客户信息整合): silos, SQL and the 360° view.

A firm's customer data sits in several source systems (源系统) that were
bought or built one at a time: the shop or e-commerce system records
orders, the service desk records tickets, marketing records campaigns.  Each
is a data silo (数据孤岛) with its own copy of the customer.  Integration
joins them on one customer key into one view per customer, the 360° view
(客户360度视图), the basis of a working CRM (course documents [S1] and [S4]).

:data:`SOURCE_SYSTEMS` says which table comes from which system.  The
functions here:

* :func:`connect`, :func:`run_sql`: the dataset as a read-only SQLite database;
* :func:`create_customer_view`: one SQL view with a row per customer and the
  figures of every system (:data:`CUSTOMER_VIEW_SQL`, the same SQL for every scenario);
* :func:`key_breaks`: rows whose customer key does not resolve (orphans);
* :func:`quality_scorecard`, :func:`plot_scorecard`: five data-quality
  dimensions per table or per system;
* :func:`customer_360`, :func:`plot_timeline`: one customer's profile and
  history from every table (:func:`customer_360_sql` is the SQL it runs).

References
----------
Wang, R. Y. & Strong, D. M. (1996). Beyond accuracy: what data quality means to data
consumers. *Journal of Management Information Systems* 12(4), 5-33.
Batini, C., Cappiello, C., Francalanci, C. & Maurino, A. (2009). Methodologies for
data quality assessment and improvement. *ACM Computing Surveys* 41(3), 16.
Payne, A. & Frow, P. (2005). A strategic framework for customer relationship
management. *Journal of Marketing* 69(4), 167-176 (the information management process).
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab.i18n import N_, _, plot_language, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CUSTOMER_VIEW_SQL", "QUALITY_DIMENSIONS", "SOURCE_SYSTEMS", "SYSTEM_NAMES",
           "CustomerProfile", "connect", "create_customer_view", "customer_360",
           "customer_360_sql", "key_breaks", "plot_scorecard", "plot_timeline",
           "quality_scorecard", "run_sql"]

# table -> the source system (源系统) that writes it
SOURCE_SYSTEMS: dict[str, str] = {
    # CRM master data (客户主数据): who the customer is, the firm's own structure
    "customers": "master", "address_changes": "master", "regions": "master",
    "employees": "master",
    # sales / e-commerce (销售/电商系统): what customers bought or signed
    "orders": "sales", "contracts": "sales", "holdings": "sales", "plan_changes": "sales",
    "leads": "sales", "opportunities": "sales",
    # customer service (客户服务系统): contacts, complaints, faults
    "interactions": "service", "tickets": "service", "service_faults": "service",
    # marketing and market research (营销系统)
    "campaigns": "marketing", "campaign_contacts": "marketing", "surveys": "marketing",
    "servqual_items": "marketing", "kano_responses": "marketing",
    # the CRM system's own logs and the management reports built from the others
    "crm_usage": "reporting", "kpi_monthly": "reporting",
}
SYSTEM_NAMES = {"master": "CRM master data 客户主数据", "sales": "sales / e-commerce 销售/电商",
                "service": "customer service 客户服务", "marketing": "marketing 营销",
                "reporting": "CRM logs and reports 系统日志与报表"}
QUALITY_DIMENSIONS = (N_("completeness"), N_("validity"), N_("uniqueness"), N_("consistency"),
                      N_("timeliness"))

_TEMP: dict[str, Path] = {}
_KEEP: dict[str, object] = {}  # datasets given as objects, kept so that their id stays theirs


def _cleanup() -> None:
    for folder in _TEMP.values():
        shutil.rmtree(folder.parent, ignore_errors=True)


atexit.register(_cleanup)


# ---------------------------------------------------------------- SQL
def _sqlite_file(dataset) -> Path:
    from crmlab.data.io import DEFAULT_DATASETS, CRMData, build_sqlite, datasets_dir, load

    if isinstance(dataset, CRMData):
        key = f"data-{id(dataset)}"
        if key not in _TEMP:
            folder = Path(tempfile.mkdtemp(prefix="crmlab-sql-")) / "data"
            dataset.save(folder)
            _TEMP[key] = folder
            _KEEP[key] = dataset
        return build_sqlite(_TEMP[key])
    if not isinstance(dataset, str):
        raise ValueError(_("dataset must be a committed name like 'retail', a dataset folder or "
                           "a dataset from crmlab.load, got {type}").format(
                             type=type(dataset).__name__))
    folder = Path(dataset)
    if not (folder / "metadata.json").exists():
        base = datasets_dir()
        if dataset not in DEFAULT_DATASETS:
            raise ValueError(_("no dataset {dataset}: give a committed name "
                               "({default_datasets}) or a dataset folder").format(
                                 dataset=repr(dataset),
                                 default_datasets=', '.join(DEFAULT_DATASETS)))
        folder = base / dataset if base is not None else None
    if folder is not None and (folder / "crm.sqlite").exists():
        return folder / "crm.sqlite"
    # not built yet: build it in a temporary folder, never in the repository
    if dataset not in _TEMP:
        tmp = Path(tempfile.mkdtemp(prefix="crmlab-sql-")) / "data"
        if folder is not None and (folder / "metadata.json").exists():
            tmp.mkdir()
            for f in [*folder.glob("*.csv"), folder / "metadata.json"]:
                shutil.copy(f, tmp / f.name)
        else:
            load(dataset, truth=False).save(tmp)
        _TEMP[dataset] = tmp
    return build_sqlite(_TEMP[dataset])


def connect(dataset="retail") -> sqlite3.Connection:
    """A read-only connection to a dataset's SQLite database (``crm.sqlite``).

    ``crmlab datasets`` writes ``datasets/<name>/crm.sqlite``; when it is not
    there the database is built from the CSV files in a temporary folder
    (removed when Python exits), so nothing is written to the repository.
    The connection is read-only: a query can read every table but change
    none (temporary views, like :func:`create_customer_view`'s, are allowed).

    Parameters
    ----------
    dataset : str or CRMData
        A committed name (``"retail"``, ``"retail_zh"`` ...), a saved dataset
        folder, or a dataset from :func:`crmlab.load` / :func:`crmlab.generate`.

    Examples
    --------
    >>> conn = connect("b2b")
    >>> int(run_sql(conn, "SELECT COUNT(*) AS n FROM customers")["n"].iloc[0])
    300
    """
    path = _sqlite_file(dataset)
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    return [r[0] for r in rows]


def run_sql(conn: sqlite3.Connection, sql: str, params=None) -> pd.DataFrame:
    """Run one SQL query and return its result as a DataFrame (``pandas.read_sql``).

    Parameters
    ----------
    conn : sqlite3.Connection
        From :func:`connect`.
    sql : str
        One ``SELECT`` statement; ``?`` or ``:name`` placeholders for values.
    params : sequence or dict, optional
        The values of the placeholders (never paste values into the SQL text:
        placeholders keep a name like O'Brien from breaking the query, and
        block SQL injection).

    Raises
    ------
    ValueError
        For an SQL error, with SQLite's message and the tables there are.

    Examples
    --------
    >>> conn = connect("retail")
    >>> run_sql(conn, "SELECT channel, COUNT(*) AS n FROM orders WHERE amount > ? "
    ...         "GROUP BY channel ORDER BY channel", [100])
            channel    n
    0           app  938
    1  mini_program  989
    2         store  953
    3           web  974
    >>> run_sql(conn, "SELECT * FROM order")
    Traceback (most recent call last):
    ...
    ValueError: SQL error: near "order": syntax error. Tables: address_changes, campaign_contacts, campaigns, crm_usage, customers, employees, interactions, kano_responses, kpi_monthly, orders, regions, servqual_items, surveys, tickets
    """
    if not isinstance(conn, sqlite3.Connection):
        raise ValueError(_("conn must be a connection from crmlab.integration.connect(...), got "
                           "{type}").format(type=type(conn).__name__))
    if not isinstance(sql, str) or not sql.strip():
        raise ValueError(_("sql must be the text of a query, e.g. 'SELECT * FROM customers'"))
    try:
        return pd.read_sql(sql, conn, params=params)
    except (pd.errors.DatabaseError, sqlite3.Error) as exc:
        msg = str(exc.__cause__ or exc)
        msg = msg.split("': ", 1)[-1] if msg.startswith("Execution failed on sql") else msg
        raise ValueError(_("SQL error: {msg}. Tables: {tables}").format(
                             msg=msg, tables=', '.join(_tables(conn)))) from None


# one row per customer, the figures of every system side by side; only tables and
# columns every scenario has, so the same SQL runs on each dataset
CUSTOMER_VIEW_SQL = """
CREATE TEMP VIEW IF NOT EXISTS customer_view AS
SELECT c.customer_id, c.name, c.city, c.region_id, c.signup_date, c.marketing_consent,
       COALESCE(o.n_orders, 0)         AS n_orders,        -- sales system
       COALESCE(o.revenue, 0)          AS revenue,
       o.first_order, o.last_order,
       COALESCE(t.n_tickets, 0)        AS n_tickets,       -- service system
       COALESCE(t.n_complaints, 0)     AS n_complaints,
       COALESCE(i.n_interactions, 0)   AS n_interactions,
       i.last_contact,
       COALESCE(s.n_surveys, 0)        AS n_surveys,       -- marketing research
       s.mean_csat
FROM customers AS c
LEFT JOIN (SELECT customer_id, COUNT(*) AS n_orders, ROUND(SUM(amount), 2) AS revenue,
                  MIN(order_date) AS first_order, MAX(order_date) AS last_order
           FROM orders GROUP BY customer_id) AS o ON o.customer_id = c.customer_id
LEFT JOIN (SELECT customer_id, COUNT(*) AS n_tickets,
                  SUM(ticket_type = 'complaint') AS n_complaints
           FROM tickets GROUP BY customer_id) AS t ON t.customer_id = c.customer_id
LEFT JOIN (SELECT customer_id, COUNT(*) AS n_interactions,
                  MAX(interaction_time) AS last_contact
           FROM interactions GROUP BY customer_id) AS i ON i.customer_id = c.customer_id
LEFT JOIN (SELECT customer_id, COUNT(*) AS n_surveys, ROUND(AVG(csat), 2) AS mean_csat
           FROM surveys GROUP BY customer_id) AS s ON s.customer_id = c.customer_id
""".strip()


def create_customer_view(conn: sqlite3.Connection) -> pd.DataFrame:
    """Create the temporary view ``customer_view`` (one row per customer) and return it.

    The view (:data:`CUSTOMER_VIEW_SQL`) joins the master record with the
    sales, service and marketing systems on ``customer_id``: orders and
    revenue, first and last order, tickets and complaints, contacts, surveys
    and mean CSAT.  Each system is aggregated first and then LEFT JOINed, so
    every customer keeps one row (a customer without orders gets 0) and no
    row is counted twice.  Orders whose customer is not in the master table
    (orphans, :func:`key_breaks`) do not appear.  A TEMP view lives only in
    this connection and writes nothing to the database file.

    Examples
    --------
    >>> conn = connect("retail")
    >>> view = create_customer_view(conn)
    >>> len(view), int(view["n_orders"].sum())
    (5000, 20481)
    """
    if not isinstance(conn, sqlite3.Connection):
        raise ValueError(_("conn must be a connection from crmlab.integration.connect(...), got "
                           "{type}").format(type=type(conn).__name__))
    missing = [t for t in ("customers", "orders", "tickets", "interactions", "surveys")
               if t not in _tables(conn)]
    if missing:
        raise ValueError(_("the customer view needs the table(s) {missing}; this database has: "
                           "{tables}").format(
                             missing=', '.join(missing), tables=', '.join(_tables(conn))))
    conn.execute(CUSTOMER_VIEW_SQL)
    return run_sql(conn, "SELECT * FROM customer_view")


# ---------------------------------------------------------------- keys
def _customer_refs(frames) -> list[tuple[str, str, list[str]]]:
    """(table, column, primary key) of every column that references customers.customer_id."""
    from crmlab.data.schema import TABLES

    out = []
    for tab in TABLES:
        if tab.name not in frames:
            continue
        for c in tab.columns:
            if c.references == "customers.customer_id" and c.name in frames[tab.name].columns:
                out.append((tab.name, c.name, list(tab.primary_key)))
    return out


def _normal_id(s: pd.Series, width: int, prefix: str = "C") -> pd.Series:
    """``c 123`` or ``123`` -> ``C000123``: the id a reformatted key would have been."""
    digits = s.astype(str).str.replace(r"\D", "", regex=True)
    return prefix + digits.str.zfill(width).where(digits.ne(""), "")


def key_breaks(data) -> pd.DataFrame:
    """Rows whose customer key does not resolve to a customer (断开的客户键).

    Every table with a ``customer_id`` (and ``customers.referred_by``) is
    checked against the master table.  A broken key is either

    * ``reformatted``: the id is written differently (``c000123``,
      ``123``, ``C-000123``) but, written the standard way, it is a known
      customer: a fix of the format repairs the link; or
    * ``orphan`` (孤儿记录): no customer has that id in any form, e.g. an
      order keyed in a system that never sent the customer to the master table.

    Returns
    -------
    pandas.DataFrame
        ``table``, ``row_id`` (the row's primary key, ``|``-joined if it has
        several columns), ``column``, ``customer_id`` (as written), ``kind``
        and ``resolves_to`` (the customer a reformatted id means).

    Examples
    --------
    >>> import crmlab
    >>> kb = key_breaks(crmlab.load("retail_dirty"))
    >>> kb.groupby(["table", "kind"]).size().to_dict()
    {('orders', 'orphan'): 61}
    """
    from crmlab._checks import dataset_tables

    frames = dataset_tables(data)
    if "customers" not in frames:
        raise ValueError(_("key_breaks needs a customers table; tables: {frames}").format(
                             frames=', '.join(frames)))
    cust = frames["customers"]
    if "customer_id" not in cust.columns:
        raise ValueError(_("customers is missing column(s) 'customer_id'"))
    known = set(cust["customer_id"].dropna().astype(str))
    width = int(cust["customer_id"].dropna().astype(str).str.len().mode().iloc[0]) - 1 \
        if len(known) else 6
    rows = []
    for name, col, pk in _customer_refs(frames):
        df = frames[name]
        ids = df[col]
        bad = ids.notna() & ~ids.astype(str).isin(known)
        if not bad.any():
            continue
        sub = df[bad]
        normal = _normal_id(sub[col], width)
        reform = normal.isin(known)
        key = (sub[pk].astype(str).agg("|".join, axis=1) if len(pk) > 1 else
               sub[pk[0]].astype(str)) if pk else sub.index.astype(str)
        rows.append(pd.DataFrame({"table": name, "row_id": np.asarray(key), "column": col,
                                  "customer_id": sub[col].astype(str).to_numpy(),
                                  "kind": np.where(reform, "reformatted", "orphan"),
                                  "resolves_to": normal.where(reform).to_numpy()}))
    cols = ["table", "row_id", "column", "customer_id", "kind", "resolves_to"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)


# ---------------------------------------------------------------- data quality
def _date_columns(name: str, scenario: str) -> list[str]:
    from crmlab.data.schema import table

    return [c.name for c in table(name).columns_for(scenario) if c.dtype in ("date", "datetime")]


def _parsed(s: pd.Series) -> pd.Series:
    from crmlab.cleaning import parse_dates

    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    return parse_dates(s)["date"]


# the record date of each table whose records arrive all the time (events, transactions,
# weekly and monthly logs): the date that says when the record was written.  Tables whose
# records arrive rarely (regions, employees hired, campaigns launched) are not here: an old
# latest record there is no lag, so they have no timeliness.
RECORD_DATE = {"customers": "signup_date", "orders": "order_date", "interactions":
               "interaction_time", "tickets": "opened_at", "surveys": "survey_date",
               "address_changes": "change_date", "contracts": "start_date",
               "holdings": "opened_date", "plan_changes": "change_date",
               "service_faults": "fault_date", "leads": "created_date",
               "opportunities": "qualified_date", "crm_usage": "week_start",
               "kpi_monthly": "month"}


def _table_counts(name: str, df: pd.DataFrame, frames, scenario: str, end, max_age_days: int):
    """Numerators and denominators of the five dimensions for one table."""
    from crmlab.data.schema import table
    from crmlab.evaluation import data_quality_checks

    tab = table(name)
    cols = [c for c in tab.columns_for(scenario) if c.name in df.columns]
    required = [c.name for c in cols if not c.nullable]
    filled = int(df[required].notna().sum().sum()) if required else 0
    cells = len(df) * len(required)
    from crmlab.data.io import CRMData

    one = CRMData(tables={name: df}, truth=None, meta={"scenario": scenario})
    chk = data_quality_checks(one, tables=(name,)) if len(df) else None
    valid = checked = 0
    if chk is not None:
        for (_, col), r in chk.iterrows():
            if not np.isnan(r["validity"]):
                n = int(df[col].notna().sum())
                checked += n
                valid += int(round(r["validity"] * n))
    # uniqueness: primary key not repeated; customers: e-mail or phone not repeated either
    pk = [k for k in tab.primary_key if k in df.columns]
    dup = df.duplicated(pk, keep="first") if pk else pd.Series(False, index=df.index)
    if name == "customers" and "email" in df.columns:
        email = df["email"].astype("string").str.strip().str.casefold()
        dup |= email.notna() & email.duplicated()
    if name == "customers" and "phone" in df.columns:
        phone = df["phone"].astype("string").str.replace(r"\D", "", regex=True).str[-10:]
        dup |= phone.notna() & phone.duplicated()
    # consistency: keys resolve, and the record agrees with the customer's master record
    ok = pd.Series(True, index=df.index)
    cust = frames.get("customers")
    if cust is not None and name != "customers" and "customer_id" in df.columns:
        master = cust.drop_duplicates("customer_id").set_index("customer_id")
        ok &= df["customer_id"].isin(master.index)
        date_col = RECORD_DATE.get(name)
        if date_col in df.columns and "signup_date" in master.columns:
            signup = _parsed(master["signup_date"])
            when = _parsed(df[date_col]).dt.normalize()
            ok &= ~(when < df["customer_id"].map(signup))  # not before the customer signed up
        if name == "address_changes" and "city" in master.columns:
            first = df.sort_values("change_date").drop_duplicates("customer_id")
            agree = first["old_city"] == first["customer_id"].map(master["city"])
            ok.loc[first.index] &= agree | first["customer_id"].map(master["city"]).isna()
    elif name == "customers" and "referred_by" in df.columns:
        ok &= df["referred_by"].isna() | df["referred_by"].isin(set(df["customer_id"]))
    # timeliness: how old is the latest record when the data are read (the end date)
    date_col = RECORD_DATE.get(name)
    age = np.nan
    if date_col in df.columns and end is not None:
        latest = _parsed(df[date_col]).max()
        age = float((end - latest.normalize()).days) if pd.notna(latest) else np.nan
    return {"rows": len(df), "filled": filled, "cells": cells, "valid": valid,
            "checked": checked, "unique": int((~dup).sum()), "consistent": int(ok.sum()),
            "age_days": age}


def _timeliness(age: float, max_age_days: int) -> float:
    if np.isnan(age):
        return np.nan
    return 1.0 if age <= max_age_days else max_age_days / age


def quality_scorecard(data, by: str = "system", max_age_days: int = 31) -> pd.DataFrame:
    """Data-quality scorecard (数据质量记分卡): five dimensions per table or source system.

    Each dimension is a share between 0 and 1 (Wang & Strong 1996; Batini et
    al. 2009):

    * ``completeness`` (完整性): filled cells among those the schema says
      must be filled (the cells the ``orders`` table may leave empty, such as
      ``discount``, do not count);
    * ``validity`` (有效性): filled cells in the standard format (ISO dates,
      lower-case e-mails, one phone pattern, tidy names and cities: the rules
      of :func:`crmlab.evaluation.data_quality_checks`);
    * ``uniqueness`` (唯一性): rows that do not repeat an earlier row's primary
      key; for customers also not an earlier customer's e-mail or phone;
    * ``consistency`` (一致性): rows that agree with the master data: the
      customer key resolves (no orphan), the record is not dated before the
      customer's sign-up, a customer's first move starts from the city in
      the master record, a referrer is a known customer;
    * ``timeliness`` (及时性): 1 when the table's latest record is at most
      ``max_age_days`` older than the data's end date (a monthly load keeps
      up), else ``max_age_days / age``; ``age_days`` gives the age itself.
      Only tables whose records arrive all the time have it (:data:`RECORD_DATE`):
      that no employee was hired last month is no lag.  The datasets record
      no entry time apart from the event's date, so this is the age of the
      newest record, not the delay of each record.

    ``score`` is their mean.  By system, the shares are pooled over the
    system's tables (sums of counts) and the age is the oldest table's.

    Parameters
    ----------
    data : CRMData
    by : {"system", "table"}
    max_age_days : int
        The lag the firm accepts between an event and its record.

    Examples
    --------
    >>> import crmlab
    >>> card = quality_scorecard(crmlab.load("retail_dirty"))
    >>> card.reset_index()[["system", "completeness", "validity", "uniqueness",
    ...                     "consistency"]].round(4)
          system  completeness  validity  uniqueness  consistency
    0  marketing        1.0000    1.0000      1.0000       1.0000
    1     master        0.9909    0.9688      0.9553       0.9964
    2  reporting        1.0000    1.0000      1.0000       1.0000
    3      sales        0.9912    1.0000      1.0000       0.9866
    4    service        1.0000    1.0000      1.0000       1.0000
    """
    from crmlab._checks import dataset_tables

    if by not in ("system", "table"):
        raise ValueError(_("by must be 'system' or 'table', got {by}").format(by=repr(by)))
    if isinstance(max_age_days, bool) or not isinstance(max_age_days, (int, np.integer)) \
            or max_age_days < 1:
        raise ValueError(_("max_age_days must be a whole number of days >= 1, got {max_age_days}").format(
                             max_age_days=repr(max_age_days)))
    frames = dataset_tables(data)
    meta = getattr(data, "meta", {}) or {}
    scenario = meta.get("scenario", "retail")
    end = pd.Timestamp(meta["end"]) if meta.get("end") else None
    unknown = sorted(set(frames) - set(SOURCE_SYSTEMS))
    if unknown:
        raise ValueError(_("no source system is known for table(s) {unknown}; known: "
                           "{source_systems}").format(
                             unknown=', '.join(unknown),
                             source_systems=', '.join(SOURCE_SYSTEMS)))
    counts = {name: _table_counts(name, df, frames, scenario, end, max_age_days)
              for name, df in frames.items()}
    raw = pd.DataFrame(counts).T
    raw["system"] = [SOURCE_SYSTEMS[n] for n in raw.index]
    if by == "system":
        num = raw.drop(columns="system").apply(pd.to_numeric).groupby(raw["system"])
        agg = num.sum()
        agg["age_days"] = num["age_days"].max()
        raw = agg
        raw.index.name = "system"
    else:
        raw.index.name = "table"
        raw = raw.drop(columns="system").apply(pd.to_numeric)
    out = pd.DataFrame(index=raw.index)
    out["rows"] = raw["rows"].astype(int)
    div = lambda a, b: (raw[a] / raw[b].where(raw[b] > 0)).astype(float)
    out["completeness"] = div("filled", "cells")
    out["validity"] = div("valid", "checked")
    out["uniqueness"] = div("unique", "rows")
    out["consistency"] = div("consistent", "rows")
    out["timeliness"] = [_timeliness(a, max_age_days) for a in raw["age_days"].astype(float)]
    out["age_days"] = raw["age_days"].astype(float)
    out["score"] = out[list(QUALITY_DIMENSIONS)].mean(axis=1)
    return out


def plot_scorecard(card: pd.DataFrame, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Heatmap of a :func:`quality_scorecard`: rows are tables or systems, columns dimensions.

    Each cell shows the share (0-1, red low, green high); an empty cell is a
    dimension that does not apply (no rule for the table).
    """
    from crmlab._plots import _ax

    if not isinstance(card, pd.DataFrame) or not set(QUALITY_DIMENSIONS) <= set(card.columns):
        raise ValueError(_("plot_scorecard needs the table returned by quality_scorecard(data)"))
    values = card[list(QUALITY_DIMENSIONS)].astype(float)
    ax = _ax(ax, size=(7, 0.45 * len(values) + 1.5))
    im = ax.imshow(values.to_numpy(), cmap="RdYlGn", vmin=0.8, vmax=1.0, aspect="auto")
    ax.set_xticks(range(values.shape[1]), [plot_text(str(c)) for c in values.columns], rotation=20)
    ax.set_yticks(range(values.shape[0]), values.index)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values.iat[i, j]
            if not np.isnan(v):
                ax.text(j, i, f"{v:.3f}", ha="center", va="center", fontsize=8)
    ax.figure.colorbar(im, ax=ax, label=plot_text("share (colour scale from 0.8)"))
    ax.set_title(title or plot_text("data-quality scorecard"))
    return ax


# ---------------------------------------------------------------- the 360° view
# table -> (record date, event text, detail text) as SQL expressions; only customer tables
TIMELINE_EVENTS: dict[str, tuple[str, str, str]] = {
    "customers": ("signup_date", "'sign-up'", "acquisition_channel"),
    "orders": ("order_date", "'order'", "category || ' ' || printf('%.2f', amount)"),
    "contracts": ("start_date", "'contract'", "plan"),
    "holdings": ("opened_date", "'product opened'", "product"),
    "plan_changes": ("change_date", "'plan change'", "old_plan || ' -> ' || new_plan"),
    "interactions": ("interaction_time", "'contact'", "channel || ' ' || direction || ' ' || purpose"),
    "tickets": ("opened_at", "ticket_type", "category || ' (' || outcome || ')'"),
    "service_faults": ("fault_date", "'fault'", "fault_type"),
    "surveys": ("survey_date", "survey_type || ' survey'", "'CSAT ' || COALESCE(csat, '-')"),
    "campaign_contacts": ("(SELECT start_date FROM campaigns AS k WHERE k.campaign_id = "
                          "x.campaign_id)", "'campaign ' || \"group\"",
                          "campaign_id || CASE responded WHEN 1 THEN ' responded' ELSE '' END"),
    "address_changes": ("change_date", "'address change'", "old_city || ' -> ' || new_city"),
}


def customer_360_sql(tables) -> str:
    """The SQL :func:`customer_360` runs: every event of one customer, from every system.

    One ``SELECT`` per table that has the customer (:data:`TIMELINE_EVENTS`),
    stacked with ``UNION ALL`` and sorted by time; ``:customer_id`` is the
    placeholder for the customer.  ``tables`` is the list of tables in the
    database (a scenario without campaigns has no campaign SELECT).

    Examples
    --------
    >>> print(customer_360_sql(["customers", "orders"]))
    SELECT signup_date AS time, 'master' AS system, 'customers' AS source, 'sign-up' AS event, acquisition_channel AS detail
    FROM customers AS x WHERE x.customer_id = :customer_id
    UNION ALL
    SELECT order_date AS time, 'sales' AS system, 'orders' AS source, 'order' AS event, category || ' ' || printf('%.2f', amount) AS detail
    FROM orders AS x WHERE x.customer_id = :customer_id
    ORDER BY time
    """
    parts = []
    for name, (when, event, detail) in TIMELINE_EVENTS.items():
        if name in tables:
            parts.append(f"SELECT {when} AS time, '{SOURCE_SYSTEMS[name]}' AS system, "
                         f"'{name}' AS source, {event} AS event, {detail} AS detail\n"
                         f"FROM {name} AS x WHERE x.customer_id = :customer_id")
    if not parts:
        raise ValueError(_("no table with customer events; expected some of {timeline_events}").format(
                             timeline_events=', '.join(TIMELINE_EVENTS)))
    return "\nUNION ALL\n".join(parts) + "\nORDER BY time"


@dataclass
class CustomerProfile:
    """One customer's 360° view: the master record, every event, and the counts."""

    customer_id: str
    master: pd.Series
    events: pd.DataFrame
    counts: pd.Series

    def __repr__(self) -> str:
        name = self.master.get("name", "")
        return (f"CustomerProfile({self.customer_id} {name}: {len(self.events)} events from "
                f"{self.events['system'].nunique()} systems)")


def customer_360(data_or_conn, customer_id: str) -> CustomerProfile:
    """One customer's profile from every table (客户360度视图).

    ``master`` is the customer's row of the master table, ``events`` every
    record about the customer in time order (``time``, ``system``, ``source``
    table, ``event``, ``detail``) and ``counts`` the number of events per
    table.  The SQL sorts the dates as text, which is time order for ISO
    dates (``2024-03-01``) only: a dataset with mixed date formats is sorted
    right after :func:`crmlab.cleaning.clean`.  The events come from the SQL of :func:`customer_360_sql`; given a
    dataset instead of a connection, the same SQL runs on an SQLite copy of
    it, so both ways give the same profile.

    Examples
    --------
    >>> conn = connect("retail")
    >>> p = customer_360(conn, "C000003")
    >>> p.counts.to_dict()
    {'customers': 1, 'orders': 8, 'interactions': 16, 'tickets': 2, 'campaign_contacts': 1}
    """
    conn = data_or_conn if isinstance(data_or_conn, sqlite3.Connection) else connect(data_or_conn)
    if not isinstance(customer_id, str):
        raise ValueError(_("customer_id must be a text id like 'C000003', got {customer_id}").format(
                             customer_id=repr(customer_id)))
    master = run_sql(conn, "SELECT * FROM customers WHERE customer_id = ?", [customer_id])
    if master.empty:
        raise ValueError(_("no customer {customer_id} in the customers table (ids look like "
                           "{run_sql})").format(
                             customer_id=repr(customer_id),
                             run_sql=run_sql(conn, 'SELECT MIN(customer_id) AS i FROM customers')['i'][0]))
    events = run_sql(conn, customer_360_sql(_tables(conn)), {"customer_id": customer_id})
    counts = events.groupby("source", sort=False).size()
    return CustomerProfile(customer_id, master.iloc[0], events, counts)


SYSTEM_ORDER = (N_("master"), N_("sales"), N_("service"), N_("marketing"))


def plot_timeline(profile: CustomerProfile, ax: Axes | None = None) -> Axes:
    """The customer's events on a time axis, one row per source system.

    Each marker is one record; the marker says which table it comes from.
    Dates written in other formats are read with :func:`crmlab.cleaning.parse_dates`.
    """
    from crmlab._plots import _ax

    if not isinstance(profile, CustomerProfile):
        raise ValueError(_("plot_timeline needs the profile returned by customer_360(...)"))
    ev = profile.events.copy()
    ev["when"] = _parsed(ev["time"].astype(object))
    systems = [s for s in SYSTEM_ORDER if s in set(ev["system"])]
    ax = _ax(ax, size=(8, 0.6 * len(systems) + 1.8))
    markers = "osD^v<>ph*X"
    for k, (source, g) in enumerate(ev.groupby("source", sort=False)):
        y = g["system"].map({s: i for i, s in enumerate(systems)})
        ax.scatter(g["when"], y, marker=markers[k % len(markers)], s=40, alpha=0.8,
                   label=f"{source} ({len(g)})")
    ax.set_yticks(range(len(systems)), [plot_text(s) for s in systems])
    ax.set_ylim(-0.6, len(systems) - 0.4)
    ax.set_xlabel(plot_text("date"))
    name = str(profile.master.get("name", ""))
    # a Chinese name only where the plot font can draw it (Chinese plots have such a font)
    name = f" {name}" if name.isascii() or plot_language() == "zh" else ""
    ax.set_title(plot_text("360° view of {customer}{name}: events by source system").format(
        customer=profile.customer_id, name=name))
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax
