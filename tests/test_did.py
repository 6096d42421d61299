"""Difference-in-differences: hand-computed panels, the planted roll-out effect, bad input."""

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab import did as D
from crmlab.evaluation import usage_kpi

SEEDS = [1, 2, 3, 4, 5, 6]


def tiny_panel() -> pd.DataFrame:
    """Regions A, B treated from month 2; C, D never. Means: treated 11 -> 15.5, others 12 -> 13.5."""
    return pd.DataFrame({"region_id": list("AABBCCDD"), "month": [1, 2] * 4,
                         "y": [10, 15, 12, 16, 10, 12, 14, 15],
                         "treated": [True] * 4 + [False] * 4, "post": [False, True] * 4})


def test_did_by_hand():
    r = D.did(tiny_panel())
    assert r.estimate == pytest.approx((15.5 - 11) - (13.5 - 12))
    assert r.naive == pytest.approx(15.5 - 11)
    assert r.means.loc["treated", "change"] == pytest.approx(4.5)
    assert r.means.loc["comparison", "change"] == pytest.approx(1.5)
    assert r.treated == ["A", "B"] and r.comparison == ["C", "D"]
    assert r.summary().loc["difference-in-differences", "estimate"] == pytest.approx(3.0)


def test_did_standard_error_by_hand():
    """Balanced panel, 3 regions x 4 months: the OLS s.e. from the textbook formula."""
    rng = np.random.default_rng(0)
    regions, months = ["A", "B", "C"], [1, 2, 3, 4]
    p = pd.DataFrame([(r, m) for r in regions for m in months], columns=["region_id", "month"])
    p["treated"], p["post"] = p["region_id"] == "A", p["month"] >= 3
    p["y"] = rng.normal(size=len(p)) + 2.0 * (p["treated"] & p["post"])
    r = D.did(p)
    X = np.column_stack([(p["treated"] & p["post"]).astype(float), np.ones(len(p)),
                         pd.get_dummies(p["region_id"], drop_first=True, dtype=float),
                         pd.get_dummies(p["month"], drop_first=True, dtype=float)])
    beta = np.linalg.solve(X.T @ X, X.T @ p["y"])
    resid = p["y"] - X @ beta
    sigma2 = resid @ resid / (len(p) - X.shape[1])
    se = np.sqrt(sigma2 * np.linalg.inv(X.T @ X)[0, 0])
    assert r.estimate == pytest.approx(beta[0])
    assert r.se == pytest.approx(se)
    # the two-way fixed-effects estimate equals the difference of the four means
    m = p.groupby(["treated", "post"])["y"].mean()
    assert r.estimate == pytest.approx((m[True, True] - m[True, False])
                                       - (m[False, True] - m[False, False]))
    # the cluster-robust interval has the same centre
    assert D.did(p, se="cluster").estimate == pytest.approx(r.estimate)


@pytest.fixture(scope="module")
def worlds():
    return {seed: crmlab.generate("telecom", 1200, seed=seed) for seed in SEEDS}


def test_rollout_effect_recovered_by_did_not_by_before_after(worlds):
    for seed, d in worlds.items():
        truth = d.truth.regions.set_index("region_id")["crm_sat_index_effect"]
        r = D.did_rollout(d.kpi_monthly, d.regions)
        true_effect = truth[r.treated].mean()
        assert r.treated == sorted(d.regions.loc[d.regions["is_pilot"], "region_id"])
        assert r.ci_low <= true_effect <= r.ci_high, seed
        # the common upward trend (1.5 points a year) inflates the naive before/after
        assert r.naive - true_effect > 0.8, seed
        assert not r.naive_ci_low <= true_effect <= r.naive_ci_high, seed
        # the second wave against the region without the CRM
        r2 = D.did_rollout(d.kpi_monthly, d.regions, wave=2)
        assert len(r2.comparison) == 1
        assert r2.ci_low <= truth[r2.treated].mean() <= r2.ci_high, seed


def test_pilot_comparison_stops_before_the_second_wave():
    d = crmlab.load("retail")
    r = D.did_rollout(d.kpi_monthly, d.regions)
    wave2 = d.regions.loc[~d.regions["is_pilot"], "crm_rollout_date"].min()
    assert r.end < wave2 and r.treat_date == pd.Timestamp("2023-01-01")
    assert len(r.comparison) == 4  # three second-wave regions and the one not yet live


