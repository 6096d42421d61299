"""Chapter 00 — warm-up exercises on the welcome dataset (one of each answer kind)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.exercises.core import Exercise, Mistake, register
from crmlab.exercises.kinds import Choice, Function, MultiChoice, Number, Table, Text


def _revenue_per_customer(data, buyers_only: bool = False) -> pd.Series:
    rev = data.orders.groupby("customer_id")["amount"].sum()
    if not buyers_only:
        rev = rev.reindex(data.customers["customer_id"], fill_value=0.0)
    return rev.sort_values(ascending=False)


def top20_share(data, buyers_only: bool = False) -> float:
    rev = _revenue_per_customer(data, buyers_only)
    k = int(round(0.2 * len(rev)))
    return float(rev.iloc[:k].sum() / rev.sum())


def _region_counts(data) -> pd.Series:
    names = data.regions.set_index("region_id")["region_name"]
    return data.customers["region_id"].map(names).value_counts()


def _customer_tables(data) -> list[str]:
    from crmlab.data.schema import tables_for

    return [t.name for t in tables_for(data.meta["scenario"])
            if any(c.references == "customers.customer_id" and c.name == "customer_id"
                   for c in t.columns)]


def aov_reference(amounts) -> float:
    """The reference answer of ``ch00.aov-function``: the mean amount, 0 without orders."""
    return float(np.mean(amounts)) if len(amounts) else 0.0


def _aov_cases(data) -> list[tuple[tuple, float]]:
    """Hidden cases: the order amounts of a few of the student's own customers."""
    per = data.orders.groupby("customer_id")["amount"].apply(list)
    picks = list(per.index[:: max(1, len(per) // 5)][:5])
    cases = [((per[c],), aov_reference(per[c])) for c in picks]
    return cases + [(([],), aov_reference([]))]  # a customer with no orders


register(
    Exercise(
        id="ch00.n-customers",
        title="How many customers?",
        prompt="How many customers (客户) are in your dataset? Count every registered customer.",
        kind=Number(rel_tol=0, abs_tol=0.5),
        expected=lambda d: len(d.customers),
        hints=("Every customer is one row of the customers table.", "len(data.customers)"),
        explanation="Every registered customer counts, including those who never bought "
                    "(potential customers, 潜在客户).",
        mistakes=(
            Mistake(lambda d: d.orders["customer_id"].nunique(),
                    "you counted only customers who bought; registered customers without an "
                    "order are customers too"),
            Mistake(lambda d: len(d.orders), "that is the number of orders, not of customers"),
        ),
    ),
    Exercise(
        id="ch00.top20-share",
        title="Revenue concentration",
        prompt="What share of all revenue comes from the top 20% of customers by revenue "
               "(the 80/20 rule, 二八法则)? Answer as a fraction between 0 and 1, with at "
               "least 4 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-5, unit="fraction"),
        expected=top20_share,
        hints=("Sum the order amounts per customer; customers without orders have revenue 0.",
               "Sort descending, take the first 20% of all customers, divide by the total."),
        explanation="A few customers bring most of the revenue: that is why CRM manages "
                    "customers by value tier (分层管理).",
        mistakes=(
            Mistake(lambda d: top20_share(d, buyers_only=True),
                    "you ranked only the customers who bought; the top 20% is of all customers, "
                    "counting those without orders as revenue 0"),
        ),
    ),
    Exercise(
        id="ch00.churn-observed",
        title="Is churn observed?",
        prompt="In the retail dataset, how do you know that a customer has churned (客户流失)?",
        kind=Choice(
            options={
                "a": "the end date in the contracts table",
                "b": "an exit survey",
                "c": "you don't: a customer just stops buying (non-contractual)",
                "d": "a status column in the customers table",
            },
            feedback={
                "a": "retail has no contracts table: only telecom has contracts",
                "b": "retail has only periodic surveys; exit surveys exist where churn is "
                     "observed (telecom, bank)",
                "d": "there is no such column; look at data.customers.columns",
            },
        ),
        expected=lambda d: "c",
        hints=("Look at which tables the retail dataset has: list(data.tables).",),
        explanation="Retail is non-contractual: churn is never observed, only silence. "
                    "Chapter 03's BG/NBD model estimates who is still 'alive'.",
    ),
    Exercise(
        id="ch00.customer-tables",
        title="Tables about customers",
        prompt="Which tables have a customer_id column that refers to the customers table "
               "(a foreign key, 外键)? Tick all that apply.",
        kind=MultiChoice(
            options={"orders": "orders", "interactions": "interactions",
                     "address_changes": "address_changes", "tickets": "tickets",
                     "surveys": "surveys", "servqual_items": "servqual_items",
                     "kano_responses": "kano_responses", "campaign_contacts": "campaign_contacts",
                     "employees": "employees", "regions": "regions",
                     "kpi_monthly": "kpi_monthly"},
            feedback={"employees": "employees are staff, not customers",
                      "regions": "regions are referred to by customers, not the other way round",
                      "kpi_monthly": "the KPI panel is per region and month, not per customer"},
        ),
        expected=_customer_tables,
        hints=("Check `'customer_id' in data.tables[name].columns` for each table.",
               "The data dictionary, datasets/README.md, marks foreign keys with →."),
    ),
    Exercise(
        id="ch00.top-region",
        title="The biggest region",
        prompt="Which region (区域) has the most customers? Give its name, e.g. 'Midwest'.",
        kind=Text(),
        expected=lambda d: _region_counts(d).index[0],
        hints=("customers.region_id links to regions.region_id; regions has region_name.",),
        mistakes=(
            Mistake(lambda d: d.customers["region_id"].value_counts().index[0],
                    "that is the region's id; give its name (see the regions table)"),
            Mistake(lambda d: _region_counts(d).index[-1],
                    "that is the region with the fewest customers"),
        ),
    ),
    Exercise(
        id="ch00.customers-by-channel",
        title="Customers per acquisition channel",
        prompt="Make a pandas Series: the number of customers per acquisition channel "
               "(获客渠道), indexed by channel name.",
        kind=Table(rel_tol=0, abs_tol=0.5),
        expected=lambda d: d.customers["acquisition_channel"].value_counts(),
        hints=("value_counts() on one column gives exactly such a Series.",),
        mistakes=(
            Mistake(lambda d: d.customers["acquisition_channel"].value_counts(normalize=True),
                    "these are shares; the exercise asks for counts of customers"),
            Mistake(lambda d: d.orders.merge(d.customers[["customer_id", "acquisition_channel"]])
                    ["acquisition_channel"].value_counts(),
                    "you counted orders per channel; count each customer once"),
        ),
    ),
    Exercise(
        id="ch00.aov-function",
        title="Average order value",
        prompt="Write a function aov(amounts) that returns the average order value (客单价) of "
               "a list of order amounts, and 0 for a customer with no orders.",
        kind=Function(rel_tol=1e-9),
        expected=_aov_cases,
        hints=("sum(amounts) / len(amounts) - but what if the list is empty?",),
        explanation="Average order value is one of the 'M' measures of RFM (chapter 03).",
    ),
)

# The reference implementation of each Function exercise: it passes every hidden case.
REFERENCES = {"ch00.aov-function": aov_reference}
