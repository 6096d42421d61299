"""Chapter 08a — the telecom case (案例：移动运营商): faults, value and benefit, survival,
lost customers and win-back on the mobile operator's data.

Every expected answer is computed from the student's own telecom dataset with the
chapters' models (:mod:`crmlab.value`, :mod:`crmlab.sbg`, :mod:`crmlab.winback`); the
lost-customer and sBG helpers of chapters 02 and 03 are reused, not copied.  The homework is
``exercises/08a_telecom_case.ipynb``.
"""

from __future__ import annotations

import pandas as pd

from crmlab.exercises.ch02 import END, lost_classified, winback_ranking
from crmlab.exercises.ch03 import sbg_fit
from crmlab.exercises.core import Exercise, Mistake, per_dataset, register
from crmlab.exercises.kinds import Choice, MultiChoice, Number, Table
from crmlab.value import benefit_index

SBG_HORIZON = 24  # months ahead for the sBG projection
TOP_K = 50  # the win-back list's length


# ------------------------------------------------------------------ faults by region
def _contract_years(data, ignore_end: bool = False) -> pd.Series:
    """Years under contract per customer, up to the end date or the as-of date."""
    c = data.contracts
    end = pd.Series(pd.Timestamp(END), index=c.index)
    if not ignore_end:
        end = c["end_date"].fillna(pd.Timestamp(END))
    years = (end - c["start_date"]).dt.days / 365.25
    return pd.Series(years.to_numpy(), index=c["customer_id"].to_numpy())


def faults_per_year(data, per: str = "year") -> pd.Series:
    """Service faults per customer-year under contract, by region (``per="customer"``: per
    customer; ``per="to_end"``: every contract counted to the as-of date)."""
    region = data.customers.set_index("customer_id")["region_id"]
    faults = data.service_faults[pd.to_datetime(data.service_faults["fault_date"])
                                 <= pd.Timestamp(END)]
    counts = faults["customer_id"].map(region).value_counts()
    if per == "customer":
        exposure = region.value_counts()
    else:
        years = _contract_years(data, ignore_end=(per == "to_end"))
        exposure = years.groupby(region.reindex(years.index)).sum()
    out = (counts.reindex(exposure.index, fill_value=0) / exposure).sort_index()
    out.index.name, out.name = "region_id", "faults_per_year"
    return out.astype(float)


def worst_region(data) -> str:
    """The region with the most faults per customer-year."""
    return str(faults_per_year(data).idxmax())


@per_dataset
def _cbi(data, traces: bool = True) -> pd.DataFrame:
    extra = dict(service_faults=data.service_faults, orders=data.orders,
                 contracts=data.contracts) if traces else {}
    return benefit_index(data.customers, data.surveys, data.tickets, END, **extra)


def cbi_in_worst_region(data, traces: bool = True, everyone: bool = False) -> float:
    cbi = _cbi(data, traces)["cbi"]
    if everyone:
        return float(cbi.mean())
    region = data.customers.set_index("customer_id")["region_id"].reindex(cbi.index)
    return float(cbi[region == worst_region(data)].mean())


