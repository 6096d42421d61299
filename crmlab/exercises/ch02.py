"""Chapter 02 — customer lifecycle (客户生命周期): stages, cohorts, survival, lost
customers and win-back.

Every expected answer is computed from the student's own dataset with the
models of :mod:`crmlab.lifecycle` and :mod:`crmlab.cohorts`; the common wrong
computations are modelled as :class:`Mistake` s.
"""

from __future__ import annotations

import pandas as pd

from crmlab.cohorts import cohort_retention, contract_durations, kaplan_meier, survival_at
from crmlab.exercises.core import Exercise, Mistake, register
from crmlab.exercises.kinds import Choice, MultiChoice, Number, Table
from crmlab.lifecycle import (
    StageRules,
    assign_stages,
    classify_lost,
    customer_summary,
    lifecycle_stages,
    lost_signals,
    transition_matrix,
    win_back_ranking,
)

END = "2024-12-31"
YEAR_BEFORE = "2023-12-31"
TUNED = StageRules(new_days=60, churn_days=180, loyal_min_frequency=6)


# ------------------------------------------------------------------ stages
def churned_count(data, churn_days: int = 180) -> int:
    stages = lifecycle_stages(data.orders, data.customers, END, StageRules(churn_days=churn_days))
    return int((stages == "churned").sum())


def loyal_count(data, rules: StageRules = TUNED, all_time: bool = False) -> int:
    summary = customer_summary(data.orders, data.customers, END,
                               frequency_window_days=rules.frequency_window_days)
    if all_time:
        summary["frequency"] = summary["n_purchases"]
    return int((assign_stages(summary, rules) == "loyal").sum())


def active_to_churned(data, how: str = "row") -> float:
    counts = transition_matrix(data.orders, data.customers, YEAR_BEFORE, END, normalize=False)
    if how == "row":
        return float(counts.loc["active", "churned"] / counts.loc["active"].sum())
    if how == "column":
        return float(counts.loc["active", "churned"] / counts["churned"].sum())
    if how == "all":
        return float(counts.loc["active", "churned"] / counts.to_numpy().sum())
    return float(counts.loc["churned", "active"] / counts.loc["churned"].sum())


# ------------------------------------------------------------------ cohorts
def cohort_m3(data) -> float:
    table = cohort_retention(data.orders, data.customers, END)
    return float(table.loc[pd.Period("2023-01", "M"), 3])


def _january(data) -> pd.Series:
    signup = data.customers.set_index("customer_id")["signup_date"]
    return signup[signup.dt.to_period("M") == pd.Period("2023-01", "M")]


def _bought_in(data, months: list[str]) -> set:
    o = data.orders
    period = o["order_date"].dt.to_period("M").astype(str)
    return set(o.loc[period.isin(months), "customer_id"])


def cohort_m3_all_customers(data) -> float:
    april = _bought_in(data, ["2023-04"])
    registered = data.customers["signup_date"] <= pd.Timestamp("2023-04-30")
    return len(april) / int(registered.sum())


def cohort_m3_everyone(data) -> float:
    return len(_bought_in(data, ["2023-04"])) / len(data.customers)


def cohort_m3_variant(data, months: list[str], buyers_only: bool = False) -> float:
    cohort = _january(data).index
    if buyers_only:
        cohort = cohort[cohort.isin(data.orders["customer_id"])]
    return float(cohort.isin(list(_bought_in(data, months))).mean())


# ------------------------------------------------------------------ survival
def survival_12(data, how: str = "km") -> float:
    d = contract_durations(data.contracts, END)
    if how == "km":
        return float(survival_at(kaplan_meier(d["duration"], d["observed"]), 12))
    if how == "all":
        return float((d["duration"] > 12).mean())
    return float((d.loc[d["observed"], "duration"] > 12).mean())


