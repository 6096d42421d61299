"""Category recommendations from co-occurrence, for one-to-one marketing (一对一营销).

**One-to-one marketing** offers each customer what fits them.  The simplest
personalised recommendation in operational CRM (运营型CRM) looks at which
categories the same customers bought together, in the spirit of association
rules (**support, confidence, lift**):

* :class:`CategoryRecommender` — learns category co-occurrence from orders
  and recommends each customer the unbought categories that go best with
  what they bought;
* :func:`holdout_hit_rate` — checks the recommendations on later purchases,
  against popularity and chance;
* :func:`plot_cooccurrence` — the lift between categories as a heatmap.

Orders have the columns of ``data.orders``: ``customer_id``, ``category``
(and ``order_date`` for the hold-out check).  The sales funnel and forecast
are in :mod:`crmlab.operational`, campaign uplift in :mod:`crmlab.campaigns`.

References
----------
Agrawal, R., Imielinski, T. & Swami, A. (1993). Mining association rules
between sets of items in large databases. *Proc. ACM SIGMOD*, 207-216.
Peppers, D. & Rogers, M. (1993). *The One to One Future*. Doubleday.
"""

from __future__ import annotations

from math import comb
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab._checks import require_dates, require_present
from crmlab._operational_checks import _date, _require
from crmlab.i18n import _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CategoryRecommender", "holdout_hit_rate", "plot_cooccurrence"]


# ------------------------------------------------------------------ recommender
def _baskets(orders: pd.DataFrame) -> pd.DataFrame:
    _require(orders, "orders", ("customer_id", "category"))
    require_present(orders, "orders", ["customer_id", "category"])
    return pd.crosstab(orders["customer_id"], orders["category"]).gt(0)


class CategoryRecommender:
    """Recommend categories a customer has not bought, from category co-occurrence.

    Two categories co-occur when the same customer bought both.  With ``n``
    customers, ``support(i) = n_i / n``, ``confidence(i -> j) = n_ij / n_i``
    and ``lift(i, j) = n_ij n / (n_i n_j)`` (above 1: bought together more
    often than chance).  A candidate ``j`` is scored by the mean confidence
    (or lift) from the categories the customer bought; customers without
    history get the most popular categories.

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3, 3, 4],
    ...                        "category": ["tea", "cups", "tea", "cups", "tv", "cable", "tea"]})
    >>> rec = CategoryRecommender().fit(orders)
    >>> rec.recommend([4], k=1)["category"].tolist()
    ['cups']
    """

    def __init__(self, score: str = "confidence"):
        if score not in ("confidence", "lift"):
            raise ValueError(_("score must be 'confidence' or 'lift', got {score}").format(
                                 score=repr(score)))
        self.score = score

    def fit(self, orders: pd.DataFrame) -> CategoryRecommender:
        """Learn ``baskets_``, ``cooccurrence_``, ``support_``, ``confidence_`` and ``lift_``."""
        x = _baskets(orders)
        if x.empty:
            raise ValueError(_("orders is empty: nothing to learn from"))
        m = x.to_numpy(float)
        n = len(m)
        co = m.T @ m
        count = np.diag(co)
        cats = x.columns
        self.baskets_ = x
        self.cooccurrence_ = pd.DataFrame(co, index=cats, columns=cats).astype(int)
        self.support_ = pd.Series(count / n, index=cats, name="support")
        with np.errstate(divide="ignore", invalid="ignore"):
            self.confidence_ = pd.DataFrame(co / count[:, None], index=cats, columns=cats)
            self.lift_ = pd.DataFrame(co * n / np.outer(count, count), index=cats, columns=cats)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "lift_"):
            raise ValueError(_("this CategoryRecommender is not fitted yet: call .fit(orders) "
                               "first"))

    def recommend(self, customer_ids=None, k: int = 2) -> pd.DataFrame:
        """Top-``k`` unbought categories per customer: ``customer_id``, ``rank``,
        ``category``, ``score``."""
        self._check_fitted()
        if not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(_("k must be a whole number >= 1, got {k}").format(k=repr(k)))
        x = self.baskets_
        ids = list(x.index) if customer_ids is None else list(customer_ids)
        cats = x.columns.to_numpy()
        hist = x.reindex(ids, fill_value=False).to_numpy(bool)
        table = (self.confidence_ if self.score == "confidence" else self.lift_).to_numpy(float)
        bought = hist.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(bought > 0, (hist.astype(float) @ np.nan_to_num(table))
                             / np.maximum(bought, 1), 0.0)
        # popularity breaks ties and serves customers without history
        score = score + 1e-9 * self.support_.to_numpy()
        score[hist] = -np.inf
        order = np.argsort(-score, axis=1, kind="stable")[:, :k]
        rows = []
        for i, cid in enumerate(ids):
            for r, j in enumerate(order[i]):
                if np.isfinite(score[i, j]):
                    rows.append((cid, r + 1, cats[j], float(score[i, j])))
        return pd.DataFrame(rows, columns=["customer_id", "rank", "category", "score"])


