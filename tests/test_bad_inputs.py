"""Every bad input gets one clear line, never a silently wrong result.

One table of bad inputs: (area, id, what to call, the exception type or the
verdict status expected, a fragment the message must contain). The fragments
name the file, column or count, so a vague message fails the test.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

import crmlab
import crmlab.tour
from crmlab import (
    btyd,
    campaigns,
    clv,
    cohorts,
    concentration,
    crm_kinds,
    did,
    evaluation,
    implementation,
    lifecycle,
    loyalty,
    operational,
    recommend,
    recovery,
    retention,
    rfm,
    roi,
    satisfaction,
    satisfaction_value,
    scorecard,
    strategy,
    value,
    winback,
)
from crmlab.cli import main
from crmlab.exercises.kinds import Choice, Function, MultiChoice, Number, Text

DATASETS = Path(__file__).resolve().parents[1] / "datasets"


@dataclass(frozen=True)
class Case:
    area: str
    name: str
    call: Callable[[Any], Any]
    expect: type[BaseException] | str  # an exception type, a verdict status, or "cli"
    fragment: str


@pytest.fixture(scope="module")
def data():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SimpleNamespace(retail=crmlab.generate("retail", 300, seed=1),
                               telecom=crmlab.generate("telecom", 300, seed=1),
                               b2b=crmlab.generate("b2b", 60, seed=1))


@pytest.fixture
def ctx(data, tmp_path, capsys):
    return SimpleNamespace(retail=data.retail, telecom=data.telecom, b2b=data.b2b,
                           tmp=tmp_path, capsys=capsys)


# ------------------------------------------------------------------ helpers
def put(df: pd.DataFrame, col: str, rows, value) -> pd.DataFrame:
    """A copy of ``df`` with ``value`` in ``col`` at the positions ``rows``."""
    out = df.copy()
    keeps_dtype = (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
        value is pd.NaT and pd.api.types.is_datetime64_any_dtype(out[col]))
    if not keeps_dtype:
        out[col] = out[col].astype(object)
    idx = out.index[list(rows)]
    out.loc[idx, col] = value
    return out


def orders(c, **cells) -> pd.DataFrame:
    o = c.retail.orders
    for col, (rows, cell) in cells.items():
        o = put(o, col, rows, cell)
    return o


def corrupt(c, change: Callable[[Path], None], name: str = "b2b") -> Any:
    folder = c.tmp / name
    shutil.copytree(DATASETS / name, folder)
    change(folder)
    return crmlab.load(folder)


def edit_csv(table: str, fn: Callable[[list[str]], list[str]]) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        path = folder / f"{table}.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join(fn(lines)) + "\n", encoding="utf-8")
    return change


def set_field(column: str, value: str, lines_at=(1, 4, 9)) -> Callable[[list[str]], list[str]]:
    def fn(lines: list[str]) -> list[str]:
        header = lines[0].split(",")
        i = header.index(column)
        for k in lines_at:
            fields = lines[k].split(",")
            fields[i] = value
            lines[k] = ",".join(fields)
        return lines
    return fn


def write(relpath: str, content: bytes) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        (folder / relpath).write_bytes(content)
    return change


def truncate(relpath: str, keep: float = 0.5) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        p = folder / relpath
        raw = p.read_bytes()
        p.write_bytes(raw[: int(len(raw) * keep)])
    return change


def meta(fn: Callable[[dict], Any]) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        p = folder / "metadata.json"
        m = json.loads(p.read_text())
        out = fn(m)
        p.write_text(json.dumps(m if out is None else out))
    return change


def cli(c, *argv: str) -> str:
    try:
        rc = main(list(argv))
    except SystemExit as exc:  # argparse's own errors exit instead of returning
        rc = exc.code
    err = c.capsys.readouterr().err
    lines = err.strip().splitlines()
    assert rc == 2, err
    assert len(lines) == 1 and lines[0].startswith("crmlab: error:"), err
    return lines[0]


def summary(c) -> pd.DataFrame:
    return clv.summary_data(c.retail.orders, "2024-12-31")


def panel(**changes) -> pd.DataFrame:
    p = pd.DataFrame({"region_id": list("AABBCCDD"), "month": [1, 2] * 4,
                      "y": [10.0, 15, 12, 16, 10, 12, 14, 15],
                      "treated": [True] * 4 + [False] * 4, "post": [False, True] * 4})
    return p.assign(**changes)


F = Number(unit="fraction")
P = Number(unit="percent")
N = Number()
BIG = "x" * 1_000_000
E = ValueError

# ------------------------------------------------------------------ the table
CASES: list[Case] = [
    # --- crmlab.load: corrupted copies of a committed dataset
    Case("load", "truncated-csv", lambda c: corrupt(c, truncate("orders.csv")), E,
         "orders.csv has "),
    Case("load", "truncated-csv-says-metadata", lambda c: corrupt(c, truncate("orders.csv", 0.9)),
         E, "but metadata.json records 2,280"),
    Case("load", "cut-mid-row", lambda c: corrupt(c, truncate("customers.csv", 0.999)), E,
         "customers.csv"),
    Case("load", "random-bytes-csv", lambda c: corrupt(c, write("orders.csv", os.urandom(4096))),
         E, "orders.csv is not a UTF-8 text CSV file"),
    Case("load", "ragged-line",
         lambda c: corrupt(c, edit_csv("orders", lambda ls: [*ls[:5], ls[5] + ",x,y", *ls[6:]])),
         E, "orders.csv is not a well-formed CSV file (Expected 7 fields in line 6, saw 9)"),
    Case("load", "latin-1-csv",
         lambda c: corrupt(c, lambda f: (f / "regions.csv").write_bytes(
             (f / "regions.csv").read_text().replace("a", "\xe9").encode("latin-1"))), E,
         "regions.csv is not a UTF-8 text CSV file"),
    Case("load", "empty-csv", lambda c: corrupt(c, write("tickets.csv", b"")), E,
         "tickets.csv is empty (no header row)"),
    Case("load", "header-only-csv",
         lambda c: corrupt(c, edit_csv("surveys", lambda lines: lines[:1])), E,
         "surveys.csv has 0 rows but metadata.json records"),
    Case("load", "extra-rows", lambda c: corrupt(c, edit_csv("orders", lambda ls: ls + ls[1:3])),
         E, "rows were added?"),
    Case("load", "broken-metadata", lambda c: corrupt(c, write("metadata.json", b'{"scenario":')),
         E, "metadata.json is not valid JSON"),
    Case("load", "random-bytes-metadata",
         lambda c: corrupt(c, write("metadata.json", os.urandom(256))), E,
         "metadata.json is not a text file"),
    Case("load", "empty-metadata", lambda c: corrupt(c, write("metadata.json", b"  \n")), E,
         "metadata.json is empty"),
    Case("load", "metadata-a-list", lambda c: corrupt(c, write("metadata.json", b"[1, 2]")), E,
         "must hold a JSON object"),
    Case("load", "metadata-bad-rows", lambda c: corrupt(c, meta(lambda m: m.update(rows=[1]))),
         E, "'rows' must map each table to its row count"),
    Case("load", "metadata-unknown-scenario",
         lambda c: corrupt(c, meta(lambda m: m.update(scenario="hotel"))), E,
         "unknown scenario 'hotel'"),
    Case("load", "missing-table", lambda c: corrupt(c, lambda f: (f / "leads.csv").unlink()), E,
         "is missing leads.csv"),
    Case("load", "renamed-column",
         lambda c: corrupt(c, edit_csv("orders", lambda ls: [ls[0].replace("amount", "Amount"),
                                                            *ls[1:]])), E,
         "orders.csv: orders table: missing column(s) 'amount'; unexpected column(s) 'Amount'"),
    Case("load", "amount-12,50-EUR",
         lambda c: corrupt(c, edit_csv("orders", set_field("amount", '"12,50 EUR"'))), E,
         "column 'amount' has 3 rows that are not a number (e.g. '12,50 EUR'"),
    Case("load", "text-in-int-column",
         lambda c: corrupt(c, edit_csv("crm_usage", set_field("logins", "many", (2,)))), E,
         "column 'logins' has 1 row that is not a number"),
    Case("load", "bad-date", lambda c: corrupt(c, edit_csv("orders", set_field(
        "order_date", "31/12/2023", (5, 6)))), E, "column 'order_date' has 2 rows that are not a date"),
    Case("load", "bad-bool", lambda c: corrupt(c, edit_csv("regions", set_field(
        "is_pilot", "yes", (1,)))), E, "column 'is_pilot' has 1 row that is not True or False"),
    Case("load", "empty-required-cell", lambda c: corrupt(c, edit_csv("orders", set_field(
        "customer_id", "", (3,)))), E, "column 'customer_id' has 1 empty cell"),
    Case("load", "broken-truth-json", lambda c: corrupt(c, write("truth/truth.json", b"{")), E,
         "truth.json is not valid JSON"),
    Case("load", "missing-truth-table",
         lambda c: corrupt(c, lambda f: (f / "truth" / "regions.csv").unlink()), E,
         "is missing regions.csv"),
    Case("load", "unknown-name", lambda c: crmlab.load("nowhere"), E, "no dataset 'nowhere'"),
    # --- crmlab.generate
    Case("generate", "b2b-3-customers", lambda c: crmlab.generate("b2b", 3), E,
         "the b2b scenario needs at least 20 customers (got 3)"),
    Case("generate", "retail-10-customers", lambda c: crmlab.generate("retail", 10), E,
         "needs at least 30 customers"),
    Case("generate", "bank-59-customers", lambda c: crmlab.generate("bank", 59), E,
         "needs at least 60 customers"),
    Case("generate", "short-period-more-customers",
         lambda c: crmlab.generate("telecom", 40, end="2023-02-01"), E,
         "needs at least 83 customers over 2022-01-01 to 2023-02-01"),
    Case("generate", "zero-customers", lambda c: crmlab.generate("retail", 0), E,
         "n_customers must be positive, got 0"),
    Case("generate", "text-customers", lambda c: crmlab.generate("retail", "many"), E,
         "n_customers must be a whole number, got 'many'"),
    Case("generate", "unknown-scenario", lambda c: crmlab.generate("hotel", 100), E, "hotel"),
    Case("generate", "unknown-locale", lambda c: crmlab.generate("retail", 100, locale="de_DE"),
         E, "de_DE"),
    Case("generate", "bad-date", lambda c: crmlab.generate("retail", 100, start="2022-13-01"),
         E, "start must be a date like '2022-01-01', got '2022-13-01'"),
    Case("generate", "end-before-start",
         lambda c: crmlab.generate("retail", 100, start="2024-01-01", end="2023-01-01"), E,
         "must be at least 180 days after start"),
    Case("generate", "period-without-rollout",
         lambda c: crmlab.generate("retail", 500, end="2022-12-01"), E,
         "end (2022-12-01) must be on or after 2023-01-15"),
    Case("generate", "negative-seed", lambda c: crmlab.generate("retail", 100, seed=-1), E,
         "seed must be a non-negative whole number"),
    # --- the CLI: one line, exit 2, the path named
    Case("cli", "dictionary-out-is-folder", lambda c: cli(c, "dictionary", "--out", str(c.tmp)),
         "cli", "is a folder; give a file name inside it"),
    Case("cli", "dictionary-missing-parent",
         lambda c: cli(c, "dictionary", "--out", str(c.tmp / "no" / "such" / "README.md")),
         "cli", "no/such: no such file or folder"),
    Case("cli", "dictionary-parent-is-file",
         lambda c: (c.tmp.joinpath("f").write_text("x"),
                    cli(c, "dictionary", "--out", str(c.tmp / "f" / "README.md")))[1],
         "cli", "part of the path is a file"),
    Case("cli", "dictionary-unwritable", lambda c: cli(c, "dictionary", "--out", "/sys/x.md"),
         "cli", "cannot write /sys/x.md: permission denied"),
    Case("cli", "unknown-verb", lambda c: cli(c, "nonsense"), "cli", "invalid choice"),
    # --- rfm / clv: orders with bad values
    Case("rfm", "negative-amount",
         lambda c: rfm.rfm_scores(orders(c, amount=([3], -37.5)), "2024-12-31"), E,
         "orders.amount has 1 row with a negative value (e.g. -37.5)"),
    Case("rfm", "nan-amount",
         lambda c: rfm.rfm_scores(orders(c, amount=([3, 8], np.nan)), "2024-12-31"), E,
         "orders.amount has 2 rows with a missing value"),
    Case("rfm", "text-amount",
         lambda c: rfm.rfm_scores(orders(c, amount=([1, 2, 3], "12,50 EUR")), "2024-12-31"), E,
         "orders.amount holds text, not numbers: 3 rows of"),
    Case("rfm", "nat-date",
         lambda c: rfm.rfm_scores(orders(c, order_date=([0], pd.NaT)), "2024-12-31"), E,
         "orders.order_date has 1 row with a missing date (NaT)"),
    Case("rfm", "text-date",
         lambda c: rfm.rfm_scores(c.retail.orders.assign(order_date="2024-01-01"), "2024-12-31"),
         E, "orders.order_date holds text, not dates"),
    Case("rfm", "nan-customer-id",
         lambda c: rfm.rfm_scores(orders(c, customer_id=([4], None)), "2024-12-31"), E,
         "orders.customer_id has 1 row with a missing value"),
    Case("rfm", "missing-column",
         lambda c: rfm.rfm_scores(c.retail.orders.drop(columns="amount"), "2024-12-31"), E,
         "orders is missing column(s) 'amount'"),
    Case("rfm", "empty-orders", lambda c: rfm.rfm_scores(c.retail.orders.iloc[:0], None), E,
         "orders is empty"),
    Case("rfm", "not-a-frame", lambda c: rfm.rfm_scores([1, 2], "2024-12-31"), E,
         "orders must be a pandas DataFrame, got list"),
    Case("clv", "summary-negative-amount",
         lambda c: clv.summary_data(orders(c, amount=([0], -5.0)), "2024-12-31"), E,
         "orders.amount has 1 row with a negative value"),
    Case("clv", "summary-nat",
         lambda c: clv.summary_data(orders(c, order_date=([1, 2], pd.NaT)), "2024-12-31"), E,
         "orders.order_date has 2 rows with a missing date"),
    Case("clv", "holdout-text-amount",
         lambda c: clv.calibration_holdout(orders(c, amount=([0], "ten")), "2024-06-30",
                                           "2024-12-31"), E, "(e.g. 'ten')"),
    # --- btyd
    Case("btyd", "text-frequency",
         lambda c: btyd.BetaGeo().fit(put(summary(c), "frequency", [0, 1], "two")), E,
         "summary.frequency holds text, not numbers: 2 rows"),
    Case("btyd", "nan-recency",
         lambda c: btyd.BetaGeo().fit(put(summary(c), "recency", [0], np.nan)), E,
         "summary.recency has 1 row with a missing value"),
    Case("btyd", "negative-frequency",
         lambda c: btyd.BetaGeo().fit(put(summary(c), "frequency", [0, 1, 2], -1)), E,
         "3 customers of"),
    Case("btyd", "missing-T", lambda c: btyd.BetaGeo().fit(summary(c).drop(columns="T")), E,
         "summary is missing column(s) 'T'"),
    Case("btyd", "gamma-gamma-text",
         lambda c: btyd.GammaGamma().fit(put(summary(c), "monetary_value", [5], "lots")), E,
         "summary.monetary_value holds text"),
    # --- cohorts
    Case("cohorts", "km-text",
         lambda c: cohorts.kaplan_meier([1, 2, "three", 4]), E,
         "durations holds text, not numbers: 1 of 4 values is not a number (e.g. 'three')"),
    Case("cohorts", "km-nan", lambda c: cohorts.kaplan_meier([1.0, np.nan, 3.0]), E,
         "durations has 1 missing value(s) (NaN) of 3"),
    Case("cohorts", "km-negative", lambda c: cohorts.kaplan_meier([1, -2, 3]), E,
         "durations has 1 negative value(s) (e.g. -2.0)"),
    Case("cohorts", "km-empty", lambda c: cohorts.kaplan_meier([]), E, "durations is empty"),
    Case("cohorts", "km-observed-yes-no",
         lambda c: cohorts.kaplan_meier([1, 2, 3], ["yes", "no", "yes"]), E,
         "observed must be True/False (or 0/1): 3 of 3 values are not, e.g. 'yes'"),
    Case("cohorts", "retention-nat-signup",
         lambda c: cohorts.cohort_retention(
             c.retail.orders, put(c.retail.customers, "signup_date", [0, 1], pd.NaT), "2024-12-31"),
         E, "customers.signup_date has 2 rows with a missing date"),
    Case("cohorts", "durations-text-start",
         lambda c: cohorts.contract_durations(
             c.telecom.contracts.assign(start_date="2022-01-01"), "2024-12-31"), E,
         "contracts.start_date holds text, not dates"),
    Case("cohorts", "counts-nan-order-id",
         lambda c: cohorts.cohort_counts(orders(c, customer_id=([0, 1, 2], None)),
                                         as_of="2024-12-31"), E,
         "orders.customer_id has 3 rows with a missing value"),
    # --- lifecycle / winback
    Case("lifecycle", "nat-order-date",
         lambda c: lifecycle.lifecycle_stages(orders(c, order_date=([7], pd.NaT)),
                                              c.retail.customers, "2024-12-31"), E,
         "orders.order_date has 1 row with a missing date"),
    Case("lifecycle", "nan-customer-id",
         lambda c: lifecycle.customer_summary(orders(c, customer_id=([7, 9], None)),
                                              c.retail.customers, "2024-12-31"), E,
         "orders.customer_id has 2 rows with a missing value"),
    Case("lifecycle", "contract-text-end",
         lambda c: lifecycle.customer_summary(c.telecom.orders, c.telecom.customers, "2024-12-31",
                                              contracts=c.telecom.contracts.assign(
                                                  end_date="soon")), E,
         "contracts.end_date holds text, not dates (300"),
    Case("lifecycle", "stage-counts-missing-column",
         lambda c: lifecycle.stage_counts(c.retail.orders.drop(columns="order_date")), E,
         "orders is missing column 'order_date'"),
    Case("winback", "lost-signals-nat-churn-date",
         lambda c: winback.lost_signals(pd.DataFrame({
             "customer_id": ["C000001", "C000002"],
             "churn_date": pd.to_datetime([None, "2024-01-01"])}), c.retail.orders), E,
         "churned.churn_date has 1 row with a missing date"),
    Case("winback", "lost-signals-nat-order",
         lambda c: winback.lost_signals(pd.DataFrame({
             "customer_id": ["C000001"], "churn_date": pd.to_datetime(["2024-01-01"])}),
             orders(c, order_date=([0, 3], pd.NaT))), E,
         "orders.order_date has 2 rows with a missing date"),
    # --- did
    Case("did", "all-nan-outcome", lambda c: did.did(panel(y=np.nan)), E,
         "panel.y has no values: all 8 rows are missing"),
    Case("did", "yes-no-treated",
         lambda c: did.did(panel(treated=["yes"] * 4 + ["no"] * 4)), E,
         "panel.treated must be True/False (or 0/1), got values 'yes', 'no'"),
    Case("did", "text-outcome", lambda c: did.did(panel(y=["high"] * 8)), E,
         "panel.y holds text, not numbers: 8 rows"),
    Case("did", "nan-post", lambda c: did.did(panel(post=[False, None] * 4)), E,
         "panel.post has 4 rows with a missing value"),
    Case("did", "missing-unit", lambda c: did.did(panel(region_id=[None] + list("ABBCCDD"))), E,
         "panel.region_id has 1 row with a missing value"),
    Case("did", "missing-column", lambda c: did.did(panel().drop(columns="post")), E,
         "panel is missing column(s) 'post'"),
    # --- concentration
    Case("concentration", "text-values", lambda c: concentration.gini([1, "a", 3]), E,
         "values must be numbers (revenue per customer), found 'a'"),
    Case("concentration", "negative-values", lambda c: concentration.top_share([5, -1, 3]), E,
         "values has 1 negative value(s), e.g. -1"),
    Case("concentration", "nan-values", lambda c: concentration.lorenz([5, np.nan, 3]), E,
         "values has 1 missing value(s) (NaN)"),
    Case("concentration", "empty-values", lambda c: concentration.gini([]), E,
         "values is empty"),
    # --- roi / clv formulas
    Case("roi", "text-benefits", lambda c: roi.roi_analysis([100, "lots", 50], [80, 10, 10]), E,
         "benefits holds text, not numbers: 1 of 3 values is not a number (e.g. 'lots')"),
    Case("roi", "negative-costs", lambda c: roi.roi_analysis([100, 100], [80, -10]), E,
         "must be >= 0"),
    Case("roi", "payback-text", lambda c: roi.payback_period(["-100", "x"]), E,
         "net_flows holds text, not numbers: 1 of 2"),
    Case("roi", "payback-nan", lambda c: roi.payback_period([-100, np.nan, 50]), E,
         "net_flows has 1 missing value(s)"),
    Case("clv", "dcf-text", lambda c: clv.dcf_clv([10, "x"], 0.1), E,
         "cash_flows holds text, not numbers: 1 of 2"),
    Case("clv", "retention-above-1", lambda c: clv.retention_clv(10, 1.5, 0.1), E, "retention"),
    # --- satisfaction
    Case("satisfaction", "csat-text", lambda c: satisfaction.csat(["5", "good", 4]), E,
         "scores"),
    Case("satisfaction", "nps-out-of-scale", lambda c: satisfaction.nps([11, 12, 3]), E, "0"),
    Case("satisfaction", "servqual-missing-column",
         lambda c: satisfaction.servqual_gaps(c.telecom.surveys.drop(columns="exp_empathy")), E,
         "'exp_empathy'"),
    Case("satisfaction", "csat-by-missing-column",
         lambda c: satisfaction.csat_by(c.retail.surveys, "region"), E,
         "cannot group by 'region': surveys has no such column"),
    Case("satisfaction", "nps-by-missing-column",
         lambda c: satisfaction.nps_by(c.retail.surveys, "segment"), E,
         "cannot group by 'segment'"),
    # --- the rest of the model modules: wrong columns and bad values
    Case("loyalty", "signals-missing-column",
         lambda c: loyalty.loyalty_signals(c.retail.orders, c.retail.surveys.drop(columns="nps"),
                                           "2024-12-31"), E, "surveys is missing column(s) 'nps'"),
    Case("loyalty", "programme-inputs-negative",
         lambda c: loyalty.programme_inputs(orders(c, amount=([0, 1], -3.0)), "2024-12-31"), E,
         "orders.amount has 2 rows with a negative value"),
    Case("value", "development-nat",
         lambda c: value.development_index(orders(c, order_date=([2], pd.NaT)), "2024-12-31"), E,
         "orders.order_date has 1 row with a missing date"),
    Case("value", "tier-economics-text",
         lambda c: value.tier_economics(orders(c, amount=([2], "n/a")), "2024-12-31"), E,
         "orders.amount holds text, not numbers: 1 row"),
    Case("satisfaction_value", "annual-margin-text",
         lambda c: satisfaction_value.annual_margin(orders(c, margin=([0, 1], "?")),
                                                    c.retail.customers, "2024-12-31"), E,
         "orders.margin holds text, not numbers: 2 rows"),
    Case("recovery", "first-complaints-missing-column",
         lambda c: recovery.first_complaints(c.telecom.tickets.drop(columns="opened_at")), E,
         "opened_at"),
    Case("operational", "funnel-missing-column",
         lambda c: operational.funnel(c.b2b.opportunities.drop(columns="stage")), E, "'stage'"),
    Case("operational", "funnel-text-value",
         lambda c: operational.pipeline_forecast(put(c.b2b.opportunities, "value", [0], "big"),
                                                 "2024-06-30"), E,
         "opportunities.value holds text, not numbers: 1 row"),
    Case("campaigns", "uplift-missing-column",
         lambda c: campaigns.campaign_uplift(c.retail.campaign_contacts.drop(columns="group")), E,
         "contacts is missing column(s) 'group'"),
    Case("campaigns", "uplift-text-revenue",
         lambda c: campaigns.campaign_uplift(put(c.retail.campaign_contacts, "revenue", [0],
                                                 "10 EUR")), E,
         "contacts.revenue holds text, not numbers: 1 row"),
    Case("recommend", "fit-missing-column",
         lambda c: recommend.CategoryRecommender().fit(c.retail.orders.drop(columns="category")),
         E, "'category'"),
    Case("recommend", "fit-nan-customer",
         lambda c: recommend.CategoryRecommender().fit(orders(c, customer_id=([1], None))), E,
         "orders.customer_id has 1 row with a missing value"),
    Case("strategy", "customer-values-text-margin",
         lambda c: strategy.customer_values(orders(c, margin=([5], "high")), c.retail.customers,
                                            "2024-12-31"), E,
         "orders.margin holds text, not numbers: 1 row"),
    Case("strategy", "customer-values-nan-customer",
         lambda c: strategy.customer_values(orders(c, customer_id=([5, 6], None)),
                                            c.retail.customers, "2024-12-31"), E,
         "orders.customer_id has 2 rows with a missing value"),
    Case("crm_kinds", "interaction-missing-column",
         lambda c: crm_kinds.interaction_initiative(
             c.retail.interactions.drop(columns="direction")), E, "'direction'"),
    Case("scorecard", "ahp-text", lambda c: scorecard.ahp_weights([[1, "x"], [0.5, 1]]), E,
         "matrix"),
    Case("scorecard", "ahp-negative", lambda c: scorecard.ahp_weights([[1, -2], [0.5, 1]]), E,
         "positive"),
    Case("implementation", "self-assessment-text",
         lambda c: implementation.self_assessment(["high"] * 10), E,
         "rating of 'measurable_goals' must be a number from 1 to 5, got 'high'"),
    Case("retention", "profit-path-retention-above-1",
         lambda c: retention.profit_path(1000, 50, 10, 30, 1.2, 0.1, 5), E, "retention"),
    Case("evaluation", "satisfaction-kpi-not-data",
         lambda c: evaluation.satisfaction_kpi([1, 2]), E, "expected a dataset"),
    Case("value", "benefit-index-nat-ticket",
         lambda c: value.benefit_index(c.retail.customers, c.retail.surveys,
                                       put(c.retail.tickets, "opened_at", [0], pd.NaT),
                                       "2024-12-31"), E,
         "tickets.opened_at has 1 row with a missing date"),
    Case("value", "benefit-index-text-csat",
         lambda c: value.benefit_index(c.retail.customers, put(c.retail.surveys, "csat", [0],
                                                               "good"), c.retail.tickets,
                                       "2024-12-31"), E,
         "surveys.csat holds text, not numbers: 1 row"),
    Case("value", "customer-equity-nan",
         lambda c: value.customer_equity(pd.Series([10.0, np.nan, 3.0])), E,
         "clv has 1 missing value(s) (NaN) of 3"),
    Case("value", "budget-negative-values",
         lambda c: value.allocate_service_budget(pd.Series([1.0, -2.0]), pd.Series(["a", "b"]),
                                                 100), E,
         "values.values has 1 row with a negative value"),
    Case("recovery", "rates-nat-opened",
         lambda c: recovery.recovery_rates(c.telecom.contracts, put(c.telecom.tickets,
                                                                   "opened_at", [0, 1], pd.NaT),
                                           "2024-12-31"), E,
         "tickets.opened_at has 2 rows with a missing date"),
    Case("recovery", "rates-nan-customer",
         lambda c: recovery.recovery_rates(c.telecom.contracts, put(c.telecom.tickets,
                                                                   "customer_id", [0], None),
                                           "2024-12-31"), E,
         "tickets.customer_id has 1 row with a missing value"),
    Case("recovery", "spend-negative-amount",
         lambda c: recovery.recovery_spend(orders(c, amount=([0], -5.0)), c.retail.tickets,
                                           c.retail.customers, "2024-12-31"), E,
         "orders.amount has 1 row with a negative value (e.g. -5.0)"),
    Case("satisfaction", "servqual-text-item",
         lambda c: satisfaction.servqual_gaps(put(c.telecom.surveys, "exp_empathy", [0],
                                                  "high")), E,
         "surveys.exp_empathy holds text, not numbers: 1 row"),
    Case("satisfaction", "acsi-text-csat",
         lambda c: satisfaction.acsi_index(put(c.telecom.surveys, "csat", [0, 1], "high")), E,
         "surveys.csat holds text, not numbers: 2 rows"),
    Case("satisfaction", "ipa-text-perception",
         lambda c: satisfaction.importance_performance(put(c.telecom.surveys, "perc_empathy",
                                                           [0], "x")), E,
         "surveys.perc_empathy holds text"),
    Case("satisfaction", "csat-out-of-scale", lambda c: satisfaction.csat([5, 7, 4]), E,
         "found 7"),
    Case("crm_kinds", "interaction-bad-time",
         lambda c: crm_kinds.interaction_initiative(put(c.retail.interactions,
                                                        "interaction_time", [0], "soon")), E,
         "interactions.interaction_time has 1 row(s) that are not a date (e.g. 'soon')"),
    Case("crm_kinds", "interaction-nan-direction",
         lambda c: crm_kinds.interaction_initiative(put(c.retail.interactions, "direction",
                                                        [0, 1], None)), E,
         "interactions.direction has 2 rows with a missing value"),
    Case("evaluation", "satisfaction-kpi-text-csat",
         lambda c: evaluation.satisfaction_kpi({**c.retail.tables, "surveys": put(
             c.retail.surveys, "csat", [0], "x")}), E, "surveys.csat holds text"),
    Case("evaluation", "retention-kpi-nat-start",
         lambda c: evaluation.retention_kpi({**c.telecom.tables, "contracts": put(
             c.telecom.contracts, "start_date", [0, 1, 2], pd.NaT)}), E,
         "contracts.start_date has 3 rows without a date"),
    Case("loyalty", "curve-text-csat",
         lambda c: loyalty.satisfaction_loyalty_curve(put(c.telecom.surveys, "csat", [0], "x"),
                                                      "2024-12-31",
                                                      contracts=c.telecom.contracts), E,
         "surveys.csat holds text, not numbers: 1 row"),
    Case("clv", "retention-clv-text-margin", lambda c: clv.retention_clv("x", 0.8, 0.1), E,
         "margin must be a number, got 'x'"),
    Case("clv", "retention-clv-text-rate", lambda c: clv.retention_clv(10, "80%", 0.1), E,
         "retention must be a number, got '80%'"),
    Case("btyd", "simulate-negative-size",
         lambda c: btyd.simulate_bgnbd(-5, 1, 1, 1, 1), E,
         "n_customers must be a whole number >= 1, got -5"),
    Case("did", "rollout-nat-dates",
         lambda c: did.did_rollout(c.retail.kpi_monthly, put(c.retail.regions,
                                                             "crm_rollout_date", [0], pd.NaT)),
         E, "regions.crm_rollout_date has 1 row with a missing value"),
    Case("did", "rollout-unknown-region",
         lambda c: did.did_rollout(c.retail.kpi_monthly, c.retail.regions.iloc[1:]), E,
         "kpi_monthly has 1 region(s) that are not in the regions table: R01"),
    Case("strategy", "map-text-value", lambda c: strategy.strategy_map("x"), E,
         "value must be a finite number >= 0"),
    Case("recommend", "holdout-nat-date",
         lambda c: recommend.holdout_hit_rate(orders(c, order_date=([0], pd.NaT)),
                                              "2024-06-30"), E,
         "orders.order_date has 1 row with a missing date"),
    Case("operational", "conversion-nan-source",
         lambda c: operational.conversion_by(put(c.b2b.leads, "source", [0, 1], None),
                                             c.b2b.opportunities), E,
         "leads.source has 2 rows with a missing value"),
    Case("tour", "monthly-activity-text-amount",
         lambda c: crmlab.tour.plot_monthly_activity({"orders": orders(c, amount=([0], "x"))}),
         E, "orders.amount holds text, not numbers: 1 row"),
    Case("empty", "rfm-empty-with-as-of",
         lambda c: rfm.rfm_scores(c.retail.orders.iloc[:0], "2024-12-31"), E,
         "orders is empty (0 rows)"),
    Case("empty", "customer-summary", lambda c: lifecycle.customer_summary(
        c.retail.orders.iloc[:0], as_of="2024-12-31"), E,
         "orders is empty (0 rows): nothing to compute from; pass customers too"),
    Case("empty", "contract-durations",
         lambda c: cohorts.contract_durations(c.telecom.contracts.iloc[:0], "2024-12-31"), E,
         "contracts is empty (0 rows)"),
    Case("empty", "did-panel", lambda c: did.did(panel().iloc[:0]), E, "panel is empty (0 rows)"),
    Case("empty", "nps-by", lambda c: satisfaction.nps_by(c.retail.surveys.iloc[:0],
                                                          "survey_type"), E,
         "surveys is empty (0 rows)"),
    Case("empty", "recovery-rates",
         lambda c: recovery.recovery_rates(c.telecom.contracts.iloc[:0], c.telecom.tickets,
                                           "2024-12-31"), E, "contracts is empty (0 rows)"),
    Case("empty", "funnel", lambda c: operational.funnel(c.b2b.opportunities.iloc[:0]), E,
         "opportunities is empty (0 rows)"),
    Case("empty", "lost-signals",
         lambda c: winback.lost_signals(pd.DataFrame({"customer_id": [], "churn_date":
                                                      pd.to_datetime([])}),
                                        c.retail.orders.iloc[:0]), E, "orders is empty (0 rows)"),
    Case("empty", "interaction-initiative",
         lambda c: crm_kinds.interaction_initiative(c.retail.interactions.iloc[:0]), E,
         "interactions is empty (0 rows)"),
    Case("empty", "kpi-table",
         lambda c: evaluation.kpi_table({k: v.iloc[:0] for k, v in c.retail.tables.items()}), E,
         "is empty (0 rows)"),
    Case("empty", "customer-values",
         lambda c: strategy.customer_values(c.retail.orders, c.retail.customers.iloc[:0],
                                            "2024-12-31"), E, "customers is empty (0 rows)"),
    # --- answers: kinds
    Case("answers", "decimal-comma", lambda c: F.check("0,6919", 0.6919), "correct", ""),
    Case("answers", "decimal-comma-percent", lambda c: F.check("69,19%", 0.6919), "correct", ""),
    Case("answers", "thousands-groups", lambda c: N.check("1,234,567", 1234567), "correct", ""),
    Case("answers", "european-thousands", lambda c: N.check("1.234,5", 1234.5), "correct", ""),
    Case("answers", "ambiguous-1,234-is-thousands", lambda c: N.check("1,234", 1234), "correct",
         ""),
    Case("answers", "ambiguous-1,234-hint", lambda c: N.check("1,234", 1.234), "wrong",
         "'1,234' was read as 1,234 (a comma before three digits separates thousands)"),
    Case("answers", "leading-zero-comma-is-decimal", lambda c: N.check("0,123", 0.123),
         "correct", ""),
    Case("answers", "bad-groups", lambda c: N.check("1,2,3", 6), "invalid",
         "'1,2,3' is not a number"),
    Case("answers", "huge-int", lambda c: N.check(10**400, 1.0), "invalid",
         "(401 digits) is too large: it is not a finite number"),
    Case("answers", "1e999", lambda c: N.check("1e999", 1.0), "invalid",
         "'1e999' is too large: it is not a finite number"),
    Case("answers", "float-inf", lambda c: N.check(float("inf"), 1.0), "invalid",
         "inf is not a finite number"),
    Case("answers", "nan", lambda c: N.check(float("nan"), 1.0), "invalid",
         "nan is not a finite number"),
    Case("answers", "69-for-69pct", lambda c: F.check("69", 0.6919), "wrong",
         "69 looks like a percentage"),
    Case("answers", "41-for-41pct", lambda c: F.check(41, 0.41), "wrong",
         "41 looks like a percentage"),
    Case("answers", "fraction-for-percent", lambda c: P.check(0.69, 69.19), "wrong",
         "0.69 looks like a fraction"),
    Case("answers", "no-unit-69-for-fraction", lambda c: N.check(69, 0.6919), "wrong",
         "looks like a percentage"),
    Case("answers", "no-unit-percent-sign-for-fraction", lambda c: N.check("69%", 0.6919),
         "wrong", "'69%' was read as 69; write this answer as a fraction: 0.69"),
    Case("answers", "percent-sign-no-percent-hint", lambda c: F.check("0.69%", 0.6919), "wrong",
         "is not right"),
    Case("answers", "close-not-percent", lambda c: F.check(0.69, 0.6919), "wrong",
         "close but not within the tolerance"),
    Case("answers", "number-1mb-text", lambda c: N.check(BIG, 1.0), "invalid",
         "'" + "x" * 59 + "…' is not a number"),
    Case("answers", "choice-1mb-text", lambda c: Choice({"a": "A", "b": "B"}).check(BIG, "a"),
         "invalid", "x" * 59 + "…' is not one of the options"),
    Case("answers", "text-1mb-text", lambda c: Text().check(BIG, "loyalty"), "wrong",
         "x" * 59 + "…' is not what we are looking for"),
    Case("answers", "multichoice-1mb-text",
         lambda c: MultiChoice({"a": "A", "b": "B"}).check([BIG], ["a"]), "invalid",
         "x" * 59 + "…' is not one of the options"),
    Case("answers", "function-returns-1mb-text",
         lambda c: Function().check(lambda x: BIG, [((1,), 1.0)]), "wrong", "x" * 40 + "…"),
    Case("answers", "function-raises-1mb-message",
         lambda c: Function().check(lambda x: (_ for _ in ()).throw(ValueError(BIG)),
                                    [((1,), 1.0)]), "wrong", "raised ValueError: xxx"),
]


def _message(result) -> str:
    return "\n".join([result.message, *result.details])


@pytest.mark.parametrize("case", CASES, ids=[f"{c.area}:{c.name}" for c in CASES])
def test_bad_input(case: Case, ctx) -> None:
    if case.expect == "cli":
        line = case.call(ctx)
        assert case.fragment in line
        assert "Traceback" not in line
    elif isinstance(case.expect, str):
        verdict = case.call(ctx)
        assert verdict.status == case.expect, verdict.text()
        text = _message(verdict)
        assert case.fragment in text
        assert len(text) < 600, f"feedback is {len(text)} characters long"
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(case.expect) as info:
                case.call(ctx)
        message = str(info.value)
        assert case.fragment in message
        assert "\n" not in message.strip(), "one line, please"
        assert len(message) < 400


def test_the_table_is_large_and_ids_are_unique() -> None:
    ids = [f"{c.area}:{c.name}" for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 100


def test_did_drops_missing_outcomes_with_a_warning() -> None:
    gaps = panel().iloc[:2].assign(region_id="E", y=np.nan)
    with pytest.warns(UserWarning, match="dropped 2 of 10 panel rows where 'y' is missing"):
        r = did.did(pd.concat([panel(), gaps], ignore_index=True))
    assert r.estimate == pytest.approx(did.did(panel()).estimate)


def test_value_matrix_warns_about_left_out_customers() -> None:
    firm = pd.Series([1.0, 9, np.nan, 8], index=list("abcd"))
    with pytest.warns(UserWarning, match="left out 1 of 4 customers"):
        m = value.value_matrix(firm, pd.Series([90.0, 80, 10, 20], index=list("abcd")))
    assert list(m.index) == ["a", "b", "d"]


def test_dictionary_out_is_written_atomically(tmp_path, capsys) -> None:
    out = tmp_path / "README.md"
    out.write_text("old")
    assert main(["dictionary", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("#")
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"]  # no temporary file left


def test_defects_dataset_warns_about_numbers_it_cannot_read(tmp_path) -> None:
    folder = tmp_path / "dirty"
    shutil.copytree(DATASETS / "retail_dirty", folder, ignore=shutil.ignore_patterns("truth"))
    edit_csv("orders", set_field("amount", '"12,50 EUR"', (2, 3)))(folder)
    with pytest.warns(UserWarning, match=r"column 'amount' has 2 rows that are not a number "
                                         r"\(e\.g\. '12,50 EUR'.*read as missing values"):
        d = crmlab.load(folder)
    assert int(d.orders["amount"].isna().sum()) >= 2