# ------------------------------------------------------------------ lost customers
def price_rise_month(data) -> pd.Timestamp:
    """First month whose typical (median) plan-fee bill is above the fee in the contract
    (observed; the median, because a few customers changed plan since signing)."""
    bills = data.orders[data.orders["category"] == "plan_fee"].merge(
        data.contracts[["customer_id", "monthly_fee"]], on="customer_id")
    ratio = (bills["amount"] / bills["monthly_fee"]).groupby(
        bills["order_date"].dt.to_period("M")).median()
    return ratio[ratio > 1.001].index.min().to_timestamp()


def _churned(data) -> pd.DataFrame:
    return data.contracts.dropna(subset=["end_date"]).rename(columns={"end_date": "churn_date"})


def price_share_after_rise(data, everyone: bool = False) -> float:
    lost = _churned(data).set_index("customer_id")["churn_date"]
    if not everyone:
        exit_ = data.surveys[data.surveys["survey_type"] == "exit"]
        named = exit_.loc[exit_["exit_reason"] == "price_too_high", "customer_id"].unique()
        lost = lost[lost.index.isin(named)]
    return float((lost >= price_rise_month(data)).mean())


def lost_classified(data, price_rise: bool = True, traces: bool = True) -> pd.DataFrame:
    """The lost customers' types from every observed signal (``traces=False``: without the
    contacts, plan changes, moves and faults, the chapter's first attempt)."""
    extra = dict(interactions=data.interactions, plan_changes=data.plan_changes,
                 address_changes=data.address_changes,
                 service_faults=data.service_faults) if traces else {}
    signals = lost_signals(_churned(data), data.orders, data.tickets, data.surveys, as_of=END,
                           price_rise_date=price_rise_month(data) if price_rise else None,
                           **extra)
    return classify_lost(signals)


_RANKING_CACHE: dict[tuple, tuple] = {}  # (id(data), traces) -> (data, ranking)


def winback_ranking(data, traces: bool = True) -> pd.DataFrame:
    """The win-back ranking of the lost customers (computed once per dataset; do not modify)."""
    key = (id(data), traces)
    hit = _RANKING_CACHE.get(key)
    if hit is None or hit[0] is not data:
        if len(_RANKING_CACHE) >= 8:
            _RANKING_CACHE.clear()
        hit = _RANKING_CACHE[key] = (data, win_back_ranking(lost_classified(data, traces=traces),
                                                            END))
    return hit[1]


def winback_top10(data, by: str = "score", traces: bool = True) -> pd.Series:
    ranking = winback_ranking(data, traces)
    return ranking.nlargest(10, by)["score"] if by != "score" else ranking.head(10)["score"]


CASES = {
    "a": "Her complaint about repeated network faults was never resolved, so she left.",
    "b": "He switched when a rival launched fast fibre in his street, which we do not offer.",
    "c": "She left the month after our 8% price rise, for a cheaper operator with the same "
         "service.",
    "d": "We decided to stop serving customers whose bills do not cover their cost; he was one.",
    "e": "He moved abroad for a new job.",
    "f": "Three wrong bills in a row, each corrected only after weeks of calls: she gave up.",
    "g": "A student-plan customer graduated and no longer qualifies for the plan.",
}

