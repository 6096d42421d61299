"""crmlab.strategy: the hook / zipper / Velcro simulation.

The bilingual-table, bad-input and plot checks also cover crmlab.crm_kinds, whose
names they import from there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.crm_kinds import (
    cim_vs_cmi,
    crm_functions,
    crm_types,
    enterprise_systems,
    interaction_initiative,
    plot_interaction_initiative,
)
from crmlab.strategy import (
    STRATEGIES,
    StrategyParams,
    adaptation_curve,
    best_strategy,
    customer_values,
    example_segments,
    plot_adaptation_curve,
    plot_strategy_heatmap,
    plot_strategy_map,
    relationship_outcomes,
    segments_from_customers,
    simulate_strategies,
    strategy_cases,
    strategy_map,
    strategy_types,
)


def seg(h, w, v, n=100, name="s"):
    return pd.DataFrame({"segment": [name], "n_customers": [n], "value": [float(v)],
                         "heterogeneity": [h], "willingness": [w]})


def best(h, w, v):
    sim = simulate_strategies(seg(h, w, v))
    return sim.loc[sim["lifetime_profit"].idxmax(), "strategy"]


# ---------------------------------------------------------------- the model by hand
def test_outcomes_by_hand():
    p = StrategyParams()
    out = relationship_outcomes(seg(0.8, 0.5, 400), 0.5, p).iloc[0]
    gap, effort = 0.8 * 0.5 * 0.5, 0.8 * 0.5 * 0.5
    misfit = gap + 0.25 * effort
    r = 0.50 + 0.42 * (1 - misfit ** 2)
    cost = 5 + 120 * 0.8 * 0.25 + 30 * 0.5
    assert out["fit"] == pytest.approx(1 - misfit)
    assert out["customer_effort"] == pytest.approx(effort)
    assert out["retention"] == pytest.approx(r)
    assert out["cost_to_serve"] == pytest.approx(cost)
    assert out["annual_profit"] == pytest.approx(400 - cost)
    assert out["lifetime_profit"] == pytest.approx((400 - cost) * r / (1.1 - r))
    assert out["segment_profit"] == pytest.approx(100 * (400 - cost) * r / (1.1 - r))


def test_gupta_lehmann_margin_multiple():
    """With a perfect fit, retention 0.8 and i = 0.10, the multiple is 0.8 / 0.3 = 2.67."""
    p = StrategyParams(retention_ceiling=0.8, base_cost=0, feedback_cost=0, tailoring_cost=0)
    out = relationship_outcomes(seg(0.0, 0.5, 100), 0.0, p).iloc[0]
    assert out["lifetime_profit"] / 100 == pytest.approx(2.6667, abs=1e-4)


def test_velcro_fits_perfectly_and_hook_leaves_the_gap_the_customer_does_not_close():
    sim = simulate_strategies(seg(0.9, 0.2, 100)).set_index("strategy")
    assert sim.loc["velcro", "fit"] == pytest.approx(1.0)
    assert sim.loc["velcro", "customer_effort"] == 0
    assert sim.loc["hook", "fit"] == pytest.approx(1 - 0.9 * 0.8 - 0.25 * 0.9 * 0.2)
    assert sim.loc["hook", "fit"] < sim.loc["zipper", "fit"] < sim.loc["velcro", "fit"]
    assert (sim.loc["hook", "cost_to_serve"] < sim.loc["zipper", "cost_to_serve"]
            < sim.loc["velcro", "cost_to_serve"])


def test_monotone_in_heterogeneity_willingness_and_adaptation():
    hs = [relationship_outcomes(seg(h, 0.3, 100), 0.0)["fit"].iloc[0] for h in (0, .3, .6, .9)]
    ws = [relationship_outcomes(seg(0.7, w, 100), 0.0)["fit"].iloc[0] for w in (0, .3, .6, .9)]
    curve = adaptation_curve(seg(0.7, 0.3, 100).iloc[0], points=11)
    assert np.all(np.diff(hs) < 0) and np.all(np.diff(ws) > 0)
    assert np.all(np.diff(curve["fit"]) > 0)
    assert np.all(np.diff(curve["cost_to_serve"]) > 0)
    assert np.all(np.diff(curve["retention"]) >= 0)


# ---------------------------------------------------------------- documented properties
def test_hook_for_homogeneous_or_low_value_segments():
    for h in (0.0, 0.05, 0.1):
        for w in (0.0, 0.5, 1.0):
            assert best(h, w, 30) == "hook"
            assert best(h, w, 300) == "hook"
    for h in (0.3, 0.6, 1.0):
        assert best(h, 0.2, 25) == "hook"  # heterogeneous, but worth too little


def test_velcro_for_heterogeneous_high_value_unwilling_segments():
    for h in (0.7, 0.85, 1.0):
        for w in (0.0, 0.2, 0.4):
            for v in (1000, 5000, 20000):
                assert best(h, w, v) == "velcro", (h, w, v)


def test_zipper_in_between_and_more_so_when_customers_are_willing():
    assert best(0.7, 0.7, 600) == "zipper"
    assert best(0.7, 0.2, 600) == "velcro"
    for v in (300, 1000, 5000, 20000):
        m = strategy_map(v, points=11)
        zipper, velcro, hook = ((m == s).sum(axis=1) for s in ("zipper", "velcro", "hook"))
        # customers who adapt themselves make adapting less worth it: hook spreads ...
        assert hook.is_monotonic_increasing
        # ... and where the firm still adapts, zipper takes over from Velcro
        share = zipper / (zipper + velcro)
        assert share.loc[0.9] > share.loc[0.0], v


def test_example_segments_cover_all_three_strategies_with_reasons():
    b = best_strategy(example_segments())
    assert set(b["best"]) == set(STRATEGIES)
    assert b.loc["key accounts", "best"] == "velcro"
    assert b.loc["mass market", "best"] == "hook"
    assert (b["gain"] > 0).all()
    assert b["reason"].str.len().gt(40).all()
    assert b.loc["key accounts", "best_adaptation"] > 0.66
    assert b.loc["mass market", "best_adaptation"] < 0.34


def test_best_strategy_beats_the_others_in_the_simulation():
    sim = simulate_strategies(example_segments())
    top = sim.loc[sim.groupby("segment")["lifetime_profit"].idxmax()].set_index("segment")
    b = best_strategy(example_segments())
    assert (top["strategy"] == b["best"].reindex(top.index)).all()


def test_tiers_of_the_data_b2b_key_accounts_get_velcro_retail_mass_gets_hook():
    import crmlab

    out = {}
    for scenario in ("retail", "b2b"):
        d = crmlab.load(scenario)
        values = customer_values(d.orders, d.customers, d.meta["end"])
        truth = d.truth.customers[["customer_id", "willingness_to_adapt"]]
        segments = segments_from_customers(values.merge(truth, on="customer_id"), 0.6)
        assert segments["n_customers"].sum() == len(d.customers)
        assert segments["value"].is_monotonic_decreasing
        out[scenario] = best_strategy(segments)["best"]
    assert out["b2b"]["platinum"] == "velcro"
    assert (out["retail"][["gold", "iron", "lead"]] == "hook").all()


# ---------------------------------------------------------------- helpers and data
def test_customer_values_window_and_tiers():
    orders = pd.DataFrame({"customer_id": list("aabcd"), "margin": [1.0, 2, 50, 4, 8],
                           "order_date": pd.to_datetime(["2024-01-01", "2023-12-31",
                                                         "2024-12-31", "2024-06-01",
                                                         "2025-01-01"])})
    customers = pd.DataFrame({"customer_id": list("abcde")})
    v = customer_values(orders, customers, "2024-12-31").set_index("customer_id")
    assert v["value"].to_dict() == {"a": 1.0, "b": 50.0, "c": 4.0, "d": 0.0, "e": 0.0}
    # the pyramid of value_tiers: a customer is in the first tier whose cut is above the share
    # of customers ranked above them (b: 0, c: 0.2, a: 0.4 < 0.5); d and e brought nothing and
    # are both lead, not split between iron and lead by their order
    assert v["segment"].astype(str).to_dict() == {"b": "platinum", "c": "gold", "a": "gold",
                                                  "d": "lead", "e": "lead"}


def test_bilingual_tables():
    assert list(strategy_types().index) == list(STRATEGIES)
    assert strategy_types()["定义 ([S3])"].str.contains("扣钩|拉链|接触").all()
    cases = strategy_cases()
    assert len(cases) == 9 and set(cases["strategy"]) == set(STRATEGIES)
    assert list(crm_types().index) == ["operational", "analytical", "collaborative"]
    assert set(crm_functions()["kind"]) == {"operational", "analytical", "collaborative"}
    assert "CIM是CMI的基础" in cim_vs_cmi().to_string()
    assert list(enterprise_systems().index) == ["CRM", "ERP", "SCM"]


# ---------------------------------------------------------------- bad input
def test_bad_input():
    with pytest.raises(ValueError, match="missing column.*'willingness'"):
        relationship_outcomes(seg(0.5, 0.5, 1).drop(columns="willingness"), 0.5)
    with pytest.raises(ValueError, match="heterogeneity must be between 0 and 1"):
        relationship_outcomes(seg(1.5, 0.5, 1), 0.5)
    with pytest.raises(ValueError, match="adaptation must be a number between 0"):
        relationship_outcomes(seg(0.5, 0.5, 1), 2)
    with pytest.raises(ValueError, match="must be a DataFrame"):
        simulate_strategies([1, 2, 3])
    with pytest.raises(ValueError, match="repeated segment names"):
        simulate_strategies(pd.concat([seg(.5, .5, 1), seg(.5, .5, 1)]))
    with pytest.raises(ValueError, match="hook <= zipper <= velcro"):
        StrategyParams(zipper=1.0, velcro=0.5)
    with pytest.raises(ValueError, match="retention_ceiling"):
        StrategyParams(retention_floor=0.9, retention_ceiling=0.5)
    with pytest.raises(ValueError, match="discount_rate"):
        StrategyParams(discount_rate=0)
    with pytest.raises(ValueError, match="unknown strategy"):
        StrategyParams().adaptation("button")
    with pytest.raises(ValueError, match="no value for segment"):
        segments_from_customers(pd.DataFrame({"segment": ["a"], "value": [1.0],
                                              "willingness_to_adapt": [0.5]}), {"b": 0.3})
    with pytest.raises(ValueError, match="orders is missing column"):
        customer_values(pd.DataFrame({"customer_id": [1]}), pd.DataFrame({"customer_id": [1]}),
                        "2024-12-31")
    with pytest.raises(ValueError, match="direction must be"):
        interaction_initiative(pd.DataFrame({"interaction_time": ["2024-01-01"],
                                             "direction": ["sideways"]}))


def test_plots_return_axes():
    import matplotlib.pyplot as plt

    sim = simulate_strategies(example_segments())
    for ax in (plot_strategy_heatmap(sim), plot_adaptation_curve(adaptation_curve(
            example_segments().iloc[3])), plot_strategy_map(strategy_map(1000, points=5)),
            plot_interaction_initiative(interaction_initiative(pd.DataFrame({
                "interaction_time": ["2024-01-01"], "direction": ["inbound"]})))):
        assert hasattr(ax, "figure")
    plt.close("all")
    with pytest.raises(ValueError, match="simulate_strategies"):
        plot_strategy_heatmap(pd.DataFrame({"x": [1]}))
