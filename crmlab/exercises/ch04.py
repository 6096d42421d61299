"""Chapter 04 — satisfaction and loyalty (客户满意与忠诚): disconfirmation, CSAT,
NPS and referrals, SERVQUAL gap 5, the ACSI-style index, importance-performance
analysis, the Kano model, satisfaction and value, loyalty phases, the points
programme and service recovery.

Every expected answer is computed from the student's own dataset with the
models of :mod:`crmlab.satisfaction`, :mod:`crmlab.loyalty` and
:mod:`crmlab.recovery`; the common wrong computations are modelled as
:class:`Mistake` s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.exercises.core import Exercise, Mistake, register
from crmlab.exercises.kinds import Choice, Function, MultiChoice, Number, Table
from crmlab.kano import kano_classify
from crmlab.loyalty import (
    STAGES,
    LoyaltyRules,
    loyalty_signals,
    loyalty_stages,
    points_programme,
    programme_inputs,
    programme_summary,
)
from crmlab.recovery import churn_episodes
from crmlab.satisfaction import (
    DIMENSIONS,
    acsi_score,
    annual_margin,
    disconfirmation,
    importance_performance,
    nps_referrals,
    satisfaction_by_value,
    servqual_summary,
)
from crmlab.satisfaction_value import satisfaction_premium

END = "2024-12-31"
SEGMENT = ("silver", "gold", "platinum")


def _periodic(data) -> pd.DataFrame:
    return data.surveys[data.surveys["survey_type"] == "periodic"]


# ------------------------------------------------------------------ CSAT and NPS
def csat_share(data, low: int = 4, high: int = 5) -> float:
    x = _periodic(data)["csat"].astype(float).dropna()
    return float(((x >= low) & (x <= high)).mean())


def _nps(x, promoter: int = 9, detractor: int = 6, scale: float = 100.0) -> float:
    x = pd.Series(x, dtype=float).dropna()
    return float(scale * ((x >= promoter).mean() - (x <= detractor).mean()))


def _segment_answers(data, segment=SEGMENT) -> pd.Series:
    s = _periodic(data).merge(data.customers[["customer_id", "membership_tier"]])
    return s.loc[s["membership_tier"].isin(segment), "nps"]


def segment_nps(data, **kw) -> float:
    return _nps(_segment_answers(data), **kw)


def _nps_cases(data) -> list[tuple[tuple, float]]:
    """Hidden cases: the NPS answers of each region of the student's data, and edge cases."""
    s = _periodic(data).merge(data.customers[["customer_id", "region_id"]])
    cases = [((g.astype(int).tolist(),), _nps(g)) for _, g in s.groupby("region_id")["nps"]]
    return cases[:4] + [(([10, 10, 9],), 100.0), (([0, 6, 7, 8],), -50.0), (([7, 8],), 0.0)]


# ------------------------------------------------------------------ disconfirmation and ACSI
def negative_share(data, tolerance: float = 0.5, kind: str = "negative") -> float:
    dc = disconfirmation(_periodic(data), tolerance=tolerance)
    return float((dc["kind"] == kind).mean())


ACSI_YEAR = 2024


def acsi_2024(data, all_years: bool = False, weights: str = "equal",
              naive: bool = False) -> float:
    s = _periodic(data)
    if not all_years:
        s = s[s["survey_date"].dt.year == ACSI_YEAR]
    if naive:  # each item divided by its highest value instead of rescaled from its range
        perc = s[[f"perc_{d}" for d in DIMENSIONS]].to_numpy(dtype=float)
        exp = s[[f"exp_{d}" for d in DIMENSIONS]].to_numpy(dtype=float)
        items = np.column_stack([100 * s["csat"].to_numpy(dtype=float) / 5,
                                 100 * perc.mean(axis=1) / 7,
                                 100 * (perc - exp).mean(axis=1) / 6])
        return float(np.nanmean(items.mean(axis=1)))
    return float(acsi_score(s, weights=weights)["index"].iloc[0])


