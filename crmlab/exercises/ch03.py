"""Chapter 03 — customer value (客户价值): RFM, CLV, BG/NBD, the two sides of value.

Data exercises compute their answer from the student's own dataset with
:mod:`crmlab.rfm`, :mod:`crmlab.clv`, :mod:`crmlab.btyd` and :mod:`crmlab.value`;
the homework is ``exercises/03_customer_value.ipynb``, a few more are embedded
in ``notebooks/03_customer_value.ipynb``.
"""

from __future__ import annotations

import pandas as pd

from crmlab.btyd import BetaGeo, GammaGamma, expected_clv
from crmlab.clv import calibration_holdout, dcf_clv, retention_clv, summary_data
from crmlab.exercises.core import Exercise, Mistake, per_dataset, register
from crmlab.exercises.kinds import Choice, Function, MultiChoice, Number, Table, Text
from crmlab.i18n import _
from crmlab.rfm import quintile_scores, rfm_scores
from crmlab.sbg import ShiftedBetaGeometric, cohort_survivors
from crmlab.value import benefit_index, retention_lever, tier_economics, value_matrix

FOCUS_ORDER = "O0001000"  # the order whose customer the RFM-code exercise asks about
CALIBRATION_END = "2024-06-30"  # calibration / hold-out split of the BG/NBD exercises
CLV_YEARS, CLV_DISCOUNT = 3, 0.10
SBG_MONTHS = 48
DCF_MARGINS = (15, 25, 35, 40, 40, 40, 40, 40)  # the DCF exercise's customer, years 1-8
DCF_RETENTION, DCF_DISCOUNT, DCF_ACQUISITION = 0.7, 0.08, 45.0  # the sBG exercise projects contract survival this many months ahead


@per_dataset
def sbg_fit(data, freq: str = "M") -> ShiftedBetaGeometric:
    """The sBG model fitted to the contracts' cohort survivor table (cached per dataset)."""
    return ShiftedBetaGeometric().fit(cohort_survivors(data.contracts, data.meta["end"],
                                                       freq=freq))


