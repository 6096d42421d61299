"""Chapter 08b — the online shop case (案例：电商平台): user profiles, RFM segments and the
membership tiers, recommendations, the points programme and campaign uplift on the shop's data.

Every expected answer is computed from the student's own retail dataset with the chapters'
models (:mod:`crmlab.rfm`, :mod:`crmlab.recommend`, :mod:`crmlab.loyalty`,
:mod:`crmlab.campaigns`); the RFM table of chapter 03 is reused, not recomputed.  The homework
is ``exercises/08b_online_shop_case.ipynb``.
"""

from __future__ import annotations

import pandas as pd

from crmlab.campaigns import campaign_uplift
from crmlab.exercises.ch03 import _rfm
from crmlab.exercises.core import Exercise, Mistake, per_dataset, register
from crmlab.exercises.kinds import Choice, MultiChoice, Number, Table
from crmlab.loyalty import break_even_lift, programme_inputs
from crmlab.recommend import holdout_hit_rate

END = "2024-12-31"
CUTOFF = "2024-01-01"  # the recommender's hold-out split
TOP_K = 2  # recommendations per customer
SLIPPING = ("At Risk", "Can't Lose")  # the valuable RFM segments that stopped buying
TRIPLED = {"points_per_unit": 3.0, "redemption_rate": 0.9}  # the proposed points programme


# ------------------------------------------------------------------ user profiles
def revenue_per_cost(data, buyers_only: bool = False, ratio: bool = True,
                     column: str = "amount") -> pd.Series:
    """Mean revenue per customer (non-buyers as 0) / mean acquisition cost, per channel."""
    c = data.customers.set_index("customer_id")
    spent = data.orders[data.orders["order_date"] <= pd.Timestamp(END)]
    revenue = spent.groupby("customer_id")[column].sum()
    if buyers_only:
        c = c.loc[c.index.isin(revenue.index)]
    c = c.assign(revenue=revenue.reindex(c.index, fill_value=0.0))
    g = c.groupby("acquisition_channel")
    out = g["revenue"].mean() / g["acquisition_cost"].mean() if ratio else g["revenue"].mean()
    out.name = "revenue_per_cost"
    return out.sort_index().astype(float)


# ------------------------------------------------------------------ segments and tiers
def slipping_bronze_share(data, segments=SLIPPING, everyone: bool = False) -> float:
    """Share of bronze members among the customers of the given RFM segments."""
    tier = data.customers.set_index("customer_id")["membership_tier"]
    if everyone:
        return float((tier == "bronze").mean())
    scores = _rfm(data)
    who = scores.index[scores["segment"].isin(list(segments))]
    return float((tier.reindex(who) == "bronze").mean())


# ------------------------------------------------------------------ recommendations
@per_dataset
def _hits(data, k: int = TOP_K, target: str = "first") -> pd.DataFrame:
    return holdout_hit_rate(data.orders, CUTOFF, k=k, target=target)


def hit_rate_gain(data, k: int = TOP_K, target: str = "first",
                  against: str = "popularity") -> float:
    hits = _hits(data, k, target)["hit_rate"]
    return float(hits["co-occurrence"] - hits[against])


# ------------------------------------------------------------------ points programme
def break_even_tripled(data, design: dict | None = None, **overrides) -> float:
    """Break-even retention lift of the tripled points programme (5 years, 10% discount)."""
    inputs = programme_inputs(data.orders, END)
    args = inputs[["members", "spend_per_year", "margin_rate", "retention"]]
    return break_even_lift(*args, **{**(TRIPLED if design is None else design), **overrides})


# ------------------------------------------------------------------ campaigns
def net_per_contact(data, margin: bool = True, cost: bool = True,
                    column: str = "revenue_uplift", keep_nan: bool = False) -> pd.Series:
    """Revenue uplift per contact × the last 12 months' margin rate − cost per contact, for
    the campaigns with a treatment and a control group."""
    u = campaign_uplift(data.campaign_contacts, data.campaigns)
    if not keep_nan:
        u = u.dropna(subset=["revenue_uplift"])
    rate = programme_inputs(data.orders, END)["margin_rate"] if margin else 1.0
    out = u[column] * rate - (u["cost_per_contact"] if cost else 0.0)
    out.name = "net_per_contact"
    return out.sort_index().astype(float)


