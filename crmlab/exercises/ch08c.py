"""Chapter 08c — the key-account case (案例：B2B大客户服务): value concentration, the stability of
the key-account list, the account managers' load, key-account satisfaction with its interval,
and the sales reps' win rates, on the B2B supplier's data.

Every expected answer is computed from the student's own b2b dataset with the chapters' models
(:mod:`crmlab.concentration`, :mod:`crmlab.value`, :mod:`crmlab.satisfaction`); the key
accounts are the platinum tier of the customer pyramid cut from each account's margin in 2024
(an account that did not buy brings 0).  The homework is
``exercises/08c_key_accounts_case.ipynb``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from crmlab.concentration import top_share, value_tiers
from crmlab.exercises.ch02 import END
from crmlab.exercises.core import Exercise, Mistake, per_dataset, register
from crmlab.exercises.kinds import Choice, MultiChoice, Number, Table
from crmlab.satisfaction import csat
from crmlab.value import development_index

YEAR = 2024  # the year whose margin makes the key-account list
TOP = 0.2  # the key accounts: the top 20% (the platinum tier)


# ------------------------------------------------------------------ value per account
@per_dataset
def account_value(data, year: int = YEAR, column: str = "margin",
                  buyers_only: bool = False) -> pd.Series:
    """Each account's ``column`` (margin or amount) summed over one calendar year (``year=None``:
    every year), clipped at 0; accounts that did not buy count 0 unless ``buyers_only``."""
    orders = data.orders
    if year is not None:
        orders = orders[pd.to_datetime(orders["order_date"]).dt.year == year]
    value = orders.groupby("customer_id")[column].sum()
    if not buyers_only:
        value = value.reindex(data.customers["customer_id"], fill_value=0.0)
    value.index.name = "customer_id"
    return value.clip(lower=0).astype(float)


def key_accounts(data, year: int = YEAR, buyers_only: bool = False) -> pd.Index:
    """The platinum tier of the pyramid cut from ``year``'s margin."""
    tiers = value_tiers(account_value(data, year, buyers_only=buyers_only))
    return tiers.index[tiers == "platinum"]


def key_share(data, how: str = "margin") -> float:
    """Share of the 2024 margin held by the top 20% of accounts (``how``: ``"buyers"`` only the
    accounts that bought, ``"revenue"`` amounts instead of margin, ``"all_years"`` every year's
    margin)."""
    if how == "buyers":
        values = account_value(data, buyers_only=True)
    elif how == "revenue":
        values = account_value(data, column="amount")
    elif how == "all_years":
        values = account_value(data, year=None)
    else:
        values = account_value(data)
    return float(top_share(values, TOP))


def key_again(data, how: str = "tiers") -> int:
    """How many of the 2023 key accounts are key accounts again in 2024 (``how="buyers"``: tiers
    cut among the accounts that bought in each year; ``"bought"``: the 2023 key accounts that
    bought at all in 2024)."""
    if how == "bought":
        was = key_accounts(data, YEAR - 1)
        return int((account_value(data).reindex(was) > 0).sum())
    buyers = how == "buyers"
    was = key_accounts(data, YEAR - 1, buyers_only=buyers)
    now = key_accounts(data, YEAR, buyers_only=buyers)
    return int(was.isin(now).sum())


def key_per_manager(data, how: str = "key") -> pd.Series:
    """Key accounts per account manager (``how="all"``: all accounts; ``"buyers"``: key accounts
    cut among the 2024 buyers only)."""
    manager = data.customers.set_index("customer_id")["account_manager_id"]
    if how == "all":
        ids = manager.index
    else:
        ids = key_accounts(data, buyers_only=(how == "buyers"))
    out = manager.reindex(ids).value_counts().sort_index()
    out.index.name, out.name = "account_manager_id", "key_accounts"
    return out.astype(float)


@per_dataset
def _cdi(data) -> pd.Series:
    return development_index(data.orders, END)["cdi"]


def key_shrinking(data, how: str = "key") -> int:
    """Key accounts whose development index is below 50 (``how="all"``: every account;
    ``"unknown_too"``: accounts without an index counted as shrinking)."""
    cdi = _cdi(data)
    if how == "all":
        return int((cdi < 50).sum())
    cdi = cdi.reindex(key_accounts(data))
    if how == "unknown_too":
        return int((~(cdi >= 50)).sum())
    return int((cdi < 50).sum())


