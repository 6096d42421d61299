"""Data-quality defects are injected as asked and listed in the truth."""

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
    # duplicates are more common where CRM adoption is low (silos)
    adoption = dirty.truth.regions.set_index("region_id")["adoption"]
    assert adoption[a["region_id"]].mean() < adoption[clean.customers["region_id"]].mean()


def test_missing_cells_are_exactly_the_listed_ones(dirty):
    miss = dirty.truth.missing
    for (table, column), rows in miss.groupby(["table", "column"])["row_id"]:
        df = dirty.tables[table]
        key = "customer_id" if table == "customers" else "order_id"
        blank = set(df.loc[df[column].isna(), key])
        assert blank == set(rows), (table, column)
    share = len(miss.query("table == 'customers'")) / (len(dirty.customers) * 5)
    assert 0.02 < share < 0.04


def test_missing_values_and_formats_cluster_in_low_adoption_regions(dirty):
    adoption = dirty.truth.regions.set_index("region_id")["adoption"]
    region = dirty.customers.set_index("customer_id")["region_id"]
    overall = adoption[region].mean()
    for kind in ("missing", "formats"):
        rows = getattr(dirty.truth, kind).query("table == 'customers'")["row_id"]
        assert adoption[region[rows]].mean() < overall - 0.03, kind
    orders_missing = dirty.truth.missing.query("table == 'orders'")["row_id"]
    cust_of = dirty.orders.set_index("order_id")["customer_id"]
    known = cust_of[orders_missing][lambda s: s.isin(region.index)]
    assert adoption[region[known]].mean() < overall - 0.03


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
