"""Privacy: masking, keyed pseudonyms, minimisation, consent and k-anonymity on known cases."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab import privacy as pv

KEY = "a-long-course-secret"


@pytest.fixture(scope="module")
def zh():
    return crmlab.load("retail_zh")


def test_masking_hand_cases(zh):
    assert pv.mask_phone("13812341234") == "138****1234"
    assert pv.mask_phone("138-1234-1234") == "138-****-1234"
    assert pv.mask_phone("+86 13812341234") == "+86 138****1234"
    assert pv.mask_phone("(303) 545-1866") == "(303) ***-1866"
    assert pv.mask_email(" li.lei@qq.com") == "l***@qq.com"
    assert pv.mask_name("欧阳娜娜") == "欧***" and pv.mask_name("王 伟") == "王*"
    assert pv.mask_name("Grant Pierce") == "G. P."
    masked = pv.mask_phone(zh.customers["phone"])
    assert masked.str.fullmatch(r"1\d\d\*{4}\d{4}").all()
    assert (masked.str[:3] == zh.customers["phone"].str[:3]).all()
    names = pv.mask_name(zh.customers["name"])
    assert (names.str[0] == zh.customers["name"].str[0]).all()
    assert (names.str.len() == zh.customers["name"].str.len()).all()
    assert pd.isna(pv.mask_email(pd.Series([None, "a@b.cn"]))[0])


def test_pseudonyms_are_keyed_hmac_and_stable(zh):
    ids = zh.customers["customer_id"]
    p = pv.pseudonymise(ids, KEY)
    want = hmac.new(KEY.encode(), ids.iloc[0].encode(), hashlib.sha256).hexdigest()[:16]
    assert p.iloc[0] == want
    assert p.is_unique and p.str.fullmatch(r"[0-9a-f]{16}").all()
    # the same key gives the same pseudonym in another table: joins still work
    orders = pv.pseudonymise(zh.orders["customer_id"], KEY)
    assert orders.isin(set(p)).all()
    assert not (pv.pseudonymise(ids, KEY + "x") == p).any()  # another key, other pseudonyms
    # a plain (unkeyed) hash of the id is not what comes out: guessing ids does not help
    assert p.iloc[0] != hashlib.sha256(ids.iloc[0].encode()).hexdigest()[:16]
    assert KEY not in "".join(p)
    assert pv.pseudonymise(["x"], KEY, length=64)[0] == hmac.new(
        KEY.encode(), b"x", hashlib.sha256).hexdigest()


def test_minimise_keeps_the_purpose_columns(zh):
    c = zh.customers
    ana = pv.minimise(c, "analytics")
    assert not {"name", "email", "phone"} & set(ana.columns)
    assert set(ana.columns) == set(pv.PURPOSES["analytics"]) & set(c.columns)
    assert list(pv.minimise(c, "service").columns) == ["customer_id", "name", "region_id",
                                                       "email", "phone"]
    b2b = pv.minimise(crmlab.load("b2b").customers, "analytics")
    assert "industry" in b2b.columns and "age" not in b2b.columns


def test_campaign_audience_respects_consent():
    dirty = crmlab.load("retail_dirty").customers
    aud = pv.campaign_audience(dirty, "email")
    consent = dirty["marketing_consent"].astype("boolean")
    want = dirty[consent.fillna(False).astype(bool) & dirty["email"].notna()]
    assert aud["customer_id"].tolist() == want["customer_id"].tolist()
    assert aud["marketing_consent"].astype(bool).all()
    assert list(aud.columns) == [c for c in dirty.columns if c in pv.PURPOSES["marketing"]]
    sms = pv.campaign_audience(dirty, "sms", exclude=aud["customer_id"].iloc[:10])
    assert not sms["customer_id"].isin(aud["customer_id"].iloc[:10]).any()
    assert sms["phone"].notna().all()


def test_k_anonymity_hand_case():
    t = pd.DataFrame({"age": [30, 30, 30, 41, 41, 52, np.nan],
                      "gender": ["F", "F", "F", "M", "M", "F", "F"]})
    r = pv.k_anonymity(t, ["age", "gender"])
    assert r.k == 1 and r.classes["size"].tolist() == [3, 2, 1, 1]
    assert r.unique == pytest.approx(2 / 7) and r.records_below(3) == 4
    assert pv.k_anonymity(t.iloc[:5], ["age", "gender"]).k == 2


def test_generalise_hand_case():
    t = pd.DataFrame({"age": [31, 33, 36, 38, 52, 57], "gender": list("FFMMFF"),
                      "city": ["A", "B", "A", "B", "C", "C"], "region_id": list("RRRRSS")})
    g = pv.generalise(t, ["age", "gender", "city"], k=2)
    # by hand: 5-year bands leave six singletons; then city -> region pairs four of them;
    # 10-year bands pair the last two
    assert g.steps == ["age -> 5-year bands", "city -> region_id", "age -> 10-year bands"]
    assert g.table["age"].tolist() == ["30-39"] * 4 + ["50-59"] * 2
    assert g.table["city"].tolist() == list("RRRRSS")
    assert g.before.k == 1 and g.after.k == 2 and g.suppressed == 0
    s = pv.generalise(t, ["age", "gender", "city"], k=2, max_suppression=0.34)
    assert s.steps == ["age -> 5-year bands", "city -> region_id", "suppress 2 records"]
    assert len(s.table) == 4 and s.k == 2


def test_generalise_the_course_data(zh):
    qi = ["age", "gender", "city"]
    before = pv.k_anonymity(zh.customers, qi)
    assert before.k == 1 and before.unique > 0.3  # a third of the customers stand out alone
    g = pv.generalise(zh.customers, qi, k=5, max_suppression=0.01)
    assert g.k >= 5 and g.suppressed <= 20 and g.after.unique == 0
    assert pv.k_anonymity(g.table, qi).k == g.k
    assert g.table["city"].isin(set(zh.customers["region_id"]) | {"*"}).all()
    ax = pv.plot_class_sizes(g.before, g.after)
    assert len(ax.patches) == 2 * len(pv.SIZE_BINS)
    heights = [p.get_height() for p in ax.patches]
    assert sum(heights[:len(pv.SIZE_BINS)]) == pytest.approx(1)
    assert heights[0] == pytest.approx(before.unique)  # the share of unique records, before


@pytest.mark.parametrize("call, message", [
    (lambda: pv.mask_phone("12345"), "not a phone number"),
    (lambda: pv.mask_phone(12345), "needs a text value or a pandas Series"),
    (lambda: pv.mask_email("no-at-sign"), "not an e-mail address"),
    (lambda: pv.mask_name(" "), "empty name"),
    (lambda: pv.pseudonymise(["C1"], "short"), "at least 16 characters"),
    (lambda: pv.pseudonymise(["C1"], KEY, length=4), "length must be a whole number"),
    (lambda: pv.pseudonymise("C1", KEY), "wrap it in a list"),
    (lambda: pv.minimise(pd.DataFrame({"a": [1]}), "sales"), "unknown purpose 'sales'"),
    (lambda: pv.minimise(pd.DataFrame({"a": [1]}), "delivery"), "has none of the columns"),
    (lambda: pv.minimise([1], "delivery"), "must be a pandas DataFrame"),
    (lambda: pv.campaign_audience(pd.DataFrame({"customer_id": ["C1"]})),
     "customers is missing column(s) 'marketing_consent', 'email'"),
    (lambda: pv.campaign_audience(pd.DataFrame(), "fax"), "channel must be one of"),
    (lambda: pv.k_anonymity(pd.DataFrame({"a": [1]}), "a"), "non-empty list of column names"),
    (lambda: pv.k_anonymity(pd.DataFrame({"a": [1]}), ["b"]), "missing column(s) 'b'"),
    (lambda: pv.k_anonymity(pd.DataFrame({"a": []}), ["a"]), "table is empty"),
    (lambda: pv.generalise(pd.DataFrame({"a": [1, 2]}), ["a"], k=1), "at least 2"),
    (lambda: pv.generalise(pd.DataFrame({"a": [1, 2]}), ["a"], k=3), "more than the 2 records"),
    (lambda: pv.generalise(pd.DataFrame({"city": ["A", "B"]}), ["city"], k=2),
     "needs the column 'region_id'"),
    (lambda: pv.generalise(pd.DataFrame({"a": [1, 2]}), ["a"], k=2, max_suppression=1),
     "max_suppression"),
    (lambda: pv.plot_class_sizes("x"), "needs results of k_anonymity"),
])
def test_bad_input_gets_a_clear_message(call, message):
    with pytest.raises(ValueError) as err:
        call()
    assert message in str(err.value)
