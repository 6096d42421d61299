"""Cleaning and standardisation: hand-made cases and the planted defects of the dirty data."""

from __future__ import annotations

import pandas as pd
import pytest

import crmlab
from crmlab import cleaning as cl


@pytest.fixture(scope="module")
def dirty():
    return crmlab.load("retail_dirty")


@pytest.fixture(scope="module")
def cleaned(dirty):
    return cl.clean(dirty)


@pytest.fixture(scope="module")
def dirty_zh():
    """Chinese names, phones and cities with the generator's defects."""
    return crmlab.generate("retail", 600, seed=7, locale="zh_CN", defects=True)


# ---------------------------------------------------------------- single rules
def test_phones_us_and_chinese():
    us = cl.standardise_phones(["(303) 545-1866", "303.545.1866", "3035451866",
                                "+1-303-545-1866", "1 303 545 1866", "０３０３５４５１８６６"[1:]])
    assert set(us) == {"+13035451866"}
    cn = cl.standardise_phones(["138-1234-1234", "+86 13812341234", "138 1234 1234",
                                "8613812341234", "0086 138 1234 1234", "13812341234"], "CN")
    assert set(cn) == {"+8613812341234"}
    # not numbers of the country: left unresolved (None), never guessed
    assert cl.standardise_phones(["123-4567", "011 555 1234"]).tolist() == [None, None]
    assert cl.standardise_phones(["12812341234"], "CN").tolist() == [None]  # 12x is no mobile
    out = cl.standardise_phones(pd.Series([None, "303 545 1866"]))
    assert pd.isna(out[0]) and out[1] == "+13035451866"  # missing stays missing


def test_emails_names_cities():
    assert cl.standardise_emails(["  A.B@Gmail.COM", "x@gmial.com", "y@gmail.com.cn"]).tolist() \
        == ["a.b@gmail.com", "x@gmail.com", "y@gmail.com.cn"]
    names = cl.standardise_names(["PIERCE, GRANT", "Pierce, Grant", "grant pierce ",
                                  "Grant   Pierce", "Ronald McDonald", "王 小明", " 李雷 ",
                                  "ＷＡＮＧ Ｌｅｉ"])
    assert names.tolist() == ["Grant Pierce"] * 4 + ["Ronald McDonald", "王小明", "李雷",
                                                      "WANG Lei"]
    # company names keep their commas and capitals
    assert cl.standardise_names(["Acme, Inc.", "IBM  CHINA"], person=False).tolist() == \
        ["Acme, Inc.", "IBM CHINA"]
    assert cl.standardise_cities(["LA", "Philly", "ST. LOUIS", "上海市", "成都 ", "Kansas City",
                                  "XYZ"]).tolist() == \
        ["Los Angeles", "Philadelphia", "St. Louis", "上海", "成都", "Kansas City", "XYZ"]
    assert cl.standardise_cities(["KC"], reference={"KC": "Kansas City"}).tolist() == \
        ["Kansas City"]


def test_dates_rule_and_ambiguity():
    p = cl.parse_dates(["2022-01-02", "2022/01/02", "20220102", "01/02/2022", "02.01.2022",
                        "13/02/2022", "31.02.2022", "2022-01-02 08:30:00", None, "Jan 2"])
    iso = p["date"].dt.strftime("%Y-%m-%d").tolist()
    assert iso[:5] == ["2022-01-02"] * 5  # US slash: month first; dots: day first
    assert pd.isna(p["date"][5]) and pd.isna(p["date"][6])  # month 13, 31 February
    assert p["rule"].tolist() == ["iso", "ymd_slash", "ymd_compact", "mdy_slash", "dmy_dot",
                                  "unparsed", "unparsed", "iso", "missing", "unparsed"]
    assert p["ambiguous"].tolist() == [False, False, False, True, True, False, False, False,
                                       False, False]
    assert not cl.parse_dates(["05/05/2022"])["ambiguous"].iloc[0]  # both readings agree
    assert cl.standardise_dates(["2022-01-02 08:30:00", "02.01.2022"]).tolist() == \
        ["2022-01-02 08:30:00", "2022-01-02"]


# ---------------------------------------------------------------- against the truth
def _restored(cleaned, truth_formats, country="US"):
    cust = cleaned.data.customers.set_index("customer_id")
    out = {}
    for col, f in truth_formats.groupby("column"):
        want = (cl.standardise_phones(f["original"], country) if col == "phone"
                else f["original"])
        out[col] = (cust.loc[f["row_id"], col].to_numpy() == want.to_numpy()).mean(), len(f)
    return out


def test_every_planted_format_defect_is_restored(dirty, cleaned):
    res = _restored(cleaned, dirty.truth.formats)
    assert res == {"city": (1.0, 58), "phone": (1.0, 46), "signup_date": (1.0, 50)}