def key_csat_low(data, how: str = "wilson") -> float:
    """Lower end of the 95% Wilson interval of the key accounts' satisfied share (CSAT 4-5) over
    their survey answers (``how="share"``: the share itself; ``"wald"``: the normal interval;
    ``"everyone"``: every account's answers)."""
    surveys = data.surveys
    if how != "everyone":
        surveys = surveys[surveys["customer_id"].isin(key_accounts(data))]
    result = csat(surveys["csat"], level=0.95)
    if how == "share":
        return float(result["share_satisfied"])
    if how == "wald":
        p, n = result["share_satisfied"], result["n"]
        return float(p - stats.norm.ppf(0.975) * np.sqrt(p * (1 - p) / n))
    return float(result["ci_low"])


def rep_win_rates(data, how: str = "closed") -> pd.Series:
    """Won / closed opportunities per sales rep (``how="all"``: won / all opportunities, open ones
    included; ``"leads"``: won / the rep's leads)."""
    opps = data.opportunities
    won = opps[opps["stage"] == "won"].groupby("employee_id").size()
    if how == "leads":
        base = data.leads.groupby("employee_id").size()
    elif how == "all":
        base = opps.groupby("employee_id").size()
    else:
        base = opps[opps["stage"].isin(["won", "lost"])].groupby("employee_id").size()
    out = (won.reindex(base.index, fill_value=0) / base).sort_index()
    out.index.name, out.name = "employee_id", "win_rate"
    return out.astype(float)


def late_losses(data, how: str = "negotiation") -> float:
    """Value of the opportunities lost after reaching negotiation (``how="all"``: every lost
    deal; ``"proposal"``: lost after reaching the proposal stage)."""
    opps = data.opportunities
    lost = opps[opps["stage"] == "lost"]
    if how == "proposal":
        lost = lost[lost["proposal_date"].notna()]
    elif how != "all":
        lost = lost[lost["negotiation_date"].notna()]
    return float(lost["value"].sum())


KEY_DEF = ("The **key accounts (大客户)** are the platinum tier of the customer pyramid "
           "(concentration.value_tiers: the top 20%) cut from each account's margin in 2024, "
           "with every account in data.customers included (0 for an account that did not buy "
           "in 2024).")