def holdout_hit_rate(orders: pd.DataFrame, cutoff, k: int = 2, score: str = "confidence",
                     target: str = "first") -> pd.DataFrame:
    """Hold-out check: do customers later buy the new categories we recommend?

    The recommender learns from orders before ``cutoff``.  The test customers
    bought before it and bought at least one *new* category (one they had not
    bought before) after it.  With ``target="first"`` (the default) the target
    is the **next** new category: the one(s) a customer first bought after the
    cutoff, on the first day they bought any new category.  With
    ``target="any"`` it is every new category bought after the cutoff, which
    is easy to hit for customers who buy a bit of everything.  A **hit** is a
    top-``k`` recommendation among the targets.  Compared with recommending the
    ``k`` most popular unbought categories and with the exact chance of a hit
    when ``k`` unbought categories are picked at random.

    Returns
    -------
    DataFrame indexed by method (``co-occurrence``, ``popularity``,
    ``random``) with ``customers`` and ``hit_rate``.

    Examples
    --------
    >>> d = pd.to_datetime
    >>> orders = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 6],
    ...     "category": ["a", "b", "a", "b", "c", "d", "e", "c", "d", "a", "b", "c", "d"],
    ...     "order_date": d(["2024-01-01"] * 9 + ["2024-01-01", "2024-03-01"] * 2)})
    >>> holdout_hit_rate(orders, "2024-02-01", k=1)["hit_rate"].round(2).to_dict()
    {'co-occurrence': 1.0, 'popularity': 0.0, 'random': 0.25}
    """
    _require(orders, "orders", ("customer_id", "category", "order_date"))
    require_dates(orders, "orders", ["order_date"])
    if target not in ("first", "any"):
        raise ValueError(_("target must be 'first' or 'any', got {target}").format(
                             target=repr(target)))
    t = _date(cutoff, "cutoff")
    when = pd.to_datetime(orders["order_date"])
    train, test = orders[when < t], orders[when >= t]
    if train.empty or test.empty:
        raise ValueError(_("cutoff {date} leaves no orders on one side: choose a date inside "
                           "the orders' date range").format(date=t.date()))
    rec = CategoryRecommender(score).fit(train)
    before = rec.baskets_
    # the test purchases: categories a customer of the training period had not bought
    row = before.index.get_indexer(test["customer_id"])
    col = before.columns.get_indexer(test["category"])
    known = (row >= 0) & (col >= 0)
    test, row, col = test[known], row[known], col[known]
    test = test[~before.to_numpy(bool)[row, col]]
    if target == "first" and len(test):
        day = pd.to_datetime(test["order_date"])
        test = test[(day == day.groupby(test["customer_id"]).transform("min")).to_numpy()]
    if test.empty:
        raise ValueError(_("no customer bought a new category after the cutoff: nothing to check"))
    new = _baskets(test).reindex(columns=before.columns, fill_value=False)
    who = new.index
    popular = list(rec.support_.sort_values(ascending=False, kind="stable").index)
    recs = rec.recommend(who, k).groupby("customer_id")["category"].apply(list)
    hits, pop_hits, chance = [], [], []
    for cid in who:
        got = set(new.columns[new.loc[cid].to_numpy()])
        owned = set(before.columns[before.loc[cid].to_numpy()])
        hits.append(bool(got & set(recs.get(cid, []))))
        pop_hits.append(bool(got & set([c for c in popular if c not in owned][:k])))
        m = len(before.columns) - len(owned)
        chance.append(1 - comb(m - len(got), min(k, m)) / comb(m, min(k, m)))
    return pd.DataFrame({"customers": len(who),
                         "hit_rate": [np.mean(hits), np.mean(pop_hits), np.mean(chance)]},
                        index=pd.Index(["co-occurrence", "popularity", "random"], name="method"))


# ------------------------------------------------------------------ plots
def plot_cooccurrence(rec: CategoryRecommender, ax: Axes | None = None) -> Axes:
    """Heatmap of the lift between categories (diagonal left blank)."""
    import matplotlib.pyplot as plt

    rec._check_fitted()
    lift = rec.lift_.to_numpy(float).copy()
    np.fill_diagonal(lift, np.nan)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.5))
    dev = np.nanmax(np.abs(lift - 1)) if np.isfinite(lift).any() else 1.0
    image = ax.imshow(np.ma.masked_invalid(lift), cmap="RdBu_r", vmin=1 - dev, vmax=1 + dev)
    for i, j in zip(*np.where(np.isfinite(lift))):
        ax.text(j, i, f"{lift[i, j]:.2f}", ha="center", va="center", fontsize=7)
    names = [str(c) for c in rec.lift_.columns]
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    ax.set_title(plot_text("Lift: bought together vs chance (1 = independent)"))
    ax.figure.colorbar(image, ax=ax, fraction=0.04, label=plot_text("lift"))
    return ax