register(
    Exercise(
        id="ch02.churned-180",
        practice=True,
        title="Churned customers under a stricter rule",
        prompt="In retail, churn is never observed: a rule decides when silence means a churned "
               "customer (流失客户). Keep the other default StageRules but call a customer "
               "churned after 180 days without a purchase. How many customers are churned at "
               "the as-of date 2024-12-31?",
        kind=Number(rel_tol=0, abs_tol=0.5),
        expected=churned_count,
        hints=(("lifecycle_stages(data.orders, data.customers, '2024-12-31', "
               "StageRules(churn_days=180))"),
               "Count the customers whose stage is 'churned'."),
        explanation="Halving the silence threshold makes many more customers 'churned': the "
                    "number of churned customers is a choice of rule, not a fact.",
        mistakes=(Mistake(lambda d: churned_count(d, 365),
                          "that is the count with the default 365 days; set churn_days=180"),),
    ),
    Exercise(
        id="ch02.stage-strategy",
        practice=True,
        title="A strategy for new customers",
        prompt="Which action fits **new customers (新客户)** best?",
        kind=Choice(
            options={"a": "onboarding: a welcome call and help towards the second purchase",
                     "b": "a win-back offer (赢返)",
                     "c": "a loyalty reward and a request for referrals",
                     "d": "an acquisition campaign on search ads"},
            feedback={"b": "win-back is for customers who have left; a new customer has just "
                           "arrived",
                      "c": "rewards and referrals suit loyal customers, who already buy often",
                      "d": "acquisition turns potential customers into new ones; these are "
                           "customers already"}),
        expected=lambda d: "a",
        hints=("What does a customer who has just bought once need most to come back?",),
        explanation="About a third of the new customers never buy a second time (the new → "
                    "churned cell of the migration matrix): the first weeks decide whether they "
                    "become active.",
    ),
    Exercise(
        id="ch02.lost-case",
        practice=True,
        title="Which kind of lost customer?",
        prompt="A telecom customer left a month after the 8% price rise and joined a cheaper "
               "operator with the same network quality. Which of the five types of lost "
               "customers (Griffin & Lowenstein 2001) is this?",
        kind=Choice(
            options={"intentionally_pushed_away": "intentionally pushed away (蓄意摒弃)",
                     "unintentionally_pushed_away": "unintentionally pushed away (非蓄意摒弃)",
                     "pulled_away_by_competitor": "pulled away by a competitor (被竞争对手吸引走)",
                     "bought_away_by_price": "bought away by price (低价寻求型)",
                     "moved_away": "moved away / no longer qualifies (条件丧失型)"},
            feedback={"pulled_away_by_competitor": "the competitor offered nothing better, only "
                                                   "a lower price",
                      "unintentionally_pushed_away": "nothing in the service went wrong",
                      "intentionally_pushed_away": "the firm did not choose to let this "
                                                   "customer go"}),
        expected=lambda d: "bought_away_by_price",
        hints=(("What made the customer leave: the service, a better product, the price, a "
               "change in their life, or a decision of the firm?"),),
        explanation="Price seekers (低价寻求型) leave for the same service at a lower price; a "
                    "price offer may win them back, but they leave again at the next cheaper "
                    "offer.",
    ),
    Exercise(
        id="ch02.stage-count",
        title="Loyal customers under tuned thresholds",
        prompt="Use StageRules(new_days=60, churn_days=180, loyal_min_frequency=6) (the other "
               "thresholds at their defaults) on the retail data. How many **loyal customers "
               "(忠诚客户)** are there at the as-of date 2024-12-31?",
        kind=Number(rel_tol=0, abs_tol=0.5),
        expected=loyal_count,
        hints=(("crmlab.lifecycle.lifecycle_stages(data.orders, data.customers, '2024-12-31', "
               "rules)"),
               "value_counts() of the stages, or (stages == 'loyal').sum()"),
        explanation="Thresholds are choices: the same customers are 'loyal' or not depending on "
                    "the rule. Agree on the rule before comparing stage counts over time.",
        mistakes=(
            Mistake(lambda d: loyal_count(d, StageRules()),
                    "that is the count with the default thresholds; pass the tuned StageRules"),
            Mistake(lambda d: loyal_count(d, all_time=True),
                    "you counted all purchases since sign-up; frequency is the number of "
                    "purchases in the last 365 days"),
        ),
    ),
    Exercise(
        id="ch02.cohort-m3",
        title="Month-3 retention of the January 2023 cohort",
        prompt="The **cohort (同期群)** is the retail customers who signed up in January 2023. "
               "Month 0 is January; month 3 is April 2023. What share of the cohort bought "
               "something in month 3 (its month-3 retention, 同期群留存)? Answer as a fraction "
               "with at least 4 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-5, unit="fraction"),
        expected=cohort_m3,
        hints=(("crmlab.cohorts.cohort_retention(data.orders, data.customers, '2024-12-31') has "
               "one row per sign-up month and one column per month since sign-up."),
               "Row '2023-01', column 3."),
        explanation="Retention of a cohort is counted among the customers of that cohort only; "
                    "in non-contractual data it is 'bought in that month', so a quiet month "
                    "is not yet churn.",
        mistakes=(
            Mistake(cohort_m3_all_customers,
                    "you used all customers; the cohort is those who joined in January"),
            Mistake(cohort_m3_everyone,
                    "you used all customers; the cohort is those who joined in January"),
            Mistake(lambda d: cohort_m3_variant(d, ["2023-03"]),
                    "that is March, month 2: month 0 is the sign-up month January, so month 3 "
                    "is April"),
            Mistake(lambda d: cohort_m3_variant(d, ["2023-02", "2023-03", "2023-04"]),
                    "you counted purchases at any time in months 1-3; retention in month 3 "
                    "counts purchases in April only"),
            Mistake(lambda d: cohort_m3_variant(d, ["2023-04"], buyers_only=True),
                    "the cohort includes customers who signed up but never bought"),
        ),
    ),
    Exercise(
        id="ch02.transition-entry",
        title="From active to churned in a year",
        prompt="With the default StageRules, take the retail customers who were **active** "
               "(活跃客户) at 2023-12-31. What share of them is **churned** at 2024-12-31 "
               "(an entry of the transition matrix, 状态转移矩阵)? Answer as a fraction with at "
               "least 4 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-5, unit="fraction"),
        expected=active_to_churned,
        hints=(("crmlab.lifecycle.transition_matrix(data.orders, data.customers, '2023-12-31', "
               "'2024-12-31')"),
               ("Rows are the stage at the start, columns the stage at the end; each row sums "
               "to 1.")),
        explanation="Read a migration matrix by rows: where did the customers of one stage go? "
                    "A large active -> churned share says that 'active' customers need care "
                    "too.",
        mistakes=(
            Mistake(lambda d: active_to_churned(d, "column"),
                    "you divided by the churned customers at the end (a column share); divide "
                    "by the active customers at the start (the row)"),
            Mistake(lambda d: active_to_churned(d, "all"),
                    "you divided by all customers; divide by those active at the start"),
            Mistake(lambda d: active_to_churned(d, "reverse"),
                    "that is churned -> active: the row is the stage at the start"),
        ),
    ),
    Exercise(
        id="ch02.survival-12",
        title="Twelve-month survival of telecom contracts",
        prompt="Estimate the probability that a telecom contract lasts more than 12 months, "
               "with the Kaplan-Meier estimator (contracts still running at 2024-12-31 are "
               "censored). Answer as a fraction with at least 4 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-5, unit="fraction"),
        expected=survival_12,
        scenario="telecom",
        hints=(("d = crmlab.cohorts.contract_durations(data.contracts, '2024-12-31') gives "
               "durations in months and whether each contract ended."),
               "survival_at(kaplan_meier(d['duration'], d['observed']), 12)"),
        explanation="Contracts that started recently cannot have lasted 12 months yet; the "
                    "Kaplan-Meier estimator uses them while they are observed instead of "
                    "counting them as lost.",
        mistakes=(
            Mistake(lambda d: survival_12(d, "all"),
                    "you counted contracts that are still running but younger than 12 months "
                    "as if they had ended: they are censored, not lost"),
            Mistake(lambda d: survival_12(d, "ended"),
                    "you used only the contracts that ended: the ones still running are "
                    "information too (they lasted at least this long)"),
        ),
    ),
    Exercise(
        id="ch02.contractual",
        title="Contractual and non-contractual churn",
        prompt="A retail customer has not bought for 400 days. A telecom customer's contract "
               "ended on 2024-05-10. Which statement is right (契约型与非契约型)?",
        kind=Choice(
            options={"a": "both have churned: the data shows it for both",
                     "b": "the telecom customer has churned (observed); the retail customer "
                          "may still be a customer, because silence is not churn",
                     "c": "neither: churn can only be known from an exit survey",
                     "d": "the retail customer has churned, the telecom customer may come back "
                          "so has not"},
            feedback={"a": "retail is non-contractual: the data never shows that a customer "
                           "has left, only that they have not bought",
                      "c": "a contract end is churn, observed without any survey",
                      "d": "the contract end is the observed churn; a returning customer is "
                           "a win-back, a new relationship"}),
        expected=lambda d: "b",
        hints=("Which of the two datasets has a record of the customer leaving?",),
        explanation="In contractual settings churn is observed (the contract end); in "
                    "non-contractual ones it must be inferred from silence, with mistakes both "
                    "ways.",
    ),
    Exercise(
        id="ch02.lost-types",
        title="Unintentionally pushed away",
        prompt="Tick every case of a customer **unintentionally pushed away (非蓄意摒弃)**: "
               "lost because the firm served them badly, without meaning to. "
               + " ".join(f"({k}) {v}" for k, v in CASES.items()),
        kind=MultiChoice(
            options={k: k for k in CASES},
            feedback={"b": "(b) was pulled away by a competitor's better offer",
                      "c": "(c) was bought away by price: same service, lower price",
                      "d": "(d) was pushed away on purpose (蓄意摒弃): the firm chose it",
                      "e": "(e) moved away (条件丧失型)",
                      "g": "(g) no longer qualifies (条件丧失型)"}),
        expected=lambda d: ["a", "f"],
        hints=("Did the firm mean to lose the customer? Was it the firm's service that failed?",),
        explanation="Customers lost through poor service are often the most promising to win "
                    "back: fix the problem, apologise, and show that it is fixed.",
    ),
    Exercise(
        id="ch02.price-fingerprint",
        title="The fingerprint of price churn",
        prompt="In telecom, find the month of the price rise from the bills (the first month in "
               "which the typical (median) plan_fee bill is above the contract's monthly_fee; "
               "the median, because some customers changed plan since signing). Among the churned "
               "customers whose exit survey names 'price_too_high', what share left on or after "
               "the first day of that month? Answer as a fraction with at least 4 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-5, unit="fraction"),
        expected=price_share_after_rise,
        scenario="telecom",
        hints=(("Merge orders (category == 'plan_fee') with contracts on customer_id and compare "
               "amount with monthly_fee, month by month (the median ratio per month)."),
               ("Exit surveys: data.surveys[data.surveys.survey_type == 'exit']; churn dates: "
               "contracts.end_date.")),
        explanation="Price seekers (低价寻求型) leave mostly after a price rise: the timing is "
                    "their fingerprint, even for customers who never answer a survey.",
        mistakes=(Mistake(lambda d: price_share_after_rise(d, everyone=True),
                          "you used all churned customers; take only those whose exit reason "
                          "is price_too_high"),),
    ),
    Exercise(
        id="ch02.winback-top10",
        title="The top-10 win-back list",
        prompt="Build the win-back list (赢返计划) for telecom: churned = contracts with an "
               "end_date (renamed churn_date); signals = lost_signals(churned, data.orders, "
               "data.tickets, data.surveys, as_of='2024-12-31', price_rise_date=<first day of "
               "the price-rise month>, interactions=data.interactions, "
               "plan_changes=data.plan_changes, address_changes=data.address_changes, "
               "service_faults=data.service_faults); types = classify_lost(signals); then "
               "win_back_ranking(types, '2024-12-31'). Give the top 10 as a pandas Series of "
               "their score, indexed by customer_id.",
        kind=Table(rel_tol=1e-3),
        expected=winback_top10,
        scenario="telecom",
        hints=("ranking = win_back_ranking(types, '2024-12-31', top_k=10)",
               "ranking['score'] is the Series to check."),
        explanation="Value alone would chase customers who will not come back; likelihood "
                    "alone would chase cheap ones. The product puts the firm's effort where the "
                    "expected return is highest.",
        mistakes=(
            Mistake(lambda d: winback_top10(d, by="value"),
                    "you ranked by value only; rank by value × likelihood (the score)"),
            Mistake(lambda d: winback_top10(d, by="likelihood"),
                    "you ranked by likelihood only; rank by value × likelihood (the score)"),
            Mistake(lambda d: winback_top10(d, traces=False),
                    "your types come from the exit survey, complaints and satisfaction only: "
                    "pass the traces too (interactions, plan_changes, address_changes, "
                    "service_faults), they decide the type of many customers"),
        ),
    ),
)
