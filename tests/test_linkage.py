"""Record linkage (crmlab.linkage): hand-computed cases, planted m/u, the dirty datasets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab import linkage as lk


@pytest.fixture(scope="module")
def dirty():
    return crmlab.load("retail_dirty")


@pytest.fixture(scope="module")
def dirty_zh():
    return crmlab.generate("retail", 2000, seed=1, locale="zh_CN", defects=True)


# ---------------------------------------------------------------- string similarity
@pytest.mark.parametrize("a, b, expected", [
    # Winkler (1990) / Jaro (1989) published examples
    ("MARTHA", "MARHTA", 0.961),
    ("DWAYNE", "DUANE", 0.840),
    ("DIXON", "DICKSONX", 0.813),
])
def test_jaro_winkler_published_examples(a, b, expected):
    assert round(lk.jaro_winkler(a, b), 3) == expected
    assert round(lk.jaro_winkler(b, a), 3) == expected  # symmetric


def test_jaro_by_hand():
    # MARTHA / MARHTA: m = 6 matching characters, T and H swapped: t = 2 / 2 = 1
    assert lk.jaro("MARTHA", "MARHTA") == pytest.approx((6 / 6 + 6 / 6 + (6 - 1) / 6) / 3)
    # DWAYNE / DUANE: D, A, N, E match (window 2), in order: t = 0
    assert lk.jaro("DWAYNE", "DUANE") == pytest.approx((4 / 6 + 4 / 5 + 1) / 3)
    # DIXON / DICKSONX: D, I, O, N match (window 3): (4/5 + 4/8 + 1) / 3
    assert lk.jaro("DIXON", "DICKSONX") == pytest.approx((4 / 5 + 4 / 8 + 1) / 3)
    assert lk.jaro("abc", "xyz") == 0.0
    assert lk.jaro("", "abc") == 0.0
    assert lk.jaro("same", "same") == 1.0
    # prefix bonus only above 0.7 (Winkler's boost threshold): "ab" vs "ac" has jaro 2/3
    assert lk.jaro_winkler("ab", "ac") == pytest.approx(lk.jaro("ab", "ac"))


def test_vectorised_jaro_winkler_equals_the_loop():
    rng = np.random.default_rng(11)
    alphabet = list("abcdeé xy") + ["王", "小", "明"]
    a = ["".join(rng.choice(alphabet, rng.integers(1, 15))) for _ in range(3000)]
    b = [x[::-1] if k % 3 == 0 else "".join(rng.choice(alphabet, rng.integers(1, 25)))
         for k, x in enumerate(a)]
    b[1::3] = [x[:-2] + x[-1:] + "z" for x in a[1::3]]  # near misses
    want = np.array([lk.jaro_winkler(x, y) for x, y in zip(a, b)])
    np.testing.assert_allclose(lk.jaro_winkler_many(a, b), want, atol=1e-12)
    assert lk.jaro_winkler_many([], []).shape == (0,)


# ---------------------------------------------------------------- standardisation
def test_standardisation_helpers():
    assert lk.normalise_name("Eaton, Thomas") == lk.normalise_name("THOMAS EATON ") == \
        "thomas eaton"
    assert lk.normalise_name("ｔｈｏｍａｓ　ｅａｔｏｎ") == "thomas eaton"  # full-width letters, U+3000
    assert lk.normalise_name(" 彭海燕") == lk.normalise_name("彭 海燕") == \
        lk.normalise_name("彭　海燕") == "彭海燕"
    assert lk.normalise_name(None) is None and lk.normalise_name(float("nan")) is None
    assert lk.normalise_email(" JUAN60614@GMAIL.COM") == "juan60614@gmail.com"
    assert lk.normalise_email("ｊｕａｎ＠ｇｍａｉｌ．ｃｏｍ") == "juan@gmail.com"
    for variant in ["+1-214-765-3274", "(214) 765-3274", "2147653274", "214.765.3274",
                    "001 214 765 3274"]:
        assert lk.normalise_phone(variant) == "2147653274", variant
    for variant in ["+86 15203062371", "152-0306-2371", "152 0306 2371", "15203062371",
                    "１５２０３０６２３７１"]:
        assert lk.normalise_phone(variant) == "15203062371", variant
    assert lk.normalise_city("Philly") == lk.normalise_city("PHILADELPHIA") == "philadelphia"
    assert lk.normalise_city("成都市") == lk.normalise_city("成都 ") == "成都"
    dates = lk.parse_dates(["2022-03-15", "2022/03/15", "03/15/2022", "15.03.2022",
                            "20220315", "not a date", None])
    assert dates.iloc[:5].nunique() == 1 and dates.iloc[0] == pd.Timestamp("2022-03-15")
    assert dates.iloc[5:].isna().all()


@pytest.mark.parametrize("data", ["dirty", "dirty_zh"])
def test_standardise_undoes_the_format_defects(data, request):
    """Every date, phone and city the defects rewrote reads the same as its original."""
    fmt = request.getfixturevalue(data).truth.extra["formats"]
    assert set(fmt["column"]) == {"signup_date", "phone", "city"}
    for col in ("signup_date", "phone", "city"):
        rows = fmt[fmt["column"] == col]
        assert len(rows) > 0
        before = lk.standardise(pd.DataFrame({"customer_id": rows["row_id"], "name": "x",
                                              col: rows["original"]}))[col]
        after = lk.standardise(pd.DataFrame({"customer_id": rows["row_id"], "name": "x",
                                             col: rows["written"]}))[col]
        assert (before.to_numpy() == after.to_numpy()).all(), col


# ---------------------------------------------------------------- blocking
def test_blocking_by_hand():
    t = pd.DataFrame({"customer_id": ["A", "B", "C", "D"],
                      "name": ["Ann Lee", "LEE, ANN", "Bo Li", "Cy Wu"],
                      "phone": ["555-0101", None, "5550101", "555-0101"],
                      "city": ["Rome", "Rome", "Oslo", "Rome"]})
    p = lk.candidate_pairs(t, blocks=["name_key", "phone"], truth=[("A", "B"), ("C", "D")])
    assert p.values.tolist() == [["A", "B"], ["A", "C"], ["A", "D"], ["C", "D"]]
    rep = p.attrs["report"]
    assert rep.loc["name_key", "pairs"] == 1 and rep.loc["phone", "pairs"] == 3
    assert rep.loc["all", "reduction_ratio"] == pytest.approx(1 - 4 / 6)
    assert rep.loc["name_key", "pair_completeness"] == 0.5
    assert rep.loc["all", "pair_completeness"] == 1.0
    # a tuple of keys: both must agree
    q = lk.candidate_pairs(t, blocks=[("name_initial", "city")])
    assert q.values.tolist() == [["A", "B"]]  # "a" and Rome; D is "c" in Rome
    q = lk.candidate_pairs(t, blocks=[("phone_last4", "city")])
    assert q.values.tolist() == [["A", "D"]]


def test_blocking_on_retail_dirty(dirty):
    rep = lk.blocking_report(dirty.customers, truth=dirty.truth.extra["duplicates"])
    n = len(dirty.customers)
    assert rep.loc["all", "pair_completeness"] == 1.0
    assert rep.loc["all", "reduction_ratio"] > 0.999
    assert rep.loc["all", "pairs"] < n  # far fewer than n(n-1)/2 = 1.24 million
    # the loose block of the textbook (initial + city) keeps more pairs, for no gain here
    loose = lk.blocking_report(dirty.customers, blocks=[("name_initial", "city")],
                               truth=dirty.truth.extra["duplicates"])
    assert loose.loc["all", "pairs"] > 10 * rep.loc["all", "pairs"]
    # phone alone misses the duplicates whose phone is blank on one side
    assert rep.loc["phone", "pair_completeness"] < 1


# ---------------------------------------------------------------- comparison
def test_comparison_levels_by_hand():
    t = pd.DataFrame({
        "customer_id": ["A", "B", "C", "D"],
        "name": ["Martha Ray", "MARHTA RAY", "Ray, Martha", "王小明"],
        "email": ["m.ray@x.com", "M.RAY@X.COM", "mray@x.com", None],
        "phone": ["+1-214-765-3274", "(214) 765-3274", "(972) 765-3274", "13800138000"],
        "city": ["NYC", "New York", "Boston", "北京"],
        "signup_date": ["2022-01-01", "01/20/2022", "2023-01-01", "2022-01-01"],
        "age": [30, 31, 30, None], "gender": ["F", "F", "M", "M"]})
    pairs = pd.DataFrame({"id_l": ["A", "A", "A"], "id_r": ["B", "C", "D"]})
    g = lk.compare(t, pairs).set_index("id_r")
    assert g.loc["B"].tolist() == ["A", 1, 2, 2, 1, 1, 1, 1]  # name close, date within 60 days
    assert g.loc["C", ["name", "email", "phone", "city", "signup_date", "age", "gender"]
                 ].tolist() == [2, 1, 1, 0, 0, 2, 0]  # inverted name exact, same last 7 digits
    assert g.loc["D", ["name", "email", "age"]].tolist() == [0, -1, -1]  # missing: -1
    # Chinese names: same surname and length, one character different -> close
    z = pd.DataFrame({"customer_id": ["A", "B", "C"], "name": ["王小明", "王晓明", "李小明"]})
    gz = lk.compare(z, pd.DataFrame({"id_l": ["A", "A"], "id_r": ["B", "C"]}), fields=["name"])
    assert gz["name"].tolist() == [1, 0]


# ---------------------------------------------------------------- EM with planted m/u
def test_em_recovers_planted_m_and_u():
    rng = np.random.default_rng(7)
    n, prior = 40_000, 0.15
    planted = {  # field -> (m over levels, u over levels)
        "name": ([0.03, 0.12, 0.85], [0.80, 0.15, 0.05]),
        "email": ([0.10, 0.90], [0.97, 0.03]),
        "phone": ([0.05, 0.05, 0.90], [0.90, 0.08, 0.02]),
        "city": ([0.20, 0.80], [0.70, 0.30]),
    }
    match = rng.random(n) < prior
    gamma = {}
    for f, (m, u) in planted.items():
        levels = len(m)
        g = np.where(match, rng.choice(levels, n, p=m), rng.choice(levels, n, p=u))
        g[rng.random(n) < 0.05] = -1  # 5% missing, ignored by EM
        gamma[f] = g.astype(np.int8)
    gamma = pd.DataFrame(gamma)
    fields = {f: tuple(f"l{k}" for k in range(len(m))) for f, (m, _) in planted.items()}
    model = lk.fit_em(gamma, fields)
    assert model.converged
    assert model.prior == pytest.approx(prior, abs=0.01)
    for f, (m, u) in planted.items():
        np.testing.assert_allclose(model.m[f], m, atol=0.02, err_msg=f)
        np.testing.assert_allclose(model.u[f], u, atol=0.02, err_msg=f)
    # the log-likelihood never falls (a property of EM)
    assert np.all(np.diff(model.history) > -1e-6)
    # weights and posterior by hand for one vector
    wt = model.weight_table().set_index(["field", "level"])
    assert wt.loc[("email", "l1"), "weight"] == pytest.approx(
        np.log2(model.m["email"][1] / model.u["email"][1]))
    one = pd.DataFrame({"name": [2], "email": [1], "phone": [-1], "city": [0]}).astype("int8")
    s = (np.log2(model.m["name"][2] / model.u["name"][2])
         + np.log2(model.m["email"][1] / model.u["email"][1])
         + np.log2(model.m["city"][0] / model.u["city"][0]))
    assert model.score(one)[0] == pytest.approx(s)
    num = model.prior * model.m["name"][2] * model.m["email"][1] * model.m["city"][0]
    den = num + (1 - model.prior) * model.u["name"][2] * model.u["email"][1] * model.u["city"][0]
    assert model.probability(one)[0] == pytest.approx(num / den)


def test_em_names_the_classes_whatever_the_start():
    rng = np.random.default_rng(3)
    match = rng.random(5000) < 0.8  # most candidate pairs are matches: label switching risk
    g = pd.DataFrame({f: np.where(match, rng.random(5000) < 0.95, rng.random(5000) < 0.1)
                      .astype("int8") for f in "abcd"})
    for start in (0.01, 0.5, 0.99):
        model = lk.fit_em(g, {f: ("different", "exact") for f in "abcd"}, prior=start)
        assert model.prior == pytest.approx(0.8, abs=0.02)
        assert all(model.m[f][1] > model.u[f][1] for f in "abcd")


# ---------------------------------------------------------------- the whole pipeline
def test_f1_on_retail_dirty(dirty):
    truth = dirty.truth.extra["duplicates"]
    r = lk.link(dirty.customers, truth=truth)
    assert r.metrics["f1"] >= 0.95
    assert r.metrics["true_pairs"] == 75
    # the F1-best threshold of the precision-recall curve is at least as good
    best = lk.best_threshold(r.curve)
    cl = lk.clusters(r.pairs.loc[r.pairs["score"] >= best, ["id_l", "id_r"]], r.standardised.index)
    assert lk.evaluate(cl, truth)["f1"] >= r.metrics["f1"] - 1e-12
    assert r.curve["recall"].is_monotonic_increasing
    # one golden record per customer: 1,575 records - 75 duplicates
    assert len(r.golden) == len(dirty.customers) - 75
    assert r.id_map.index.is_unique and len(r.id_map) == len(dirty.customers)
    # re-keyed orders point at golden ids only (orphan orders keep their unknown id)
    orders = lk.rekey(dirty.tables["orders"], r.id_map)
    known = orders["customer_id"].isin(r.id_map.index)
    assert orders.loc[known, "customer_id"].isin(r.golden["golden_id"]).all()
    assert len(orders) == len(dirty.tables["orders"])
    # every duplicate's orders now belong to its original
    dup = truth.set_index("duplicate_id")["original_id"]
    assert (r.id_map[dup.index].to_numpy() == r.id_map[dup.to_numpy()].to_numpy()).all()


def test_works_on_chinese_names(dirty_zh):
    truth = dirty_zh.truth.extra["duplicates"]
    r = lk.link(dirty_zh.customers, truth=truth)
    print(f"zh_CN: precision {r.metrics['precision']:.3f}, recall {r.metrics['recall']:.3f}, "
          f"F1 {r.metrics['f1']:.3f}")
    assert r.metrics["f1"] >= 0.95
    assert r.blocking.loc["all", "pair_completeness"] == 1.0


def test_catches_typos_it_was_not_built_for():
    """Duplicates with a mistyped name, e-mail or phone: the close levels must carry them."""
    data = crmlab.generate("retail", 1500, seed=5, defects=True)
    base = data.customers
    rng = np.random.default_rng(1)
    orig = base[~base["customer_id"].isin(data.truth.extra["duplicates"].stack())].sample(
        60, random_state=1).reset_index(drop=True)
    dup = orig.copy()
    dup["customer_id"] = [f"X{i:04d}" for i in range(len(dup))]

    def typo(s: str) -> str:  # swap two neighbouring letters in the middle
        if not isinstance(s, str) or len(s) < 5:
            return s
        i = int(rng.integers(1, len(s) - 2))
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]

    dup["name"] = dup["name"].map(typo)
    half = np.arange(len(dup)) % 2 == 0
    dup.loc[half, "email"] = dup.loc[half, "email"].map(typo)
    dup.loc[~half, "phone"] = dup.loc[~half, "phone"].map(
        lambda p: p if not isinstance(p, str) else p[:-1] + str((int(p[-1]) + 1) % 10))
    customers = pd.concat([base, dup], ignore_index=True)
    truth = pd.concat([data.truth.extra["duplicates"],
                       pd.DataFrame({"duplicate_id": dup["customer_id"],
                                     "original_id": orig["customer_id"]})], ignore_index=True)
    r = lk.link(customers, blocks=["phone_last4", "email_local", ("name_initial", "city")],
                truth=truth)
    assert r.blocking.loc["all", "pair_completeness"] >= 0.9
    assert r.metrics["f1"] >= 0.95, r.metrics


def test_evaluate_by_hand():
    # predicted clusters {A, B, C} and {D}; truth {A, B} and {C, D}
    pred = pd.Series([0, 0, 0, 1], index=["A", "B", "C", "D"])
    ev = lk.evaluate(pred, [("A", "B"), ("C", "D")])
    # predicted pairs AB, AC, BC (transitive closure); true pairs AB, CD; 1 correct
    assert ev["predicted_pairs"] == 3 and ev["true_pairs"] == 2 and ev["true_positives"] == 1
    assert ev["precision"] == pytest.approx(1 / 3) and ev["recall"] == 0.5
    assert ev["f1"] == pytest.approx(2 * (1 / 3) * 0.5 / (1 / 3 + 0.5))
    assert lk.truth_pairs([("A", "B"), ("B", "C")]).values.tolist() == [
        ["A", "B"], ["A", "C"], ["B", "C"]]


def test_precision_recall_curve_and_threshold_by_hand():
    pairs = pd.DataFrame({"id_l": ["A", "A", "B", "C"], "id_r": ["B", "C", "C", "D"]})
    curve = lk.precision_recall_curve(pairs, [9.0, 1.0, 5.0, 5.0], [("A", "B"), ("D", "C")])
    assert curve["threshold"].tolist() == [9.0, 5.0, 1.0]  # tied scores share a threshold
    assert curve["pairs"].tolist() == [1, 3, 4]
    assert curve["precision"].tolist() == pytest.approx([1, 2 / 3, 0.5])
    assert curve["recall"].tolist() == pytest.approx([0.5, 1, 1])
    assert lk.best_threshold(curve) == 5.0  # F1 0.667, 0.8, 0.667


def test_golden_record_rules_by_hand():
    t = pd.DataFrame({
        "customer_id": ["C1", "C2", "C3", "C4"],
        "name": ["Ann Lee", "LEE, ANN", "ann lee", "Bo Wu"],
        "gender": ["F", "M", "M", "M"],
        "email": [None, "ANN@X.COM", "ann@x.com", "bo@y.com"],
        "phone": ["(214) 765-3274", None, "+1-214-765-3274", None],
        "city": ["Rome", None, None, "Oslo"],
        "signup_date": ["2022-05-01", "04/20/2022", "2022-06-30", "2022-01-01"],
        "points": pd.array([10, 5, 1, 0], dtype="Int64")})
    cluster = pd.Series([0, 0, 0, 1], index=["C1", "C2", "C3", "C4"])
    g = lk.golden_records(t, cluster).set_index("golden_id")
    # golden id: the earliest record (C2 signed up on 20 April); the first sign-up date
    assert g.index.tolist() == ["C2", "C4"]
    a = g.loc["C2"]
    assert a["signup_date"] == "2022-04-20" and a["customer_id"] == "C2"
    # most complete: C1 and C3 both fill 7 of 8 fields (C2: 6); C1 signed up earlier -> C1.
    # C1's blank e-mail comes from the next most complete record, C3 (cleaned: lower-case)
    assert a["name"] == "Ann Lee" and a["city"] == "Rome" and a["gender"] == "F"
    assert a["email"] == "ann@x.com" and a["phone"] == "2147653274"
    assert a["points"] == 16 and a["n_records"] == 3 and a["source_ids"] == "C2, C1, C3"
    # other rules
    g2 = lk.golden_records(t, cluster, {"city": "latest", "name": "latest",
                                        "gender": "most_common", "points": "max"}
                           ).set_index("golden_id")
    assert g2.loc["C2", "name"] == "ann lee"  # the most recent record, C3
    assert g2.loc["C2", "city"] == "Rome"  # the most recent non-missing value (C3's is blank)
    assert g2.loc["C2", "gender"] == "M"  # two of three records
    assert g2.loc["C2", "points"] == 10
    c4 = g2.loc["C4"].drop(["source_ids", "n_records", "phone"]).tolist()
    assert c4 == ["C4", "Bo Wu", "M", "bo@y.com", "Oslo", "2022-01-01", 0]
    assert pd.isna(g2.loc["C4", "phone"])
    raw = lk.golden_records(t, cluster, clean=False).set_index("golden_id")
    assert raw.loc["C2", "signup_date"] == "04/20/2022" and raw.loc["C2", "email"] == "ann@x.com"
    m = lk.golden_id_map(g.reset_index())
    assert m.to_dict() == {"C2": "C2", "C1": "C2", "C3": "C2", "C4": "C4"}


def test_clusters_transitive():
    m = pd.DataFrame({"id_l": ["A", "C", "E"], "id_r": ["B", "B", "F"]})
    cl = lk.clusters(m, ["A", "B", "C", "D", "E", "F"])
    assert cl.tolist() == [0, 0, 0, 1, 2, 2]


def test_plots_return_axes(dirty):
    import matplotlib.pyplot as plt

    r = lk.link(dirty.customers, truth=dirty.truth.extra["duplicates"])
    ax = lk.plot_precision_recall(r.curve, threshold=r.threshold)
    assert ax.get_xlabel().startswith("recall")
    is_true = lk.truth_pairs(dirty.truth.extra["duplicates"])
    key = set(zip(is_true["id_l"], is_true["id_r"]))
    y = [(a, b) in key or (b, a) in key for a, b in zip(r.pairs["id_l"], r.pairs["id_r"])]
    ax = lk.plot_scores(r.pairs["score"], y, threshold=r.threshold)
    assert len(ax.patches) == 80  # 40 bins, two groups
    plt.close("all")


# ---------------------------------------------------------------- bad input
TINY = pd.DataFrame({"customer_id": ["A", "B"], "name": ["Ann", "Bo"]})


@pytest.mark.parametrize("call, message", [
    (lambda: lk.standardise([1, 2]), "customers must be a pandas DataFrame"),
    (lambda: lk.standardise(TINY.drop(columns="name")), "missing column(s) 'name'"),
    (lambda: lk.standardise(pd.concat([TINY, TINY])), "customer_id must be unique"),
    (lambda: lk.candidate_pairs(TINY, blocks="name_key"), "blocks must be a non-empty list"),
    (lambda: lk.candidate_pairs(TINY, blocks=["surname"]), "blocking key 'surname' is not a"),
    (lambda: lk.candidate_pairs(TINY, blocks=["name_key"], max_pairs=0), "max_pairs"),
    (lambda: lk.candidate_pairs(pd.DataFrame({"customer_id": list("abcd"), "name": "x"}),
                                blocks=["name_key"], max_pairs=2), "gives 6 pairs"),
    (lambda: lk.candidate_pairs(TINY, truth=[("A", "Z")]), "not in the customers table"),
    (lambda: lk.compare(TINY, pd.DataFrame({"a": [1]})), "columns id_l, id_r"),
    (lambda: lk.compare(TINY, pd.DataFrame({"id_l": ["A"], "id_r": ["B"]}), ["nose"]),
     "unknown comparison field"),
    (lambda: lk.fit_em(pd.DataFrame({"email": [0, 5]}).astype("int8"),
                       {"email": ("different", "exact")}), "gamma.email must hold level codes"),
    (lambda: lk.fit_em(pd.DataFrame({"email": [0, 1]}), {"email": ("d", "e")}, prior=1.5),
     "prior"),
    (lambda: lk.fit_em(pd.DataFrame({"email": [0, 1]}), {}), "fields must be a non-empty"),
    (lambda: lk.fit_em([[0, 1]]), "gamma must be a DataFrame"),
    (lambda: lk.jaro("abc", None), "jaro compares two strings"),
    (lambda: lk.jaro_winkler("a", "b", p=0.5), "p must be between 0 and 0.25"),
    (lambda: lk.jaro_winkler_many(["a"], ["b", "c"]), "same length, got 1 and 2"),
    (lambda: lk.jaro_winkler_many(["a"], [None]), "compares strings"),
    (lambda: lk.normalise_phone("123", country_codes=["1"]), "country_codes must be a dict"),
    (lambda: lk.precision_recall_curve(pd.DataFrame({"id_l": ["A"], "id_r": ["B"]}), [1, 2],
                                       [("A", "B")]), "scores must be 1 finite numbers"),
    (lambda: lk.precision_recall_curve(pd.DataFrame({"id_l": ["A"], "id_r": ["B"]}), [1], []),
     "truth holds no duplicate pairs"),
    (lambda: lk.best_threshold(pd.DataFrame()), "curve must be the DataFrame"),
    (lambda: lk.clusters(pd.DataFrame({"id_l": ["A"], "id_r": ["Q"]}), ["A", "B"]),
     "not in ids"),
    (lambda: lk.golden_records(TINY, pd.Series([0, 0], index=["A", "B"]), {"name": "oldest"}),
     "unknown survivorship rule"),
    (lambda: lk.golden_records(TINY, pd.Series([0], index=["A"])), "no entry for id 'B'"),
    (lambda: lk.golden_id_map(TINY), "golden must be the DataFrame of golden_records"),
    (lambda: lk.rekey(TINY, pd.Series(dtype=str), column="order"), "column 'order'"),
    (lambda: lk.evaluate([1, 2], []), "predicted must be a Series"),
    (lambda: lk.truth_pairs(5), "truth must be a DataFrame"),
    (lambda: lk.plot_scores([]), "scores must be a non-empty"),
])
def test_bad_input_gets_a_clear_message(call, message):
    with pytest.raises(ValueError) as err:
        call()
    assert message in str(err.value)
