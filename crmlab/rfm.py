"""RFM analysis (RFM分析): recency, frequency and monetary value scored in quintiles.

Each customer who bought at least once up to the **as-of date** gets

* ``recency``: days from the last order to the as-of date (0 = bought that day);
* ``frequency``: number of orders up to the as-of date;
* ``monetary``: total amount of those orders;

and a score from 1 to 5 for each (quintiles, 五分位). Score 5 is the best:
the **most recent**, the most frequent, the biggest spender. The three scores
written together are the customer's RFM code, e.g. ``"543"``.

How the quintiles are cut (the tie rule). Many customers share a value (most
have 1 or 2 orders), and a quintile boundary cannot split a group of equal
values, so the ties are broken *before* cutting. Customers are put in a
stable order, by ``monetary`` and then ``customer_id`` (ascending), and ranked
with ``rank(method="first")``: equal values get consecutive ranks in that
order, so among customers with the same number of orders the bigger spender
ranks higher. The ranks are cut into five equal groups with ``pandas.qcut``.
For one column that is::

    order = rfm.sort_values(["monetary", "customer_id"]).index
    score = pd.qcut(x[order].rank(method="first"), 5, labels=[1, 2, 3, 4, 5])

with ``-recency`` in place of ``recency`` (small recency is good). Every score
then holds a fifth of the customers and the result does not depend on the
order of the rows. (Breaking ties by ``customer_id`` alone would not be
neutral here: ids are given in sign-up order, so all recent one-order
customers would land in F2 and the segment "New" would stay empty.)

Named segments (客户细分) come from R and F alone, with the common segment
map: Champions (R5, F4-5), Loyal (R3-4, F4-5), Potential Loyalists (R4-5,
F2-3), New (R5, F1), Promising (R4, F1), Need Attention (R3, F3), About to
Sleep (R3, F1-2), At Risk (R1-2, F3-4), Can't Lose (R1-2, F5) and Hibernating
(R1-2, F1-2). RFM itself goes back to direct marketing (Hughes 1994,
*Strategic Database Marketing*); the quintile coding is the usual one.

>>> import crmlab
>>> data = crmlab.generate("retail", n_customers=300, seed=1)
>>> scores = rfm_scores(data.orders, as_of=data.meta["end"])
>>> sorted(scores["R"].value_counts())  # five groups of (nearly) equal size
[55, 55, 55, 55, 56]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab._checks import (
    require_columns,
    require_dates,
    require_numeric,
    require_present,
    require_rows,
)
from crmlab.i18n import N_, _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "SEGMENTS",
    "SEGMENT_ACTIONS",
    "plot_rfm_heatmap",
    "plot_segments",
    "prepare_orders",
    "quintile_scores",
    "rfm_grid",
    "rfm_scores",
    "segment_of",
    "segment_summary",
]

# segment -> (R scores, F scores); together they cover the 5 x 5 grid exactly once.
SEGMENTS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    N_("Champions"): ((5,), (4, 5)),
    N_("Loyal"): ((3, 4), (4, 5)),
    N_("Potential Loyalists"): ((4, 5), (2, 3)),
    N_("New"): ((5,), (1,)),
    N_("Promising"): ((4,), (1,)),
    N_("Need Attention"): ((3,), (3,)),
    N_("About to Sleep"): ((3,), (1, 2)),
    N_("At Risk"): ((1, 2), (3, 4)),
    N_("Can't Lose"): ((1, 2), (5,)),
    N_("Hibernating"): ((1, 2), (1, 2)),
}

# What a firm usually does with each segment (分层管理: each group its own treatment).
SEGMENT_ACTIONS: dict[str, str] = {
    "Champions": N_("reward them; early access, ask for reviews and referrals"),
    "Loyal": N_("upsell and membership benefits; keep them engaged"),
    "Potential Loyalists": N_("loyalty programme, personal recommendations"),
    "New": N_("onboarding, a good first experience"),
    "Promising": N_("build the habit: a second-purchase offer"),
    "Need Attention": N_("limited-time offers based on past purchases"),
    "About to Sleep": N_("reactivate with relevant offers before they go"),
    "At Risk": N_("personal win-back contact, find out what went wrong"),
    "Can't Lose": N_("win them back at almost any cost: call, best offer"),
    "Hibernating": N_("low-cost reminders only; do not overspend"),
}

ORDER_COLUMNS = ("customer_id", "order_date", "amount")

_GRID = np.empty((6, 6), dtype=object)  # _GRID[R, F] -> segment name
_GRID_CODE = np.full((6, 6), -1)  # _GRID_CODE[R, F] -> position of the segment in SEGMENTS
for _k, (_name, (_rs, _fs)) in enumerate(SEGMENTS.items()):
    for _r in _rs:
        for _f in _fs:
            _GRID[_r, _f] = _name
            _GRID_CODE[_r, _f] = _k


def prepare_orders(orders: pd.DataFrame, as_of=None,
                   columns: tuple[str, ...] = ORDER_COLUMNS) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Check an orders table and keep the orders placed up to ``as_of`` (inclusive).

    Parameters
    ----------
    orders : pandas.DataFrame
        Needs ``customer_id``, ``order_date`` (parsed dates) and ``amount``.
    as_of : str, date or Timestamp, optional
        The as-of date; ``None`` means the last order date in the table.
    columns : tuple of str
        The columns that must be present.

    Returns
    -------
    (pandas.DataFrame, pandas.Timestamp)
        The orders up to the as-of date and the as-of date itself.

    Raises
    ------
    ValueError
        If ``orders`` is not a DataFrame, lacks a column, has text or missing
        dates, missing customer ids, non-numeric, missing or negative amounts,
        or has no order up to ``as_of``.

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"customer_id": ["a", "b"], "order_date": pd.to_datetime(
    ...     ["2024-01-01", "2024-03-01"]), "amount": [10.0, 20.0]})
    >>> kept, as_of = prepare_orders(o, "2024-02-01")
    >>> len(kept), str(as_of.date())
    (1, '2024-02-01')
    """
    require_columns(orders, "orders", columns)
    require_rows(orders, "orders")
    require_present(orders, "orders", [c for c in columns if c.endswith("_id")])
    require_dates(orders, "orders", ["order_date"])
    if "amount" in columns:
        require_numeric(orders, "orders", ["amount"], non_negative=True, what="amounts")
    if "margin" in columns:
        require_numeric(orders, "orders", ["margin"])  # a loss-making order is allowed
    if as_of is None:
        if orders.empty:
            raise ValueError(_("orders is empty"))
        as_of = orders["order_date"].max()
    try:
        as_of = pd.Timestamp(as_of)
    except (TypeError, ValueError):
        raise ValueError(_("as_of must be a date like '2024-12-31', got {as_of}").format(
                             as_of=repr(as_of))) from None
    if pd.isna(as_of):
        raise ValueError(_("as_of must be a date like '2024-12-31', got a missing value"))
    in_range = (orders["order_date"] <= as_of).to_numpy()
    # a boolean selection copies every column; skip it when nothing is cut off
    kept = orders[list(columns)] if in_range.all() else orders.loc[in_range, list(columns)]
    if kept.empty:
        raise ValueError(_("no orders on or before the as-of date {date}").format(
                             date=as_of.date()))
    return kept, as_of.normalize()


