"""An example assessment pack: graded exercises kept out of the public package.

Copy this file, change the exercises and keep your copy private (not in the
students' repository).  It uses the same API as the homework exercises
(``crmlab/exercises/chNN.py``).  The course loop:

1. ``crmlab pack-form my_pack.py --out quiz.json``: the public form (ids,
   prompts, answer forms; no expected values).  Give ``quiz.json`` to the
   students with a notebook that does::

       import crmlab
       data = crmlab.start("2023012345")          # the student's own data
       quiz = crmlab.assessment("quiz.json")
       quiz                                       # the questions
       quiz.answer("ch03.quiz-repeat-share", 0.31)
       crmlab.handin("2023012345")

   The feedback says only whether an answer has the right form.
2. ``crmlab grade handins/ --pack my_pack.py --roster roster.csv --out quiz.csv``
   grades the pack's exercises on every student's own dataset.
"""

from crmlab.exercises import Choice, Exercise, Function, Mistake, Number, register

YEAR = 2024


def repeat_share(data) -> float:
    """Share of the customers who bought in 2024 that bought at least twice that year."""
    orders = data.orders[data.orders["order_date"].dt.year == YEAR]
    counts = orders.groupby("customer_id").size()
    return float((counts >= 2).mean())


def best_channel(data) -> str:
    """The acquisition channel with the highest mean 2024 margin per acquired customer."""
    orders = data.orders[data.orders["order_date"].dt.year == YEAR]
    margin = orders.groupby("customer_id")["margin"].sum()
    per = (data.customers.set_index("customer_id")["acquisition_channel"].to_frame()
           .join(margin).fillna({"margin": 0.0}))
    return str(per.groupby("acquisition_channel")["margin"].mean().idxmax())


def _retention_cases(data) -> list:
    """Hidden cases: yearly retention rates from the student's own cohorts, and two classics."""
    first = data.orders.groupby("customer_id")["order_date"].min().dt.year
    years = data.orders.assign(year=data.orders["order_date"].dt.year)
    cases = []
    for cohort in sorted(first.unique())[:2]:
        ids = first.index[first == cohort]
        active = [years.loc[years["customer_id"].isin(ids) & (years["year"] == y),
                            "customer_id"].nunique() for y in range(cohort, cohort + 3)]
        active = [int(a) for a in active if a > 0]
        if len(active) >= 2:
            cases.append(((active,), _mean_retention(active)))
    return cases + [(([100, 50],), 0.5), (([1000, 800, 640],), 0.8)]


def _mean_retention(active: list[int]) -> float:
    rates = [b / a for a, b in zip(active, active[1:])]
    return sum(rates) / len(rates)


CHANNELS = {"store": "store", "social_media": "social media", "search_ads": "search ads",
            "referral": "referral", "partner": "partner"}

register(
    Exercise(
        id="ch03.quiz-repeat-share",
        title="Repeat buyers in 2024",
        prompt="Of the customers who ordered in 2024, what share ordered at least twice in "
               "2024 (复购率)? Answer as a fraction between 0 and 1.",
        kind=Number(rel_tol=1e-3, unit="fraction"),
        expected=repeat_share,
        mistakes=(Mistake(lambda d: repeat_share(d) * len(
            d.orders.loc[d.orders["order_date"].dt.year == YEAR, "customer_id"].unique())
            / len(d.customers), "divided by all customers, not by the 2024 buyers"),),
    ),
    Exercise(
        id="ch03.quiz-best-channel",
        title="The most valuable acquisition channel",
        prompt="Which acquisition channel (获客渠道) brought customers with the highest mean "
               "2024 margin per acquired customer (customers without a 2024 order count as 0)?",
        kind=Choice(options=CHANNELS),
        expected=best_channel,
    ),
    Exercise(
        id="ch03.quiz-orders-2024",
        title="Orders in 2024",
        prompt="How many orders were placed in 2024?",
        kind=Number(rel_tol=0, abs_tol=0.5),
        expected=lambda d: int((d.orders["order_date"].dt.year == YEAR).sum()),
    ),
    Exercise(
        id="ch03.quiz-retention-function",
        title="Mean retention rate",
        prompt="Write mean_retention(active): active[t] is the number of a cohort's customers "
               "active in year t. Return the mean of the year-to-year retention rates "
               "active[t+1] / active[t].",
        kind=Function(rel_tol=1e-9),
        expected=_retention_cases,
    ),
)

# the pack's own reference answers, for the instructor's checks (never in the form)
REFERENCE = {"ch03.quiz-retention-function": _mean_retention}
__all__ = ["repeat_share", "best_channel", "REFERENCE"]
