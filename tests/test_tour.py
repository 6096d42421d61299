"""The dataset tour: schema diagram, table overview, monthly activity."""

import doctest
import warnings

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import crmlab
from crmlab import tour
from crmlab.data.schema import SCENARIOS, table, tables_for


@pytest.fixture(scope="module")
def retail():
    return crmlab.generate("retail", n_customers=300, seed=3)


def _gids(ax, prefix):
    return sorted(str(p.get_gid())[len(prefix):] for p in ax.patches
                  if str(p.get_gid()).startswith(prefix))


def _expected_keys(scenario):
    """(table, column, referenced table) for every foreign key, straight from the schema."""
    return [(t.name, c.name, c.references.split(".")[0])
            for t in tables_for(scenario) for c in t.columns_for(scenario) if c.references]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_schema_has_one_box_per_table(scenario):
    ax = tour.plot_schema(scenario, chinese=False)
    assert _gids(ax, "table:") == sorted(t.name for t in tables_for(scenario))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_schema_has_one_arrow_per_foreign_key_between_distinct_tables(scenario):
    ax = tour.plot_schema(scenario, chinese=False)
    keys = _expected_keys(scenario)
    assert _gids(ax, "fk:") == sorted(f"{t}.{c}" for t, c, ref in keys if ref != t)
    assert _gids(ax, "self:") == sorted(f"{t}.{c}" for t, c, ref in keys if ref == t)
    # each arrow leaves the referencing table's box and ends at the referenced one
    arrows = {str(p.get_gid())[3:]: p for p in ax.patches if str(p.get_gid()).startswith("fk:")}
    for t, c, ref in keys:
        if ref != t:
            assert arrows[f"{t}.{c}"].patchA.get_gid() == f"table:{t}"
            assert arrows[f"{t}.{c}"].patchB.get_gid() == f"table:{ref}"


def test_schema_arrows_follow_the_scenario_columns():
    # the account manager column exists only for bank and b2b
    assert "customers.account_manager_id" not in _gids(tour.plot_schema("retail", chinese=False),
                                                       "fk:")
    assert "customers.account_manager_id" in _gids(tour.plot_schema("b2b", chinese=False), "fk:")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_schema_boxes_do_not_overlap_and_fit_the_axes(scenario):
    ax = tour.plot_schema(scenario, chinese=False)
    boxes = [p.get_bbox() for p in ax.patches if str(p.get_gid()).startswith("table:")]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    for i, a in enumerate(boxes):
        assert x0 <= a.x0 and a.x1 <= x1 and y0 <= a.y0 and a.y1 <= y1
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_arrow_goes_around_the_other_boxes(scenario):
    pos = tour._positions([t.name for t in tables_for(scenario)])
    for t, _, ref in _expected_keys(scenario):
        if ref != t:
            others = [p for name, p in pos.items() if name not in (t, ref)]
            rad = tour._free_arc(pos[t], pos[ref], others)
            assert tour._arc_is_free(pos[t], pos[ref], others, rad), (t, ref)


def test_a_blocked_straight_arrow_is_curved():
    assert tour._free_arc((0, 0), (4, 0), []) == 0.0
    assert tour._free_arc((0, 0), (4, 0), [(2, 0)]) != 0.0


def test_unknown_tables_still_get_a_box():
    pos = tour._positions(["customers", "loyalty_points"])
    assert pos["customers"] == tour.LAYOUT["customers"]
    assert pos["loyalty_points"][1] < min(y for _, y in tour.LAYOUT.values())


def test_layout_places_every_table_of_the_schema():
    names = {t.name for s in SCENARIOS for t in tables_for(s)}
    assert names <= set(tour.LAYOUT)