register(
    Exercise(
        id="ch08c.key-share",
        title="How much of the margin do the key accounts hold?",
        prompt="Sum each account's **margin** over its orders of 2024 (an account without "
               "orders in 2024 brings 0; every account in data.customers counts). What share of "
               "the total 2024 margin do the top 20% of accounts hold "
               "(concentration.top_share)? Answer as a fraction with at least 4 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-5, unit="fraction"),
        expected=key_share,
        scenario="b2b",
        hints=("orders[orders['order_date'].dt.year == 2024].groupby('customer_id')['margin']"
               ".sum(), then .reindex(data.customers['customer_id'], fill_value=0)",
               "crmlab.concentration.top_share(values, 0.2)"),
        explanation="The top 20% hold most of the margin: that is the case for giving them a "
                    "key-account plan. With 300 accounts the share itself is uncertain; the "
                    "notebook gives it a bootstrap interval.",
        mistakes=(
            Mistake(lambda d: key_share(d, "buyers"),
                    "you left out the accounts that did not buy in 2024: they are accounts too "
                    "(value 0), and without them the top 20% is a smaller, less exclusive group"),
            Mistake(lambda d: key_share(d, "revenue"),
                    "you used the order amounts (revenue); the key accounts are ranked by the "
                    "margin they bring"),
            Mistake(lambda d: key_share(d, "all_years"),
                    "you summed the margin of every year; take 2024 only"),
        ),
    ),
    Exercise(
        id="ch08c.key-again",
        title="Do the key accounts stay key?",
        prompt=f"{KEY_DEF} Cut the key accounts of 2023 the same way from the 2023 margin. How "
               "many of the 2023 key accounts are key accounts again in 2024?",
        kind=Number(rel_tol=0, abs_tol=0.5),
        expected=key_again,
        scenario="b2b",
        hints=("tiers_2023 = value_tiers(margin_2023); tiers_2024 = value_tiers(margin_2024), "
               "both over all accounts",
               "((tiers_2023 == 'platinum') & (tiers_2024 == 'platinum')).sum()"),
        explanation="A list cut from one year's margin is partly wrong the next year: some key "
                    "accounts shrink or leave silently, and new accounts grow into the top tier. "
                    "A key-account plan needs a rule for who enters and leaves the list.",
        mistakes=(
            Mistake(lambda d: key_again(d, "buyers"),
                    "you cut the tiers among the accounts that bought in each year; keep every "
                    "account (0 if it did not buy), so both years' tiers are of the same 300"),
            Mistake(lambda d: key_again(d, "bought"),
                    "that is how many 2023 key accounts bought anything in 2024; the question is "
                    "how many are in the top tier again"),
        ),
    ),
    Exercise(
        id="ch08c.manager-load",
        title="Key accounts per account manager",
        prompt=f"{KEY_DEF} How many key accounts does each **account manager (客户经理)** look "
               "after (customers.account_manager_id)? Pass a Series indexed by "
               "account_manager_id (only the managers who have key accounts).",
        kind=Table(rel_tol=1e-9),
        expected=key_per_manager,
        scenario="b2b",
        hints=("key = tiers.index[tiers == 'platinum']",
               "data.customers.set_index('customer_id').loc[key, 'account_manager_id']"
               ".value_counts()"),
        explanation="A key-account plan needs a manager's time; an uneven load says some plans "
                    "will exist only on paper unless accounts move between managers.",
        mistakes=(
            Mistake(lambda d: key_per_manager(d, "all"),
                    "you counted all accounts of each manager; count only the key accounts"),
            Mistake(lambda d: key_per_manager(d, "buyers"),
                    "you cut the tiers among the 2024 buyers only; include every account (0 if "
                    "it did not buy), so the top 20% are 20% of all accounts"),
        ),
    ),
    Exercise(
        id="ch08c.key-shrinking",
        title="Key accounts that spend less",
        prompt=f"{KEY_DEF} Compute the **customer development index (客户发展指数)** with "
               "crmlab.value.development_index(data.orders, '2024-12-31'). How many key accounts "
               "have a cdi below 50 (spending less in the last 12 months than before)?",
        kind=Number(rel_tol=0, abs_tol=0.5),
        expected=key_shrinking,
        scenario="b2b",
        hints=("cdi = development_index(data.orders, '2024-12-31')['cdi']",
               "cdi.reindex(key) < 50, summed; accounts too new for an index have NaN"),
        explanation="A key account whose spending shrinks is where an account plan starts with "
                    "a visit: why are they buying less? The accounts without an index are too "
                    "new to tell, not shrinking.",
        mistakes=(
            Mistake(lambda d: key_shrinking(d, "all"),
                    "you counted every account with a cdi below 50; count only the key "
                    "accounts"),
            Mistake(lambda d: key_shrinking(d, "unknown_too"),
                    "you counted the key accounts without an index (NaN: too new to compare) as "
                    "shrinking; count only those with a cdi below 50"),
        ),
    ),
    Exercise(
        id="ch08c.key-csat-low",
        title="How satisfied are the key accounts, at least?",
        prompt=f"{KEY_DEF} Take the survey answers (data.surveys) of the key accounts. With "
               "crmlab.satisfaction.csat(..., level=0.95), what is the **lower end of the 95% "
               "Wilson interval (置信区间)** of their satisfied share (CSAT 4 or 5)? Answer as a "
               "fraction with at least 4 decimals.",
        kind=Number(rel_tol=0, abs_tol=5e-5, unit="fraction"),
        expected=key_csat_low,
        scenario="b2b",
        hints=("surveys[surveys['customer_id'].isin(key)]['csat']",
               "csat(scores, level=0.95)['ci_low']"),
        explanation="With a couple of dozen answers the satisfied share could be much lower "
                    "than it looks; the lower end of the interval is what the firm can be "
                    "fairly sure of.",
        mistakes=(
            Mistake(lambda d: key_csat_low(d, "share"),
                    "that is the satisfied share itself; the question asks for the lower end "
                    "of its 95% interval"),
            Mistake(lambda d: key_csat_low(d, "wald"),
                    "that is the normal (Wald) interval p - 1.96 sqrt(p(1-p)/n); use the Wilson "
                    "interval of csat(..., level=0.95), which stays inside 0-1 with few answers"),
            Mistake(lambda d: key_csat_low(d, "everyone"),
                    "you used every account's answers; take only the key accounts'"),
        ),
    ),
    Exercise(
        id="ch08c.rep-win-rate",
        title="Win rate per sales rep",
        prompt="For each sales rep (opportunities.employee_id), compute the **win rate (赢单率)**: "
               "won opportunities divided by closed ones (stage won or lost; deals still open "
               "are undecided). Pass a Series indexed by employee_id.",
        kind=Table(rel_tol=1e-6),
        expected=rep_win_rates,
        scenario="b2b",
        hints=("closed = data.opportunities[data.opportunities['stage'].isin(['won', 'lost'])]",
               "(closed['stage'] == 'won').groupby(closed['employee_id']).mean()"),
        explanation="Reps with many closed deals and a low win rate are where coaching (or "
                    "better-qualified leads) pays; with a few dozen deals each, only large "
                    "differences are more than chance — the notebook shows the intervals.",
        mistakes=(
            Mistake(lambda d: rep_win_rates(d, "all"),
                    "you divided by all the rep's opportunities, open ones included; an open "
                    "deal is neither won nor lost yet"),
            Mistake(lambda d: rep_win_rates(d, "leads"),
                    "you divided by the rep's leads; the win rate is of closed opportunities"),
        ),
    ),
    Exercise(
        id="ch08c.late-losses",
        title="Where the pipeline loses the most",
        prompt="In the **sales pipeline (销售管道)**, some deals are lost late, after a proposal "
               "and a negotiation. What is the total value of the opportunities that were lost "
               "after reaching the negotiation stage (stage 'lost' and a negotiation_date)?",
        kind=Number(rel_tol=1e-6),
        expected=late_losses,
        scenario="b2b",
        hints=("lost = data.opportunities[data.opportunities['stage'] == 'lost']",
               "lost[lost['negotiation_date'].notna()]['value'].sum()"),
        explanation="A deal lost in negotiation has cost a proposal and a negotiation; the value "
                    "lost there, set against the value won, says whether the late stages are "
                    "where the sales manager should look first.",
        mistakes=(
            Mistake(lambda d: late_losses(d, "all"),
                    "that is the value of every lost deal; take only those that had reached "
                    "negotiation (a negotiation_date)"),
            Mistake(lambda d: late_losses(d, "proposal"),
                    "you included deals lost in the proposal stage; take only those that had "
                    "reached negotiation"),
        ),
    ),
    Exercise(
        id="ch08c.memo-finding",
        title="A finding for the memo",
        prompt="Which sentence may go into the memo's findings as it stands?",
        kind=Choice(
            options={"a": "Key-account plans will raise the key accounts' satisfaction to the "
                          "gold tier's level.",
                     "b": "The key accounts are more satisfied than the other accounts: their "
                          "CSAT share is higher.",
                     "c": "The top 20% of accounts hold about two thirds of the 2024 margin, and "
                          "only about half of the 2023 key accounts are key again in 2024.",
                     "d": "The sales rep with the lowest win rate is the least skilled and "
                          "should be replaced."},
            feedback={"a": "that is a forecast of what a plan would do, not something the data "
                           "show; it belongs in the recommendation, with its risk",
                      "b": "with about two dozen answers the intervals of the tiers overlap: the "
                           "data cannot rank them",
                      "d": "a low win rate can also come from harder leads or a harder region; "
                           "skill is one explanation, not a finding"}),
        expected=lambda d: "c",
        scenario="b2b",
        hints=("A finding states what the numbers show, with the size of the sample in mind.",),
        explanation="Findings report what was measured; what a decision will achieve, and "
                    "causes the data cannot separate, belong in the recommendation and the "
                    "risks.",
    ),
    Exercise(
        id="ch08c.memo-risks",
        title="What the data cannot show",
        prompt="Tick every statement that belongs under **Risks** in the memo (what the data "
               "cannot show or where the analysis may be wrong).",
        kind=MultiChoice(
            options={"a": "the key-account list is cut from one year's margin, and the next "
                          "year's key accounts will partly differ",
                     "b": "the satisfaction of the key accounts rests on about two dozen survey "
                          "answers, and most key accounts never answered a survey",
                     "c": "the number of account managers",
                     "d": "opportunities are not linked to accounts, so no account plan can "
                          "list its open deals",
                     "e": "a 90% forecast interval misses the actual value about one time in ten, "
                          "and the backtest has only ten quarter ends to check it on",
                     "f": "the names of the sales reps"},
            feedback={"c": "the number of managers is a fact of the data, not a risk",
                      "f": "the reps' names are a fact of the data, not a risk"}),
        expected=lambda d: ["a", "b", "d", "e"],
        scenario="b2b",
        hints=("A risk is something that could make a finding or a recommendation wrong.",),
        explanation="A strong memo names what the numbers rest on: one year's ranking, small "
                    "samples, data that are not linked, and a forecast that is right only most "
                    "of the time.",
    ),
)
