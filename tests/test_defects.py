"""Data-quality defects are injected as asked and listed in the truth; they fall
after a region's CRM goes live, in proportion to its staff's usage."""

import numpy as np
import pandas as pd
import pytest

import crmlab


@pytest.fixture(scope="module")
def dirty():
    return crmlab.generate("retail", 2000, seed=8, defects=True)


@pytest.fixture(scope="module")
def clean():
    return crmlab.generate("retail", 2000, seed=8)


def test_clean_data_has_no_defect_truth(clean):
    assert clean.meta["defects"] == {}
    assert not {"duplicates", "missing", "formats", "orphans"} & set(clean.truth.extra)


def test_duplicates_are_variants_of_their_originals(dirty, clean):
    dup = dirty.truth.duplicates
    assert len(dup) == 100  # 5% of 2,000
    c = dirty.customers.set_index("customer_id")
    assert len(dirty.customers) == 2100 and c.index.is_unique
    a, b = c.loc[dup["duplicate_id"]], c.loc[dup["original_id"]]
    # the same person: same region and gender; most differ in name, phone or e-mail spelling
    assert (a["region_id"].to_numpy() == b["region_id"].to_numpy()).all()
    differs = ((a["name"].to_numpy() != b["name"].to_numpy())
               | (a["phone"].to_numpy() != b["phone"].to_numpy())
               | (a["email"].to_numpy() != b["email"].to_numpy()))
    assert differs.mean() > 0.8
    norm = lambda s: s.str.lower().str.replace(r"[^a-z]", "", regex=True)  # noqa: E731
    same_letters = (norm(a["name"]).map(sorted).to_numpy() == norm(b["name"]).map(sorted).to_numpy())
    assert same_letters.mean() > 0.9
    # some of the original's orders were recorded under the duplicate
    assert dirty.orders["customer_id"].isin(dup["duplicate_id"]).sum() > 0
    # duplicates are entered less often where and when the CRM is live and used
    use = _usage_at_record(dirty)
    dup_rows = dirty.customers["customer_id"].isin(dup["duplicate_id"]).to_numpy()
    assert use[dup_rows].mean() < use.mean() - 0.03


def test_missing_cells_are_exactly_the_listed_ones(dirty):
    miss = dirty.truth.missing
    for (table, column), rows in miss.groupby(["table", "column"])["row_id"]:
        df = dirty.tables[table]
        key = "customer_id" if table == "customers" else "order_id"
        blank = set(df.loc[df[column].isna(), key])
        assert blank == set(rows), (table, column)
    share = len(miss.query("table == 'customers'")) / (len(dirty.customers) * 5)
    assert 0.02 < share < 0.04


def _record_dates(data) -> pd.Series:
    """Each customer row's record date (sign-up / entry date), a spoilt format restored."""
    cust = data.customers
    iso = pd.to_datetime(cust["signup_date"], format="%Y-%m-%d", errors="coerce")
    spoilt = data.truth.formats.query("column == 'signup_date'").set_index("row_id")["original"]
    return iso.fillna(pd.to_datetime(cust["customer_id"].map(spoilt), format="%Y-%m-%d"))


def _usage_at_record(data) -> np.ndarray:
    """The region's CRM usage (adoption) on each customer row's record date; 0 before go-live."""
    reg = data.truth.regions.set_index("region_id")["adoption"]
    live = _record_dates(data) >= data.customers["region_id"].map(
        data.regions.set_index("region_id")["crm_rollout_date"])
    return np.where(live, data.customers["region_id"].map(reg), 0.0)


def test_missing_values_and_formats_cluster_where_the_crm_is_not_used(dirty):
    # (was: "... cluster in low-adoption regions", by latent adoption whether or not
    # the CRM was live; now by the usage on the record's date)
    use = pd.Series(_usage_at_record(dirty), index=dirty.customers["customer_id"])
    overall = use.mean()
    for kind in ("missing", "formats"):
        rows = getattr(dirty.truth, kind).query("table == 'customers'")["row_id"]
        assert use[rows].mean() < overall - 0.03, kind
    orders = dirty.orders.merge(dirty.customers[["customer_id", "region_id"]], on="customer_id")
    live = orders["order_date"] >= orders["region_id"].map(
        dirty.regions.set_index("region_id")["crm_rollout_date"])
    o_use = pd.Series(np.where(live, orders["region_id"].map(
        dirty.truth.regions.set_index("region_id")["adoption"]), 0.0), index=orders["order_id"])
    orders_missing = dirty.truth.missing.query("table == 'orders'")["row_id"]
    assert o_use[o_use.index.isin(orders_missing)].mean() < o_use.mean() - 0.03


