"""The generated tables follow the one schema exactly."""

import pandas as pd
import pytest

import crmlab
from crmlab.data.io import check_table
from crmlab.data.schema import SCENARIOS, TABLES, table, tables_for

DTYPE_CHECKS = {
    "int": pd.api.types.is_integer_dtype,
    "float": pd.api.types.is_float_dtype,
    "bool": pd.api.types.is_bool_dtype,
    "date": pd.api.types.is_datetime64_any_dtype,
    "datetime": pd.api.types.is_datetime64_any_dtype,
    "id": lambda s: pd.api.types.is_string_dtype(s) or s.dtype == object,
    "str": lambda s: pd.api.types.is_string_dtype(s) or s.dtype == object,
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_tables_and_columns_match_schema(small, scenario):
    data = small[scenario]
    assert list(data.tables) == [t.name for t in tables_for(scenario)]
    for name, df in data.tables.items():
        check_table(name, df, scenario)
        assert len(df) > 0, f"{scenario}.{name} is empty"
        for col in table(name).columns_for(scenario):
            assert DTYPE_CHECKS[col.dtype](df[col.name]), (name, col.name, df[col.name].dtype)
            if not col.nullable and col.name != "referred_by":
                assert df[col.name].notna().all(), f"{scenario}.{name}.{col.name} has gaps"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_keys_are_unique_and_references_resolve(small, scenario):
    data = small[scenario]
    for t in tables_for(scenario):
        df = data.tables[t.name]
        assert not df.duplicated(list(t.primary_key)).any(), f"{t.name} primary key repeats"
        for col in t.columns_for(scenario):
            if col.references:
                ref_table, ref_col = col.references.split(".")
                values = df[col.name].dropna()
                known = set(data.tables[ref_table][ref_col])
                assert set(values) <= known, f"{t.name}.{col.name} -> {col.references} dangles"


def test_contractual_scenarios_have_contract_tables(small):
    assert "contracts" in small["telecom"].tables and "holdings" in small["bank"].tables
    assert "contracts" not in small["retail"].tables  # retail churn is never observed
    assert {"leads", "opportunities"} <= set(small["b2b"].tables)


def test_truth_never_leaks_into_observed_tables(small):
    truth_only = {"purchase_rate", "dropout_prob", "satisfaction", "churn_type", "churn_date",
                  "lifecycle_stage", "alive_at_end", "value_tier", "adoption"}
    for data in small.values():
        for name, df in data.tables.items():
            assert not truth_only & set(df.columns), name


def test_every_column_has_both_languages():
    for t in TABLES:
        assert t.en and t.zh
        for c in t.columns:
            assert c.en and c.zh, (t.name, c.name)
            assert any("\u4e00" <= ch <= "\u9fff" for ch in c.zh), (t.name, c.name, c.zh)


def test_unknown_table_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown table 'order'.*orders"):
        table("order")


def test_check_table_names_missing_columns():
    df = crmlab.generate("retail", 50, seed=1).orders.drop(columns="amount")
    with pytest.raises(ValueError, match="orders table: missing column\\(s\\) 'amount'.*expected"):
        check_table("orders", df, "retail")
