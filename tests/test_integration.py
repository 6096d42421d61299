"""Silos, SQL, key breaks, the quality scorecard and the 360° view, against the defect truth."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

import crmlab
from crmlab import cleaning as cl
from crmlab import integration as ig
from crmlab.data.io import DEFAULT_DATASETS, CRMData
from crmlab.data.schema import TABLES

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dirty():
    return crmlab.load("retail_dirty")


@pytest.fixture(scope="module")
def retail_conn():
    return ig.connect("retail")


def test_every_table_has_a_source_system():
    assert set(ig.SOURCE_SYSTEMS) == {t.name for t in TABLES}
    assert set(ig.SOURCE_SYSTEMS.values()) == set(ig.SYSTEM_NAMES)


# ---------------------------------------------------------------- SQL
def test_connect_is_read_only_and_writes_nothing_to_the_repository(retail_conn):
    files = lambda: sorted(str(p) for p in (ROOT / "datasets").rglob("*"))
    before = files()
    conn = ig.connect("bank")
    ig.create_customer_view(conn)  # a TEMP view: nothing written to the file
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("DELETE FROM orders")
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("CREATE TABLE x (a)")
    assert files() == before
    path = Path(conn.execute("PRAGMA database_list").fetchall()[0][2])
    committed = ROOT / "datasets" / "bank" / "crm.sqlite"
    assert path == committed.resolve() if committed.exists() else ROOT not in path.parents
    n = ig.run_sql(retail_conn, "SELECT COUNT(*) AS n FROM orders")["n"].iloc[0]
    assert n == len(crmlab.load("retail").orders)


def test_connect_a_generated_dataset():
    data = crmlab.generate("b2b", 80, seed=3)
    conn = ig.connect(data)
    got = ig.run_sql(conn, "SELECT customer_id FROM customers ORDER BY customer_id")
    assert got["customer_id"].tolist() == sorted(data.customers["customer_id"])


def test_run_sql_params_and_errors(retail_conn):
    retail = crmlab.load("retail")
    got = ig.run_sql(retail_conn, "SELECT COUNT(*) AS n FROM orders WHERE channel = :c "
                     "AND amount > :a", {"c": "web", "a": 50})["n"].iloc[0]
    assert got == ((retail.orders["channel"] == "web") & (retail.orders["amount"] > 50)).sum()
    with pytest.raises(ValueError, match="SQL error: no such table: order.*Tables: .*orders"):
        ig.run_sql(retail_conn, "SELECT * FROM `order`")
    with pytest.raises(ValueError, match="no such column: amout"):
        ig.run_sql(retail_conn, "SELECT amout FROM orders")


@pytest.mark.parametrize("name", list(DEFAULT_DATASETS))
def test_customer_view_runs_unchanged_on_every_scenario(name):
    data = crmlab.load(name)
    conn = ig.connect(name)
    view = ig.create_customer_view(conn)
    cust, orders, tickets = data.customers, data.orders, data.tickets
    assert len(view) == len(cust) and view["customer_id"].is_unique
    known = orders["customer_id"].isin(set(cust["customer_id"]))
    assert view["n_orders"].sum() == known.sum()  # an orphan order has no row to join to
    rev = orders[known].groupby("customer_id")["amount"].sum()
    v = view.set_index("customer_id")
    assert (v["revenue"].reindex(rev.index) - rev).abs().max() < 0.01
    assert v["n_complaints"].sum() == (tickets["ticket_type"] == "complaint").sum()
    assert v["n_interactions"].sum() == len(data.interactions)
    csat = data.surveys.groupby("customer_id")["csat"].mean().round(2)
    assert (v["mean_csat"].reindex(csat.index).fillna(-1) - csat.fillna(-1)).abs().max() < 0.006
    # created twice in one connection: IF NOT EXISTS, no error
    assert len(ig.create_customer_view(conn)) == len(cust)


# ---------------------------------------------------------------- keys
def test_key_breaks_are_exactly_the_planted_orphans(dirty):
    kb = ig.key_breaks(dirty)
    truth = dirty.truth.orphans
    assert sorted(kb["row_id"]) == sorted(truth["row_id"]) and len(kb) == 61
    assert set(kb["kind"]) == {"orphan"} and set(kb["table"]) == {"orders"}
    assert dict(zip(kb["row_id"], kb["customer_id"])) == dict(zip(truth["row_id"],
                                                                  truth["customer_id"]))
    for name in ("retail", "telecom", "bank", "b2b", "retail_zh"):
        assert ig.key_breaks(crmlab.load(name)).empty, name


def test_key_breaks_hand_case():
    data = {
        "customers": pd.DataFrame({"customer_id": ["C000001", "C000002", "C000003"],
                                   "referred_by": [None, "C000009", "C000001"]}),
        "orders": pd.DataFrame({"order_id": ["O1", "O2", "O3", "O4"],
                                "customer_id": ["C000001", "c000002", "3", "C000777"]}),
        "tickets": pd.DataFrame({"ticket_id": ["T1"], "customer_id": ["C-000003"]}),
        "campaign_contacts": pd.DataFrame({"campaign_id": ["K1"], "customer_id": ["C000005"]}),
    }
    kb = ig.key_breaks(data).set_index("row_id")
    assert kb.loc["O2", "kind"] == "reformatted" and kb.loc["O2", "resolves_to"] == "C000002"
    assert kb.loc["O3", "resolves_to"] == "C000003" and kb.loc["T1", "resolves_to"] == "C000003"
    assert kb.loc["O4", "kind"] == "orphan" and pd.isna(kb.loc["O4", "resolves_to"])
    assert kb.loc["C000002", "column"] == "referred_by"  # the referrer C000009 is unknown
    assert kb.loc["K1|C000005", "kind"] == "orphan"  # composite key, joined with |
    assert len(kb) == 6


# ---------------------------------------------------------------- the scorecard
def _required_cells(df, name, scenario="retail"):
    from crmlab.data.schema import table

    return len(df) * sum(not c.nullable for c in table(name).columns_for(scenario))


def test_scorecard_against_the_defect_truth(dirty):
    card = ig.quality_scorecard(dirty, by="table")
    t = dirty.truth
    miss = t.missing.groupby("table").size()
    for name in ("customers", "orders"):  # completeness falls by exactly the planted blanks
        cells = _required_cells(dirty.tables[name], name)
        assert card.loc[name, "completeness"] == pytest.approx(1 - miss[name] / cells, abs=1e-12)
    # uniqueness: exactly the planted duplicates repeat an e-mail or phone
    assert card.loc["customers", "uniqueness"] == pytest.approx(1 - 75 / 1575, abs=1e-12)
    # consistency of orders: the orphans, and orders moved to a duplicate dated before the
    # duplicate's (later) entry: the same customer's records disagree across tables
    c = dirty.customers.set_index("customer_id")
    o = dirty.orders
    entry = cl.parse_dates(c["signup_date"])["date"]
    moved_early = (o["customer_id"].isin(t.duplicates["duplicate_id"])
                   & (pd.to_datetime(o["order_date"]) < o["customer_id"].map(entry)))
    bad = set(t.orphans["row_id"]) | set(o.loc[moved_early, "order_id"])
    assert card.loc["orders", "consistency"] == pytest.approx(1 - len(bad) / len(o), abs=1e-12)
    assert moved_early.sum() > 0
    # a mover's first address change starts from the master record's city, unless that city
    # was written in another form (the planted city format defects)
    a = dirty.address_changes.sort_values("change_date").drop_duplicates("customer_id")
    reformatted = set(t.formats.query("column == 'city'")["row_id"])
    n_bad = a["customer_id"].isin(reformatted).sum()
    assert n_bad > 0
    assert card.loc["address_changes", "consistency"] == pytest.approx(
        1 - n_bad / len(dirty.address_changes), abs=1e-12)
    # validity: the cleaning restores every format, completeness and uniqueness stay
    after = ig.quality_scorecard(cl.clean(dirty).data, by="table")
    assert after["validity"].dropna().eq(1).all() and (card["validity"].dropna() < 1).any()
    assert after["completeness"].equals(card["completeness"])
    assert after["uniqueness"].equals(card["uniqueness"])
    assert after.loc["address_changes", "consistency"] == 1


@pytest.mark.parametrize("name", ["retail", "telecom", "bank", "b2b", "retail_zh"])
def test_scorecard_of_clean_data(name):
    card = ig.quality_scorecard(crmlab.load(name), by="table")
    dims = ["completeness", "validity", "uniqueness", "consistency"]
    assert card[dims].fillna(1).eq(1).all().all()
    assert card.loc[["regions", "employees"], "timeliness"].isna().all()
    assert card.loc[["customers", "orders"], "timeliness"].eq(1).all()


def test_scorecard_by_system(dirty):
    sysc = ig.quality_scorecard(dirty)
    tab = ig.quality_scorecard(dirty, by="table")
    master = tab.loc[[t for t, s in ig.SOURCE_SYSTEMS.items() if s == "master" and t in tab.index]]
    assert sysc.loc["master", "rows"] == master["rows"].sum()
    # pooled shares: between the tables' own values, weighted by their size
    assert master["uniqueness"].min() <= sysc.loc["master", "uniqueness"] <= 1
    assert sysc.loc["reporting", "age_days"] == 30  # kpi_monthly: the month starts on the 1st


def test_timeliness_hand_case():
    meta = {"scenario": "retail", "end": "2024-12-31"}
    orders = pd.DataFrame({"order_id": ["O1", "O2"], "customer_id": ["C1", "C1"],
                           "order_date": ["2024-09-01", "2024-10-30"], "amount": [1.0, 2.0],
                           "margin": [0.1, 0.2], "category": ["a", "b"], "channel": ["web"] * 2,
                           "discount": [None, None]})
    cust = pd.DataFrame({"customer_id": ["C1"], "signup_date": ["2024-01-01"]})
    data = CRMData(tables={"customers": cust, "orders": orders}, truth=None, meta=meta)
    card = ig.quality_scorecard(data, by="table", max_age_days=31)
    assert card.loc["orders", "age_days"] == 62
    assert card.loc["orders", "timeliness"] == pytest.approx(0.5)
    assert ig.quality_scorecard(data, by="table", max_age_days=90).loc["orders",
                                                                       "timeliness"] == 1


def test_plot_scorecard(dirty):
    ax = ig.plot_scorecard(ig.quality_scorecard(dirty, by="table"))
    assert len(ax.get_yticklabels()) == len(dirty.tables)
    assert any(t.get_text() == "0.952" for t in ax.texts)  # customers' uniqueness
    with pytest.raises(ValueError, match="quality_scorecard"):
        ig.plot_scorecard(pd.DataFrame({"x": [1]}))


# ---------------------------------------------------------------- the 360° view
def _count_rows(data, cid):
    out = {}
    for name, df in data.tables.items():
        if name in ig.TIMELINE_EVENTS and "customer_id" in df.columns:
            n = int((df["customer_id"] == cid).sum())
            if n:
                out[name] = n
    return out


@pytest.mark.parametrize("name, cid", [("retail", "C000003"), ("telecom", "C000010"),
                                       ("bank", "C000020"), ("b2b", "C000005"),
                                       ("retail_zh", "C000002")])
def test_customer_360_has_every_record_of_the_customer(name, cid):
    data = crmlab.load(name)
    p = ig.customer_360(ig.connect(name), cid)
    assert p.counts.to_dict() == _count_rows(data, cid)
    assert p.master["name"] == data.customers.set_index("customer_id").loc[cid, "name"]
    assert p.events["time"].is_monotonic_increasing
    assert set(p.events["system"]) <= set(ig.SOURCE_SYSTEMS.values())
    ax = ig.plot_timeline(p)
    assert {t.get_text() for t in ax.get_yticklabels()} == set(p.events["system"])


def test_customer_360_same_logic_from_data_and_connection():
    data = crmlab.generate("retail", 150, seed=4)
    cid = data.orders["customer_id"].value_counts().index[0]
    from_data = ig.customer_360(data, cid)
    assert from_data.counts.to_dict() == _count_rows(data, cid)
    order_events = from_data.events.query("source == 'orders'")
    assert order_events["time"].tolist() == sorted(
        data.orders.loc[data.orders["customer_id"] == cid, "order_date"].dt.strftime("%Y-%m-%d"))
    sql = ig.customer_360_sql(ig._tables(ig.connect(data)))
    assert "UNION ALL" in sql and ":customer_id" in sql and "campaign_contacts" in sql
    assert "contracts" not in sql  # retail has no contracts table


def test_customer_360_dirty_dates_are_plotted(dirty):
    cid = dirty.truth.formats.query("column == 'signup_date'")["row_id"].iloc[0]
    p = ig.customer_360(ig.connect("retail_dirty"), cid)
    ax = ig.plot_timeline(p)
    xs = [c.get_offsets()[0][0] for c in ax.collections]
    assert all(pd.notna(x) for x in xs)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, message", [
    (lambda: ig.connect("nope"), "no dataset 'nope'"),
    (lambda: ig.connect(42), "dataset must be a committed name"),
    (lambda: ig.run_sql("conn", "SELECT 1"), "conn must be a connection"),
    (lambda: ig.run_sql(ig.connect("b2b"), "  "), "sql must be the text of a query"),
    (lambda: ig.create_customer_view(sqlite3.connect(":memory:")), "needs the table(s)"),
    (lambda: ig.key_breaks({"orders": pd.DataFrame()}), "needs a customers table"),
    (lambda: ig.key_breaks([1]), "expected a dataset"),
    (lambda: ig.quality_scorecard(crmlab.load("b2b"), by="region"), "by must be 'system' or"),
    (lambda: ig.quality_scorecard(crmlab.load("b2b"), max_age_days=0), "max_age_days"),
    (lambda: ig.quality_scorecard({"foo": pd.DataFrame()}), "no source system is known"),
    (lambda: ig.customer_360(ig.connect("b2b"), "C999999"), "no customer 'C999999'"),
    (lambda: ig.customer_360(ig.connect("b2b"), 5), "customer_id must be a text id"),
    (lambda: ig.customer_360_sql([]), "no table with customer events"),
    (lambda: ig.plot_timeline({"events": []}), "needs the profile"),
])
def test_bad_input_gets_a_clear_message(call, message):
    with pytest.raises(ValueError) as err:
        call()
    assert message in str(err.value)
