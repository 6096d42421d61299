"""Chapter 08d — the bank case (案例：零售银行): cross-selling, relationship managers and the
evaluation of the CRM roll-out on the bank's data.

Every expected answer is computed from the student's own bank dataset with the chapters'
models (:mod:`crmlab.recommend`, :mod:`crmlab.did`, :mod:`crmlab.evaluation`); the DiD and
usage helpers of chapter 06 are reused, not copied.  The homework is
``exercises/08d_bank_case.ipynb``.
"""

from __future__ import annotations

import pandas as pd

from crmlab.did import did_rollout
from crmlab.exercises.ch06 import _did_whole_window, did_estimate, naive_estimate, usage_slope
from crmlab.exercises.core import Exercise, Mistake, per_dataset, register
from crmlab.exercises.kinds import Choice, MultiChoice, Number, Table
from crmlab.recommend import holdout_hit_rate

END = pd.Timestamp("2024-12-31")
YEAR_START = pd.Timestamp("2024-01-01")  # retention in 2024 and the recommender's cutoff
SETTLED = pd.Timestamp("2022-07-01")  # the cross-sell DiD leaves out the bank's first half-year


# ------------------------------------------------------------------ products per customer
def relationship_end(data) -> pd.Series:
    """The day each customer's relationship ended (NaT: still a customer), by customer_id.

    All of a customer's holdings close on the same day, so the latest closing day is it.
    """
    ended = data.holdings.groupby("customer_id")["closed_date"].max()
    return ended.reindex(data.customers["customer_id"])


def products_per_active(data, how: str = "open") -> float:
    """Open product accounts per active customer at 2024-12-31 (``how="ever"``: every account
    ever opened per customer; ``how="everyone"``: open accounts per customer of any status)."""
    h = data.holdings
    if how == "ever":
        return float(len(h) / len(data.customers))
    is_open = h["closed_date"].isna()
    if how == "everyone":
        return float(is_open.sum() / len(data.customers))
    return float(h[is_open].groupby("customer_id").size().mean())


def _group(n: pd.Series) -> pd.Series:
    return n.clip(upper=3).map({1: "1", 2: "2", 3: "3+"})


def retention_by_products(data, count_at: str = "start", newcomers: bool = False) -> pd.Series:
    """2024 retention of the customers with a live relationship on 2024-01-01, by the number of
    products they held that day ("1", "2", "3+").

    ``count_at="end"``: products counted over the whole history (bought up to 2024-12-31);
    ``newcomers=True``: the customers who joined during 2024 counted as at risk too.
    """
    c = data.customers.set_index("customer_id")
    ended = relationship_end(data)
    start = pd.to_datetime(c["signup_date"])
    cut = END if newcomers else YEAR_START
    at_risk = (start < cut) & (ended.isna() | (ended >= YEAR_START))
    h = data.holdings
    if count_at == "end":
        held = h
    else:
        held = h[(h["opened_date"] < YEAR_START)
                 & (h["closed_date"].isna() | (h["closed_date"] >= YEAR_START))]
    n = held.groupby("customer_id").size().reindex(c.index[at_risk])
    if newcomers:  # a newcomer's products: those they hold at the end
        n = n.fillna(h.groupby("customer_id").size().reindex(n.index))
    stayed = ended[at_risk].isna()
    out = stayed.groupby(_group(n)).mean().sort_index()
    out.index.name, out.name = "products", "retention_2024"
    return out.astype(float)


# ------------------------------------------------------------------ next product
@per_dataset
def _hits(data, k: int = 2, target: str = "first") -> pd.DataFrame:
    return holdout_hit_rate(data.orders, YEAR_START, k=k, target=target)


def next_product_hit_rate(data, k: int = 2, target: str = "first",
                          method: str = "co-occurrence") -> float:
    return float(_hits(data, k, target).loc[method, "hit_rate"])


