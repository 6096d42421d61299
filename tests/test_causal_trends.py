"""Region-specific trends in the KPI panel (平行趋势 only roughly), and the
``diverging_region`` option under which parallel trends visibly fail.

Analysed as a student would: per-region trend fits on the pre-period, the
chapter's DiD and event-study functions (crmlab.did), the pre-period slope
difference between treated and comparison regions; compared with the truth.
"""

import json

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab import did as D
from crmlab.cli import main as cli_main


@pytest.fixture(scope="module")
def default():
    """The committed retail size (the chapter's data)."""
    return crmlab.generate("retail", 5000, seed=2024)


@pytest.fixture(scope="module")
def diverging():
    return crmlab.generate("retail", 5000, seed=2024, diverging_region=True)


def _fit(y: np.ndarray, months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS of y on 1, years, sin and cos of the month of year: coefficients, standard errors."""
    t = months / 12
    X = np.column_stack([np.ones_like(t), t, np.sin(2 * np.pi * months / 12),
                         np.cos(2 * np.pi * months / 12)])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    cov = np.linalg.inv(X.T @ X) * (resid @ resid / (len(y) - X.shape[1]))
    return beta, np.sqrt(np.diag(cov))


def _pre_period(d, region):
    k = d.kpi_monthly[d.kpi_monthly["region_id"] == region].sort_values("month")
    rollout = d.regions.set_index("region_id").loc[region, "crm_rollout_date"]
    k = k[k["month"] < rollout]
    start = pd.Timestamp(d.meta["start"])
    months = ((k["month"].dt.year - start.year) * 12 + k["month"].dt.month - start.month)
    return k["satisfaction_index"].to_numpy(float), months.to_numpy(float)


def _pre_slope_difference(d, wave: int) -> float:
    """Slope (points a year) of the treated-minus-comparison mean before the wave's roll-out."""
    res = D.did_rollout(d.kpi_monthly, d.regions, wave=wave)
    s = res.series[res.series.index < res.treat_date]
    gap = (s["treated"] - s["comparison"]).to_numpy()
    months = np.arange(len(gap), dtype=float)
    return float(_fit(gap, months)[0][1])


def _true_slope_difference(d, wave: int) -> float:
    res = D.did_rollout(d.kpi_monthly, d.regions, wave=wave)
    slope = d.truth.regions.set_index("region_id")["sat_index_slope"]
    return float(slope[res.treated].mean() - slope[res.comparison].mean())


def test_region_slopes_recovered_from_the_pre_period():
    """Each region's own trend, fitted on its months before the roll-out (with a
    yearly season), tracks the planted slope; the slopes really differ."""
    est, se, true, amp = [], [], [], []
    for seed in range(20):
        d = crmlab.generate("retail", 300, seed=seed)  # the index does not depend on size
        truth = d.truth.regions.set_index("region_id")
        for r in d.regions.loc[~d.regions["is_pilot"], "region_id"]:  # 24+ months before
            y, months = _pre_period(d, r)
            beta, s = _fit(y, months)
            est.append(beta[1])
            se.append(s[1])
            true.append(truth.loc[r, "sat_index_slope"])
            amp.append(np.hypot(beta[2], beta[3]))
    est, se, true = map(np.asarray, (est, se, true))
    common = crmlab.generate("retail", 300, seed=0).truth.sat_index_trend_per_year
    # the regions' slopes centre on the common trend ...
    assert est.mean() == pytest.approx(common, abs=0.15)
    assert true.mean() == pytest.approx(common, abs=0.1)
    # ... and spread around it: more than the estimation noise alone, about as much as planted
    true_sd = true.std()
    recovered_sd = np.sqrt(max(est.var() - np.mean(se ** 2), 0.0))
    assert 0.1 < true_sd < 0.3
    assert 0.5 * true_sd < recovered_sd < 1.6 * true_sd, (recovered_sd, true_sd)
    # the fitted slope follows the planted one
    b = np.polyfit(true, est, 1)[0]
    assert 0.5 < b < 1.5, b
    assert np.corrcoef(true, est)[0, 1] > 0.4
    # the season: about the planted 1.5-point amplitude
    assert np.mean(amp) == pytest.approx(1.5, abs=0.35)


def test_did_recovers_the_effect_on_the_default_data(default):
    truth = default.truth.regions.set_index("region_id")["crm_sat_index_effect"]
    r = D.did_rollout(default.kpi_monthly, default.regions)
    true_effect = truth[r.treated].mean()
    assert abs(r.estimate - true_effect) < r.se, (r.estimate, r.se, true_effect)
    # the naive before/after is still inflated by the trend
    assert r.naive - true_effect > 0.8
    es = D.event_study(default.kpi_monthly, default.regions)
    pre = es[es["event_time"] < 0]
    assert (pre["estimate"].abs() < 1.0).all(), pre
    assert (pre["estimate"].abs() / pre["se"] < 2.5).all(), pre
    assert default.meta["diverging_region"] is False
    assert default.truth.diverging_region is None


def test_trend_difference_is_small_by_default(default):
    """Pre-period slope of treated minus comparison: near the (small) planted
    difference of the regions' own slopes, for both waves."""
    for wave in (1, 2):
        planted = _true_slope_difference(default, wave)
        observed = _pre_slope_difference(default, wave)
        assert abs(planted) < 0.5, (wave, planted)
        assert abs(observed - planted) < (2.5 if wave == 1 else 0.8), (wave, observed, planted)


def test_diverging_region_breaks_parallel_trends(default, diverging):
    info = diverging.truth.diverging_region
    p = crmlab.data.scenarios.params_for("retail")
    assert info["extra_slope_per_year"] == p.diverging_extra_slope == -4.0
    region = info["region_id"]
    assert diverging.meta["diverging_region"] is True
    rollout = diverging.regions.set_index("region_id")["crm_rollout_date"]
    assert rollout[region] > pd.Timestamp(diverging.meta["end"])  # the comparison of every wave
    slopes = diverging.truth.regions.set_index("region_id")["sat_index_slope"]
    base = default.truth.regions.set_index("region_id")["sat_index_slope"]
    assert slopes[region] - base[region] == pytest.approx(-4.0, abs=1e-3)
    assert (slopes.drop(region) == base.drop(region)).all()  # nothing else moves
    # the trend difference: the treated regions pull away from the falling comparison
    observed = _pre_slope_difference(diverging, 2)
    assert observed > 2.5, observed
    assert observed == pytest.approx(_true_slope_difference(diverging, 2), abs=0.8)
    # the event study's leads visibly fail
    es = D.event_study(diverging.kpi_monthly, diverging.regions, wave=2)
    pre = es[es["event_time"] < 0]
    assert (pre["estimate"].abs() / pre["se"]).max() > 4, pre
    lead_slope = np.polyfit(pre["event_time"] / 12, pre["estimate"], 1)[0]
    assert lead_slope > 2.5, lead_slope  # ~ +4 points a year
    es_default = D.event_study(default.kpi_monthly, default.regions, wave=2)
    pre_d = es_default[es_default["event_time"] < 0]
    assert abs(np.polyfit(pre_d["event_time"] / 12, pre_d["estimate"], 1)[0]) < 1.0
    # and the DiD is biased by about the planted amount (same noise: the difference is the bias)
    truth = diverging.truth.regions.set_index("region_id")["crm_sat_index_effect"]
    for wave in (1, 2):
        r = D.did_rollout(diverging.kpi_monthly, diverging.regions, wave=wave)
        r0 = D.did_rollout(default.kpi_monthly, default.regions, wave=wave)
        assert r.estimate - r0.estimate == pytest.approx(info["did_bias"][f"wave_{wave}"],
                                                         abs=0.05), wave
        assert r.estimate - truth[r.treated].mean() > 0.5 * info["did_bias"][f"wave_{wave}"]
    r2 = D.did_rollout(diverging.kpi_monthly, diverging.regions, wave=2)
    assert info["did_bias"]["wave_2"] > 5
    assert not r2.ci_low <= truth[r2.treated].mean() <= r2.ci_high


def test_diverging_region_is_checked():
    for bad in ("yes", 1, None):
        with pytest.raises(ValueError, match="diverging_region must be True or False"):
            crmlab.generate("retail", 300, seed=1, diverging_region=bad)


def test_diverging_region_round_trips_through_save_load_and_the_cli(tmp_path, capsys):
    out = tmp_path / "dv"
    assert cli_main(["generate", "--customers", "300", "--seed", "4", "--diverging-region",
                     "--quiet", "--out", str(out)]) == 0
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert meta["diverging_region"] is True
    back = crmlab.load(out)
    fresh = crmlab.generate("retail", 300, seed=4, diverging_region=True)
    assert back.meta["diverging_region"] is True
    assert back.truth.diverging_region == fresh.truth.diverging_region
    assert np.allclose(back.truth.regions["sat_index_slope"], fresh.truth.regions["sat_index_slope"])
    assert np.allclose(back.kpi_monthly["satisfaction_index"],
                       fresh.kpi_monthly["satisfaction_index"])
    plain = tmp_path / "plain"
    crmlab.generate("retail", 300, seed=4).save(plain)
    assert crmlab.load(plain).meta["diverging_region"] is False
    assert cli_main(["generate", "--roster", "x.csv", "--diverging-region", "--out",
                     str(tmp_path / "r")]) == 2
    assert "--diverging-region cannot be combined" in capsys.readouterr().err