# ------------------------------------------------------------------ NPS and referrals
def referral_ratio(data, how: str = "rate", after_survey: bool = False) -> float:
    r = nps_referrals(data.surveys, data.customers, after_survey=after_survey)
    if how == "count":  # referrals of the groups, ignoring how many customers each has
        return float(r.loc["promoter", "referrals"] / r.loc["detractor", "referrals"])
    return float(r.loc["promoter", "rate_ratio"])


# ------------------------------------------------------------------ Kano
def kano_better(data, swap: bool = False, count: str = "AOMI") -> pd.Series:
    k = data.kano_responses
    f, d = (k["dysfunctional"], k["functional"]) if swap else (k["functional"], k["dysfunctional"])
    cat = pd.Series(kano_classify(f, d), index=k.index)
    counts = pd.crosstab(k["feature"], cat).reindex(columns=list("AOMIRQ"), fill_value=0)
    counts = counts.reindex(pd.unique(k["feature"]))
    base = counts[list(count)].sum(axis=1)
    return ((counts["A"] + counts["O"]) / base).rename("better")


# ------------------------------------------------------------------ SERVQUAL and IPA
def mean_gaps(data, sign: int = 1) -> pd.Series:
    gaps = servqual_summary(_periodic(data))["gap"] * sign
    return gaps.rename("gap")


def largest_gap(data, worst: bool = True) -> str:
    gaps = mean_gaps(data)
    return str(gaps.idxmin() if worst else gaps.idxmax())


def concentrate_here(data, importance: str = "derived", method: str = "regression") -> list[str]:
    ipa = importance_performance(_periodic(data), importance=importance, method=method)
    return sorted(ipa.index[ipa["quadrant"] == "Concentrate here"])


# ------------------------------------------------------------------ satisfaction and value
PRE_END, POST_START = "2023-06-30", "2024-06-30"
# what making one more customer of each tier satisfied is assumed to cost (an assumption of
# the exercise: winning over a demanding platinum customer costs more)
CONVERSION_COST = {"platinum": 120.0, "gold": 40.0, "iron": 20.0, "lead": 20.0}


def premium_table(data) -> pd.DataFrame:
    return satisfaction_premium(data.surveys, data.orders, data.customers, END,
                                pre_end=PRE_END, post_start=POST_START,
                                conversion_cost=CONVERSION_COST)


def best_budget_tier(data, by: str = "return_per_cost") -> str:
    """The tier where the next unit of service budget pays most (or a wrong ranking)."""
    if by == "artefact":  # the extra margin inside tiers cut from the outcome itself
        value = annual_margin(data.orders, data.customers, END)
        return str(satisfaction_by_value(_periodic(data), value)["satisfaction_premium"].idxmax())
    return str(premium_table(data)[by].idxmax())


# ------------------------------------------------------------------ loyalty
STRICT = LoyaltyRules(action_orders=5)


def stage_counts(data, rules: LoyaltyRules = STRICT, everyone: bool = False) -> pd.Series:
    signals = loyalty_signals(data.orders, data.surveys, END, rules.window_days)
    stages = loyalty_stages(signals, rules)
    counts = stages["stage"].value_counts().reindex(list(STAGES), fill_value=0)
    if everyone:
        counts = counts[::-1].cumsum()[::-1]
    return counts.rename("customers").astype(int)


def programme_value(data, lift: float = 0.03, discount_rate: float = 0.10,
                    redemption_rate: float = 0.6) -> float:
    inputs = programme_inputs(data.orders, END)
    p = points_programme(inputs["members"], inputs["spend_per_year"], inputs["margin_rate"],
                         inputs["retention"], retention_lift=lift, redemption_rate=redemption_rate,
                         discount_rate=discount_rate)
    return float(programme_summary(p, discount_rate)["net_value"])