register(
    Exercise(
        id="ch08b.channel-revenue-per-cost",
        title="Revenue per unit of acquisition cost, by channel",
        prompt="Build a small **user profile (用户画像)** by acquisition channel. For each "
               "acquisition_channel of data.customers, divide the mean revenue per customer "
               "(the sum of amount of all their orders up to 2024-12-31; customers who never "
               "bought count as 0) by the mean acquisition_cost of the channel's customers. "
               "Pass a Series indexed by acquisition_channel.",
        kind=Table(rel_tol=1e-3),
        expected=revenue_per_cost,
        scenario="retail",
        hints=(("revenue = data.orders.groupby('customer_id')['amount'].sum(), then "
                "reindex it on all customer ids with fill_value=0."),
               ("Group the customers by acquisition_channel: mean revenue / mean "
                "acquisition_cost.")),
        explanation="Channels that bring similar customers can differ a lot in what those "
                    "customers cost; revenue per unit of acquisition cost (获客成本) puts both "
                    "in one number.",
        mistakes=(
            Mistake(lambda d: revenue_per_cost(d, buyers_only=True),
                    "you left out the customers who never bought; the channel paid to acquire "
                    "them too, so they count with revenue 0"),
            Mistake(lambda d: revenue_per_cost(d, ratio=False),
                    "that is the mean revenue per customer; divide it by the channel's mean "
                    "acquisition_cost"),
            Mistake(lambda d: revenue_per_cost(d, column="margin"),
                    "you summed the margin; the exercise asks for revenue (amount)"),
        ),
    ),
    Exercise(
        id="ch08b.slipping-bronze",
        title="Slipping customers the tiers do not see",
        prompt="Score the buyers with crmlab.rfm.rfm_scores(data.orders, as_of='2024-12-31'). "
               "Take the customers of the two segments 'At Risk' and 'Can't Lose' together. What "
               "share of them has the **membership tier (会员等级)** bronze (data.customers)? "
               "Answer as a fraction with at least 4 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-5, unit="fraction"),
        expected=slipping_bronze_share,
        scenario="retail",
        hints=("scores['segment'].isin(['At Risk', \"Can't Lose\"]) picks the customers.",
               ("Map their ids to data.customers.set_index('customer_id')['membership_tier'] "
                "and take the mean of (tier == 'bronze').")),
        explanation="The tier is set by the points of the last 12 months, so valuable customers "
                    "who stopped buying fall back to bronze: a programme built on the tiers no "
                    "longer sees them.",
        mistakes=(
            Mistake(lambda d: slipping_bronze_share(d, everyone=True),
                    "that is the bronze share of all customers; take only the At Risk and "
                    "Can't Lose customers"),
            Mistake(lambda d: slipping_bronze_share(d, segments=("At Risk",)),
                    "you took only the At Risk segment; add the Can't Lose customers"),
            Mistake(lambda d: slipping_bronze_share(d, segments=("Can't Lose",)),
                    "you took only the Can't Lose segment; add the At Risk customers"),
        ),
    ),
    Exercise(
        id="ch08b.hit-rate-gain",
        title="How much better than the bestsellers?",
        prompt="Check the category recommender on later purchases with "
               "crmlab.recommend.holdout_hit_rate(data.orders, '2024-01-01', k=2) (the target is "
               "the next new category each customer bought). By how much does the **hit rate "
               "(命中率)** of the co-occurrence recommender exceed that of recommending the "
               "bestsellers (popularity)? Answer as a fraction (a difference of two hit rates) "
               "with at least 4 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-5, unit="fraction"),
        expected=hit_rate_gain,
        scenario="retail",
        hints=("hits = holdout_hit_rate(data.orders, '2024-01-01', k=2)",
               "hits.loc['co-occurrence', 'hit_rate'] - hits.loc['popularity', 'hit_rate']"),
        explanation="Popularity is the baseline to beat: a recommender that only found the "
                    "bestsellers would need no data about the customer.",
        mistakes=(
            Mistake(lambda d: hit_rate_gain(d, against="random"),
                    "that is the gain over chance (random); compare with popularity"),
            Mistake(lambda d: hit_rate_gain(d, k=1),
                    "you recommended one category (k=1); the exercise asks for the top 2"),
            Mistake(lambda d: hit_rate_gain(d, target="any"),
                    "you counted every new category bought after the cutoff (target='any'); "
                    "the target is the next new category (the default)"),
        ),
    ),
    Exercise(
        id="ch08b.break-even-tripled",
        title="What would tripled points have to achieve?",
        prompt="Measure the programme inputs with crmlab.loyalty.programme_inputs(data.orders, "
               "'2024-12-31'). The marketing team proposes to triple the **membership points "
               "(会员积分)**: 3 points per unit spent, of which 90% would be redeemed, each point "
               "worth 0.01. With the other defaults (5 years, 10% discount rate, no running "
               "cost), what **break-even retention lift (盈亏平衡保持率提升)** does it need "
               "(crmlab.loyalty.break_even_lift)? Answer as a fraction with at least 4 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-5, unit="fraction"),
        expected=break_even_tripled,
        scenario="retail",
        hints=(("inputs = programme_inputs(data.orders, '2024-12-31') gives members, "
                "spend_per_year, margin_rate and retention."),
               "break_even_lift(..., points_per_unit=3.0, redemption_rate=0.9)"),
        explanation="The points cost falls on every member's spending, the gain only on the "
                    "customers the programme keeps: tripling the points multiplies the lift it "
                    "must deliver.",
        mistakes=(
            Mistake(lambda d: break_even_tripled(d, design={}),
                    "that is the current programme (1 point per unit, 60% redeemed); the "
                    "proposal is 3 points per unit with 90% redeemed"),
            Mistake(lambda d: break_even_tripled(d, design={"points_per_unit": 3.0}),
                    "you tripled the points but kept 60% redeemed; the proposal expects 90%"),
            Mistake(lambda d: break_even_tripled(d, discount_rate=0.0),
                    "you did not discount; the default discount rate is 10% a year"),
        ),
    ),
    Exercise(
        id="ch08b.campaign-net",
        title="Which campaigns pay for their contacts?",
        prompt="Compute the **campaign uplift (营销增量效果)** per campaign with "
               "crmlab.campaigns.campaign_uplift(data.campaign_contacts, data.campaigns). For "
               "each campaign, turn the revenue uplift per contact into margin at the margin "
               "rate of the last 12 months (programme_inputs(data.orders, '2024-12-31')"
               "['margin_rate']) and subtract the campaign's cost_per_contact. Pass a Series "
               "indexed by campaign_id; leave out any campaign without a control group (its "
               "uplift is NaN).",
        kind=Table(rel_tol=1e-3, abs_tol=1e-3),
        expected=net_per_contact,
        scenario="retail",
        hints=("u = campaign_uplift(data.campaign_contacts, data.campaigns) has revenue_uplift "
               "and cost_per_contact.",
               "(u['revenue_uplift'] * margin_rate - u['cost_per_contact']).dropna()"),
        explanation="The uplift is what the contact changed, measured against the control group "
                    "(对照组); only the extra margin it brings can pay for the contact.",
        mistakes=(
            Mistake(lambda d: net_per_contact(d, margin=False),
                    "you subtracted the cost from the revenue uplift; turn the revenue into "
                    "margin first (× the margin rate)"),
            Mistake(lambda d: net_per_contact(d, cost=False),
                    "that is the extra margin per contact; subtract the cost_per_contact"),
            Mistake(lambda d: net_per_contact(d, column="revenue_treatment"),
                    "you used the treatment group's revenue per contact; the effect of the "
                    "contact is treatment minus control (revenue_uplift)"),
            Mistake(lambda d: net_per_contact(d, keep_nan=True),
                    "you kept the campaigns without a control group: their uplift is NaN (not "
                    "measured); leave them out with .dropna()"),
        ),
    ),
    Exercise(
        id="ch08b.memo-finding",
        title="A finding for the memo",
        prompt="Which sentence may go into the memo's findings as it stands?",
        kind=Choice(
            options={"a": "Tripling the points will keep enough customers to pay for itself.",
                     "b": "Most of the At Risk and Can't Lose customers are bronze members: "
                          "the tiers, set by the last 12 months' points, no longer single out "
                          "these once valuable customers.",
                     "c": "Showing the recommendations in the app will raise sales by the "
                          "recommender's hit rate.",
                     "d": "Gold and platinum members stay because of the points."},
            feedback={"a": "that is a forecast, and the data cannot show the programme's "
                           "retention lift: it is the risk to state, and the reason for a test",
                      "c": "the hit rate says the recommender predicts what customers buy "
                           "anyway, not what showing it adds",
                      "d": "the tier is defined by last year's spending: members who spend more "
                           "are gold by construction, so the tiers cannot show a cause"}),
        expected=lambda d: "b",
        scenario="retail",
        hints=("A finding states what the numbers show; a forecast or a cause needs more.",),
        explanation="Findings report what was measured; what a decision will achieve belongs "
                    "in the recommendation, with its risks.",
    ),
    Exercise(
        id="ch08b.memo-risks",
        title="What the data cannot show",
        prompt="Tick every statement that belongs under **Risks** in the memo (what the data "
               "cannot show or where the analysis may be wrong).",
        kind=MultiChoice(
            options={"a": "every buyer earns points, so no group without the programme shows "
                          "its retention lift",
                     "b": "the point value (0.01) and the redemption rate (60%) are the firm's "
                          "figures, not measured in the data",
                     "c": "the number of orders in the data",
                     "d": "a high hit rate may come from purchases customers would have made "
                          "without the recommendation",
                     "e": "the names of the product categories"},
            feedback={"c": "the number of orders is a fact of the data, not a risk",
                      "e": "the category names are a fact of the data, not a risk"}),
        expected=lambda d: ["a", "b", "d"],
        scenario="retail",
        hints=("A risk is something that could make a finding or a recommendation wrong.",),
        explanation="A strong memo names the assumptions behind each number: effects that were "
                    "never measured, the firm's own figures, and predictions that are not yet "
                    "causes.",
    ),
)
