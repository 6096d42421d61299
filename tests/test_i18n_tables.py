"""Tables in the Chinese edition: a notebook shows each translated column's Chinese name
above its English one (the name to use in code); English tables, the data and code names
are unchanged; every column the notebooks show has a Chinese name in the catalogue."""

from __future__ import annotations

import pandas as pd
import pytest
from IPython.core.formatters import DisplayFormatter

import crmlab
from crmlab import catalogue, i18n
from crmlab.i18n import column_name, register_table_display, table_for_display


@pytest.fixture
def shell():
    """A stand-in for the notebook's IPython shell: its display formatters only."""
    class Shell:
        display_formatter = DisplayFormatter()

    assert register_table_display(Shell)
    return Shell


def _table():
    return pd.DataFrame({"customer_id": ["C000001", "C000002"], "recency_days": [12, 40],
                         "R01": [1, 2]}).set_index("customer_id")


def test_column_names_have_their_own_context():
    # "name" the column is 名称; the catalogue's sentences are not looked up as columns
    assert column_name("name", "zh") == "名称"
    assert column_name("customer_id", "zh") == "客户编号"
    assert column_name("customer_id", "en") == "customer_id"
    assert column_name("not a column we know", "zh") == "not a column we know"
    assert column_name(2024, "zh") == 2024


def test_chinese_names_stand_above_the_english_ones():
    shown = table_for_display(_table(), "zh")
    assert list(shown.columns) == [("距最近一次消费天数", "recency_days"), ("", "R01")]
    assert shown.index.names == ["客户编号（customer_id）"]
    assert shown.to_numpy().tolist() == _table().to_numpy().tolist()


def test_english_and_the_data_are_unchanged():
    df = _table()
    assert table_for_display(df, "en") is df
    table_for_display(df, "zh")
    assert list(df.columns) == ["recency_days", "R01"] and df.index.name == "customer_id"
    codes = pd.DataFrame({"R01": [1], "R02": [2]})  # nothing to translate: shown as it is
    assert table_for_display(codes, "zh") is codes
    two_level = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "b"),
                                                                         ("a", "c")]))
    assert table_for_display(two_level, "zh") is two_level


def test_the_notebook_shows_chinese_headers_in_chinese(zh, shell):
    data, _metadata = shell.display_formatter.format(_table())
    assert "距最近一次消费天数" in data["text/html"] and "recency_days" in data["text/html"]
    plain = data["text/plain"].splitlines()
    assert "距最近一次消费天数" in plain[0] and "recency_days" in plain[1]


def test_the_notebook_shows_english_tables_as_pandas_does(shell):
    crmlab.set_language("en")
    try:
        df = _table()
        data, _metadata = shell.display_formatter.format(df)
    finally:
        i18n._state["language"] = None
    assert data["text/html"] == df._repr_html_()
    assert data["text/plain"] == repr(df)


def test_chinese_headers_keep_the_columns_aligned(zh, shell):
    df = pd.DataFrame({"amount": [1.5, 22.25], "customer_id": ["C1", "C2"]})
    lines = shell.display_formatter.format(df)[0]["text/plain"].splitlines()
    # with east-Asian widths, each Chinese character counts as two columns: the English
    # header row and the data rows end at the same width as the Chinese header row
    from unicodedata import east_asian_width

    def width(text):
        return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in text)

    assert len({width(line.rstrip()) for line in lines[:1] + lines[2:]}) == 1, lines


def test_every_column_the_notebooks_show_has_a_chinese_name():
    po = catalogue.read("zh")
    names = {m.id: m.string for m in po if m.id and m.context == i18n.COLUMN_CONTEXT}
    shown = {name for name, _where in catalogue.notebook_columns()}
    assert shown and shown <= set(names), sorted(shown - set(names))[:5]
    assert names["customer_id"] == "客户编号" and names["retention_rate"] == "客户保持率"


def test_header_cells_are_read_from_saved_html():
    cells = catalogue._HeaderCells()
    cells.feed(_table()._repr_html_())
    assert [c for c in cells.cells if catalogue._is_name(c)] == ["recency_days", "R01",
                                                                  "customer_id"]
    assert not catalogue._is_name("2024-01-31") and not catalogue._is_name("(0, 25]")


def test_advice_in_tables_is_chinese_but_segment_names_stay_codes(zh, retail):
    from crmlab import rfm, value

    summary = rfm.segment_summary(rfm.rfm_scores(retail.orders, "2024-12-31"))
    assert summary.loc["Champions", "action"] == "奖励他们；抢先体验新品，邀请他们评价和推荐"
    assert "Champions" in summary.index  # a segment name is a value code filters on
    crmlab.set_language("en")
    summary = rfm.segment_summary(rfm.rfm_scores(retail.orders, "2024-12-31"))
    assert summary.loc["Champions", "action"] == rfm.SEGMENT_ACTIONS["Champions"]
    crmlab.set_language("zh")
    assert i18n.gettext(value.TIER_SERVICES["platinum"]) == "专属客户经理、主动关怀回访、优先服务、专享优惠"


def test_html_tables_cut_long_chinese_cells_as_pandas_does(zh, shell):
    # pandas' east-Asian width option (used for the plain-text form, to align the columns)
    # pads a long Chinese cell with dots in html: the html form is pandas' own
    df = pd.DataFrame({"name": ["campaign that cannibalises (蚕食常规销售的营销活动)"]})
    html = shell.display_formatter.format(df)[0]["text/html"]
    assert html == table_for_display(df)._repr_html_()
    assert "营销活动)</td>" in html and "......" not in html
