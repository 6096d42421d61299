"""Campaign uplift (营销增量效果): did contacting customers change what they did?

The **marketing automation** part of operational CRM (运营型CRM) sends
targeted campaigns to segments.  When the customers of a campaign were
randomised to be contacted (**treatment group, 实验组**) or held out
(**control group, 对照组**), the difference in response rate and revenue per
contact between the two groups is the effect of the contact, the **uplift**:

* :func:`campaign_uplift` — treatment minus control response rate and
  revenue per contact, with intervals, per campaign or per segment;
* :func:`plot_uplift` — the uplift of each group with its interval.

Contacts have the columns of ``data.campaign_contacts``: ``campaign_id``,
``group`` (treatment/control), ``responded`` and ``revenue``.  The sales
funnel and forecast are in :mod:`crmlab.operational`, recommendations in
:mod:`crmlab.recommend`.

References
----------
Newcombe, R. G. (1998). Interval estimation for the difference between
independent proportions: comparison of eleven methods. *Statistics in
Medicine* 17(8), 873-890.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from crmlab._checks import require_table
from crmlab._operational_checks import _require
from crmlab.i18n import _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["campaign_uplift", "plot_uplift"]


# ------------------------------------------------------------------ campaigns
def _wilson(k: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    p = k / n
    centre = (p + z ** 2 / (2 * n)) / (1 + z ** 2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z ** 2 / (4 * n ** 2)) / (1 + z ** 2 / n)
    return centre - half, centre + half


def campaign_uplift(contacts: pd.DataFrame, campaigns: pd.DataFrame | None = None,
                    by: str = "campaign_id", level: float = 0.95) -> pd.DataFrame:
    """Treatment minus control response rate and revenue per contact, with intervals.

    Customers were randomised to be contacted (treatment) or held out
    (control), so the difference is the effect of the contact, the
    **uplift**.  The interval of the rate difference is Newcombe's (1998)
    hybrid score interval (good for small groups and rare responses); the
    revenue interval is the normal (Welch) interval.

    Parameters
    ----------
    contacts : DataFrame
        ``campaign_id``, ``group`` (treatment/control), ``responded``, ``revenue``.
    campaigns : DataFrame, optional
        ``campaign_id`` plus the ``by`` column (e.g. ``target_segment``) and,
        when ``by="campaign_id"``, ``cost_per_contact`` is carried over.
    by : str
        Group the contacts by this column (``"campaign_id"``,
        ``"target_segment"``, ``"channel"``, ...).
    level : float
        Coverage of the intervals.

    Returns
    -------
    DataFrame indexed by ``by`` (groups without a treatment or a control
    contact get NaN estimates): ``n_treatment``, ``n_control``,
    ``rate_treatment``, ``rate_control``, ``uplift``, ``uplift_low``,
    ``uplift_high``, ``revenue_treatment``, ``revenue_control`` (per contact),
    ``revenue_uplift``, ``revenue_low``, ``revenue_high``.

    Examples
    --------
    >>> cc = pd.DataFrame({"campaign_id": ["M1"] * 8,
    ...     "group": ["treatment"] * 4 + ["control"] * 4,
    ...     "responded": [True, True, False, False, True, False, False, False],
    ...     "revenue": [10.0, 30, 0, 0, 20, 0, 0, 0]})
    >>> u = campaign_uplift(cc)
    >>> float(u.loc["M1", "uplift"]), float(u.loc["M1", "revenue_uplift"])
    (0.25, 5.0)
    """
    _require(contacts, "contacts", ("campaign_id", "group", "responded", "revenue"))
    require_table(contacts, "contacts", [], ids=["campaign_id", "group"],
                  numbers=["revenue"], non_negative=["revenue"])
    if not 0 < level < 1:
        raise ValueError(_("level must be between 0 and 1, got {level}").format(
                             level=repr(level)))
    bad = set(contacts["group"].dropna().unique()) - {"treatment", "control"}
    if bad:
        raise ValueError(_("contacts.group must be 'treatment' or 'control', found {bad}").format(
                             bad=sorted(bad)))
    cc = contacts
    if by not in cc.columns:
        if campaigns is None or by not in campaigns.columns:
            raise ValueError(_("cannot group by {by}: it is neither a column of contacts nor of "
                               "campaigns (pass campaigns=data.campaigns for target_segment)").format(
                                 by=repr(by)))
        _require(campaigns, "campaigns", ("campaign_id", by))
        cc = cc.merge(campaigns[["campaign_id", by]], on="campaign_id", how="left")
    cc = cc.assign(responded=cc["responded"].astype(float), revenue=cc["revenue"].astype(float))
    g = cc.groupby([by, "group"], observed=True)
    k = g["responded"].sum().unstack()
    n = g.size().unstack()
    rev_mean = g["revenue"].mean().unstack()
    rev_var = g["revenue"].var(ddof=1).unstack()
    for col in ("treatment", "control"):
        for t in (k, n, rev_mean, rev_var):
            if col not in t.columns:
                t[col] = np.nan
    if cc.empty:
        raise ValueError(_("contacts is empty: no campaign contacts to compare"))
    z = float(stats.norm.ppf(0.5 + level / 2))
    # a group without treatment or without control contacts has no uplift (NaN)
    nt, nc = n["treatment"].fillna(0).to_numpy(float), n["control"].fillna(0).to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        pt = np.where(nt > 0, k["treatment"].fillna(0).to_numpy(float) / nt, np.nan)
        pc = np.where(nc > 0, k["control"].fillna(0).to_numpy(float) / nc, np.nan)
        lt, ut = _wilson(pt * nt, nt, z)
        lc, uc = _wilson(pc * nc, nc, z)
    d = pt - pc
    with np.errstate(invalid="ignore", divide="ignore"):
        se_rev = np.sqrt(rev_var["treatment"].fillna(0).to_numpy() / nt
                         + rev_var["control"].fillna(0).to_numpy() / nc)
    rev_d = rev_mean["treatment"].to_numpy() - rev_mean["control"].to_numpy()
    out = pd.DataFrame({
        "n_treatment": nt.astype(int), "n_control": nc.astype(int),
        "rate_treatment": pt, "rate_control": pc, "uplift": d,
        "uplift_low": d - np.sqrt((pt - lt) ** 2 + (uc - pc) ** 2),
        "uplift_high": d + np.sqrt((ut - pt) ** 2 + (pc - lc) ** 2),
        "revenue_treatment": rev_mean["treatment"].to_numpy(),
        "revenue_control": rev_mean["control"].to_numpy(),
        "revenue_uplift": rev_d, "revenue_low": rev_d - z * se_rev,
        "revenue_high": rev_d + z * se_rev,
    }, index=n.index)
    if by == "campaign_id" and campaigns is not None:
        extra = [c for c in ("target_segment", "channel", "cost_per_contact")
                 if c in campaigns.columns]
        out = out.join(campaigns.set_index("campaign_id")[extra])
    return out


# ------------------------------------------------------------------ plots
def plot_uplift(table: pd.DataFrame, ax: Axes | None = None, truth: dict | None = None) -> Axes:
    """Uplift per group with its interval (and the true uplift, if known)."""
    import matplotlib.pyplot as plt

    _require(table, "table", ("uplift", "uplift_low", "uplift_high"))
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.45 * len(table) + 1.2))
    y = np.arange(len(table))[::-1]
    ax.errorbar(table["uplift"], y, xerr=[table["uplift"] - table["uplift_low"],
                                         table["uplift_high"] - table["uplift"]],
                fmt="o", color="#4c72b0", capsize=3, label=plot_text("estimate and interval"))
    if truth:
        tv = [truth.get(i, np.nan) for i in table.index]
        ax.scatter(tv, y, marker="x", color="#c44e52", zorder=3, label=plot_text("planted truth"))
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [str(i) for i in table.index])
    ax.set_xlabel(plot_text("uplift in response rate (treatment - control)"))
    ax.set_title(plot_text("Campaign uplift"))
    ax.legend(frameon=False, fontsize=8)
    return ax
