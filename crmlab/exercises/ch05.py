"""Chapter 05 — CRM strategy: hook / zipper / Velcro, kinds of CRM, operational CRM analytics."""

from __future__ import annotations

import pandas as pd

from crmlab.exercises.core import Exercise, Mistake, register
from crmlab.exercises.kinds import Choice, MultiChoice, Number, Table, Text

SNAPSHOT = "2024-06-30"  # the pipeline-forecast exercise's snapshot date
PLAN_HETEROGENEITY, PLAN_WILLINGNESS = 0.6, 0.3


# ------------------------------------------------------------ strategy types
def _cases() -> pd.Series:
    from crmlab.strategy import strategy_cases

    return strategy_cases()["strategy"]


def _cases_swapped() -> pd.Series:
    return _cases().replace({"zipper": "velcro", "velcro": "zipper"})


def _tier_segments(data) -> pd.DataFrame:
    from crmlab.strategy import customer_values, segments_from_customers

    values = customer_values(data.orders, data.customers, data.meta["end"])
    values["willingness_to_adapt"] = PLAN_WILLINGNESS
    return segments_from_customers(values, PLAN_HETEROGENEITY)


_BEST_CACHE: dict[int, tuple] = {}  # id(data) -> (data, best_strategy table)


def best_plans(data) -> pd.DataFrame:
    """:func:`crmlab.strategy.best_strategy` of the tier segments (once per dataset)."""
    from crmlab.strategy import best_strategy

    hit = _BEST_CACHE.get(id(data))
    if hit is None or hit[0] is not data:
        if len(_BEST_CACHE) >= 4:
            _BEST_CACHE.clear()
        hit = _BEST_CACHE[id(data)] = (data, best_strategy(_tier_segments(data)))
    return hit[1]


def best_plan(data) -> pd.Series:
    return best_plans(data)["best"].astype(str).rename("strategy")


def plan_gain(data, per_customer: bool = False, against: str = "hook") -> float:
    from crmlab.strategy import simulate_strategies

    sim = simulate_strategies(_tier_segments(data))
    col = "lifetime_profit" if per_customer else "segment_profit"
    table = sim.pivot(index="segment", columns="strategy", values=col)
    return float(table.max(axis=1).sum() - table[against].sum())


# ------------------------------------------------------------ campaigns
def _lapsing(data) -> pd.DataFrame:
    ids = data.campaigns.loc[data.campaigns["target_segment"] == "lapsing", "campaign_id"]
    return data.campaign_contacts[data.campaign_contacts["campaign_id"].isin(ids)]


def lapsing_uplift(data, how: str = "pooled") -> float:
    cc = _lapsing(data)
    rate = cc.groupby("group")["responded"].mean()
    if how == "pooled":
        return float(rate["treatment"] - rate["control"])
    if how == "ratio":
        return float(rate["treatment"] / rate["control"] - 1)
    if how == "treatment":
        return float(rate["treatment"])
    per = cc.groupby(["campaign_id", "group"])["responded"].mean().unstack()
    return float((per["treatment"] - per["control"]).mean())


def significant_campaigns(data, level: float = 0.95) -> list[str]:
    from crmlab.operational import campaign_uplift

    u = campaign_uplift(data.campaign_contacts, level=level)
    ids = list(u.index[u["uplift_low"] > 0])
    return ids or ["none"]


def _campaign_options(data=None) -> dict[str, str]:
    return {**{f"M{j:03d}": f"M{j:03d}" for j in range(1, 9)}, "none": "none of them"}


# ------------------------------------------------------------ sales funnel
def proposal_step(data, decided_only: bool = True) -> float:
    from crmlab.operational import funnel

    f = funnel(data.opportunities)
    if decided_only:
        return float(f.loc["proposal", "step_conversion"])
    return float(f.loc["negotiation", "reached"] / f.loc["proposal", "reached"])


