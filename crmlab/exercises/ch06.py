"""Chapter 06 — CRM implementation and evaluation: ROI and payback, the roll-out effect by
difference-in-differences, an AHP-weighted index and scorecard, diagnosis, employee usage."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.exercises.core import Exercise, Mistake, register
from crmlab.exercises.kinds import Choice, Function, MultiChoice, Number, Table, Text

# The CRM project of the ROI exercises: per employee of the firm, and a share of its margin.
INVEST_PER_EMPLOYEE, COST_PER_EMPLOYEE, BENEFIT_SHARE, YEARS, RATE = 150.0, 40.0, 0.03, 5, 0.10
# The AHP exercises' judgements (Saaty scale): satisfaction and retention matter most.
AHP_4 = [[1, 2, 3, 5], [1 / 2, 1, 2, 4], [1 / 3, 1 / 2, 1, 3], [1 / 5, 1 / 4, 1 / 3, 1]]
AHP_5_JUDGEMENTS = {("satisfaction", "service_quality"): 2, ("retention", "service_quality"): 2,
                    ("satisfaction", "market"): 3, ("retention", "market"): 3,
                    ("satisfaction", "adoption"): 3, ("retention", "adoption"): 3,
                    ("service_quality", "market"): 2, ("service_quality", "adoption"): 2}
YEAR = 2024
_KPI_CACHE: dict[int, tuple] = {}  # id(data) -> (data, kpi_table): several exercises share it


def _kpis(data) -> pd.DataFrame:
    from crmlab.evaluation import kpi_table

    hit = _KPI_CACHE.get(id(data))
    if hit is None or hit[0] is not data:
        if len(_KPI_CACHE) >= 4:
            _KPI_CACHE.clear()
        hit = _KPI_CACHE[id(data)] = (data, kpi_table(data))
    return hit[1]


# ------------------------------------------------------------ ROI and payback
def project(data, discount_rate: float = RATE):
    from crmlab.evaluation import crm_project

    o = data.orders
    margin = float(o.loc[o["order_date"].dt.year == YEAR, "margin"].sum())
    n = len(data.employees)
    return crm_project(INVEST_PER_EMPLOYEE * n, BENEFIT_SHARE * margin, COST_PER_EMPLOYEE * n,
                       years=YEARS, discount_rate=discount_rate)


def _roi_investment_only(data) -> float:
    t = project(data).table
    invest = float(t["cost"].iloc[0])
    return float((t["benefit"].sum() - invest) / invest)


def _payback_cases(data) -> list[tuple[tuple, float]]:
    """Hidden cases: the project per region (its staff, its 2024 margin), plus two edge cases.

    Only regions whose project pays back within the horizon make a case: in a region whose
    running cost exceeds its benefit the cumulative flow never reaches zero and the payback
    period is undefined (the prompt says every hidden project pays back).
    """
    o = data.orders.merge(data.customers[["customer_id", "region_id"]])
    margin = o[o["order_date"].dt.year == YEAR].groupby("region_id")["margin"].sum()
    staff = data.employees.groupby("region_id").size()
    cases = []
    for r in sorted(staff.index):
        net = [-INVEST_PER_EMPLOYEE * staff[r]] + [
            BENEFIT_SHARE * margin.get(r, 0.0) - COST_PER_EMPLOYEE * staff[r]] * YEARS
        net = [round(x, 2) for x in net]
        years = payback_reference(net)
        if np.isfinite(years) and len(cases) < 4:
            cases.append(((net,), years))
    cases.append((([-100.0, 50.0, 50.0, 50.0],), 2.0))
    cases.append((([-90.0, 20.0, 40.0, 60.0],), 2.5))
    cases.append((([-50.0, 80.0, -20.0, 10.0],), 0.625))
    return cases


def payback_reference(net_flows) -> float:
    """The reference answer of ``ch06.payback-function``: the undiscounted payback period."""
    from crmlab.evaluation import payback_period

    return payback_period(net_flows)


# ------------------------------------------------------------ difference-in-differences
def did_estimate(data, wave: int = 1) -> float:
    from crmlab.did import did_rollout

    return did_rollout(data.kpi_monthly, data.regions, wave=wave).estimate


def naive_estimate(data, wave: int = 1) -> float:
    from crmlab.did import did_rollout

    return did_rollout(data.kpi_monthly, data.regions, wave=wave).naive


def _did_whole_window(data) -> float:
    """Pilots vs all other regions over all 36 months (the other regions' own roll-out mixed in)."""
    k = data.kpi_monthly.merge(data.regions[["region_id", "is_pilot", "crm_rollout_date"]])
    wave1 = k.loc[k["is_pilot"], "crm_rollout_date"].min()
    m = k.assign(post=k["month"] >= wave1).groupby(["is_pilot", "post"])["satisfaction_index"].mean()
    return float((m[True, True] - m[True, False]) - (m[False, True] - m[False, False]))


def _post_gap(data) -> float:
    k = data.kpi_monthly.merge(data.regions[["region_id", "is_pilot", "crm_rollout_date"]])
    wave1 = k.loc[k["is_pilot"], "crm_rollout_date"].min()
    wave2 = k.loc[~k["is_pilot"], "crm_rollout_date"].min()
    k = k[(k["month"] >= wave1) & (k["month"] < wave2)]
    m = k.groupby("is_pilot")["satisfaction_index"].mean()
    return float(m[True] - m[False])


# ------------------------------------------------------------ index and scorecard
def ahp_cr() -> float:
    from crmlab.scorecard import ahp_weights

    return ahp_weights(AHP_4).cr


def ahp5_weights() -> pd.Series:
    from crmlab.scorecard import DIMENSIONS, ahp_weights, pairwise_matrix

    return ahp_weights(pairwise_matrix(AHP_5_JUDGEMENTS, list(DIMENSIONS))).weights


def composite_index(data, weights: str = "ahp", year: int = YEAR) -> pd.Series:
    """The regions' composite index of ``year`` with AHP (default) or equal dimension weights."""
    from crmlab.scorecard import DIMENSIONS, scorecard

    k = _kpis(data).xs(year, level="period")
    w = ahp5_weights() if weights == "ahp" else dict.fromkeys(DIMENSIONS, 1.0)
    return scorecard(k, weights=w).index.rename("index")


def _live_all_year(data) -> list[str]:
    reg = data.regions.set_index("region_id")["crm_rollout_date"]
    return sorted(reg[reg <= pd.Timestamp(f"{YEAR}-01-01")].index)


def failing_region(data, live_only: bool = True) -> str:
    idx = composite_index(data, weights="equal")
    if live_only:
        idx = idx[_live_all_year(data)]
    return str(idx.idxmin())


def _names(data) -> dict:
    return data.regions.set_index("region_id")["region_name"].to_dict()


def _failing_forms(data) -> list[str]:
    """The failing region's id and name: either answers the exercise."""
    region = failing_region(data)
    return [region, _names(data)[region]]


def worst_light(data) -> str:
    """The worst light of the failing region's indicators: red if any is red, else amber."""
    from crmlab.scorecard import scorecard

    sc = scorecard(_kpis(data).xs(YEAR, level="period"))
    lights = set(sc.lights.loc[failing_region(data)])
    return "red" if "red" in lights else "amber"


def failure_signals(data, lights: tuple[str, ...] | None = None) -> list[str]:
    """The failure reasons signalled by the failing region's indicators with these ``lights``.

    By default the worst light present (:func:`worst_light`): the red indicators, or the
    amber ones when none is red.
    """
    from crmlab.scorecard import CRM_INDEX, scorecard

    if lights is None:
        lights = (worst_light(data),)
    sc = scorecard(_kpis(data).xs(YEAR, level="period"))
    r = failing_region(data)
    keys = set()
    for i in CRM_INDEX.indicators:
        if sc.lights.loc[r, i.key] in lights:
            keys.update(i.signals)
    return sorted(keys)


# ------------------------------------------------------------ employee usage
def usage_slope(data, weighted: bool = True, column: str = "logins_per_week") -> float:
    from crmlab.did import region_effects, usage_moderation
    from crmlab.evaluation import usage_kpi

    eff = region_effects(data.kpi_monthly, data.regions)
    usage = usage_kpi(data, period=None)[column]
    if not weighted:
        eff = eff.assign(se=1.0)
    return usage_moderation(eff, usage).slope


def active_rate(data, min_logins: int = 5) -> float:
    u = data.crm_usage
    u = u[u["week_start"].dt.year == YEAR]
    return float((u["logins"] >= min_logins).mean())


def _orphans(data) -> pd.DataFrame:
    return data.orders[~data.orders["customer_id"].isin(set(data.customers["customer_id"]))]


def orphan_revenue(data) -> float:
    return float(_orphans(data)["amount"].sum())


REASON_OPTIONS = {
    "no_plan": "no overall plan (缺乏整体规划)",
    "no_vision": "no clear vision (缺乏清晰的远景)",
    "no_top_support": "no top-management support (缺乏高层支持)",
    "responsibility": "wrong idea of who is responsible (责任认识误区)",
    "reporting_reengineering": "degenerates into reporting re-engineering (蜕变成为报告流程的再造)",
    "wrong_object": "misjudging whom CRM is for (对象的认识失误)",
    "no_hr_link": "no link to human resources (缺乏人力资源的联系)",
    "it_driven": "distorted into an IT-driven project (信息技术驱动)",
}


register(
    Exercise(
        id="ch06.roi",
        title="ROI of a CRM project",
        prompt=f"Your firm plans a CRM project for all its staff (data.employees): an upfront "
               f"investment of {INVEST_PER_EMPLOYEE:.0f} per employee in year 0 (licences, data "
               f"migration and cleaning, training), a running cost of {COST_PER_EMPLOYEE:.0f} per "
               f"employee in each of years 1-{YEARS}, and a benefit in each of years 1-{YEARS} of "
               f"{BENEFIT_SHARE:.0%} of the firm's {YEAR} gross margin (orders.margin of the "
               f"orders in {YEAR}). What is the project's {YEARS}-year return on investment "
               "(投资回报率, ROI) = (total benefit - total cost) / total cost, undiscounted? Answer "
               "as a fraction, e.g. 0.42.",
        kind=Number(rel_tol=1e-3, unit="fraction"),
        expected=lambda d: project(d).roi,
        hints=("Total cost = investment + 5 x running cost; total benefit = 5 x yearly benefit.",
               ("crmlab.evaluation.crm_project(investment, annual_benefit, annual_cost, years=5)"
                ".roi does it for you.")),
        explanation="ROI compares everything the project brings with everything it costs; "
                    "it ignores when the money comes. The payback period and the NPV add time.",
        mistakes=(
            Mistake(_roi_investment_only, "you left out the running costs: total cost is the "
                                          "investment plus five years of running cost"),
            Mistake(lambda d: project(d).discounted_roi, "that is the discounted ROI; this "
                                                         "exercise asks for the plain one"),
            Mistake(lambda d: project(d).npv / project(d).table["cost"].sum(),
                    "you divided the NPV (discounted) by the undiscounted cost: do not discount "
                    "here"),
        ),
    ),
    Exercise(
        id="ch06.payback",
        title="Discounted payback period",
        prompt=f"For the same project, how many years does it take until the cumulative "
               f"**discounted** net cash flow (discount rate {RATE:.0%} a year) is no longer "
               "negative (discounted payback period, 动态投资回收期)? Cash flows arrive at the "
               "end of each year; interpolate within the year. Answer in years with 2 decimals.",
        kind=Number(rel_tol=0, abs_tol=0.01),
        expected=lambda d: project(d).discounted_payback,
        hints=("Net flow in year t: benefit - cost; discount it by 1.1**t and add up.",
               ("In the year the running total turns positive: (years before) + (still to "
                "recover) / (that year's discounted flow).")),
        explanation="Discounting always lengthens the payback: later money is worth less today.",
        mistakes=(
            Mistake(lambda d: project(d).payback, "that is the undiscounted payback; discount "
                                                  "each year's net flow by 1.1**t first"),
            Mistake(lambda d: float(np.ceil(project(d).discounted_payback)),
                    "round number of years: interpolate within the year in which the running "
                    "total turns positive"),
        ),
    ),
    Exercise(
        id="ch06.payback-function",
        title="A payback function",
        prompt="Write payback(net_flows): net_flows[t] is the net cash flow at the end of year t "
               "(year 0 is the investment, negative). Return the (undiscounted) payback period "
               "(投资回收期) in years, interpolated within the year in which the cumulative flow "
               "reaches zero. Every hidden project pays back within its years, and once the "
               "cumulative flow has reached zero it does not fall below zero again.",
        kind=Function(rel_tol=1e-6, abs_tol=1e-9),
        expected=_payback_cases,
        hints=("Keep a running total; find the first year t in which it is >= 0.",
               ("Answer: (t - 1) + (what was still missing at the end of year t - 1) / "
               "net_flows[t].")),
        explanation="crmlab.evaluation.payback_period does the same, with an optional discount "
                    "rate.",
    ),
    Exercise(
        id="ch06.did-pilot",
        title="The pilots' roll-out effect by DiD",
        prompt="Estimate the effect of the CRM roll-out in the pilot regions (试点区域, "
               "regions.is_pilot) on the monthly satisfaction_index of kpi_monthly by "
               "difference-in-differences (双重差分): compare the pilots with all other regions, "
               "before vs after the pilots' roll-out date, using only the months before the "
               "second wave starts (then the other regions are still without the CRM). Answer "
               "in index points with 2 decimals.",
        kind=Number(rel_tol=0, abs_tol=0.02),
        expected=did_estimate,
        hints=("Keep the months before the earliest crm_rollout_date of the non-pilot regions.",
               ("Mean by (is_pilot, after the pilots' date): (pilot after - pilot before) - "
               "(others after - others before). Or crmlab.did.did_rollout(...).estimate.")),
        explanation="The comparison regions show what happened anyway (the common trend); the "
                    "DiD removes it.",
        mistakes=(
            Mistake(naive_estimate, "that is the naive before/after change of the pilots; "
                                    "subtract the change of the comparison regions"),
            Mistake(_did_whole_window, "you used all 36 months: from the second wave on, the "
                                       "comparison regions have the CRM too. Stop before it"),
            Mistake(_post_gap, "that is the gap between pilots and others after the roll-out; "
                               "the regions already differed before it"),
        ),
    ),
    Exercise(
        id="ch06.step-order",
        practice=True,
        title="The order of the implementation steps",
        prompt="A small firm plans its CRM project. Put these four implementation steps "
               "(实施步骤) in the order course document [S2] gives them: A) train the staff and "
               "build habits of use (员工培训); B) choose a suitable CRM system (选择合适的CRM系统); "
               "C) set needs and goals (明确需求和目标); D) pilot in one unit, then roll out step "
               "by step (逐步实施，分段推进). Answer with the four letters, e.g. 'ABCD'.",
        kind=Text(),
        expected=lambda d: "CBAD",
        hints=("What must be known before anyone can judge whether a system is suitable?",
               "Staff are trained on the system that was chosen, before it goes live in a unit."),
        explanation="Needs and goals first, then the system that serves them, then the people "
                    "who will use it, then a pilot and a step-by-step roll-out. Each step done "
                    "badly is one of the pitfalls of small firms (SME_PITFALLS beside "
                    "IMPLEMENTATION_STEPS).",
        mistakes=(
            Mistake(lambda d: "BCAD", "you chose the system before the needs were set: that is "
                                      "the pitfall 'system chosen on price or feature list' "
                                      "(系统选择不当), with technology leading the project (过度依赖"
                                      "技术). Needs and goals come first"),
            Mistake(lambda d: "CBDA", "the pilot goes live before anyone is trained: that invites "
                                      "the pitfall 'staff resist the new system' (员工抵触情绪). "
                                      "Train first, then pilot"),
            Mistake(lambda d: "CABD", "training on what? The staff are trained on the system "
                                      "that was chosen: choose it first"),
            Mistake(lambda d: "CDBA", "a pilot needs a system to pilot: choose the system and "
                                      "train the staff before a unit goes live"),
        ),
    ),
    Exercise(
        id="ch06.step-pitfall",
        practice=True,
        title="Which step was done badly?",
        prompt="Six months after go-live, a shop's CRM holds many customers two or three times, "
               "with the addresses of the old spreadsheets, and its sales reports disagree with "
               "the accounts. The staff log in every day. Which implementation step (实施步骤) was "
               "done badly?",
        kind=Choice(
            options={"a": "set needs and goals (明确需求和目标)",
                     "b": "choose a suitable CRM system (选择合适的CRM系统)",
                     "c": "migrate and clean the data (数据迁移和整理)",
                     "d": "train the staff (员工培训)",
                     "e": "pilot in one unit, then roll out step by step (逐步实施，分段推进)",
                     "f": "keep evaluating and improving (持续优化和改进)",
                     "g": "keep the customer experience in view (注重客户体验)"},
            feedback={"b": "any CRM can hold clean records; the copies came in with the old "
                           "spreadsheets, loaded without de-duplication",
                      "d": "the staff use the system every day; untrained staff may type a "
                           "record twice, but copies with the old spreadsheets' addresses came "
                           "in with the data that were moved over",
                      "f": "continuous evaluation would have noticed it sooner, but the defect "
                           "was made when the data were moved in",
                      "e": "a pilot would have shown the problem in one unit first, but the "
                           "duplicates come from the data that were loaded, pilot or not",
                      "a": "clear goals do not de-duplicate records; look at where the copies "
                           "came from",
                      "g": "customers will suffer from it (letters twice, wrong addresses), but "
                           "the cause is earlier"},
        ),
        expected=lambda d: "c",
        hints=("Where do records with the addresses of the old spreadsheets come from?",),
        explanation="Duplicated and outdated records are the pitfall 'poor data management' "
                    "(数据管理不善): data migration (数据迁移和整理) means de-duplicating and "
                    "completing the records before they are loaded. Section 2 measures it "
                    "(data_quality: uniqueness).",
    ),
    Exercise(
        id="ch06.did-wave2",
        practice=True,
        title="The second wave",
        prompt="Now the second wave: the regions that went live on the second roll-out date, "
               "compared with the region(s) without the CRM until the end of the data, before vs "
               "after that date (all 36 months; leave the pilots out). DiD estimate on "
               "satisfaction_index, 2 decimals.",
        kind=Number(rel_tol=0, abs_tol=0.02),
        expected=lambda d: did_estimate(d, wave=2),
        hints=("crmlab.did.did_rollout(data.kpi_monthly, data.regions, wave=2)",),
        explanation="The region that is not yet live is the only clean comparison left.",
        mistakes=(
            Mistake(lambda d: naive_estimate(d, wave=2),
                    "that is the naive before/after change; subtract the comparison region's "
                    "change"),
        ),
    ),
    Exercise(
        id="ch06.naive-bias",
        practice=True,
        title="Why is before/after too big?",
        prompt="In your data the naive before/after estimate of the pilots' effect is larger "
               "than the DiD estimate. What is the main reason?",
        kind=Choice(
            options={"a": "satisfaction rose in all regions, with or without the CRM (a common "
                          "trend)",
                     "b": "the pilots were chosen because they already had the most satisfied "
                          "customers",
                     "c": "the CRM's effect keeps growing every month",
                     "d": "the pilot regions have more customers"},
            feedback={"b": "a level difference between regions is removed by both comparisons "
                           "of the pilots with themselves; compare the pilots' levels before",
                      "c": "the event study shows a roughly constant effect after the roll-out",
                      "d": "size does not move an index that is an average"},
        ),
        expected=lambda d: "a",
        hints=("Look at the comparison regions' change over the same months.",),
        explanation="Before/after credits the CRM with every change of the period; only a "
                    "comparison group shows what would have happened anyway.",
    ),
    Exercise(
        id="ch06.ahp-cr",
        practice=True,
        title="Consistent judgements?",
        prompt="A manager compares four dimensions pairwise (Saaty scale): satisfaction vs "
               "retention 2, vs service quality 3, vs CRM use 5; retention vs service quality 2, "
               "vs CRM use 4; service quality vs CRM use 3. What is the consistency ratio "
               "(一致性比率, CR) of this AHP (层次分析法) matrix? 3 decimals.",
        kind=Number(rel_tol=0, abs_tol=0.001),
        expected=lambda d: ahp_cr(),
        hints=("Build the 4 x 4 reciprocal matrix (1 on the diagonal, a[j][i] = 1 / a[i][j]).",
               ("lambda_max = the largest eigenvalue; CI = (lambda_max - 4) / 3; RI(4) = 0.90; "
               "CR = CI / RI. Or crmlab.scorecard.ahp_weights(matrix).cr")),
        explanation="CR below 0.10: the judgements are consistent enough to use the weights.",
        mistakes=(
            Mistake(lambda d: ahp_cr() * 0.90, "that is the consistency index CI; divide by the "
                                               "random index RI(4) = 0.90"),
        ),
    ),
    Exercise(
        id="ch06.rank-regions",
        title="Weight the index and rank the regions",
        prompt=f"Weight the five dimensions of crmlab.scorecard.CRM_INDEX by AHP from these "
               "judgements: satisfaction and retention each 2x as important as service quality, "
               "3x as important as market response and as CRM use; service quality 2x as "
               "important as market response and as CRM use; all other pairs equal. Score the "
               f"regions' {YEAR} KPIs (crmlab.evaluation.kpi_table) and give the composite index "
               "(综合指数) of every region as a pandas Series indexed by region_id.",
        kind=Table(rel_tol=1e-3),
        expected=composite_index,
        hints=(("crmlab.scorecard.pairwise_matrix(judgements, list(DIMENSIONS)) builds the matrix;"
               " ahp_weights(...).weights are the weights."),
               f"scorecard(kpi_table(data).xs({YEAR}, level='period'), weights=w).index"),
        explanation="The weights decide the ranking as much as the data: change them and watch "
                    "the order of the regions move (chapter notebook widget).",
        mistakes=(
            Mistake(lambda d: composite_index(d, weights="equal"),
                    "these are equal dimension weights; use the AHP weights"),
            Mistake(lambda d: composite_index(d, year=YEAR - 1),
                    f"these are the {YEAR - 1} KPIs; score {YEAR}"),
        ),
    ),
    Exercise(
        id="ch06.failing-region",
        title="Which implementation is failing?",
        prompt=f"Among the regions where the CRM was live for all of {YEAR} (rolled out on or "
               f"before {YEAR}-01-01), which has the lowest composite index in {YEAR} "
               "(CRM_INDEX with equal dimension weights)? Give its region_id or name.",
        kind=Text(),
        expected=_failing_forms,
        hints=(("Score kpi_table(data).xs(2024, level='period') with scorecard(...); keep the "
               "regions whose crm_rollout_date is on or before 2024-01-01."),),
        explanation="A region that has had the system for long and still scores lowest is a "
                    "failing implementation: look at which lights are red.",
        mistakes=(
            Mistake(lambda d: failing_region(d, live_only=False),
                    "that region has no CRM yet: its low score is not a failing implementation"),
        ),
    ),
    Exercise(
        id="ch06.failure-signals",
        title="Diagnose it",
        prompt="Take the red indicators (not amber) of that failing region in the same "
               "scorecard; if none of its indicators is red, take its amber ones instead. Which "
               "of the eight reasons why CRM fails (CRM实施失败的原因) do they point to? Tick "
               "every reason listed in the `signals` of those indicators "
               "(crmlab.scorecard.diagnose).",
        kind=MultiChoice(options=REASON_OPTIONS),
        expected=lambda d: failure_signals(d),
        hints=(("diagnose(sc, region) lists the red and amber indicators with their signals; "
               "keep the red ones (the amber ones if there is no red one)."),
               "Each indicator's signals are in crmlab.scorecard.CRM_INDEX (Indicator.signals)."),
        explanation="The lights point to organisational causes, not to the software; "
                    "crmlab.scorecard.success_factors() shows which factors guard against "
                    "them.",
        mistakes=(
            Mistake(lambda d: failure_signals(d, lights=("red", "amber")),
                    "you included the amber indicators; keep only the red ones"),
            Mistake(lambda d: failure_signals(d, lights=("amber",)),
                    "these are the amber indicators' reasons; this region has red indicators: "
                    "take those"),
        ),
    ),
    Exercise(
        id="ch06.usage-rate",
        title="Employee usage rate",
        prompt=f"The employee usage rate (员工使用率): in {YEAR}, what share of the employee-weeks "
               "recorded in crm_usage had at least 5 logins (about one per working day)? Answer "
               "as a fraction with 4 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-5, unit="fraction"),
        expected=active_rate,
        hints=("Keep the rows with week_start in 2024; the share with logins >= 5.",),
        explanation="Logging in is the first step; records entered show whether the system is "
                    "really used (both are in crm_usage).",
        mistakes=(
            Mistake(lambda d: active_rate(d, 1), "that counts weeks with any login at all; the "
                                                 "threshold is 5 logins"),
            Mistake(lambda d: float((d.crm_usage["logins"] >= 5).mean()),
                    f"you used all years; keep the weeks of {YEAR}"),
        ),
    ),
    Exercise(
        id="ch06.usage-slope",
        title="Usage moderates the effect",
        prompt="Estimate the roll-out effect on satisfaction_index for every region that went "
               "live (crmlab.did.region_effects) and regress it on the region's mean CRM logins "
               "per employee-week (crmlab.evaluation.usage_kpi(data, period=None)), weighting "
               "each region by 1 / se² (crmlab.did.usage_moderation). By how many index points "
               "does the effect grow per extra weekly login? 3 decimals.",
        kind=Number(rel_tol=0.01),
        expected=usage_slope,
        hints=(("m = usage_moderation(region_effects(data.kpi_monthly, data.regions), "
               "usage_kpi(data, period=None)['logins_per_week']); m.slope"),),
        explanation="In these data the regions whose staff use the system more gained more. "
                    "The line's value at zero use is an extrapolation: no live region logs in "
                    "less than about five times a week. In this simulation the effect grows "
                    "with usage by assumption; in a real firm usage differs between regions "
                    "for reasons (managers, customers) that may move satisfaction themselves.",
        mistakes=(
            Mistake(lambda d: usage_slope(d, column="records_per_week"),
                    "that uses records entered; the exercise asks for logins"),
        ),
    ),
    Exercise(
        id="ch06.orphans",
        title="Orders without a customer",
        prompt="Data quality (客户数据质量) on the dataset with defects (retail_dirty): some "
               "orders point to a customer_id that does not exist in the customers table (orphan "
               "records, a break of referential integrity, 参照完整性). How much revenue (sum of "
               "amount) do these orders carry? 2 decimals.",
        kind=Number(rel_tol=0, abs_tol=0.01),
        expected=orphan_revenue,
        scenario="retail_dirty",
        hints=("dirty = crmlab.start(STUDENT_ID, scenario='retail_dirty')",
               ("orders whose customer_id is not in customers.customer_id: "
               "~orders.customer_id.isin(customers.customer_id)")),
        explanation="Orders of unknown customers cannot enter any customer's history, CLV or "
                    "retention: garbage in, garbage out. crmlab.evaluation.data_quality scores "
                    "this (integrity) with completeness, validity and uniqueness.",
        mistakes=(
            Mistake(lambda d: float(len(_orphans(d))),
                    "that is the number of orphan orders; the question asks for their revenue"),
            Mistake(lambda d: float(_orphans(d)["margin"].sum()),
                    "that is their margin; revenue is the amount column"),
        ),
    ),
)

# The reference implementation of each Function exercise: it passes every hidden case.
REFERENCES = {"ch06.payback-function": payback_reference}