def test_event_study_flat_before_and_at_the_effect_after(worlds):
    for seed, d in worlds.items():
        es = D.event_study(d.kpi_monthly, d.regions, bin_months=3)
        truth = d.truth.regions.set_index("region_id")["crm_sat_index_effect"]
        true_effect = truth[d.regions.loc[d.regions["is_pilot"], "region_id"]].mean()
        pre, post = es[es["event_time"] < 0], es[es["event_time"] >= 0]
        assert (pre["estimate"].abs() < 1.5).all(), seed
        # against one reference bin (not the whole pre-period) the bins are noisier than the DiD
        assert abs(post["estimate"].mean() - true_effect) < 1.2, seed
        assert pre["estimate"].mean() == pytest.approx(0, abs=1e-9)  # reference: the pre-period
        last = D.event_study(d.kpi_monthly, d.regions, reference="last")
        assert last.loc[last["event_time"] == -3, "se"].iloc[0] == 0  # the reference bin
        # re-centring moves every bin by the same amount
        shift = (last["estimate"] - es["estimate"]).to_numpy()
        assert shift == pytest.approx(np.full(len(shift), shift[0]))


def test_employee_usage_moderates_the_effect(worlds):
    slopes = []
    for seed, d in worlds.items():
        eff = D.region_effects(d.kpi_monthly, d.regions)
        truth = d.truth.regions.set_index("region_id").loc[eff.index]
        assert np.corrcoef(eff["estimate"], truth["crm_sat_index_effect"])[0, 1] > 0.85, seed
        covered = (eff["ci_low"] <= truth["crm_sat_index_effect"]) & (
            truth["crm_sat_index_effect"] <= eff["ci_high"])
        assert covered.mean() >= 0.8, seed
        m = D.usage_moderation(eff, usage_kpi(d, period=None)["logins_per_week"])
        assert m.slope_ci[0] > 0, seed  # more use, more effect
        assert abs(m.intercept) < 1.5, seed  # no use, (almost) no effect
        slopes.append(m.slope)
    # planted: 6 index points at full adoption, where staff log in about 20 times a week
    assert np.mean(slopes) == pytest.approx(6 / 20, abs=0.06)


def test_moderation_by_hand():
    eff = pd.DataFrame({"estimate": [1.0, 2.0, 4.0], "se": [1.0, 1.0, 0.5]}, index=list("ABC"))
    usage = pd.Series({"A": 1.0, "B": 2.0, "C": 3.0, "Z": 9.0})
    m = D.usage_moderation(eff, usage)
    w = np.array([1.0, 1.0, 4.0])
    x, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0])
    xm, ym = np.average(x, weights=w), np.average(y, weights=w)
    slope = np.sum(w * (x - xm) * (y - ym)) / np.sum(w * (x - xm) ** 2)
    assert m.slope == pytest.approx(slope) and m.intercept == pytest.approx(ym - slope * xm)
    assert list(m.table.index) == ["A", "B", "C"]  # Z has no effect estimate
    # the intercept's interval: t quantile with 3 - 2 = 1 degree of freedom
    from scipy import stats
    q = stats.t.ppf(0.975, 1)
    assert m.intercept_ci == pytest.approx((m.intercept - q * m.intercept_se,
                                            m.intercept + q * m.intercept_se))


# ---------------------------------------------------------------- placebo (permutation) check
def noiseless_panel(effect: float = 2.0) -> pd.DataFrame:
    """Six regions, four months; A and B treated from month 3; no noise at all."""
    regions, months = list("ABCDEF"), [1, 2, 3, 4]
    p = pd.DataFrame([(r, m) for r in regions for m in months], columns=["region_id", "month"])
    p["treated"], p["post"] = p["region_id"].isin(["A", "B"]), p["month"] >= 3
    level = p["region_id"].map(dict(zip(regions, [3.0, 1.0, 4.0, 1.0, 5.0, 9.0])))
    p["y"] = level + 0.5 * p["month"] + effect * (p["treated"] & p["post"])
    return p