def quintile_scores(values: pd.Series, higher_is_better: bool = True,
                    tie_break: pd.Series | None = None) -> pd.Series:
    """Scores 1-5 in five equal groups, ties broken before cutting.

    ``values`` is ranked with ``rank(method="first")`` after sorting the
    customers by ``tie_break`` and then by index (without ``tie_break``: by
    index only), so equal values get consecutive ranks in that order; the
    ranks are cut with ``pandas.qcut`` into five groups. With
    ``higher_is_better=False`` the smallest values score 5 (used for recency).

    Examples
    --------
    >>> import pandas as pd
    >>> quintile_scores(pd.Series([1, 1, 1, 1, 1, 2, 2, 3, 5, 9])).tolist()
    [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    >>> quintile_scores(pd.Series([1, 1, 1, 1, 1]), tie_break=pd.Series([5, 4, 3, 2, 1])).tolist()
    [5, 4, 3, 2, 1]
    """
    if len(values) < 5:
        raise ValueError(_("quintile scores need at least 5 customers, got {n}").format(
                             n=len(values)))
    position = np.argsort(np.argsort(values.index.to_numpy(), kind="stable"), kind="stable")
    if tie_break is None:
        order = np.argsort(position, kind="stable")
    else:
        order = np.lexsort((position, tie_break.reindex(values.index).to_numpy(dtype=float)))
    x = values.to_numpy(dtype=float)
    scores = _quintiles(x if higher_is_better else -x, order)
    return pd.Series(scores, index=values.index, dtype="int64")