def test_schema_without_chinese_font_has_no_chinese_text_and_draws_without_warnings(
        monkeypatch):
    monkeypatch.setattr(tour, "cjk_font", lambda: None)
    ax = tour.plot_schema("bank")
    texts = [t.get_text() for t in ax.texts] + [t.get_text() for t in ax.get_legend().texts]
    assert not any("\u4e00" <= ch <= "\u9fff" for text in texts for ch in text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax.figure.canvas.draw()


def test_schema_with_chinese_font_labels_tables_in_chinese(monkeypatch):
    monkeypatch.setattr(tour, "cjk_font", lambda: "DejaVu Sans")  # stands in for a CJK font
    ax = tour.plot_schema("retail")  # not drawn: DejaVu has no Chinese glyphs
    texts = [t.get_text() for t in ax.texts]
    assert "客户" in texts and "订单/账单/产品销售" in texts
    assert "员工" in texts  # "员工（销售、客服、客户经理）" shortened to fit the box


def test_schema_asking_for_chinese_without_a_font_says_what_to_do(monkeypatch):
    monkeypatch.setattr(tour, "cjk_font", lambda: None)
    with pytest.raises(ValueError, match="chinese=False"):
        tour.plot_schema("retail", chinese=True)


def test_schema_draws_on_a_given_axes():
    _, ax = plt.subplots()
    assert tour.plot_schema("telecom", ax=ax, chinese=False) is ax


@pytest.mark.parametrize("bad", ["shop", "Retail", ""])
def test_bad_scenario_is_a_value_error(bad):
    with pytest.raises(ValueError, match="unknown scenario"):
        tour.plot_schema(bad)
    with pytest.raises(ValueError, match="unknown scenario"):
        tour.foreign_keys(bad)


def test_foreign_keys_table():
    fk = tour.foreign_keys("bank")
    assert list(fk.columns) == ["table", "column", "references_table", "references_column"]
    assert ("holdings", "holding_id", "orders", "order_id") in set(fk.itertuples(index=False))
    assert len(fk) == len(_expected_keys("bank"))


def test_overview_counts_rows_and_columns(retail):
    overview = tour.table_overview(retail)
    assert list(overview.columns) == ["table", "rows", "columns", "meaning", "含义"]
    assert list(overview["table"]) == list(retail.tables)
    for row in overview.itertuples(index=False):
        df = retail.tables[row.table]
        assert row.rows == len(df) and row.columns == df.shape[1]
        assert row.meaning == table(row.table).en
    assert overview.set_index("table").loc["customers", "rows"] == 300
    assert overview.set_index("table").loc["orders", "含义"] == "订单/账单/产品销售"


def test_overview_of_committed_dataset_matches_its_metadata():
    data = crmlab.load("telecom", truth=False)
    overview = tour.table_overview(data).set_index("table")
    assert overview["rows"].to_dict() == data.meta["rows"]


def test_overview_accepts_a_dict_and_rejects_unknown_tables(retail):
    assert tour.table_overview({"orders": retail.orders})["rows"].tolist() == [len(retail.orders)]
    with pytest.raises(ValueError, match="unknown table 'sales'"):
        tour.table_overview({"sales": retail.orders})
    with pytest.raises(TypeError, match="CRMData"):
        tour.table_overview([retail.orders])


def test_column_dictionary_follows_the_schema():
    cols = tour.column_dictionary("customers", "b2b")
    assert list(cols.columns) == ["column", "type", "meaning", "含义", "key"]
    assert cols["column"].tolist() == table("customers").column_names("b2b")
    assert "gender" not in set(cols["column"]) and "industry" in set(cols["column"])
    keys = cols.set_index("column")["key"]
    assert keys["customer_id"] == "PK"
    assert keys["referred_by"] == "→ customers.customer_id"
    assert keys["city"] == ""
    assert tour.column_dictionary("crm_usage").set_index("column")["key"]["employee_id"] == (
        "PK, → employees.employee_id")


def test_column_dictionary_rejects_a_table_the_scenario_lacks():
    with pytest.raises(ValueError, match="retail scenario has no contracts table"):
        tour.column_dictionary("contracts", "retail")
    with pytest.raises(ValueError, match="unknown table"):
        tour.column_dictionary("sales")


def test_monthly_activity_adds_up_to_the_orders(retail):
    ax = tour.plot_monthly_activity(retail)
    heights = [p.get_height() for p in ax.patches]
    assert sum(heights) == len(retail.orders)
    months = retail.orders["order_date"].dt.to_period("M").nunique()
    assert len(heights) == months
    (line,) = ax.right_ax.get_lines()
    assert line.get_ydata().sum() == pytest.approx(retail.orders["amount"].sum())


def test_monthly_activity_needs_parsed_dates(retail):
    orders = retail.orders.assign(order_date=retail.orders["order_date"].dt.strftime("%d/%m/%Y"))
    with pytest.raises(ValueError, match="parse it first"):
        tour.plot_monthly_activity({"orders": orders})
    with pytest.raises(ValueError, match="no orders table"):
        tour.plot_monthly_activity({"customers": retail.customers})
    with pytest.raises(ValueError, match="missing column"):
        tour.plot_monthly_activity({"orders": orders.drop(columns="amount")})


def test_cjk_font_is_an_installed_font_or_none():
    from matplotlib import font_manager

    name = tour.cjk_font()
    assert name is None or name in {f.name for f in font_manager.fontManager.ttflist}


def test_docstring_examples_run():
    result = doctest.testmod(tour)
    assert result.attempted > 0 and result.failed == 0


def test_overview_is_a_plain_frame(retail):
    overview = tour.table_overview(retail)
    assert isinstance(overview, pd.DataFrame)
    assert overview["rows"].dtype == "int64"