# ------------------------------------------------------------------ relationship managers
def manager_retention(data, denominator: str = "at_risk", newcomers: bool = False) -> pd.Series:
    """2024 retention per account_manager_id: of the manager's customers with a live
    relationship on 2024-01-01, the share still customers at 2024-12-31.

    ``denominator="all"``: divided by all the manager's customers; ``newcomers=True``: the
    customers who joined during 2024 counted as at risk.
    """
    c = data.customers.set_index("customer_id")
    ended = relationship_end(data)
    start = pd.to_datetime(c["signup_date"])
    at_risk = ((start < (END if newcomers else YEAR_START))
               & (ended.isna() | (ended >= YEAR_START)))
    stayed = at_risk & ended.isna()
    rm = c["account_manager_id"]
    base = rm.value_counts() if denominator == "all" else at_risk.groupby(rm).sum()
    out = (stayed.groupby(rm).sum() / base).sort_index()
    out.index.name, out.name = "account_manager_id", "retention_2024"
    return out.astype(float)


# ------------------------------------------------------------------ the CRM roll-out
def cross_sell_panel(data, settled: bool = True, per_customer: bool = True) -> pd.DataFrame:
    """kpi_monthly with ``cross_sell``: products sold to existing customers (orders minus new
    customers) per 1,000 active customers, from July 2022 (``settled``)."""
    k = data.kpi_monthly
    sold = k["orders"] - k["new_customers"]
    k = k.assign(cross_sell=1000 * sold / k["active_customers"] if per_customer else sold)
    return k[k["month"] >= SETTLED] if settled else k


def cross_sell_did(data, settled: bool = True, per_customer: bool = True,
                   naive: bool = False) -> float:
    r = did_rollout(cross_sell_panel(data, settled, per_customer), data.regions,
                    outcome="cross_sell", wave=1)
    return float(r.naive if naive else r.estimate)