def test_placebo_by_hand():
    """Placebo group S vs the rest: effect x (share of S treated - share of the rest treated)."""
    pl = D.placebo_did(noiseless_panel(2.0))
    assert pl.attrs["n_assignments"] == 15 and pl.attrs["exact"]  # 6 choose 2
    assert pl.attrs["estimate"] == pytest.approx(2.0)
    by = pl.set_index("treated")["estimate"]
    assert by["A, B"] == pytest.approx(2.0)                  # the real group: 1 - 0
    assert by["A, C"] == pytest.approx(2.0 * (1 / 2 - 1 / 4))  # one treated region each side
    assert by["C, D"] == pytest.approx(2.0 * (0 - 2 / 4))      # a pure placebo
    assert (pl["overlap"] == 0).sum() == 6 and (pl["overlap"] == 1).sum() == 8
    assert pl.loc[0, "actual"] and pl["actual"].sum() == 1
    assert pl.attrs["p_value"] == pytest.approx(1 / 15)  # only the real one is as extreme


def test_placebo_among_the_comparison_units_by_hand():
    """Without noise, comparison regions moving in parallel give placebo estimates of exactly 0."""
    pl = D.placebo_did(noiseless_panel(2.0), among="comparison")
    placebos = pl[~pl["actual"]]
    assert len(placebos) == 6 and (placebos["overlap"] == 0).all()  # 4 choose 2
    assert set(placebos["treated"]) == {"C, D", "C, E", "C, F", "D, E", "D, F", "E, F"}
    assert placebos["estimate"].abs().max() < 1e-9
    assert pl.loc[pl["actual"], "estimate"].item() == pytest.approx(2.0)
    assert pl.attrs["p_value"] == pytest.approx(1 / 7) and pl.attrs["among"] == "comparison"
    # a planted difference between two comparison regions shows up in their placebo
    p = noiseless_panel(2.0)
    p.loc[p["region_id"].isin(["C", "D"]) & p["post"], "y"] += 1.0
    by = D.placebo_did(p, among="comparison").set_index("treated")["estimate"]
    assert by["C, D"] == pytest.approx(1.0) and by["E, F"] == pytest.approx(-1.0)
    assert by["C, E"] == pytest.approx(0.0)


def test_placebo_without_an_effect_is_not_significant():
    """No effect planted: the real group is one of the crowd (over many random panels)."""
    rng = np.random.default_rng(3)
    ps = []
    for _ in range(200):
        p = noiseless_panel(0.0)
        p["y"] += rng.normal(size=len(p))
        ps.append(D.placebo_did(p).attrs["p_value"])
    ps = np.array(ps)
    assert ps.min() >= 1 / 15 - 1e-12
    assert (ps <= 0.1).mean() == pytest.approx(0.1, abs=0.06)  # a valid test: ~10% at 0.1
    assert np.mean(ps) == pytest.approx(0.53, abs=0.06)  # mean of uniform on {1..15}/15


def test_placebo_sampled_when_there_are_too_many_assignments():
    pl = D.placebo_did(noiseless_panel(2.0), max_assignments=5, seed=1)
    assert not pl.attrs["exact"] and pl.attrs["n_assignments"] == 5 and pl["actual"].sum() == 1


def test_placebo_on_the_rollout():
    d = crmlab.load("retail")
    pl = D.placebo_rollout(d.kpi_monthly, d.regions)
    pilot = D.did_rollout(d.kpi_monthly, d.regions)
    assert pl.attrs["estimate"] == pytest.approx(pilot.estimate)
    assert pl.loc[pl["actual"], "treated"].item() == "R04, R06"
    assert pl.attrs["n_assignments"] == 15 and pl.attrs["p_value"] >= 1 / 15
    wave2 = D.placebo_rollout(d.kpi_monthly, d.regions, wave=2)
    assert wave2.attrs["n_assignments"] == 4 and wave2.attrs["p_value"] >= 0.25  # 3 of 4


def test_placebo_bad_input_gets_a_clear_message():
    p = noiseless_panel()
    p.loc[p["region_id"].eq("C") & p["month"].eq(4), "treated"] = True
    with pytest.raises(ValueError, match="same in every row of a region_id.*C"):
        D.placebo_did(p)
    with pytest.raises(ValueError, match="among must be 'all'"):
        D.placebo_did(noiseless_panel(), among="others")
    d = crmlab.load("retail")
    with pytest.raises(ValueError, match="needs more of them than treated units"):
        D.placebo_rollout(d.kpi_monthly, d.regions, wave=2, among="comparison")
    with pytest.raises(ValueError, match="max_assignments must be a whole number"):
        D.placebo_did(noiseless_panel(), max_assignments=1)
    with pytest.raises(ValueError, match="missing column"):
        D.placebo_did(noiseless_panel().drop(columns="post"))