def test_chinese_format_defects_are_restored(dirty_zh):
    res = _restored(cl.clean(dirty_zh), dirty_zh.truth.formats, "CN")
    assert {k: v[0] for k, v in res.items()} == {"city": 1.0, "phone": 1.0, "signup_date": 1.0}
    names = cl.clean(dirty_zh).data.customers["name"]
    assert not names.str.contains(" ").any()


def test_duplicates_variants_match_their_original_after_cleaning(dirty, cleaned):
    """The name, phone and e-mail variants of the planted duplicates become the original's."""
    cust = cleaned.data.customers.set_index("customer_id")
    dup = dirty.truth.duplicates
    for col in ("name", "phone", "email"):
        a = cust.loc[dup["duplicate_id"], col].to_numpy()
        b = cust.loc[dup["original_id"], col].to_numpy()
        both = pd.notna(a) & pd.notna(b)
        assert (a[both] == b[both]).all(), col
    # before cleaning most differ (the generator changes 70% of names, 60% of phones)
    raw = dirty.customers.set_index("customer_id")
    same = (raw.loc[dup["duplicate_id"], "name"].to_numpy()
            == raw.loc[dup["original_id"], "name"].to_numpy())
    assert same.mean() < 0.5


def test_nothing_else_changes(dirty, cleaned):
    """Outside the planted defects (format rows, duplicate rows) only the phone form changes."""
    log = cleaned.log
    touched = set(dirty.truth.formats["row_id"]) | set(dirty.truth.duplicates["duplicate_id"])
    other = log[(log["table"] == "customers") & ~log["row_id"].isin(touched)]
    assert set(other["column"]) == {"phone"}  # +1-303-545-1866 -> +13035451866 for everyone
    assert (other["after"] == cl.standardise_phones(other["before"])).all()
    assert set(log["table"]) == {"customers"}  # the other tables are already standard
    # every change is in the log: the cleaned tables differ from the raw ones exactly there
    for name, df in dirty.tables.items():
        new = cleaned.data.tables[name]
        assert new.shape == df.shape and list(new.columns) == list(df.columns), name
        diff = ((new != df) & ~(new.isna() & df.isna())).sum().sum()
        assert new.dtypes.equals(df.dtypes), name
        assert diff == (log["table"] == name).sum(), name
    # missing values are not filled, rows are not dropped
    assert cleaned.data.customers.isna().sum().equals(dirty.customers.isna().sum())
    assert dirty.customers["phone"].iloc[0] == "214.765.3274"  # the input is not modified


def test_ambiguous_dates_are_reported(dirty, cleaned):
    f = dirty.truth.formats.query("column == 'signup_date'")
    amb = cleaned.log[cleaned.log["rule"].str.endswith("(ambiguous)")]
    # exactly the day-month formats whose day and month are both <= 12 and differ
    parts = f["written"].str.extract(r"^(\d{1,2})[./](\d{1,2})[./]\d{4}$").dropna().astype(int)
    expected = f.loc[parts.index[(parts[0] <= 12) & (parts[1] <= 12) & (parts[0] != parts[1])],
                     "row_id"]
    assert sorted(amb["row_id"]) == sorted(expected) and len(expected) == 10
    assert cleaned.summary()["cells"].sum() == len(cleaned.log)


def test_clean_data_passes_validity(cleaned, dirty):
    before = crmlab.evaluation.data_quality_checks(dirty)["validity"]
    after = crmlab.evaluation.data_quality_checks(cleaned.data)["validity"]
    assert (before.dropna() < 1).any() and (after.dropna() == 1).all()


@pytest.mark.parametrize("name", ["retail", "retail_zh", "telecom"])
def test_clean_datasets_only_get_the_phone_form(name):
    data = crmlab.load(name)
    res = cl.clean(data)
    assert set(res.log["column"]) == {"phone"}
    country = "CN" if name == "retail_zh" else "US"
    want = "+86" + data.customers["phone"] if country == "CN" else \
        "+1" + data.customers["phone"].str.replace(r"\D", "", regex=True).str[-10:]
    assert (res.data.customers["phone"] == want).all()


def test_b2b_company_names_are_kept():
    b2b = crmlab.load("b2b")
    res = cl.clean(b2b)
    assert b2b.customers["name"].str.contains(",").any()  # "Smith, Jones and Co" stays so
    assert (res.data.customers["name"] == b2b.customers["name"]).all()
    assert "name" not in set(res.log["column"])


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, message", [
    (lambda: cl.standardise_phones(["1"], country="DE"), "country must be one of US, CN"),
    (lambda: cl.standardise_phones("303 545 1866"), "must be a pandas Series or a list"),
    (lambda: cl.standardise_cities(["LA"], reference=["LA"]), "reference must be a dict"),
    (lambda: cl.parse_dates(20220102), "must be a pandas Series or a list"),
    (lambda: cl.clean({"customers": pd.DataFrame()}), "clean needs a dataset"),
    (lambda: cl.clean(crmlab.load("b2b"), country="UK"), "country must be one of"),
])
def test_bad_input_gets_a_clear_message(call, message):
    with pytest.raises(ValueError) as err:
        call()
    assert message in str(err.value)