# ------------------------------------------------------------------ survival
def sbg_survival_24(data, how: str = "sbg") -> float:
    if how == "naive":
        return float(sbg_fit(data).naive_retention_ ** SBG_HORIZON)
    if how == "years":
        return float(sbg_fit(data, "Y").survival(SBG_HORIZON // 12)[()])
    return float(sbg_fit(data).survival(SBG_HORIZON)[()])


# ------------------------------------------------------------------ lost customers
def pushed_away_share(data, traces: bool = True, of_all: bool = False) -> float:
    lost = lost_classified(data, traces=traces)
    n = (lost["lost_type"] == "unintentionally_pushed_away").sum()
    return float(n / (len(data.customers) if of_all else len(lost)))


def top_types(data, traces: bool = True, by: str = "score") -> pd.Series:
    ranking = winback_ranking(data, traces)
    top = ranking.head(TOP_K) if by == "score" else ranking.nlargest(TOP_K, by)
    values = top.groupby("lost_type")["value"].sum().sort_index()
    values.name = "value"
    return values.astype(float)


register(
    Exercise(
        id="ch08.faults-by-region",
        title="Service faults per customer-year, by region",
        prompt="For each region (region_id), compute the **service faults (网络故障)** per "
               "customer-year under contract: the number of faults of the region's customers "
               "divided by the years they were under contract (from start_date to end_date, or "
               "to 2024-12-31 if the contract is still running; a year is 365.25 days). Pass a "
               "Series indexed by region_id.",
        kind=Table(rel_tol=1e-3),
        expected=faults_per_year,
        scenario="telecom",
        hints=(("Map each fault's customer_id to the customer's region_id "
                "(data.customers), then count faults per region."),
               ("Years under contract: (end_date.fillna(2024-12-31) - start_date).dt.days / "
                "365.25, summed per region.")),
        explanation="A region with many customers has many faults; dividing by the time its "
                    "customers were exposed makes regions comparable.",
        mistakes=(
            Mistake(lambda d: faults_per_year(d, "customer"),
                    "you divided by the number of customers; divide by their years under "
                    "contract, so that short and long contracts count fairly"),
            Mistake(lambda d: faults_per_year(d, "to_end"),
                    "you counted every contract to 2024-12-31; a contract that ended stops "
                    "counting at its end_date"),
        ),
    ),
    Exercise(
        id="ch08.cbi-worst-region",
        title="The benefit index where the network fails most",
        prompt="Take the region with the most faults per customer-year (exercise 1). Compute the "
               "**customer benefit index (客户收益指数)** with crmlab.value.benefit_index on the "
               "telecom data at 2024-12-31, giving it service_faults, orders and contracts. What "
               "is the mean cbi of that region's customers? Answer with at least 2 decimals.",
        kind=Number(rel_tol=0, abs_tol=0.005),
        expected=cbi_in_worst_region,
        scenario="telecom",
        hints=(("benefit_index(data.customers, data.surveys, data.tickets, '2024-12-31', "
                "service_faults=data.service_faults, orders=data.orders, "
                "contracts=data.contracts)"),
               "Join the region_id of each customer and average cbi over that region."),
        explanation="The benefit index says how much the firm does for its customers; faults "
                    "lower it, so customers where the network fails often get less from the "
                    "firm.",
        mistakes=(
            Mistake(lambda d: cbi_in_worst_region(d, traces=False),
                    "you left out service_faults, orders and contracts: in telecom the value "
                    "delivered (a network that works, a fair bill) is part of the benefit"),
            Mistake(lambda d: cbi_in_worst_region(d, everyone=True),
                    "that is the mean over all customers; take only the region with the most "
                    "faults per customer-year"),
        ),
    ),
    Exercise(
        id="ch08.sbg-24",
        title="Contracts still running after 24 months (sBG)",
        prompt="Fit the **shifted-beta-geometric model (sBG, 移位贝塔几何模型)** to the monthly "
               "cohort survivor table of the telecom contracts at 2024-12-31. What share of a "
               "new cohort does it project to be still under contract after 24 months? Answer "
               "as a fraction with at least 4 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-5, unit="fraction"),
        expected=sbg_survival_24,
        scenario="telecom",
        hints=(("table = crmlab.sbg.cohort_survivors(data.contracts, '2024-12-31'); "
                "model = ShiftedBetaGeometric().fit(table)"),
               "model.survival(24)"),
        explanation="The sBG model lets the retention rate rise with tenure, because the "
                    "customers most likely to leave leave first; a constant rate misses that.",
        mistakes=(
            Mistake(lambda d: sbg_survival_24(d, "naive"),
                    "that is a constant monthly retention rate to the 24th power; use the "
                    "fitted sBG model's survival(24)"),
            Mistake(lambda d: sbg_survival_24(d, "years"),
                    "you used yearly cohorts; the survivor table is by month (freq='M'), so "
                    "24 months are 24 periods"),
        ),
    ),
    Exercise(
        id="ch08.pushed-away-share",
        title="How many were pushed away by the service?",
        prompt="Classify the lost telecom customers (contracts with an end_date) with "
               "lost_signals and classify_lost, using the price-rise month, the interactions, "
               "plan changes, address changes and service faults (as in chapter 02). What share "
               "of the lost customers is **unintentionally pushed away (非蓄意摒弃)**? Answer as "
               "a fraction with at least 4 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-5, unit="fraction"),
        expected=pushed_away_share,
        scenario="telecom",
        hints=(("churned = data.contracts.dropna(subset=['end_date']).rename(columns="
                "{'end_date': 'churn_date'})"),
               ("lost_signals(churned, data.orders, data.tickets, data.surveys, as_of=..., "
                "price_rise_date=..., interactions=..., plan_changes=..., address_changes=..., "
                "service_faults=...), then classify_lost and (lost_type == ...).mean()")),
        explanation="These are the customers the firm lost through its own service (faults, "
                    "unresolved complaints): the part of churn that fixing the service can "
                    "reach.",
        mistakes=(
            Mistake(lambda d: pushed_away_share(d, traces=False),
                    "you left out the traces (interactions, plan_changes, address_changes, "
                    "service_faults): without them more customers are misclassified"),
            Mistake(lambda d: pushed_away_share(d, of_all=True),
                    "you divided by all customers; divide by the lost customers"),
        ),
    ),
    Exercise(
        id="ch08.winback-types",
        title="Who is on the win-back list?",
        prompt=f"Rank the lost customers of exercise 4 with win_back_ranking(lost, "
               f"'2024-12-31'). Take the top {TOP_K} of the **win-back list (赢返名单)**. How "
               "much value (the column value: a year of the margin each customer brought) does "
               "each lost_type bring there, summed? Pass a Series indexed by lost_type (only the "
               "types that occur).",
        kind=Table(rel_tol=1e-3),
        expected=top_types,
        scenario="telecom",
        hints=("The ranking is sorted by score: ranking.head(50).",
               "Group its rows by lost_type and sum the value column."),
        explanation="The list mixes value (the margin a customer brought) and the chance that "
                    "a win-back offer works for their type; which types fill it tells where the "
                    "win-back budget goes.",
        mistakes=(
            Mistake(lambda d: top_types(d, traces=False),
                    "you ranked customers classified without the traces (interactions, plan "
                    "changes, moves, faults)"),
            Mistake(lambda d: top_types(d, by="value"),
                    "you took the 50 highest values; the list is ranked by score = value × "
                    "likelihood"),
        ),
    ),
    Exercise(
        id="ch08.memo-finding",
        title="A finding for the memo",
        prompt="Which sentence may go into the memo's findings as it stands?",
        kind=Choice(
            options={"a": "Fixing the faults of the worst region will cut its churn to the level "
                          "of the best region.",
                     "b": "The worst region has the most faults per customer-year and a lower "
                          "mean benefit index than the average customer; faults are the observed "
                          "evidence behind many 'unintentionally pushed away' customers.",
                     "c": "Every customer who left after a fault left because of the fault.",
                     "d": "Customers on the win-back list will come back if we send them an "
                          "offer."},
            feedback={"a": "the data show a difference between regions, not what a repair "
                           "would achieve: that is a forecast, and a risk to state",
                      "c": "a fault before leaving is evidence, not proof: some of them left "
                           "for price or moved",
                      "d": "the ranking's likelihood is an assumption per type, not a "
                           "promise; a test with a control group would tell"}),
        expected=lambda d: "b",
        scenario="telecom",
        hints=("A finding states what the numbers show; a forecast or a cause needs more.",),
        explanation="Findings report what was measured; what a decision will achieve belongs "
                    "in the recommendation, with its risks.",
    ),
    Exercise(
        id="ch08.memo-risks",
        title="What the data cannot show",
        prompt="Tick every statement that belongs under **Risks** in the memo (what the data "
               "cannot show or where the analysis may be wrong).",
        kind=MultiChoice(
            options={"a": "the lost-type labels are inferred from traces and may be wrong for "
                          "some customers",
                     "b": "the sBG projection assumes that future cohorts behave like the past "
                          "ones",
                     "c": "the number of contracts in the data",
                     "d": "a region's faults and its churn may both come from something else "
                          "(e.g. a stronger competitor there)",
                     "e": "the region names"},
            feedback={"c": "the number of contracts is a fact of the data, not a risk",
                      "e": "the region names are a fact of the data, not a risk"}),
        expected=lambda d: ["a", "b", "d"],
        scenario="telecom",
        hints=("A risk is something that could make a finding or a recommendation wrong.",),
        explanation="A strong memo names the assumptions behind each number: inferred labels, "
                    "model assumptions, and associations that are not yet causes.",
    ),
)