def _quintiles(x: np.ndarray, order: np.ndarray) -> np.ndarray:
    """qcut(rank(method="first"), 5) + 1 with ties taken in ``order``, vectorised."""
    n = x.size
    in_order = np.argsort(x[order], kind="stable")  # stable: ties keep ``order``
    ranks = np.empty(n)
    ranks[order[in_order]] = np.arange(1, n + 1)
    inner = np.quantile(np.arange(1, n + 1), [0.2, 0.4, 0.6, 0.8])  # pandas.qcut's edges
    return 1 + np.searchsorted(inner, ranks, side="left")


def segment_of(r: int | np.ndarray, f: int | np.ndarray):
    """The named segment of an R score and an F score (arrays work too).

    Examples
    --------
    >>> segment_of(5, 5), segment_of(1, 5), segment_of(3, 1)
    ('Champions', "Can't Lose", 'About to Sleep')
    """
    r_arr, f_arr = np.asarray(r), np.asarray(f)
    if not (np.isin(r_arr, range(1, 6)).all() and np.isin(f_arr, range(1, 6)).all()):
        raise ValueError(_("R and F scores must be whole numbers from 1 to 5"))
    out = _GRID[r_arr.astype(int), f_arr.astype(int)]
    return out if isinstance(out, np.ndarray) else str(out)


def rfm_scores(orders: pd.DataFrame, as_of) -> pd.DataFrame:
    """RFM values, quintile scores, code and segment of every customer who bought.

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order with ``customer_id``, ``order_date`` (dates) and
        ``amount``.
    as_of : str, date or Timestamp
        The date the analysis is made: orders after it are ignored and recency
        is counted up to it. Required, because RFM always depends on it.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted): ``recency`` (days), ``frequency``
        (orders), ``monetary`` (total amount), scores ``R``, ``F``, ``M`` (1-5),
        ``rfm_code`` (text like ``"543"``) and ``segment``. Customers without
        an order up to ``as_of`` are not scored. ``result.attrs["as_of"]``
        holds the as-of date.

    Examples
    --------
    >>> import crmlab
    >>> data = crmlab.generate("retail", n_customers=300, seed=1)
    >>> rfm = rfm_scores(data.orders, as_of="2024-12-31")
    >>> list(rfm.columns)
    ['recency', 'frequency', 'monetary', 'R', 'F', 'M', 'rfm_code', 'segment']
    """
    kept, as_of = prepare_orders(orders, as_of)
    g = kept.groupby("customer_id", sort=True)
    out = pd.DataFrame({
        "recency": (as_of - g["order_date"].max()).dt.days.astype("int64"),
        "frequency": g.size().astype("int64"),
        "monetary": g["amount"].sum(),
    })
    out.index.name = "customer_id"
    if len(out) < 5:
        raise ValueError(_("quintile scores need at least 5 customers, got {n}").format(
                             n=len(out)))
    # ties: the bigger spender ranks higher, then customer_id (the index is sorted by it)
    order = np.lexsort((np.arange(len(out)), out["monetary"].to_numpy()))
    out["R"] = _quintiles(-out["recency"].to_numpy(dtype=float), order)
    out["F"] = _quintiles(out["frequency"].to_numpy(dtype=float), order)
    out["M"] = _quintiles(out["monetary"].to_numpy(dtype=float), order)
    r, f, m = out["R"].to_numpy(), out["F"].to_numpy(), out["M"].to_numpy()
    codes = np.array([f"{i}{j}{k}" for i in range(1, 6) for j in range(1, 6) for k in range(1, 6)])
    out["rfm_code"] = codes[(r - 1) * 25 + (f - 1) * 5 + (m - 1)]
    out["segment"] = pd.Categorical.from_codes(_GRID_CODE[r, f], categories=list(SEGMENTS))
    out.attrs["as_of"] = as_of
    return out


def _check_rfm(rfm: pd.DataFrame) -> None:
    if not isinstance(rfm, pd.DataFrame):
        raise ValueError(_("expected the DataFrame returned by rfm_scores, got {type}").format(
                             type=type(rfm).__name__))
    need = ["recency", "frequency", "monetary", "R", "F", "segment"]
    missing = [c for c in need if c not in rfm.columns]
    if missing:
        raise ValueError(_("rfm is missing column(s) {missing}: pass the result of "
                           "rfm_scores(orders, as_of)").format(
                             missing=', '.join(map(repr, missing))))