# ---------------------------------------------------------------- bad input
def test_bad_input():
    d = crmlab.load("retail")
    with pytest.raises(ValueError, match="missing column"):
        D.did(tiny_panel().drop(columns="post"))
    with pytest.raises(ValueError, match="no comparison units after"):
        D.did(tiny_panel().query("treated or not post"))
    with pytest.raises(ValueError, match="se must be"):
        D.did(tiny_panel(), se="robust")
    with pytest.raises(ValueError, match="wave must be 1..2"):
        D.did_rollout(d.kpi_monthly, d.regions, wave=3)
    with pytest.raises(ValueError, match="not a numeric column"):
        D.did_rollout(d.kpi_monthly, d.regions, outcome="region_id")
    with pytest.raises(ValueError, match="regions is missing column"):
        D.did_rollout(d.kpi_monthly, d.regions.drop(columns="is_pilot"))
    everyone = d.regions.assign(crm_rollout_date=pd.Timestamp("2023-01-01"))
    with pytest.raises(ValueError, match="no comparison group"):
        D.did_rollout(d.kpi_monthly, everyone)
    with pytest.raises(ValueError, match="bin_months"):
        D.event_study(d.kpi_monthly, d.regions, bin_months=0)
    with pytest.raises(ValueError, match="reference must be"):
        D.event_study(d.kpi_monthly, d.regions, reference="first")
    with pytest.raises(ValueError, match="at least 3 regions"):
        D.usage_moderation(D.region_effects(d.kpi_monthly, d.regions),
                           pd.Series({"X": 1.0}, name="logins"))
    with pytest.raises(ValueError, match="plot_did"):
        D.plot_did("nothing")


def test_plots():
    import matplotlib.pyplot as plt

    d = crmlab.load("retail")
    ax = D.plot_did(D.did_rollout(d.kpi_monthly, d.regions))
    assert len(ax.get_lines()) >= 3
    ax = D.plot_event_study(D.event_study(d.kpi_monthly, d.regions))
    assert ax.get_ylabel() == "effect on satisfaction index"
    m = D.usage_moderation(D.region_effects(d.kpi_monthly, d.regions),
                           usage_kpi(d, period=None)["logins_per_week"])
    assert D.plot_moderation(m).get_xlabel() == "logins per week"
    plt.close("all")


def _label_boxes(ax):
    fig = ax.figure
    fig.canvas.draw()
    texts = [t for t in ax.texts if t.get_text()]
    return {t.get_text(): t.get_window_extent(fig.canvas.get_renderer()) for t in texts}


def test_moderation_labels_do_not_overlap():
    """R03 and R05 sit close together in the retail data: their labels must not collide."""
    import matplotlib.pyplot as plt

    d = crmlab.load("retail")
    m = D.usage_moderation(D.region_effects(d.kpi_monthly, d.regions),
                           usage_kpi(d, period=None)["logins_per_week"])
    crowded = D.usage_moderation(  # four regions almost on one spot
        pd.DataFrame({"estimate": [2.0, 2.05, 1.95, 2.02, 4.0], "se": [0.5] * 5,
                      "ci_low": [1.0] * 5, "ci_high": [3.0] * 5},
                     index=["R01", "R02", "R03", "R04", "R05"]),
        pd.Series({"R01": 10.0, "R02": 10.2, "R03": 10.1, "R04": 9.9, "R05": 15.0}))
    for result in (m, crowded):
        ax = D.plot_moderation(result)
        boxes = _label_boxes(ax)
        assert sorted(boxes) == sorted(map(str, result.table.index))
        names = list(boxes)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                assert not boxes[a].overlaps(boxes[b]), (a, b)
        plt.close(ax.figure)


def test_true_false_outcome_is_a_0_1_outcome():
    p = pd.DataFrame({"region_id": list("AABBCCDD"), "month": [1, 2] * 4,
                      "y": [False, True, False, True, False, False, True, True],
                      "treated": [True] * 4 + [False] * 4, "post": [False, True] * 4})
    est = D.did(p).estimate  # (1 - 0) - (0.5 - 0.5): the treated gained, the others did not
    assert est == pytest.approx(D.did(p.assign(y=p["y"].astype(float))).estimate)
    assert est == pytest.approx(1.0)
