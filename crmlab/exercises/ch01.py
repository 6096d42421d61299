"""Chapter 01 — relationship marketing and why CRM (关系营销与CRM的兴起).

Data exercises compute their answer from the student's own dataset with
:mod:`crmlab.concentration` and :mod:`crmlab.retention`; concept exercises
follow the course notes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.concentration import gini, top_share, value_tiers
from crmlab.exercises.core import Exercise, Mistake, register
from crmlab.exercises.kinds import Choice, Function, MultiChoice, Number, Table
from crmlab.retention import annual_retention, contact_retention, retention_effect

# The retention-economics exercise: fixed parameters, the rest from the data.
PROFIT_PARAMS = {"n0": 1000, "margin": 150.0, "retention_cost": 30.0, "discount_rate": 0.10,
                 "years": 10}


def revenue_per_customer(data, buyers_only: bool = False) -> pd.Series:
    """Revenue per customer over the whole data (0 for customers who never bought)."""
    rev = data.orders.groupby("customer_id")["amount"].sum()
    if not buyers_only:
        rev = rev.reindex(data.customers["customer_id"], fill_value=0.0)
    return rev


def half_revenue_share(data, buyers_only: bool = False) -> float:
    """Smallest share of customers who together bring at least half of all revenue."""
    rev = np.sort(revenue_per_customer(data, buyers_only).to_numpy())[::-1]
    k = int(np.searchsorted(np.cumsum(rev), 0.5 * rev.sum())) + 1
    return k / len(rev)


def tier_revenue_share(data, buyers_only: bool = False) -> pd.Series:
    rev = revenue_per_customer(data, buyers_only)
    share = rev.groupby(value_tiers(rev), observed=False).sum() / rev.sum()
    share.index = share.index.astype(str)
    return share.rename("revenue_share")


def _gini_cases(data, transform=None) -> list[tuple[tuple, float]]:
    """Hidden cases: revenue per customer of each region, in customer-id order, and two classics."""
    rev = revenue_per_customer(data)
    region = data.customers.set_index("customer_id")["region_id"].reindex(rev.index)
    cases = [list(np.round(v.to_numpy(), 2)) for _, v in rev.groupby(region)]
    cases += [[0.0, 0.0, 0.0, 1.0], [5.0, 5.0, 5.0]]
    f = transform or gini
    return [((values,), f(values)) for values in cases]


def _unsorted_gini(values) -> float:
    v = np.asarray(values, dtype=float)
    n = len(v)
    return float(2 * np.sum(np.arange(1, n + 1) * v) / (n * v.sum()) - (n + 1) / n)


def _profit_change(data, rate=None, relative: bool = False, **overrides) -> float:
    r = annual_retention(data) if rate is None else rate
    params = {**PROFIT_PARAMS, "acquisition_cost": float(data.customers["acquisition_cost"].mean()),
              "retention_rate": r, "delta": r * 0.05 if relative else 0.05, **overrides}
    return retention_effect(**params).change_pct


def _final_year_change(data) -> float:
    params = {**PROFIT_PARAMS, "acquisition_cost": float(data.customers["acquisition_cost"].mean()),
              "retention_rate": annual_retention(data)}
    s = retention_effect(**params).summary()["final_year_profit"]
    return 100 * (s["improved"] - s["base"]) / s["base"]


def _contact_gap(data, **kwargs) -> float:
    return 100 * float(contact_retention(data, **kwargs).loc["two-way", "gap_vs_none"])


def _gap_vs_rest(data) -> float:
    t = contact_retention(data)
    rest = t.loc[["one-way", "none"]]
    return 100 * float(t.loc["two-way", "retention_rate"] - rest["retained"].sum()
                       / rest["customers"].sum())


RELATIONSHIP_STATEMENTS = {
    "a": "The aim is to win each single sale; the relationship ends with the payment",
    "b": "Keeping existing customers comes first; attracting new ones is only the first step",
    "c": "The firm listens to customers as well as talking to them",
    "d": "Marketing is the 4P mix: push a good product to the market with low prices and "
         "promotions",
    "e": "Success is measured by customer retention and customer lifetime value",
    "f": "All customers get the same treatment and the same mass-media message",
    "g": "Promises are given, kept, and new promises are built on the ones kept",
    "h": "Contact with the customer happens mostly at the moment of purchase",
}

register(
    # ------------------------------------------------------------ homework
    Exercise(
        id="ch01.top10-share",
        title="Top-10% revenue share",
        prompt="What share of all revenue comes from the top 10% of customers by revenue "
               "(客户集中度)? Count every registered customer (revenue 0 if they never bought). "
               "Answer as a fraction between 0 and 1, with at least 4 decimals.",
        kind=Number(rel_tol=0, abs_tol=6e-5, unit="fraction"),
        expected=lambda d: top_share(revenue_per_customer(d), 0.1),
        hints=(("Revenue per customer: data.orders.groupby('customer_id')['amount'].sum(), then "
               "reindex on data.customers['customer_id'] with fill_value=0."),
               ("crmlab.concentration.top_share(revenue, 0.1), or sort descending and sum the "
               "first 10% of all customers.")),
        explanation="A tenth of the customers bring about half of the revenue: this is the "
                    "concentration that value-tiered management (分层管理) builds on.",
        mistakes=(
            Mistake(lambda d: top_share(revenue_per_customer(d, buyers_only=True), 0.1),
                    "you ranked only customers who bought; the top 10% is of all customers, "
                    "counting those without orders as revenue 0"),
            Mistake(lambda d: top_share(revenue_per_customer(d), 0.2),
                    "that is the share of the top 20% (exercise ch00.top20-share); this one asks "
                    "for the top 10%"),
            Mistake(lambda d: top_share(d.orders["amount"], 0.1),
                    "you ranked orders, not customers: sum the orders of each customer first"),
        ),
    ),
    Exercise(
        id="ch01.half-revenue",
        title="Customers behind half the revenue",
        prompt="What is the smallest share of customers who together bring at least half (50%) "
               "of all revenue? Rank all registered customers by revenue (0 for those who never "
               "bought), take the fewest from the top whose revenue reaches 50% of the total, "
               "and divide their number by the number of customers. Answer as a fraction.",
        kind=Number(rel_tol=0, abs_tol=3e-4, unit="fraction"),
        expected=half_revenue_share,
        hints=(("Sort revenue per customer from high to low and take the cumulative sum "
               "(.cumsum())."),
               ("Count the customers up to and including the first one where the cumulative sum "
               "reaches half of the total; divide by len(data.customers).")),
        explanation="Half the revenue rests on a small group of customers: losing a few of them "
                    "hurts far more than losing many small ones.",
        mistakes=(
            Mistake(lambda d: half_revenue_share(d, buyers_only=True),
                    "you divided by the customers who bought; divide by all registered "
                    "customers"),
            Mistake(lambda d: 1 - half_revenue_share(d),
                    "that is the share of customers who bring the *other* half"),
        ),
    ),
    Exercise(
        id="ch01.gini-function",
        title="A Gini coefficient function",
        prompt="Write a function my_gini(values) that returns the Gini coefficient (基尼系数) of "
               "a list of revenues per customer: sort the values ascending as x_1..x_n and return "
               "2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n.",
        kind=Function(rel_tol=1e-6, abs_tol=1e-9),
        expected=_gini_cases,
        hints=("np.sort(values) sorts ascending; np.arange(1, n + 1) gives i = 1..n.",
               "Check it: my_gini([0, 0, 0, 1]) is 0.75 and my_gini([5, 5, 5]) is 0."),
        explanation="The Gini coefficient is one minus twice the area under the Lorenz curve: "
                    "0 when all customers bring the same, near 1 when one brings everything.",
        mistakes=(
            Mistake(lambda d: _gini_cases(d, _unsorted_gini),
                    "your function does not sort the values first: the formula needs them in "
                    "ascending order"),
            Mistake(lambda d: _gini_cases(d, lambda v: -gini(v)),
                    "your values are sorted from high to low; sort them ascending"),
            Mistake(lambda d: _gini_cases(d, lambda v: gini(v) * len(v) / (len(v) - 1)),
                    "you multiplied by n / (n - 1); use the formula as given"),
        ),
    ),
    Exercise(
        id="ch01.pyramid-shares",
        title="Revenue share of each pyramid tier",
        prompt="Sort all customers into the customer pyramid (客户金字塔, Zeithaml, Rust & Lemon "
               "2001) by revenue: top 20% platinum, next 30% gold, next 30% iron, last 20% "
               "lead. Make a pandas Series indexed by tier name with each tier's share of total "
               "revenue (fractions that add up to 1).",
        kind=Table(rel_tol=0, abs_tol=5e-4),
        expected=tier_revenue_share,
        hints=("crmlab.concentration.value_tiers(revenue) gives each customer's tier.",
               "revenue.groupby(tiers).sum() / revenue.sum(); the index must be the tier names."),
        explanation="Platinum customers bring several times their number in revenue, lead "
                    "customers almost nothing: the pyramid tells where service effort pays.",
        mistakes=(
            Mistake(lambda d: pd.Series({"platinum": 0.2, "gold": 0.3, "iron": 0.3, "lead": 0.2}),
                    "these are the shares of customers in each tier; the exercise asks for the "
                    "shares of revenue"),
            Mistake(lambda d: tier_revenue_share(d, buyers_only=True),
                    "you tiered only the customers who bought; every registered customer "
                    "belongs to a tier (those without orders are lead)"),
        ),
    ),
    Exercise(
        id="ch01.profit-change",
        title="Five points more retention",
        prompt="On your telecom data, let r be the observed one-year retention rate (客户保持率): "
               "the share of customers who signed up at least 365 days before the end date and "
               "were still customers 365 days after sign-up (do not round it). A firm acquires "
               "1,000 customers at your data's mean acquisition_cost (获客成本), earns a margin of "
               "150 per customer-year, spends 30 per customer-year on retention, discounts at "
               "10% and looks 10 years ahead (crmlab.retention.profit_path). By how many percent "
               "does its customer equity (客户资产) rise if retention is r + 5 points? Answer in "
               "percent with at least 1 decimal, e.g. 31.5.",
        kind=Number(rel_tol=1e-3, abs_tol=0.05, unit="percent"),  # 1 decimal is enough
        expected=_profit_change,
        scenario="telecom",
        hints=(("telecom = crmlab.start(student_id, scenario='telecom'); "
               "crmlab.retention.annual_retention(telecom) gives r."),
               ("crmlab.retention.retention_effect(n0=1000, acquisition_cost=..., "
               "retention_cost=30, margin=150, retention_rate=r, discount_rate=0.10, years=10)"
               ".change_pct")),
        explanation="Five points more retention raise customer equity by tens of percent: "
                    "the order of Reichheld & Sasser's (1990) 25-85% in their cases. How much "
                    "depends on margins and costs, not on a law.",
        mistakes=(
            Mistake(lambda d: _profit_change(d, rate=float((d.contracts["status"] == "active")
                                                           .mean())),
                    "you took r as the share of all customers still active; customers who signed "
                    "up less than a year ago had no full year to leave: use only those who "
                    "signed up at least 365 days before the end date"),
            Mistake(lambda d: _profit_change(d, relative=True),
                    "you raised retention by 5% of r; five points means r + 0.05"),
            Mistake(lambda d: _profit_change(d, discount_rate=0.0),
                    "you did not discount: use discount_rate=0.10"),
            Mistake(_final_year_change,
                    "that is the change of the last year's profit; the exercise asks for "
                    "customer equity, the discounted profit of all 10 years"),
        ),
    ),
    Exercise(
        id="ch01.contact-gap",
        title="Two-way contact and retention",
        prompt="On your telecom data, compare customers who got an outbound care call (two-way "
               "contact, 双向沟通) in their first 30 days with customers who got no contact in "
               "those days. Use customers who signed up at least 365 days before the end date "
               "and were still customers on day 30. How many percentage points higher is the "
               "one-year retention of the two-way group? Answer in points with 2 decimals, "
               "e.g. 2.45.",
        kind=Number(rel_tol=0, abs_tol=0.01, unit="percent"),
        expected=_contact_gap,
        scenario="telecom",
        hints=(("crmlab.retention.contact_retention(telecom) makes the groups (two-way, "
               "one-way, none) for you."),
               "The answer is the two-way row of gap_vs_none, times 100."),
        explanation="Two-way contact goes with a few points more retention. The groups are fixed "
                    "in the first 30 days, before the outcome; counting contacts at any time "
                    "would favour those who stayed longer (survivorship bias, 幸存者偏差).",
        mistakes=(
            Mistake(lambda d: _contact_gap(d, window_days=None),
                    "you grouped customers by contacts at any time: those who stayed longer had "
                    "more time to receive a call (survivorship bias); use only the first 30 "
                    "days"),
            Mistake(lambda d: _contact_gap(d, landmark=False),
                    "you kept customers who left within the first 30 days; they had less time "
                    "to receive a call. Compare only customers still there on day 30"),
            Mistake(_gap_vs_rest,
                    "you compared with everyone without a care call; the comparison group is "
                    "customers with no contact at all (promotions are one-way contact)"),
        ),
    ),
    Exercise(
        id="ch01.transaction-vs-relationship",
        title="Transaction or relationship marketing?",
        prompt="Tick every statement that describes relationship marketing (关系营销) rather "
               "than transaction marketing (交易营销).",
        kind=MultiChoice(
            options=RELATIONSHIP_STATEMENTS,
            feedback={
                "a": "a: one sale at a time is transaction marketing",
                "d": "d: the product-centric 4P mix is the transaction view; relationship "
                     "marketing starts from the customer",
                "f": "f: one message for everyone is mass marketing; relationship marketing "
                     "differentiates (差异化服务)",
                "h": "h: contact only at the purchase is the transaction view; relationships "
                     "need contact between purchases",
            },
        ),
        expected=lambda d: ["b", "c", "e", "g"],
        hints=(("Relationship marketing: customer orientation, two-way communication, long-term "
               "relationship."),),
        explanation="Relationship marketing attracts, keeps, enhances and commercialises "
                    "relationships by giving and keeping promises.",
    ),
    Exercise(
        id="ch01.crm-vs-bpr",
        title="CRM and related concepts",
        prompt="The course notes compare CRM with related concepts. Which one focuses "
               "first on the firm's processes, where CRM focuses first on the customer and only "
               "then on processes and cost?",
        kind=Choice(
            options={"a": "PRM, partner relationship management (伙伴关系管理)",
                     "b": "BPR, business process reengineering (业务流程再造)",
                     "c": "ERP, enterprise resource planning (企业资源计划)",
                     "d": "BI, business intelligence (商业智能)"},
            feedback={"a": "PRM manages partners and distributors (recruiting, incentive "
                           "funds); its focus is the partner",
                      "c": "ERP integrates back-office resources (purchasing, production, "
                           "stock, finance); it is not about redesigning processes",
                      "d": "BI turns data into information for decisions; CRM captures the "
                           "data, BI analyses it"},
        ),
        expected=lambda d: "b",
        hints=("Which of them has 'process' in its name?",),
        explanation="BPR looks at the business and its processes; CRM looks at the customer "
                    "first. They help each other: BPR redesigns the marketing processes a CRM "
                    "system then supports.",
    ),
    # ------------------------------------------------------------ in the chapter notebook
    Exercise(
        id="ch01.gini",
        practice=True,
        title="Gini coefficient of revenue",
        prompt="What is the Gini coefficient (基尼系数) of revenue per customer in your dataset, "
               "counting every registered customer (revenue 0 if they never bought)? Give 4 "
               "decimals.",
        kind=Number(rel_tol=0, abs_tol=1e-4),
        expected=lambda d: gini(revenue_per_customer(d)),
        hints=("crmlab.concentration.gini(revenue) with revenue per customer.",),
        explanation="A Gini of about two thirds means strong concentration: far from equal, far "
                    "from one customer bringing everything.",
        mistakes=(
            Mistake(lambda d: gini(revenue_per_customer(d, buyers_only=True)),
                    "you left out customers who never bought; they belong to the customer base "
                    "with revenue 0"),
            Mistake(lambda d: 1 - gini(revenue_per_customer(d)),
                    "that is one minus the Gini coefficient"),
        ),
    ),
    Exercise(
        id="ch01.crm-drivers",
        practice=True,
        title="Why CRM arose",
        prompt="Which are the four drivers (动因) of the rise of CRM in the course notes? "
               "Tick all that apply.",
        kind=MultiChoice(
            options={"competition": "hyper-competition pulls firms towards their customers",
                     "internet": "the internet and communication technology push it",
                     "profit": "customers are recognised as the source of profit",
                     "theory": "management theory shifts its focus to the customer",
                     "regulation": "laws require firms to run CRM software",
                     "advertising": "mass advertising became cheaper"},
            feedback={"regulation": "no law requires CRM; it spread because it pays",
                      "advertising": "cheaper mass media would favour transaction marketing, "
                                     "not relationships"},
        ),
        expected=lambda d: ["competition", "internet", "profit", "theory"],
        hints=("Course document [S3], chapter 1, question 3: pull, push, root and catalyst.",),
        explanation="Competition pulls, technology pushes, customer profit is the root and the "
                    "shift in management theory is the catalyst.",
    ),
    Exercise(
        id="ch01.crm-levels",
        practice=True,
        title="What CRM is: three levels (内涵)",
        prompt="A shop buys a CRM software package and loads all its customer data into it. "
               "Its sales staff are still paid on the number of products sold, and they use the "
               "system only to log their calls; marketing and service work as before. Which "
               "levels of what CRM is (内涵) does the shop have? Tick all that apply.",
        kind=MultiChoice(
            options={"philosophy": "a management philosophy: the customer at the centre "
                                   "(指导思想和理念)",
                     "model": "an operating model: marketing, sales and service organised "
                              "around the customer (管理模式和运营机制)",
                     "technology": "a technology: systems that hold and use customer data "
                                   "(信息技术与应用解决方案)"},
            feedback={"philosophy": "pay per product sold keeps the product, not the customer, "
                                    "at the centre",
                      "model": "marketing, sales and service work as before: nothing is "
                               "organised around the customer"},
        ),
        expected=lambda d: ["technology"],
        hints=("Ask of each level: what in the case shows it?",),
        explanation="Only the technology: the tool-only view that course document [S1] names as "
                    "the commonest mistake. Without the philosophy and the operating model the "
                    "software changes little.",
    ),
    Exercise(
        id="ch01.crm-essence",
        practice=True,
        title="The essence of CRM (本质)",
        prompt="In the course notes, what is the final goal of CRM, the core of its essence (本质)?",
        kind=Choice(
            options={"a": "the largest value of the customer resource (客户资源价值最大化)",
                     "b": "a satisfied customer, whatever it costs",
                     "c": "as much customer data as possible",
                     "d": "a fully automated sales force"},
            feedback={"b": "satisfaction is a means, not the goal: chapter 04 asks whether it "
                           "always pays",
                      "c": "data is a means: the essence is what the relationship is worth to "
                           "both sides",
                      "d": "automation is the technology level of CRM, not its goal"},
        ),
        expected=lambda d: "a",
        hints=("Think of the customer base as an asset of the firm.",),
        explanation="CRM aims at the largest value of the customer resource, in a game of "
                    "cooperation and competition (竞合博弈) in which both firm and customer invest "
                    "in the relationship (双向资源投入).",
    ),
    Exercise(
        id="ch01.rm-core-ideas",
        practice=True,
        title="Core ideas of relationship marketing",
        prompt="Which are the three core ideas of relationship marketing (关系营销) named in "
               "the course notes? Tick all that apply.",
        kind=MultiChoice(
            options={"orientation": "customer orientation (客户导向)",
                     "two-way": "two-way communication (双向沟通)",
                     "long-term": "long-term relationship (长期关系)",
                     "margin": "the highest margin on each transaction",
                     "product": "product orientation (产品导向)",
                     "broadcast": "one message to the mass market"},
            feedback={"margin": "maximising each transaction is transaction marketing",
                      "product": "relationship marketing starts from the customer's needs, not "
                                 "the product",
                      "broadcast": "one-way mass messages are the opposite of two-way "
                                   "communication"},
        ),
        expected=lambda d: ["orientation", "two-way", "long-term"],
        hints=("The firm not only talks: it also listens.",),
        explanation="Customer orientation, two-way communication and long-term relationships "
                    "are the theory that CRM puts into practice.",
    ),
    Exercise(
        id="ch01.promises",
        practice=True,
        title="Promises in relationship marketing",
        prompt="For a service provider, relationship marketing establishes, maintains, enhances "
               "and commercialises relationships. What does maintaining (维持) a "
               "relationship mean?",
        kind=Choice(
            options={"a": "giving promises", "b": "keeping promises",
                     "c": "giving new promises on the basis of promises kept",
                     "d": "a cost-profit relation that is positive in the long run"},
            feedback={"a": "giving promises is establishing (建立) the relationship",
                      "c": "new promises on top of kept ones is enhancing (加强) it",
                      "d": "that is commercialising (商业化) the relationship"},
        ),
        expected=lambda d: "b",
        hints=("Four steps, four promise words: give, keep, give new, pay off.",),
        explanation="Establish = give promises, maintain = keep them, enhance = new promises on "
                    "kept ones, commercialise = the relationship pays in the long run.",
    ),
    Exercise(
        id="ch01.customer-centric",
        practice=True,
        title="From 4P to customer-centric marketing",
        prompt="In product-centric 4P marketing (product, price, promotion, place), price "
               "discounts and promotions are the main means of competition. In customer-centric "
               "marketing (以客户为中心的营销), what takes their place?",
        kind=Choice(
            options={"a": "still lower prices through cost leadership",
                     "b": "service: before, during and after the sale, personalised one to one",
                     "c": "more advertising channels",
                     "d": "a wider product range"},
            feedback={"a": "price competition is the 4P way; customer-centric firms compete on "
                           "service",
                      "c": "more channels for one-way messages is still product-centric",
                      "d": "a wider range still starts from the product, not the customer"},
        ),
        expected=lambda d: "b",
        hints=("Course document [S3]: the firm no longer sells just a product.",),
        explanation="Customer-centric firms sell service, tailored to each customer "
                    "(差异化服务, one-to-one).",
    ),
)

# The reference implementation of each Function exercise: it passes every hidden case.
REFERENCES = {"ch01.gini-function": gini}