def best_source(data, measure: str = "won_value_per_lead") -> str:
    from crmlab.operational import conversion_by

    return str(conversion_by(data.leads, data.opportunities)[measure].idxmax())


def forecast(data, how: str = "weighted") -> float:
    from crmlab.operational import pipeline_forecast, stage_at, stage_pass_rates

    opps = data.opportunities
    if how == "weighted":
        return pipeline_forecast(opps, SNAPSHOT).forecast
    st = stage_at(opps, SNAPSHOT)
    open_ = st.isin(["qualified", "proposal", "negotiation"])
    value = opps.loc[open_, "value"]
    if how == "unweighted":
        return float(value.sum())
    if how == "peeking":
        p = st[open_].map(stage_pass_rates(opps)["p_win"])
        return float((value * p).sum())
    # one overall win rate of the deals closed before the snapshot
    closed = st.isin(["won", "lost"])
    return float(value.sum() * (st[closed] == "won").mean())


# ------------------------------------------------------------ kinds of CRM
def _functions() -> pd.DataFrame:
    from crmlab.strategy import crm_functions

    f = crm_functions()
    f.index = [chr(ord("a") + i) for i in range(len(f))]
    return f


_F = _functions()

register(
    Exercise(
        id="ch05.classify-cases",
        title="Hook, zipper or Velcro?",
        prompt="Classify the nine cases of crmlab.strategy.strategy_cases() into the strategy "
               "types hook (扣钩), zipper (拉链) and Velcro (维可牢). Answer with a pandas Series "
               "indexed by case letter ('A' ... 'I') with the values 'hook', 'zipper' or 'velcro'.",
        kind=Table(),
        expected=lambda d: _cases(),
        hints=(("Ask who adapts: only the customer (hook), both sides (zipper), or the firm, "
               "customer by customer and from feedback (Velcro)."),
               "strategy_types() lists the course's definitions in English and Chinese."),
        explanation="Hook: one fixed process, the customer adjusts; zipper: both adjust into a "
                    "close fit; Velcro: the firm tailors its process to each customer and keeps "
                    "adjusting from feedback (Storbacka & Lehtinen 2001).",
        mistakes=(Mistake(lambda d: _cases_swapped(),
                          "you swapped zipper and Velcro: in a zipper BOTH sides adapt; in "
                          "Velcro the firm alone adapts to each customer"),),
    ),
    Exercise(
        id="ch05.best-plan",
        title="A strategy per value tier",
        prompt="Split your retail customers into pyramid tiers by their margin in the 12 months "
               "up to the end date (crmlab.strategy.customer_values). Give every tier "
               f"heterogeneity {PLAN_HETEROGENEITY} and willingness to adapt "
               f"{PLAN_WILLINGNESS}, and simulate hook, zipper and Velcro with the default "
               "StrategyParams. Which strategy maximises the relationship value (lifetime "
               "profit) of each tier? Answer with a Series indexed by tier (platinum, gold, "
               "iron, lead) with values 'hook', 'zipper' or 'velcro'.",
        kind=Table(),
        expected=best_plan,
        hints=(("values = customer_values(data.orders, data.customers, data.meta['end']); set "
               "values['willingness_to_adapt'] = 0.3; then segments_from_customers(values, 0.6)."),
               "best_strategy(segments)['best'] is the answer."),
        explanation="Only the most valuable customers are worth adapting to; for the rest the "
                    "standard process (hook) is the profitable choice: value-tiered management "
                    "(分层管理) applied to strategy.",
    ),
    Exercise(
        id="ch05.plan-gain",
        title="What the tiered plan is worth",
        prompt="With the same tiers and assumptions as the previous exercise, how much more "
               "total relationship value (the sum of segment_profit over all tiers) does the "
               "best strategy per tier bring than using hook for everyone? Answer in money, "
               "rounded to whole units.",
        kind=Number(rel_tol=1e-4, abs_tol=1),
        expected=plan_gain,
        hints=(("simulate_strategies(segments) has one row per strategy and tier; pivot "
               "segment_profit to tiers x strategies."),
               "Sum the row maxima and subtract the sum of the hook column."),
        explanation="Adapting is worth it only where value and misfit are both large enough.",
        mistakes=(Mistake(lambda d: plan_gain(d, per_customer=True),
                          "you added up lifetime profit per customer; a tier's value is that "
                          "times its number of customers (segment_profit)"),),
    ),
    Exercise(
        id="ch05.campaign-uplift",
        title="Uplift of the lapsing campaigns",
        prompt="Pool the contacts of all campaigns that targeted lapsing customers "
               "(campaigns.target_segment == 'lapsing'). What is the campaign uplift "
               "(营销增量效果): the response rate of the treatment group minus that of the "
               "control group? Answer as a fraction (e.g. 0.04), at least 4 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-5, unit="fraction"),
        expected=lapsing_uplift,
        hints=(("Select the campaign_ids with target_segment 'lapsing', then the rows of "
               "campaign_contacts with those ids."),
               "groupby('group')['responded'].mean() gives both response rates."),
        explanation="The control group shows what would have happened without the contact; "
                    "only the difference is caused by the campaign.",
        mistakes=(
            Mistake(lambda d: lapsing_uplift(d, "ratio"),
                    "that is the relative uplift (treatment / control - 1); the exercise asks "
                    "for the difference in rates"),
            Mistake(lambda d: lapsing_uplift(d, "treatment"),
                    "that is the treatment group's response rate alone: customers also buy "
                    "without being contacted, so subtract the control group's rate"),
            Mistake(lambda d: lapsing_uplift(d, "mean"),
                    "you averaged the campaigns' uplifts; pool all their contacts first"),
        ),
    ),
    Exercise(
        id="ch05.uplift-significant",
        title="Which campaigns clearly worked?",
        prompt="For each campaign (by campaign_id), compute the uplift in response rate with "
               "its 95% interval (crmlab.operational.campaign_uplift). Which campaigns have an "
               "interval entirely above 0? Tick 'none' if no campaign has.",
        kind=MultiChoice(options=_campaign_options(),
                         feedback={"none": "at least one campaign's interval is above 0"}),
        expected=significant_campaigns,
        hints=("u = campaign_uplift(data.campaign_contacts); look at u['uplift_low'].",),
        explanation="Small campaigns can have a real effect and still an interval that "
                    "includes 0: the size of the control group limits what you can learn.",
    ),
    Exercise(
        id="ch05.funnel-conversion",
        title="From proposal to negotiation",
        prompt="In your b2b dataset's sales funnel (销售漏斗), what share of the opportunities "
               "that reached the proposal stage moved on to negotiation? Count only deals whose "
               "proposal step is decided (leave out deals still open in the proposal stage). "
               "Answer as a fraction with at least 4 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-5, unit="fraction"),
        expected=proposal_step,
        scenario="b2b",
        hints=("A deal reached a stage if its date for that stage is filled in.",
               ("Denominator: reached proposal minus those with stage == 'proposal' now; "
               "numerator: reached negotiation.")),
        explanation="Open deals have not failed yet: counting them as failures understates "
                    "conversion, the more so the younger the pipeline.",
        mistakes=(Mistake(lambda d: proposal_step(d, decided_only=False),
                          "you divided by every deal that reached proposal, including those "
                          "still open there: leave out the undecided ones"),),
    ),
    Exercise(
        id="ch05.lead-source",
        title="The best lead source",
        prompt="Which lead source (线索来源) brings the most won deal value per lead in your "
               "b2b data (value of won opportunities from that source divided by all its "
               "leads)? Give the source name.",
        kind=Text(),
        expected=best_source,
        scenario="b2b",
        hints=("Join opportunities to leads on lead_id to get each deal's source.",
               "crmlab.operational.conversion_by(leads, opportunities) has won_value_per_lead."),
        explanation="A source's worth combines how often its leads qualify, how often they are "
                    "won and how big the deals are.",
        mistakes=(Mistake(lambda d: best_source(d, "mean_won_value"),
                          "that source has the largest deals on average, but per lead another "
                          "source brings more: many of its leads never qualify"),
                  Mistake(lambda d: best_source(d, "win_rate"),
                          "that source has the best win rate of closed deals, not the most won "
                          "value per lead")),
    ),
    Exercise(
        id="ch05.pipeline-forecast",
        title="Weighted-pipeline forecast",
        prompt=f"Take the b2b opportunities open on {SNAPSHOT} (rebuild each deal's stage on "
               "that date from its stage dates). Weight each open deal's value by the "
               "probability of winning from its stage, computed from the step conversions of "
               "deals decided before that date. What is the forecast of the value to be won "
               "(the weighted pipeline)? Answer in money.",
        kind=Number(rel_tol=1e-3),
        expected=forecast,
        scenario="b2b",
        hints=(("crmlab.operational.stage_at(opps, date) rebuilds the stages; "
               "stage_pass_rates(opps, date) gives p_win per stage."),
               "pipeline_forecast(opps, date).forecast does it all at once."),
        explanation="Compare it with pipeline_forecast(...).actual, the value of those deals "
                    "actually won later: the weighted pipeline is far closer than the raw "
                    "pipeline total.",
        mistakes=(
            Mistake(lambda d: forecast(d, "unweighted"),
                    "that is the unweighted pipeline: not every open deal will be won"),
            Mistake(lambda d: forecast(d, "peeking"),
                    "your weights use deals decided after the snapshot: a forecast may only use "
                    "what was known on that date"),
            Mistake(lambda d: forecast(d, "overall"),
                    "you used one overall win rate; a deal in negotiation is far likelier to be "
                    "won than a freshly qualified one: weight by stage"),
        ),
    ),
    Exercise(
        id="ch05.crm-kinds",
        title="Analytical CRM",
        prompt="Which of these functions belong to analytical CRM (分析型CRM)? Tick all that "
               "apply.",
        kind=MultiChoice(
            options={k: f"{r['function']} ({r['中文']})" for k, r in _F.iterrows()},
            feedback={k: f"that is {r['kind']} CRM" for k, r in _F.iterrows()
                      if r["kind"] != "analytical"}),
        expected=lambda d: list(_F.index[_F["kind"] == "analytical"]),
        hints=(("Operational CRM runs the processes, collaborative CRM connects channels and "
               "partners, analytical CRM turns the collected data into insight."),
               "crmlab.strategy.crm_functions() has the answer key of the course."),
        explanation="Analytical CRM works on what operational and collaborative CRM collect, "
                    "and its insight flows back into their processes: the three work as a loop.",
    ),
    Exercise(
        id="ch05.cim-cmi",
        title="CIM and CMI",
        prompt="Which statement describes customer-managed interaction (CMI) and customer "
               "interaction management (CIM, 客户互动管理) as the course notes do?",
        kind=Choice(
            options={
                "a": "CIM and CMI are two names for the same contact-centre software",
                "b": "in CMI the customer steers when and how to interact; it grew out of CIM, "
                     "which is its foundation",
                "c": "CMI replaces CIM: once customers serve themselves, the firm stops "
                     "managing contacts",
                "d": "CIM is for business customers, CMI for consumers",
            },
            feedback={
                "a": "they differ in who steers the contact",
                "c": "the course notes call CIM the foundation of CMI: the firm still manages and "
                     "records contacts",
                "d": "the difference is who steers the interaction, not the kind of customer",
            }),
        expected=lambda d: "b",
        hints=("crmlab.strategy.cim_vs_cmi() compares the two.",),
        explanation="CMI是CIM演变和提升结果，CIM是CMI的基础.",
    ),
)