def segment_summary(rfm: pd.DataFrame) -> pd.DataFrame:
    """One row per named segment: size, typical R/F/M values, share of revenue.

    Returns
    -------
    pandas.DataFrame
        Indexed by segment (in the order of :data:`SEGMENTS`): ``customers``,
        ``share`` of customers, mean ``recency``, ``frequency`` and
        ``monetary``, ``revenue_share`` (of the total monetary value) and the
        usual ``action``. Empty segments have 0 customers and NaN means.

    Examples
    --------
    >>> import crmlab
    >>> data = crmlab.generate("retail", n_customers=300, seed=1)
    >>> s = segment_summary(rfm_scores(data.orders, as_of="2024-12-31"))
    >>> round(float(s["share"].sum()), 6), round(float(s["revenue_share"].sum()), 6)
    (1.0, 1.0)
    """
    _check_rfm(rfm)
    seg = pd.Categorical(rfm["segment"], categories=list(SEGMENTS))
    g = rfm.groupby(seg, observed=False)
    out = pd.DataFrame({
        "customers": g.size(),
        "recency": g["recency"].mean(),
        "frequency": g["frequency"].mean(),
        "monetary": g["monetary"].mean(),
        "revenue_share": g["monetary"].sum() / rfm["monetary"].sum(),
    })
    out.insert(1, "share", out["customers"] / len(rfm))
    out["action"] = pd.Series({k: _(v) for k, v in SEGMENT_ACTIONS.items()})  # shown: translated
    out.index.name = "segment"
    return out


def rfm_grid(rfm: pd.DataFrame, value: str = "customers") -> pd.DataFrame:
    """The R x F grid: R = 5 on top, F = 1 on the left.

    Parameters
    ----------
    rfm : pandas.DataFrame
        The result of :func:`rfm_scores`.
    value : {"customers", "share", "monetary", "revenue_share"}
        Number or share of customers in each cell, mean monetary value, or the
        cell's share of all revenue.

    Examples
    --------
    >>> import crmlab
    >>> data = crmlab.generate("retail", n_customers=300, seed=1)
    >>> grid = rfm_grid(rfm_scores(data.orders, as_of="2024-12-31"))
    >>> grid.shape, int(grid.to_numpy().sum())
    ((5, 5), 276)
    """
    _check_rfm(rfm)
    options = ("customers", "share", "monetary", "revenue_share")
    if value not in options:
        raise ValueError(_("value must be one of {options}, got {value}").format(
                             options=', '.join(options), value=repr(value)))
    g = rfm.groupby(["R", "F"])
    cell = {"customers": g.size(), "share": g.size() / len(rfm),
            "monetary": g["monetary"].mean(),
            "revenue_share": g["monetary"].sum() / rfm["monetary"].sum()}[value]
    fill = np.nan if value == "monetary" else 0
    grid = cell.unstack("F").reindex(index=[5, 4, 3, 2, 1], columns=[1, 2, 3, 4, 5],
                                     fill_value=fill)
    if value != "monetary":
        grid = grid.fillna(0)
    return grid