def test_format_defects_are_recorded_with_before_and_after(dirty, clean):
    f = dirty.truth.formats
    assert set(f["column"]) == {"signup_date", "phone", "city"}
    c = dirty.customers.set_index("customer_id")
    for row in f.itertuples():
        assert c.loc[row.row_id, row.column] == row.written != row.original
    dates = f.query("column == 'signup_date'")
    assert pd.to_datetime(dates["original"], format="%Y-%m-%d").notna().all()
    assert not dates["written"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").any()


def test_orphan_orders_point_to_no_customer(dirty):
    o = dirty.truth.orphans
    known = set(dirty.customers["customer_id"])
    orders = dirty.orders
    dangling = set(orders.loc[~orders["customer_id"].isin(known), "order_id"])
    assert dangling == set(o["row_id"]) and len(o) > 0
    assert orders["order_id"].is_unique


def test_custom_rates_and_zero_rates():
    d = crmlab.generate("retail", 500, seed=1, defects={"duplicates": 0.1})
    assert len(d.truth.duplicates) == 50
    assert len(d.truth.orphans) == 0 and len(d.truth.missing) == 0


def test_dirty_dataset_round_trips_as_text(tmp_path, dirty):
    dirty.save(tmp_path / "d")
    back = crmlab.load(tmp_path / "d")
    assert back.customers["signup_date"].dtype != "datetime64[ns]"
    assert back.customers["signup_date"].tolist() == dirty.customers["signup_date"].tolist()
    assert len(back.truth.duplicates) == len(dirty.truth.duplicates)


# ---------------------------------------------------------------- data quality and CRM use
@pytest.fixture(scope="module")
def big_dirty():
    return crmlab.generate("retail", 20000, seed=11, defects=True)


def _before_after(data) -> pd.DataFrame:
    """Per region: share of customer records with a listed defect (duplicate entry, blank
    cell or format variant) dated before and after the go-live, and the relative fall.
    The never-live region is split at the second wave's date instead."""
    cust, t = data.customers, data.truth
    bad = (cust["customer_id"].isin(t.duplicates["duplicate_id"])
           | cust["customer_id"].isin(t.missing.query("table == 'customers'")["row_id"])
           | cust["customer_id"].isin(t.formats["row_id"]))
    rollout = data.regions.set_index("region_id")["crm_rollout_date"]
    end = pd.Timestamp(data.meta["end"])
    cutoff = rollout.where(rollout <= end, rollout[rollout <= end].max())
    after = _record_dates(data) >= cust["region_id"].map(cutoff)
    g = pd.DataFrame({"region_id": cust["region_id"], "after": after, "bad": bad}).groupby(
        ["region_id", "after"])["bad"].mean().unstack()
    out = pd.DataFrame({"before": g[False], "after": g[True]})
    out["fall"] = 1 - out["after"] / out["before"]
    out["live"] = rollout <= end
    usage = data.crm_usage.merge(data.employees[["employee_id", "region_id"]], on="employee_id")
    out["logins"] = usage.groupby("region_id")["logins"].mean().reindex(out.index).fillna(0.0)
    return out


def test_defects_fall_after_go_live_with_usage(big_dirty):
    t = _before_after(big_dirty)
    live = t[t["live"]]
    # before the go-live every region has about the same defect share
    # (about 800 records per region before its go-live: a standard error near 0.017)
    assert t["before"].max() - t["before"].min() < 0.09, t
    # after it, the share falls clearly in the most-used region, hardly in the least used
    top, low = live["logins"].idxmax(), live["logins"].idxmin()
    assert live.loc[top, "fall"] > 0.5, t
    assert -0.05 < live.loc[low, "fall"] < 0.3, t
    # and not at all in the region without the CRM (split at the second wave's date)
    never = t[~t["live"]]
    assert len(never) == 1 and abs(never["fall"].iloc[0]) < 0.1, t
    # the fall follows the observed usage: mean weekly logins per employee
    assert np.corrcoef(t["fall"], t["logins"])[0, 1] > 0.9, t
    # and the planted cut (truth), region by region
    cut = big_dirty.truth.defect_rates.query("kind == 'formats'").set_index("region_id")
    assert (t["fall"] - cut["relative_cut"]).abs().max() < 0.15, t.join(cut["relative_cut"])


def test_observed_duplicates_fall_after_go_live(big_dirty):
    """A student's duplicate check (same e-mail, ignoring case): repeated entries are
    rarer after the go-live in the keen regions, not in the region without the CRM."""
    cust = big_dirty.customers.assign(entered=_record_dates(big_dirty))
    key = cust["email"].str.lower()
    cust = cust[key.notna()].assign(key=key)
    cust = cust.sort_values(["entered", "customer_id"], kind="stable")
    cust["repeat"] = cust.duplicated("key")  # entered again after the first entry
    rollout = big_dirty.regions.set_index("region_id")["crm_rollout_date"]
    cust["after"] = cust["entered"] >= cust["region_id"].map(rollout)
    share = cust.groupby(["region_id", "after"])["repeat"].mean().unstack()
    adoption = big_dirty.truth.regions.set_index("region_id")["adoption"]
    live = rollout <= pd.Timestamp(big_dirty.meta["end"])
    keen, reluctant = adoption[live].idxmax(), adoption[live].idxmin()
    pooled_before = cust.loc[~cust["after"], "repeat"].mean()  # the same rate everywhere
    assert share.loc[keen, True] < 0.6 * pooled_before, share
    assert share.loc[reluctant, True] > 0.7 * pooled_before, share
    assert share.loc[~live, True].isna().all()  # no go-live in the data: no "after"
    rates = big_dirty.truth.defect_rates.query("kind == 'duplicates'").set_index("region_id")
    # the observed share before the go-live is near the planted rate (per original customer)
    before = pooled_before / (1 - pooled_before)  # repeats per first entry
    assert rates["rate_before"].nunique() == 1
    assert before == pytest.approx(rates["rate_before"].iloc[0], rel=0.2), (before, rates)


def test_missing_cells_match_the_planted_rates(big_dirty):
    miss = big_dirty.truth.missing.query("table == 'customers'")
    cust = big_dirty.customers.assign(entered=_record_dates(big_dirty))
    rollout = big_dirty.regions.set_index("region_id")["crm_rollout_date"]
    cust["after"] = cust["entered"] >= cust["region_id"].map(rollout)
    cust["blank"] = cust["customer_id"].map(miss["row_id"].value_counts()).fillna(0) / 5
    obs = cust.groupby(["region_id", "after"])["blank"].mean().unstack()
    rates = big_dirty.truth.defect_rates.query("kind == 'missing_customers'").set_index(
        "region_id")
    assert np.allclose(obs[False], rates["rate_before"], rtol=0.2), (obs, rates)
    live = rates["rate_after"].notna()
    # after the go-live: within the ramp-up's allowance of the planted rate
    assert np.allclose(obs.loc[live, True], rates.loc[live, "rate_after"], rtol=0.3,
                       atol=0.003), (obs, rates)
    assert (rates["rate_before"].nunique() == 1) and (rates.loc[live, "rate_after"]
                                                      < rates.loc[live, "rate_before"]).all()


@pytest.mark.parametrize("scenario", ["b2b", "telecom", "bank"])
def test_every_scenario_can_be_damaged(scenario):
    """Columns a scenario does not have (b2b accounts have no gender) are skipped."""
    d = crmlab.generate(scenario, 300, seed=1, defects=True)
    missing = d.truth.extra["missing"]
    assert len(missing) > 0 and set(missing["column"]) <= set(d.customers.columns) | set(
        d.orders.columns)
    assert len(d.truth.extra["duplicates"]) > 0


def test_one_kind_of_defect_alone():
    d = crmlab.generate("retail", 500, seed=1, defects={"missing": 0.03})
    assert d.truth.extra["duplicates"].empty and len(d.truth.extra["missing"]) > 0
    assert d.customers["customer_id"].is_unique