def sbg_survival_48(data, how: str = "sbg") -> float:
    if how == "naive":
        return float(sbg_fit(data).naive_retention_ ** SBG_MONTHS)
    if how == "years":  # yearly cohorts, 4 periods
        return float(sbg_fit(data, "Y").survival(SBG_MONTHS // 12)[()])
    return float(sbg_fit(data).survival(SBG_MONTHS)[()])


def focus_customer(data) -> str:
    """The customer who placed :data:`FOCUS_ORDER`."""
    row = data.orders.loc[data.orders["order_id"] == FOCUS_ORDER, "customer_id"]
    if row.empty:
        raise ValueError(_("there is no order {focus_order} in this dataset").format(
                             focus_order=FOCUS_ORDER))
    return str(row.iloc[0])


@per_dataset
def _rfm(data) -> pd.DataFrame:
    return rfm_scores(data.orders, as_of=data.meta["end"])


def _code(data, reverse_r: bool = False, monetary: str = "sum", tie: str = "first") -> str:
    if (reverse_r, monetary, tie) == (False, "sum", "first"):
        return str(_rfm(data).loc[focus_customer(data), "rfm_code"])
    end = pd.Timestamp(data.meta["end"])
    g = data.orders[data.orders["order_date"] <= end].groupby("customer_id")
    rec = (end - g["order_date"].max()).dt.days
    freq, mon = g.size(), g["amount"].agg(monetary)
    if tie == "first":
        tb = g["amount"].sum()
        r = quintile_scores(rec, higher_is_better=reverse_r, tie_break=tb)
        f, m = quintile_scores(freq, tie_break=tb), quintile_scores(mon, tie_break=tb)
    else:  # ties kept together: qcut on ranks with method="min"
        def score(x):
            return pd.qcut(x.rank(method="min"), 5, labels=False, duplicates="drop") + 1
        r, f, m = score(-rec), score(freq), score(mon)
    c = focus_customer(data)
    return f"{r[c]}{f[c]}{m[c]}"


def segment_counts(data, normalize: bool = False) -> pd.Series:
    counts = _rfm(data)["segment"].value_counts(normalize=normalize, sort=False)
    return pd.Series(counts.to_numpy(), index=[str(s) for s in counts.index], name="customers")


def _reversed_segments(data) -> pd.Series:
    from crmlab.rfm import segment_of

    r = _rfm(data)
    seg = pd.Series(segment_of(6 - r["R"].to_numpy(), r["F"].to_numpy()), index=r.index)
    return seg.value_counts()


@per_dataset
def gl_inputs(data, revenue: bool = False) -> tuple[float, float]:
    """Margin per 2024 buyer and the 2023 -> 2024 retention rate, from the orders."""
    o = data.orders
    year = o["order_date"].dt.year
    col = "amount" if revenue else "margin"
    m = float(o.loc[year == 2024].groupby("customer_id")[col].sum().mean())
    b23 = pd.Index(o.loc[year == 2023, "customer_id"].unique())
    b24 = pd.Index(o.loc[year == 2024, "customer_id"].unique())
    return m, len(b23.intersection(b24)) / len(b23)


def gl_clv(data, variant: str = "gl") -> float:
    m, r = gl_inputs(data, revenue=(variant == "revenue"))
    i = CLV_DISCOUNT
    if variant == "no_r":
        return m / (1 + i - r)
    if variant == "now":
        return m * (1 + i) / (1 + i - r)
    return retention_clv(m, r, i)


def _clv_cases(data) -> list[tuple[tuple, float]]:
    m, r = gl_inputs(data)
    cases = [(1.0, 0.8, 0.10), (100.0, 0.5, 0.10), (round(m, 2), round(r, 3), 0.10),
             (250.0, 0.9, 0.05), (80.0, 0.0, 0.12)]
    return [(c, retention_clv(*c)) for c in cases]


@per_dataset
def _split(data) -> pd.DataFrame:
    return calibration_holdout(data.orders, CALIBRATION_END, data.meta["end"])


def holdout_prediction(data, unit_mistake: bool = False) -> float:
    ch = _split(data)
    model = BetaGeo().fit(ch)
    t = ch["duration_holdout"].iloc[0] * (7 if unit_mistake else 1)
    return float(model.predict_purchases(ch, t).sum())


@per_dataset
def full_period_fit(data) -> tuple[pd.DataFrame, BetaGeo]:
    """The RFM summary at the data's end date and the BG/NBD model fitted to it (cached).

    Several exercises and their mistakes use the same fit; it is made once per dataset.
    """
    s = summary_data(data.orders, data.meta["end"])
    return s, BetaGeo().fit(s)


def at_risk_alive(data, everyone: bool = False) -> float:
    s, bg = full_period_fit(data)
    p = bg.p_alive(s)
    if everyone:
        return float(p.mean())
    seg = _rfm(data)["segment"].reindex(p.index)
    return float(p[seg == "At Risk"].mean())


@per_dataset
def customer_values(data, margin_rate: float | None = None,
                    unknown: str = "nan") -> tuple[pd.Series, pd.Series]:
    """CLV (3 years, 10%, BG/NBD + Gamma-Gamma, data's margin rate) and the CBI."""
    end = data.meta["end"]
    s, bg = full_period_fit(data)
    if margin_rate is None:
        margin_rate = float(data.orders["margin"].sum() / data.orders["amount"].sum())
    clv = expected_clv(bg, GammaGamma().fit(s), s, years=CLV_YEARS,
                       annual_discount_rate=CLV_DISCOUNT, margin=margin_rate)
    cbi = benefit_index(data.customers, data.surveys, data.tickets, end, unknown=unknown)["cbi"]
    return clv, cbi


def quadrant_count(data, quadrant: str = "vulnerable", unknown: str = "nan") -> int:
    clv, cbi = customer_values(data, unknown=unknown)
    return int((value_matrix(clv, cbi)["quadrant"] == quadrant).sum())


def lever_tier(data) -> str:
    return str(retention_lever(tier_economics(data.orders, data.meta["end"]))["gain"].idxmax())


TIERS = {"platinum": "platinum", "gold": "gold", "iron": "iron", "lead": "lead"}

register(
    # ------------------------------------------------------------ homework
    Exercise(
        id="ch03.rfm-code",
        title="RFM code of one customer",
        prompt=f"What is the RFM code (RFM编码) of the customer who placed order {FOCUS_ORDER}, "
               "as of the data's end date (data.meta['end'])? Score recency, frequency (number "
               "of orders) and monetary value (total amount) in quintiles 1-5 over all "
               "customers who bought, 5 = best (for recency: the most recent), breaking ties "
               "before cutting as crmlab.rfm does (the bigger spender first, then "
               "customer_id). Answer with three digits, e.g. '543'.",
        kind=Text(),
        expected=_code,
        hints=(("Find the customer: data.orders.loc[data.orders.order_id == "
               f"'{FOCUS_ORDER}', 'customer_id']."),
               ("crmlab.rfm.rfm_scores(data.orders, as_of=data.meta['end']) scores everyone; "
               "look up the customer's rfm_code."),
               ("By hand: sort the customers by (monetary, customer_id), then R = pd.qcut("
               "(-recency).rank(method='first'), 5, labels=[1, 2, 3, 4, 5]).")),
        explanation="R, F and M are ranks among all customers: the same purchases give "
                    "another code in another customer base or on another as-of date.",
        mistakes=(
            Mistake(lambda d: _code(d, reverse_r=True),
                    "your R digit is reversed: a recent purchase (small recency in days) "
                    "must score 5, not 1"),
            Mistake(lambda d: _code(d, monetary="mean"),
                    "your M digit uses the mean order value; here monetary value is the "
                    "total amount spent"),
            Mistake(lambda d: _code(d, tie="min"),
                    "your scores keep tied customers together; break ties before cutting "
                    "with rank(method='first'), so each quintile holds a fifth of customers"),
        ),
    ),
    Exercise(
        id="ch03.segment-counts",
        title="Customers per RFM segment",
        prompt="Make a pandas Series: the number of customers in each named RFM segment "
               "(客户细分: Champions, Loyal, ..., Hibernating) as of the data's end date, "
               "indexed by segment name.",
        kind=Table(rel_tol=0, abs_tol=0.5),
        expected=segment_counts,
        hints=("rfm_scores(...) has a 'segment' column.",
               "value_counts() on that column gives the Series."),
        explanation="Every segment gets its own treatment (分层管理): compare the segment sizes "
                    "with the segment map in the notebook.",
        mistakes=(
            Mistake(lambda d: segment_counts(d, normalize=True),
                    "these are shares; the exercise asks for numbers of customers"),
            Mistake(_reversed_segments, "recency is scored the wrong way round: R = 5 is "
                                        "the most recent buyer"),
        ),
    ),
    Exercise(
        id="ch03.clv-function",
        title="The Gupta & Lehmann formula as a function",
        prompt="Write a function clv_formula(m, r, i) that returns the retention-based "
               "customer lifetime value (客户终身价值) of Gupta & Lehmann: margin m per period, "
               "retention rate r, discount rate i, margins paid at the end of each period "
               "while the customer stays, infinite horizon.",
        kind=Function(rel_tol=1e-9),
        expected=_clv_cases,
        hints=(("The customer is still there after t periods with probability r**t; a margin "
               "in period t is worth m / (1 + i)**t today."),
               "Sum the geometric series: m * r / (1 + i - r)."),
        explanation="r / (1 + i - r) is the margin multiple: 2.67 for r = 0.8, i = 0.10.",
    ),
    Exercise(
        id="ch03.clv-formula",
        title="CLV by formula from your data",
        prompt="Estimate the CLV of a customer with the Gupta & Lehmann formula m·r/(1+i−r). "
               "m = average margin (毛利, column 'margin') in 2024 of the customers who bought "
               "in 2024; r = share of the customers who bought in 2023 that bought again in "
               "2024; i = 0.10. Give the CLV in currency units (2 decimals are enough).",
        kind=Number(rel_tol=2e-3),
        expected=gl_clv,
        hints=("Sum the margin per customer over the 2024 orders, then take the mean.",
               ("r: customers with an order in 2023 and one in 2024, divided by customers with "
               "an order in 2023."),
               "crmlab.clv.retention_clv(m, r, 0.10)"),
        explanation="A one-line CLV: it assumes the same margin and retention for every "
                    "customer and every year, which the BG/NBD model does not.",
        mistakes=(
            Mistake(lambda d: gl_clv(d, "no_r"), "the numerator is m·r, not m: the first "
                                                 "margin comes only if the customer stays"),
            Mistake(lambda d: gl_clv(d, "now"), "you counted a margin paid right now as well "
                                                "(m(1+i)/(1+i−r)); the formula starts at the "
                                                "end of the first period"),
            Mistake(lambda d: gl_clv(d, "revenue"), "you used revenue ('amount'); CLV is "
                                                    "about margin ('margin')"),
        ),
    ),
    Exercise(
        id="ch03.holdout-purchases",
        title="BG/NBD: predicted purchases in the hold-out period",
        prompt="Split the orders at 2024-06-30 with crmlab.clv.calibration_holdout(orders, "
               "'2024-06-30', data.meta['end']) (weeks), fit crmlab.btyd.BetaGeo on the "
               "calibration period and predict each customer's repeat purchases in the "
               "hold-out period. How many purchases does the model predict in total?",
        kind=Number(rel_tol=5e-3),
        expected=holdout_prediction,
        hints=("BetaGeo().fit(split) uses the *_cal columns of the split.",
               ("model.predict_purchases(split, t) with t = the hold-out length in weeks "
               "(split['duration_holdout']).")),
        explanation="Compare it with split['frequency_holdout'].sum(): the purchases that "
                    "really happened.",
        mistakes=(
            Mistake(lambda d: float(_split(d)["frequency_holdout"].sum()),
                    "that is the actual number of hold-out purchases; the question asks for "
                    "the model's prediction"),
            Mistake(lambda d: holdout_prediction(d, unit_mistake=True),
                    "the hold-out length must be in weeks, the unit of the summary (it looks "
                    "like you used days)"),
        ),
    ),
    Exercise(
        id="ch03.at-risk-alive",
        title="P(alive) of the At Risk segment",
        prompt="Fit BetaGeo on summary_data(orders, data.meta['end']) (weeks). What is the "
               "mean probability of being alive (存活概率, P(alive)) of the customers in the "
               "RFM segment 'At Risk'? Answer as a fraction between 0 and 1.",
        kind=Number(rel_tol=0, abs_tol=2e-3, unit="fraction"),
        expected=at_risk_alive,
        hints=("model.p_alive(summary) gives one probability per customer.",
               "Select the customers whose rfm_scores segment is 'At Risk' (same index)."),
        explanation="At Risk customers used to buy often but have been silent: the model "
                    "says how many of them are probably still customers worth a call.",
        mistakes=(
            Mistake(lambda d: at_risk_alive(d, everyone=True),
                    "that is the mean over all customers, not over the At Risk segment"),
        ),
    ),
    Exercise(
        id="ch03.value-quadrant",
        title="Vulnerable customers in the value matrix",
        prompt="Build the value matrix (价值矩阵): value to the firm = 3-year CLV from "
               "BetaGeo + GammaGamma fitted on summary_data(orders, end), with a 10% annual "
               "discount rate and margin = total margin / total amount of all orders; value "
               "to the customer = the customer benefit index (客户收益指数) "
               "crmlab.value.benefit_index(...); customers about whom nothing is known (never "
               "surveyed, no complaint) have no CBI and stay unclassified. How many customers "
               "are 'vulnerable' (CLV at or above the median, CBI below 50)?",
        kind=Number(rel_tol=0, abs_tol=0.5),
        expected=quadrant_count,
        hints=(("crmlab.btyd.expected_clv(bg, gg, summary, years=3, annual_discount_rate=0.10, "
               "margin=...)"),
               "crmlab.value.value_matrix(clv, cbi['cbi']) labels every customer."),
        explanation="Valuable customers who get little from the firm: they are the first "
                    "whom a competitor can take away (put the customer's benefit first).",
        mistakes=(
            Mistake(lambda d: quadrant_count(d, "win-win"),
                    "those are the win-win customers (high value on both sides)"),
            Mistake(lambda d: quadrant_count(d, "over-served"),
                    "you swapped the axes: those customers get much from the firm but bring "
                    "little (over-served)"),
            Mistake(lambda d: quadrant_count(d, unknown="average"),
                    "you gave the customers about whom nothing is known an average CBI; leave "
                    "them unclassified (benefit_index's default, CBI NaN)"),
        ),
    ),
    Exercise(
        id="ch03.tier-service",
        title="Which service for the platinum tier?",
        prompt="In the customer pyramid (客户金字塔, Zeithaml, Rust & Lemon 2001), which "
               "measures fit the platinum tier (the top 20% by value)? Tick all that apply.",
        kind=MultiChoice(
            options={
                "a": "a dedicated account manager and proactive care calls",
                "b": "move them to self-service channels to cut the cost to serve",
                "c": "priority service and exclusive offers",
                "d": "only mass promotional SMS, like everyone else",
                "e": "a personal win-back call as soon as they go quiet",
            },
            feedback={"b": "self-service to cut cost fits the lead tier, whose customers cost "
                           "more than they bring",
                      "d": "the same treatment for everyone is the opposite of value-tiered "
                           "management (分层管理)"},
        ),
        expected=lambda d: ["a", "c", "e"],
        hints=("The top tier brings most of the value: losing one is expensive.",),
        explanation="Value-tiered management spends the most on the customers who bring the "
                    "most (and cuts the cost of serving those who bring little).",
    ),
    Exercise(
        id="ch03.sbg-survival",
        title="Contract survival with the sBG model",
        prompt="Telecom: build the monthly cohort survivor table of the contracts with "
               "crmlab.sbg.cohort_survivors(data.contracts, '2024-12-31') and fit "
               "crmlab.sbg.ShiftedBetaGeometric to it (the shifted-beta-geometric model, "
               "Fader & Hardie 2007). What share of a new cohort does the model project to "
               f"be still under contract after {SBG_MONTHS} months? Answer as a fraction with "
               "3 decimals.",
        kind=Number(rel_tol=0, abs_tol=2e-3, unit="fraction"),
        expected=sbg_survival_48,
        scenario="telecom",
        hints=("table = cohort_survivors(data.contracts, '2024-12-31'); "
               "model = ShiftedBetaGeometric().fit(table)",
               f"model.survival({SBG_MONTHS}) is S({SBG_MONTHS}): months are the periods."),
        explanation="The data cover 36 months at most: beyond them the projection rests on "
                    "the model. The sBG lets the retention rate rise with tenure (the customers "
                    "most likely to leave leave first); a constant rate cannot, so it projects "
                    "lower survival whenever customers differ.",
        mistakes=(
            Mistake(lambda d: sbg_survival_48(d, "naive"),
                    "that is the constant-retention projection (model.naive_retention_ ** "
                    f"{SBG_MONTHS}); the question asks for the sBG's S({SBG_MONTHS})"),
            Mistake(lambda d: sbg_survival_48(d, "years"),
                    "you used yearly cohorts (freq='Y'); use the monthly table, whose periods "
                    "are months"),
        ),
    ),
    # ------------------------------------------------------------ in the chapter notebook
    Exercise(
        id="ch03.margin-multiple",
        practice=True,
        title="Margin multiple",
        prompt="With retention r = 0.75 and discount rate i = 0.12 per year, what is Gupta & "
               "Lehmann's margin multiple r/(1+i−r) (CLV per unit of yearly margin)? Give 3 "
               "decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-4),
        expected=lambda d: 0.75 / (1 + 0.12 - 0.75),
        hints=("0.75 / (1.12 - 0.75)",),
        explanation="A customer with 75% retention is worth about two years of margin. "
                    "Without discounting the end-of-year margins would add up to r/(1−r) = 3 "
                    "years; the often-quoted 'expected lifetime' 1/(1−r) = 4 also counts the "
                    "current year.",
        mistakes=(Mistake(lambda d: 1 / (1 - 0.75), "that is the expected lifetime 1/(1−r) "
                                                      "without discounting"),
                  Mistake(lambda d: 0.75 / (1 - 0.75), "that is r/(1−r), the multiple without "
                                                         "discounting; divide by 1 + i − r"),
                  Mistake(lambda d: 1 / (1 + 0.12 - 0.75), "the numerator is r, not 1")),
    ),
    Exercise(
        id="ch03.dcf-clv",
        practice=True,
        title="CLV by discounted cash flow",
        prompt="A new customer costs 45 to acquire. If they stay, their yearly margin grows: "
               f"{', '.join(map(str, DCF_MARGINS))} in years 1 to {len(DCF_MARGINS)}, each at the "
               f"end of the year. They stay from one year to the next with probability "
               f"{DCF_RETENTION}, and money is discounted at {DCF_DISCOUNT:.0%} a year. What is "
               "the customer's CLV over these years, net of the acquisition cost? Give 2 "
               "decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-3),
        expected=lambda d: dcf_clv(DCF_MARGINS, DCF_DISCOUNT, retention=DCF_RETENTION,
                                   acquisition_cost=DCF_ACQUISITION),
        hints=("CLV = −AC + Σ_t CF_t · r^t / (1+i)^t, t = 1..8",
               "crmlab.clv.dcf_clv(margins, 0.08, retention=0.7, acquisition_cost=45)"),
        explanation="Discounting each year's expected margin separately handles margins that "
                    "change; here the growth comes too late to weigh much, because only 0.7^t of "
                    "the customers are still there to bring it.",
        mistakes=(
            Mistake(lambda d: dcf_clv(DCF_MARGINS, DCF_DISCOUNT, acquisition_cost=DCF_ACQUISITION),
                    "you left out retention: the margin of year t is only expected if the "
                    "customer is still there, with probability r^t"),
            Mistake(lambda d: dcf_clv(DCF_MARGINS, DCF_DISCOUNT, retention=DCF_RETENTION),
                    "you left out the acquisition cost (−45, paid now)"),
            Mistake(lambda d: dcf_clv(DCF_MARGINS, 0.0, retention=DCF_RETENTION,
                                      acquisition_cost=DCF_ACQUISITION),
                    "you did not discount: divide each year's expected margin by (1+i)^t"),
        ),
    ),
    Exercise(
        id="ch03.segment-rule",
        practice=True,
        title="Which RFM segment?",
        prompt="A customer has R = 2 and F = 5. Which segment of the RFM segment map is that?",
        kind=Choice(
            options={"champions": "Champions", "at_risk": "At Risk", "cant_lose": "Can't Lose",
                     "hibernating": "Hibernating", "loyal": "Loyal"},
            feedback={"champions": "Champions bought recently (R = 5)",
                      "at_risk": "At Risk is R 1-2 with F 3-4; F = 5 is the very best buyers",
                      "hibernating": "Hibernating customers bought rarely (F 1-2)",
                      "loyal": "Loyal customers still buy (R 3-4)"},
        ),
        expected=lambda d: "cant_lose",
        hints=(("R 1-2 means they have not bought for a long time; F 5 that they used to buy "
               "very often."),),
        explanation="Can't Lose: formerly the best customers, now silent. Win them back.",
    ),
    Exercise(
        id="ch03.equity-lever",
        practice=True,
        title="Where does more retention add the most customer equity?",
        prompt="Tier your customers by last year's margin (crmlab.value.tier_economics) and "
               "add 5 points of retention to each tier (crmlab.value.retention_lever). Which "
               "tier's customer equity (客户资产) rises the most?",
        kind=Choice(options=TIERS),
        expected=lever_tier,
        hints=("retention_lever(tier_economics(data.orders, data.meta['end']))['gain']",),
        explanation="Customer-asset maximisation (客户资产最大化) puts the retention budget "
                    "where it adds the most equity.",
    ),
)

# The reference implementation of each Function exercise: it passes every hidden case.
REFERENCES = {"ch03.clv-function": retention_clv}