def plot_rfm_heatmap(rfm: pd.DataFrame, value: str = "customers", ax: Axes | None = None,
                     highlight: str | None = None) -> Axes:
    """Heatmap of the R x F grid with the named segments outlined and labelled.

    Parameters
    ----------
    rfm : pandas.DataFrame
        The result of :func:`rfm_scores`.
    value : str
        What the colour shows (see :func:`rfm_grid`).
    ax : matplotlib Axes, optional
    highlight : str, optional
        A segment name to outline in bold.

    Examples
    --------
    >>> import crmlab
    >>> data = crmlab.generate("retail", n_customers=300, seed=1)
    >>> ax = plot_rfm_heatmap(rfm_scores(data.orders, as_of="2024-12-31"))
    >>> ax.get_xlabel()
    'F score (frequency)'
    """
    import matplotlib.pyplot as plt

    if highlight is not None and highlight not in SEGMENTS:
        raise ValueError(_("unknown segment {highlight}; segments: {segments}").format(
                             highlight=repr(highlight), segments=', '.join(SEGMENTS)))
    grid = rfm_grid(rfm, value)
    if ax is None:
        _unused, ax = plt.subplots(figsize=(7, 5))
    im = ax.imshow(grid.to_numpy(dtype=float), cmap="Blues", aspect="auto")
    cbar = ax.figure.colorbar(im, ax=ax, shrink=0.85)
    labels = {"customers": N_("customers"), "share": N_("share of customers"),
              "monetary": N_("mean monetary value"), "revenue_share": N_("share of revenue")}
    cbar.set_label(plot_text(labels[value]))
    cells = grid.to_numpy(dtype=float)
    top = np.nanmax(cells) if np.isfinite(cells).any() else 1.0

    def ink(v):  # readable text on dark and light cells
        return "white" if np.isfinite(v) and v > 0.6 * top else "#222"

    for i in range(5):
        for j in range(5):
            v = cells[i, j]
            if np.isnan(v):
                continue
            text = f"{v:.0%}" if "share" in value else f"{v:,.0f}"
            ax.text(j, i + 0.2, text, ha="center", va="center", fontsize=8, color=ink(v))
    # segment borders: a line wherever two neighbouring cells belong to different segments
    names = np.array([[_GRID[r, f] for f in grid.columns] for r in grid.index])
    for i in range(5):
        for j in range(5):
            if j < 4 and names[i, j] != names[i, j + 1]:
                ax.plot([j + 0.5, j + 0.5], [i - 0.5, i + 0.5], color="#444", lw=1.5)
            if i < 4 and names[i, j] != names[i + 1, j]:
                ax.plot([j - 0.5, j + 0.5], [i + 0.5, i + 0.5], color="#444", lw=1.5)
    for name in SEGMENTS:
        ii, jj = np.nonzero(names == name)
        row = ii.min()  # the label sits in the top row of the segment, above the numbers
        cols = jj[ii == row]
        label = plot_text(name)
        if label != name and "（" in label:  # "Champions（冠军客户）": two short lines fit a cell
            label = label.replace("（", "\n（", 1)
        ax.text(cols.mean(), row - 0.2, label, ha="center", va="center",
                fontsize=8 if label == name else 7, fontweight="bold", color="#222",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.75, "ec": "none"})
        if name == highlight:
            ax.add_patch(plt.Rectangle((jj.min() - 0.5, ii.min() - 0.5), jj.max() - jj.min() + 1,
                                       ii.max() - ii.min() + 1, fill=False, lw=3.5,
                                       edgecolor="#d62728"))
    ax.set_xticks(range(5), [str(f) for f in grid.columns])
    ax.set_yticks(range(5), [str(r) for r in grid.index])
    ax.set_xlabel(plot_text("F score (frequency)"))
    ax.set_ylabel(plot_text("R score (recency, 5 = most recent)"))
    as_of = rfm.attrs.get("as_of")
    ax.set_title(plot_text("RFM segments") if as_of is None
                 else plot_text("RFM segments as of {date}").format(date=as_of.date()))
    ax.set_xlim(-0.5, 4.5)
    ax.set_ylim(4.5, -0.5)
    return ax


def plot_segments(summary: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Bars: each segment's share of customers beside its share of revenue.

    Examples
    --------
    >>> import crmlab
    >>> data = crmlab.generate("retail", n_customers=300, seed=1)
    >>> ax = plot_segments(segment_summary(rfm_scores(data.orders, as_of="2024-12-31")))
    >>> len(ax.get_yticklabels())
    10
    """
    import matplotlib.pyplot as plt

    need = ("share", "revenue_share")
    if not isinstance(summary, pd.DataFrame) or any(c not in summary.columns for c in need):
        raise ValueError(_("expected the result of segment_summary (columns share, "
                           "revenue_share)"))
    if ax is None:
        _unused, ax = plt.subplots(figsize=(7, 4))
    y = np.arange(len(summary))
    ax.barh(y - 0.2, summary["share"], height=0.4, color="#9ecae1",
            label=plot_text("share of customers"))
    ax.barh(y + 0.2, summary["revenue_share"], height=0.4, color="#08519c",
            label=plot_text("share of revenue"))
    ax.set_yticks(y, [plot_text(str(s)) for s in summary.index])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel(plot_text("share"))
    ax.legend(frameon=False, loc="lower right")
    ax.set_title(plot_text("RFM segments: customers and revenue"))
    return ax