# ------------------------------------------------------------------ recovery (telecom)
def crude_recovery_ratio(data, a: str = "unresolved", b: str = "resolved_fast",
                         how: str = "rate") -> float:
    if how == "share":  # share of complainers who left by the end, ignoring time
        ep = churn_episodes(data.contracts, data.tickets, END)
        post = ep[ep["group"] != "no_complaint"].groupby("group")["event"].mean()
        return float(post[a] / post[b])
    method = "never_complained" if how == "never" else "time_split"
    ep = churn_episodes(data.contracts, data.tickets, END, method)
    by = ep.groupby("group")[["event", "years"]].sum()
    rate = by["event"] / by["years"]
    return float(rate[a] / rate[b])


register(
    Exercise(
        id="ch04.csat-share",
        practice=True,
        title="CSAT: the share of satisfied customers",
        prompt="Using the periodic surveys, what share of respondents are satisfied "
               "(客户满意度, CSAT: an answer of 4 or 5 on the 1-5 scale)? Answer as a fraction "
               "with at least 3 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-4, unit="fraction"),
        expected=csat_share,
        hints=("Keep survey_type == 'periodic' and look at the csat column.",
               "(csat >= 4).mean() is the top-2-box share."),
        explanation="Top-2-box CSAT hides how the rest is spread; the mean and the whole "
                    "distribution tell more.",
        mistakes=(
            Mistake(lambda d: csat_share(d, 5, 5), "you counted only the 5s; CSAT counts 4 "
                                                   "('satisfied') and 5 ('very satisfied')"),
            Mistake(lambda d: csat_share(d, 3, 5), "a 3 is neutral, not satisfied"),
            Mistake(lambda d: float(_periodic(d)["csat"].mean() / 5),
                    "that is the mean answer divided by 5, not the share of 4s and 5s"),
        ),
    ),
    Exercise(
        id="ch04.nps-segment",
        title="NPS of the members with a higher tier",
        prompt="What is the Net Promoter Score (净推荐值, NPS) of the periodic-survey "
               "respondents whose membership tier is silver, gold or platinum? Give it in "
               "points (between -100 and 100) with at least 1 decimal.",
        kind=Number(rel_tol=0, abs_tol=0.05),
        expected=segment_nps,
        hints=("Merge the surveys with customers[['customer_id', 'membership_tier']].",
               ("Promoters answer 9-10, detractors 0-6; NPS = 100 x (share of promoters - "
                "share of detractors).")),
        explanation="Compare it with the NPS of all respondents. Tiers come from spending, "
                    "so a difference would not prove that the tiers cause it.",
        mistakes=(
            Mistake(lambda d: _nps(_periodic(d)["nps"]),
                    "that is the NPS of all respondents; keep only silver, gold and platinum"),
            Mistake(lambda d: segment_nps(d, scale=1.0),
                    "that is a fraction; NPS is written in points: multiply by 100"),
            Mistake(lambda d: segment_nps(d, detractor=5),
                    "a 6 is a detractor too: detractors answer 0 to 6"),
            Mistake(lambda d: segment_nps(d, promoter=8),
                    "an 8 is a passive; promoters answer 9 or 10"),
        ),
    ),
    Exercise(
        id="ch04.nps-function",
        title="Write the NPS",
        prompt="Write a function nps(scores) that returns the Net Promoter Score (净推荐值) in "
               "points of a list of 0-10 answers (Reichheld 2003).",
        kind=Function(rel_tol=1e-9, abs_tol=1e-9),
        expected=_nps_cases,
        hints=(("Count promoters (9-10) and detractors (0-6), divide each by the number of "
                "answers."),
               "Passives (7-8) count in the number of answers but in neither group."),
        explanation="The passives are in the denominator: NPS moves when passives become "
                    "promoters, although the number of detractors stays the same.",
    ),
    Exercise(
        id="ch04.servqual-gaps",
        title="SERVQUAL: gap 5 on each of the five dimensions",
        prompt="The survey measures gap 5 of the gap model (服务质量差距模型: expected "
               "against perceived service) on each of the five SERVQUAL dimensions "
               "(服务质量维度). Make a pandas Series indexed by the dimensions (tangibles, "
               "reliability, responsiveness, assurance, empathy) holding the mean of "
               "perception - expectation (感知 - 期望) in the periodic surveys.",
        kind=Table(rel_tol=0, abs_tol=5e-4),
        expected=mean_gaps,
        hints=(("For one dimension: (surveys['perc_reliability'] - "
                "surveys['exp_reliability']).mean()."),
               "Build a dict {dimension: mean gap} and turn it into pd.Series(...)."),
        explanation="A negative value means the perceived service falls short of what "
                    "customers expected on that dimension: gap 5 of Parasuraman, Zeithaml & "
                    "Berry (1985), measured with SERVQUAL (1988). Gaps 1-4 lie inside the firm "
                    "and are not in a customer survey.",
        mistakes=(
            Mistake(lambda d: mean_gaps(d, sign=-1),
                    "the signs are reversed: gap 5 is perception minus expectation "
                    "(negative = worse than expected)"),
        ),
    ),
    Exercise(
        id="ch04.largest-gap",
        practice=True,
        title="Where does the service fall shortest?",
        prompt="On which of the five SERVQUAL dimensions (服务质量维度) is gap 5 (perceived - "
               "expected service) most negative, i.e. where does the perceived service fall "
               "furthest below expectations?",
        kind=Choice(options={d: d for d in DIMENSIONS}),
        expected=largest_gap,
        hints=("Find the most negative mean of perception - expectation over the dimensions.",),
        explanation="The dimension with the most negative gap 5 is a candidate for "
                    "improvement; whether it matters most is the question of "
                    "importance-performance analysis. (The five dimensions are not the five "
                    "gaps: every dimension has its own gap 5.)",
        mistakes=(
            Mistake(lambda d: largest_gap(d, worst=False),
                    "on that dimension perception is furthest *above* expectation (the largest "
                    "positive gap): there the service beats expectations"),
        ),
    ),
    Exercise(
        id="ch04.ipa-concentrate",
        title="Importance-performance analysis: what to improve first",
        prompt="Derive importance from the data: regress csat on the gap (perception - "
               "expectation) of each of the five dimensions with an intercept (OLS); the coefficients are the importances. "
               "Performance is the mean perception. Split both axes at the mean over the five "
               "dimensions. Which dimensions fall in the 'Concentrate here' quadrant "
               "(重点改进: important and performing poorly)?",
        kind=MultiChoice(options={d: d for d in DIMENSIONS}),
        expected=concentrate_here,
        hints=("crmlab.satisfaction.importance_performance(surveys) does exactly this.",
               "'Concentrate here' = importance above the mean and performance below the mean."),
        explanation="Derived importance shows what drives satisfaction; stated importance only "
                    "what customers say. Here both point the same way; they need not.",
        mistakes=(
            Mistake(lambda d: concentrate_here(d, method="correlation"),
                    "that uses correlations, not the regression the exercise asks for"),
        ),
    ),
    Exercise(
        id="ch04.satisfaction-profit",
        practice=True,
        title="Where does the next unit of service budget pay most?",
        prompt="A resource-allocation question (资源配置). Form the value tiers from the margin "
               "BEFORE the satisfaction is measured and compare the LATER margin of satisfied "
               "and other customers per tier: crmlab.satisfaction_value.satisfaction_premium "
               "with pre_end='2023-06-30', post_start='2024-06-30' (as of 2024-12-31). "
               "Suppose that making one more customer satisfied costs 120 in the platinum "
               "tier, 40 in gold and 20 in iron and lead (conversion_cost). In which tier does "
               "the next unit of service budget bring the most extra margin per year?",
        kind=Choice(options={t: t for t in ("platinum", "gold", "iron", "lead")}),
        expected=best_budget_tier,
        hints=("satisfaction_premium(data.surveys, data.orders, data.customers, '2024-12-31', "
               "pre_end=..., post_start=..., conversion_cost={...}) has return_per_cost.",
               "Return per unit of budget = extra margin per extra satisfied customer / what "
               "winning that customer costs."),
        explanation="Per unit of budget, what counts is the money one more satisfied customer "
                    "brings (premium_per_extra_satisfied) divided by what winning them costs. "
                    "Tiers must come from the earlier margin: tiers cut from the outcome itself "
                    "squeeze the margins inside each tier and make the premium look like it "
                    "exists only among valuable customers (a selection artefact). The intervals "
                    "are wide with a few hundred customers: test before moving the budget.",
        mistakes=(
            Mistake(lambda d: best_budget_tier(d, "artefact"),
                    "that is the tier with the largest extra margin inside tiers cut from the "
                    "margin itself (satisfaction_by_value): a selection artefact, and the "
                    "most money per satisfied customer is not the most per unit of budget "
                    "when winning one there costs more. Use the pre-period tiers of "
                    "satisfaction_premium and divide by the cost (return_per_cost)"),
            Mistake(lambda d: best_budget_tier(d, "relative_premium"),
                    "that tier has the largest relative premium, but a large percentage of a "
                    "small margin is little money: rank by money per unit of cost"),
            Mistake(lambda d: best_budget_tier(d, "not_satisfied"),
                    "that tier has the most customers left to win, but the question is what "
                    "one more satisfied customer brings per unit of cost"),
        ),
    ),
    Exercise(
        id="ch04.disconfirmation",
        practice=True,
        title="Expectation-disconfirmation: how many are disappointed?",
        prompt="Expectation-disconfirmation (期望不一致, Oliver 1980): per respondent of the "
               "periodic surveys take the mean over the five dimensions of perception - "
               "expectation; below -0.5 counts as negative disconfirmation (worse than "
               "expected), within +-0.5 as confirmation. What share of the respondents has "
               "negative disconfirmation? Answer as a fraction with at least 3 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-4, unit="fraction"),
        expected=negative_share,
        hints=("crmlab.satisfaction.disconfirmation(surveys, tolerance=0.5) gives each "
               "respondent's kind.",
               "(kind == 'negative').mean() is the share."),
        explanation="Disappointment is measured against each customer's own expectation: a "
                    "firm that promises more raises the bar its service is judged by.",
        mistakes=(
            Mistake(lambda d: negative_share(d, tolerance=0.0),
                    "that counts everyone below 0; the exercise allows a tolerance: only a mean "
                    "gap below -0.5 is negative disconfirmation"),
            Mistake(lambda d: negative_share(d, kind="positive"),
                    "that is the share with positive disconfirmation (better than expected)"),
            Mistake(lambda d: negative_share(d, kind="confirmed"),
                    "that is the share within the tolerance (confirmation)"),
        ),
    ),
    Exercise(
        id="ch04.nps-referrals",
        practice=True,
        title="Do promoters actually refer more?",
        prompt="customers.referred_by names the customer who brought each referred customer "
               "in. Group the surveyed customers by their first periodic NPS answer "
               "(promoter 9-10, passive 7-8, detractor 0-6) and count each one's referrals. "
               "How many times as many referrals per customer do promoters bring as "
               "detractors? Give the ratio with at least 3 decimals.",
        kind=Number(rel_tol=0, abs_tol=2e-3),
        expected=referral_ratio,
        hints=("crmlab.satisfaction.nps_referrals(data.surveys, data.customers) has a row per "
               "group.",
               "Referrals per customer = referrals / customers of the group; divide promoters "
               "by detractors (rate_ratio)."),
        explanation="Promoters do refer more here, but most of them refer no one "
                    "(share_referring): the stated intention is only loosely tied to the "
                    "behaviour, and Keiningham et al. (2007) found NPS no better than other "
                    "satisfaction measures at predicting growth.",
        mistakes=(
            Mistake(lambda d: referral_ratio(d, how="count"),
                    "that divides the referral counts of the two groups; the groups differ in "
                    "size: divide referrals per customer"),
            Mistake(lambda d: referral_ratio(d, after_survey=True),
                    "that counts only referrals after the survey; the exercise counts every "
                    "referral"),
        ),
    ),
    Exercise(
        id="ch04.acsi-index",
        title="An ACSI-style index for 2024",
        prompt="Build the ACSI-style satisfaction index (满意度指数, 0-100) of the periodic "
               "surveys answered in 2024: rescale each respondent's three items to 0-100 with "
               "100 x (x - lowest) / (highest - lowest) — csat (1-5), the mean perception of "
               "the five dimensions (1-7, against the ideal) and the mean perception - "
               "expectation (-6 to 6, against expectations) — average them with equal weights "
               "and take the mean over the respondents. Give it with at least 1 decimal.",
        kind=Number(rel_tol=0, abs_tol=0.05),
        expected=acsi_2024,
        hints=("Keep surveys['survey_date'].dt.year == 2024.",
               "crmlab.satisfaction.acsi_items(surveys) does the rescaling; or "
               "acsi_score(surveys)['index']."),
        explanation="Rescaling from the scale's own range puts the three items on the same "
                    "0-100 footing; ACSI itself estimates the weights (Fornell et al. 1996).",
        mistakes=(
            Mistake(lambda d: acsi_2024(d, all_years=True),
                    "that uses the surveys of every year; keep those answered in 2024"),
            Mistake(lambda d: acsi_2024(d, weights="pca"),
                    "that uses weights from the data (pca); the exercise asks for equal weights"),
            Mistake(lambda d: acsi_2024(d, naive=True),
                    "each item was divided by its highest value; rescale from the lowest: "
                    "100 x (x - lowest) / (highest - lowest), e.g. csat 1 is 0, not 20"),
        ),
    ),
    Exercise(
        id="ch04.kano-better",
        title="Kano: the Better coefficient of every feature",
        prompt="Kano model (卡诺模型): classify every answer pair of data.kano_responses with "
               "the Kano evaluation table (crmlab.kano.kano_classify(functional, "
               "dysfunctional)), count the categories per feature and give a pandas Series "
               "indexed by feature holding Better = (A + O) / (A + O + M + I) (Berger et al. "
               "1993).",
        kind=Table(rel_tol=0, abs_tol=5e-4),
        expected=kano_better,
        hints=("cats = kano_classify(k['functional'], k['dysfunctional']); "
               "pd.crosstab(k['feature'], cats) counts them.",
               "Reverse (R) and questionable (Q) answers are not in the denominator."),
        explanation="Better says how much having the feature satisfies; with Worse (how much "
                    "missing it dissatisfies) it places the feature: a must-be feature has a "
                    "low Better and a high |Worse|.",
        mistakes=(
            Mistake(lambda d: kano_better(d, swap=True),
                    "the functional and dysfunctional answers are swapped: the first argument "
                    "is the answer to 'if the product HAS the feature'"),
            Mistake(lambda d: kano_better(d, count="AOMIRQ"),
                    "the denominator counts every answer; leave out the reverse (R) and "
                    "questionable (Q) ones: A + O + M + I"),
            Mistake(lambda d: kano_better(d, count="AOMIQ"),
                    "the questionable (Q) answers are in the denominator; leave them out"),
            Mistake(lambda d: kano_better(d, count="AOMIR"),
                    "the reverse (R) answers are in the denominator; leave them out"),
        ),
    ),
    Exercise(
        id="ch04.loyalty-stages",
        title="Loyalty phases with a stricter rule",
        prompt="Assign Oliver's (1999) loyalty phases, cognitive -> affective -> conative -> "
               "action (认知忠诚 -> 情感忠诚 -> 意向忠诚 -> 行为忠诚; the course's 认知 -> 认可 -> "
               "偏好 -> 忠诚), from their behavioural and survey proxies with "
               "crmlab.loyalty, as of 2024-12-31, but ask for at least 5 orders in the last "
               "365 days for the action stage (LoyaltyRules(action_orders=5)). Give a pandas "
               "Series: the number of surveyed buyers whose highest stage is each of "
               "cognitive, affective, conative, action.",
        kind=Table(rel_tol=0, abs_tol=0.5),
        expected=stage_counts,
        hints=(("loyalty_stages(loyalty_signals(data.orders, data.surveys, '2024-12-31'), "
                "LoyaltyRules(action_orders=5))"),
               "value_counts() of the stage column; customers never surveyed have no stage."),
        explanation="A stricter behavioural rule moves customers from action back to conative "
                    "(意向忠诚): the intention to return is there, the repeat buying not yet. "
                    "The phases are read from proxies (a survey answer stands in for liking "
                    "and intention), so the rule is a choice the analyst must state.",
        mistakes=(
            Mistake(lambda d: stage_counts(d, LoyaltyRules()),
                    "that uses the default rule (3 orders); the exercise asks for 5"),
            Mistake(lambda d: stage_counts(d, everyone=True),
                    "these are the customers who reached *at least* each stage; count each "
                    "customer once, at their highest stage"),
        ),
    ),
    Exercise(
        id="ch04.points-value",
        title="Is the points programme worth it?",
        prompt="Measure the programme inputs in your data (crmlab.loyalty.programme_inputs, "
               "as of 2024-12-31) and simulate a points programme (积分计划) with the defaults "
               "of points_programme (1 point per unit spent, worth 0.01, 60% redeemed, 5 years, "
               "10% discount rate) and a retention lift of 3 points (0.03). What is its "
               "discounted net value (programme_summary(...)['net_value'])?",
        kind=Number(rel_tol=2e-3),
        expected=programme_value,
        hints=(("inputs = programme_inputs(data.orders, '2024-12-31') gives members, "
                "spend_per_year, margin_rate and retention."),
               "Pass retention_lift=0.03 to points_programme, then programme_summary."),
        explanation="The points cost falls on every member's spending; the gain only on the "
                    "customers the programme keeps. A small lift must pay for all the points.",
        mistakes=(
            Mistake(lambda d: programme_value(d, lift=0.3),
                    "a lift of 3 percentage points is 0.03, not 0.3"),
            Mistake(lambda d: programme_value(d, discount_rate=0.0),
                    "that is undiscounted; use the 10% discount rate"),
            Mistake(lambda d: programme_value(d, redemption_rate=1.0),
                    "not every point is redeemed: use the 60% redemption rate"),
        ),
    ),
    Exercise(
        id="ch04.recovery-effect",
        title="The service recovery effect",
        scenario="telecom",
        prompt="Telecom data (客户抱怨与服务补救). Follow each complainer from their first "
               "complaint to their contract end or 2024-12-31. Churn rate = contract ends / "
               "customer-years of follow-up. How many times higher is the churn rate after an "
               "unresolved complaint than after one resolved fast (within 24 h)? Give the "
               "crude ratio (no periods or strata), with at least 2 decimals.",
        kind=Number(rel_tol=5e-3),
        expected=crude_recovery_ratio,
        hints=(("crmlab.recovery.churn_episodes(contracts, tickets, '2024-12-31') gives one "
                "row per follow-up episode with group, years and event."),
               "Per group: events.sum() / years.sum(); then divide unresolved by resolved_fast."),
        explanation="Handling a complaint well keeps customers (Hart, Heskett & Sasser 1990); "
                    "comparing outcomes among complainers avoids the survival-until-complaint "
                    "bias. It does not remove confounding: for that, compare within strata "
                    "(periods, severity) as recovery_effect does.",
        mistakes=(
            Mistake(lambda d: crude_recovery_ratio(d, how="share"),
                    "that compares the shares who left, ignoring how long each was followed: "
                    "use rates per customer-year"),
            Mistake(lambda d: crude_recovery_ratio(d, b="no_complaint"),
                    "that compares with customers without a complaint; the exercise compares "
                    "unresolved with resolved fast"),
            Mistake(lambda d: crude_recovery_ratio(d, a="resolved_fast", b="unresolved"),
                    "the ratio is upside down: unresolved / resolved fast"),
        ),
    ),
)

# The reference implementation of each Function exercise: it passes every hidden case.
REFERENCES = {"ch04.nps-function": _nps}