register(
    Exercise(
        id="ch08d.products-per-customer",
        title="Products per active customer",
        prompt="An active customer at 2024-12-31 is one with at least one open product account "
               "(a row of data.holdings with no closed_date). How many open product accounts "
               "does an active customer hold on average? Answer with at least 3 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-4),
        expected=products_per_active,
        scenario="bank",
        hints=("open = data.holdings[data.holdings['closed_date'].isna()]",
               "Count the open accounts per customer_id, then take the mean of those counts."),
        explanation="Products per customer is the simplest cross-selling (交叉销售) measure; "
                    "count what customers hold now, among the customers the bank still has.",
        mistakes=(
            Mistake(lambda d: products_per_active(d, "ever"),
                    "you counted every account ever opened and divided by all customers; count "
                    "the open accounts of the active customers"),
            Mistake(lambda d: products_per_active(d, "everyone"),
                    "you divided by all customers, also those who have left; divide by the "
                    "active customers only"),
        ),
    ),
    Exercise(
        id="ch08d.retention-by-products",
        title="Retention in 2024 by number of products",
        prompt="Take the customers with a live relationship on 2024-01-01 (signed up before "
               "that day, relationship not ended before it; a relationship ends on the day all "
               "its holdings close). Count the products each held on 2024-01-01 (opened before "
               "it and not closed before it) and group them as '1', '2' and '3+' (text labels). "
               "What share of each group was still a customer at 2024-12-31? Pass a Series "
               "indexed by those labels.",
        kind=Table(rel_tol=1e-3),
        expected=retention_by_products,
        scenario="bank",
        hints=(("ended = data.holdings.groupby('customer_id')['closed_date'].max(): NaT for "
                "customers still with the bank."),
               ("held = holdings opened before 2024-01-01 and (closed_date is NaT or >= "
                "2024-01-01); count per customer, clip(upper=3), map to '1', '2', '3+'.")),
        explanation="More products go with more retention, but customers who are satisfied buy "
                    "more and stay, and customers who stay have time to buy: an association, "
                    "not a cause.",
        mistakes=(
            Mistake(lambda d: retention_by_products(d, count_at="end"),
                    "you counted products bought up to the end of 2024: a customer who stayed "
                    "had more time to buy, so the count already depends on staying. Count what "
                    "they held on 2024-01-01"),
            Mistake(lambda d: retention_by_products(d, newcomers=True),
                    "you included customers who joined during 2024; only those who were "
                    "customers on 2024-01-01 were at risk for the whole year"),
        ),
    ),
    Exercise(
        id="ch08d.next-product-hits",
        title="Does the recommender find the next product?",
        prompt="Run crmlab.recommend.holdout_hit_rate on data.orders (each order is the sale of "
               "one product, its category the product) with cutoff 2024-01-01 and k=2. What is "
               "the hit rate of the co-occurrence recommender (the share of customers whose "
               "next new product after the cutoff was among its top 2)? Answer as a fraction "
               "with at least 4 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-5, unit="fraction"),
        expected=next_product_hit_rate,
        scenario="bank",
        hints=("holdout_hit_rate(data.orders, '2024-01-01', k=2)",
               "Its row 'co-occurrence', column 'hit_rate'; compare it with 'popularity'."),
        explanation="Compare the hit rate with offering the most popular products: if the "
                    "co-occurrence recommender does no better, what a customer holds says "
                    "little about what they buy next.",
        mistakes=(
            Mistake(lambda d: next_product_hit_rate(d, target="any"),
                    "you counted a hit on any new product bought after the cutoff "
                    "(target='any'); the question is about the next one (the default)"),
            Mistake(lambda d: next_product_hit_rate(d, k=1),
                    "that is the hit rate of the top 1; use k=2"),
            Mistake(lambda d: next_product_hit_rate(d, method="popularity"),
                    "that is the popularity benchmark's hit rate; take the co-occurrence row"),
        ),
    ),
    Exercise(
        id="ch08d.manager-retention",
        title="Each relationship manager's retention in 2024",
        prompt="For each relationship manager (customers.account_manager_id), take their "
               "customers with a live relationship on 2024-01-01 (signed up before that day, "
               "not ended before it) and compute the share still customers at 2024-12-31. "
               "Pass a Series indexed by account_manager_id.",
        kind=Table(rel_tol=1e-3),
        expected=manager_retention,
        scenario="bank",
        hints=("A customer still with the bank has no closed_date on any holding.",
               "Group the at-risk customers by account_manager_id: stayed / at risk."),
        explanation="Retention per manager differs, but with about a hundred customers at risk "
                    "each the intervals are wide, and a manager's numbers also reflect their "
                    "region and the customers they were given.",
        mistakes=(
            Mistake(lambda d: manager_retention(d, denominator="all"),
                    "you divided by all the manager's customers; divide by those with a live "
                    "relationship on 2024-01-01 (the customers at risk)"),
            Mistake(lambda d: manager_retention(d, newcomers=True),
                    "you counted customers who joined during 2024 as at risk; they were not "
                    "customers for the whole year"),
        ),
    ),
    Exercise(
        id="ch08d.crosssell-did",
        title="Did the CRM raise cross-selling?",
        prompt="Add to data.kpi_monthly a column cross_sell = 1000 × (orders − new_customers) / "
               "active_customers (products sold to existing customers per 1,000 active "
               "customers) and keep the months from 2022-07-01 on. Estimate the pilot wave's "
               "effect on cross_sell with crmlab.did.did_rollout (outcome='cross_sell', "
               "wave=1). Give the difference-in-differences estimate with at least 2 decimals.",
        kind=Number(rel_tol=0, abs_tol=0.005),
        expected=cross_sell_did,
        scenario="bank",
        hints=("k = data.kpi_monthly.assign(cross_sell=...); k = k[k['month'] >= '2022-07-01']",
               "did_rollout(k, data.regions, outcome='cross_sell', wave=1).estimate"),
        explanation="Look at the interval as well as the estimate: a KPI with a few sales per "
                    "region and month is noisy, and an estimate whose interval includes 0 is "
                    "no evidence of an effect.",
        mistakes=(
            Mistake(lambda d: cross_sell_did(d, naive=True),
                    "that is the before/after change in the pilot regions (.naive); the DiD "
                    "estimate is .estimate"),
            Mistake(lambda d: cross_sell_did(d, settled=False),
                    "you kept the first half of 2022; start from 2022-07-01"),
            Mistake(lambda d: cross_sell_did(d, per_customer=False),
                    "you used the count of sales; divide by active_customers and multiply by "
                    "1,000, so that large and small regions compare"),
        ),
    ),
    Exercise(
        id="ch08d.did-satisfaction",
        title="The pilots' effect on the satisfaction index",
        prompt="Estimate the pilot wave's effect of the CRM on the regional satisfaction index "
               "of the bank with crmlab.did.did_rollout(data.kpi_monthly, data.regions) (wave "
               "1, the default). Give the difference-in-differences estimate with at least 2 "
               "decimals.",
        kind=Number(rel_tol=0, abs_tol=0.005),
        expected=did_estimate,
        scenario="bank",
        hints=("r = did_rollout(data.kpi_monthly, data.regions)", "r.estimate; compare r.naive"),
        explanation="DiD subtracts the change the comparison regions had over the same months; "
                    "the before/after change in the pilots also holds the market-wide trend.",
        mistakes=(
            Mistake(naive_estimate,
                    "that is the before/after change in the pilots (.naive); the DiD estimate "
                    "is .estimate"),
            Mistake(_did_whole_window,
                    "you compared the pilots with all other regions over all 36 months; from "
                    "2024 the other regions had the CRM too. did_rollout keeps the clean "
                    "comparison"),
        ),
    ),
    Exercise(
        id="ch08d.usage-slope",
        title="Does the effect grow with usage?",
        prompt="Estimate the CRM's effect per region with crmlab.did.region_effects on the "
               "bank's kpi_monthly and regions, and relate it to the staff's logins per week "
               "(crmlab.evaluation.usage_kpi(data, period=None)['logins_per_week']) with "
               "crmlab.did.usage_moderation. What is the slope (index points per weekly "
               "login)? Answer with at least 3 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-4),
        expected=usage_slope,
        scenario="bank",
        hints=("effects = region_effects(data.kpi_monthly, data.regions)",
               "usage_moderation(effects, usage_kpi(data, period=None)['logins_per_week']).slope"),
        explanation="A tool that is used does more; across five regions the slope is a "
                    "correlation, not proof, since usage was not assigned at random.",
        mistakes=(
            Mistake(lambda d: usage_slope(d, weighted=False),
                    "you gave every region the same weight; usage_moderation weights each "
                    "region by 1 / se² of its estimate: pass region_effects as it is"),
            Mistake(lambda d: usage_slope(d, column="records_per_week"),
                    "you used records entered per week; the question asks for logins per week"),
        ),
    ),
    Exercise(
        id="ch08d.memo-finding",
        title="A finding for the memo",
        prompt="Which sentence may go into the memo's findings as it stands?",
        kind=Choice(
            options={"a": "Selling every one-product customer a second product will raise their "
                          "retention to that of the two-product customers.",
                     "b": "Compared with the regions not yet live over the same months, the "
                          "pilots' satisfaction index rose by the DiD estimate (with its "
                          "interval); this rests on parallel trends, which the event study "
                          "checks.",
                     "c": "The manager with the lowest retention is the worst manager and "
                          "should be replaced.",
                     "d": "The CRM raised cross-selling in the pilot regions, since their "
                          "cross-sell rate went up after the go-live."},
            feedback={"a": "customers with more products differ in satisfaction and tenure: "
                           "that is an association, and what a second product would do is a "
                           "forecast, a risk to state",
                      "c": "his customers' retention has a wide interval, and his region and "
                           "customers differ: a league table is not a verdict",
                      "d": "a before/after rise also holds the market-wide trend; the DiD "
                           "interval for cross-selling includes 0"}),
        expected=lambda d: "b",
        scenario="bank",
        hints=("A finding states what a comparison measured; a forecast or a cause needs more.",),
        explanation="Findings report what was measured, with its interval and the comparison "
                    "it rests on; what a decision will achieve belongs in the recommendation.",
    ),
    Exercise(
        id="ch08d.memo-risks",
        title="What the data cannot show",
        prompt="Tick every statement that belongs under **Risks** in the memo (what the data "
               "cannot show or where the analysis may be wrong).",
        kind=MultiChoice(
            options={"a": "the wave-2 estimate rests on a single comparison region, and "
                          "parallel trends can be checked before the go-live but never proved",
                     "b": "customers with more products are more satisfied and have been with "
                          "the bank longer, so a second product may not keep anyone",
                     "c": "the number of relationship managers in the data",
                     "d": "the costs of more managers and of a cross-selling campaign are not "
                          "in the data",
                     "e": "the date each region's CRM went live"},
            feedback={"c": "the number of managers is a fact of the data, not a risk",
                      "e": "the roll-out dates are a fact of the data, not a risk"}),
        expected=lambda d: ["a", "b", "d"],
        scenario="bank",
        hints=("A risk is something that could make a finding or a recommendation wrong.",),
        explanation="A strong memo names what each number rests on: parallel trends, "
                    "associations that are not causes, and the costs the data do not hold.",
    ),
)
