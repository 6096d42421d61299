"""Reliability of a multi-item scale (量表信度): Cronbach's alpha and item analysis.

A questionnaire measures one idea (e.g. the reliability dimension of SERVQUAL)
with several items.  If the items measure the same thing, a respondent who
scores high on one scores high on the others, and the total varies more than
the items' own variances add up to.  **Cronbach's alpha (克朗巴哈系数)**
(Cronbach 1951) turns that into one number::

    alpha = k / (k - 1) * (1 - sum of var(item) / var(total))

for k items, with the sample variances (ddof = 1) over the respondents who
answered every item (listwise deletion).  Alpha is 1 for perfectly parallel
items, about 0 for unrelated items and negative when items move against each
other.  About 0.7 is the usual minimum for research use (Nunnally 1978);
published SERVQUAL dimensions have about 0.72-0.93 (Parasuraman, Zeithaml &
Berry 1988).

**Item analysis (项目分析).**  Per item the *corrected item-total correlation*
(the item against the sum of the *other* items of its scale; below about 0.3
the item measures something else) and *alpha if item deleted* (the scale's
alpha without the item: higher than the scale's alpha means the item weakens
the scale).

* :func:`cronbach_alpha` — alpha of a respondents x items table;
* :func:`item_analysis` — item-total correlations and alpha if item deleted;
* :func:`servqual_wide` — the ``servqual_items`` table as respondents x items
  (gap, perception or expectation);
* :func:`servqual_reliability` — alpha per SERVQUAL dimension;
* :func:`servqual_item_analysis` — item analysis per dimension;
* :func:`plot_item_analysis` — corrected item-total correlation per item.

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
*Psychometrika* 16(3), 297-334.
Nunnally, J. C. (1978). *Psychometric Theory* (2nd ed.). McGraw-Hill.
Parasuraman, A., Zeithaml, V. A. & Berry, L. L. (1988). SERVQUAL: a multiple-item
scale for measuring consumer perceptions of service quality. *Journal of
Retailing* 64(1), 12-40.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab.i18n import _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "SCORES",
    "cronbach_alpha",
    "item_analysis",
    "plot_item_analysis",
    "servqual_item_analysis",
    "servqual_reliability",
    "servqual_wide",
]

SCORES = ("gap", "perception", "expectation")
_DIM_ORDER = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")


def _matrix(items, name: str = "items") -> pd.DataFrame:
    """Respondents x items as floats, rows with a missing answer dropped."""
    if isinstance(items, np.ndarray):
        if items.ndim != 2:
            raise ValueError(_("{name} must be a 2-D table (respondents x items), got an array "
                               "with {ndim} dimension(s)").format(name=name, ndim=items.ndim))
        items = pd.DataFrame(items, columns=[f"item{i + 1}" for i in range(items.shape[1])])
    if not isinstance(items, pd.DataFrame):
        raise ValueError(_("{name} must be a DataFrame with one column per item and one row per "
                           "respondent, got {type}").format(name=name, type=type(items).__name__))
    bad = [c for c in items.columns if items[c].dtype == bool
           or not pd.api.types.is_numeric_dtype(items[c])]
    if bad:
        raise ValueError(_("{name} must hold numbers (item scores); column {bad} holds {dtype}").format(
                             name=name, bad=repr(bad[0]), dtype=items[bad[0]].dtype))
    if items.shape[1] < 2:
        raise ValueError(_("{name} needs at least 2 items (columns) for Cronbach's alpha, got "
                           "{shape}").format(name=name, shape=items.shape[1]))
    x = items.astype("float64").dropna()
    if len(x) < 2:
        raise ValueError(_("{name} needs at least 2 respondents with every item answered, got "
                           "{n}").format(name=name, n=len(x)))
    return x


def _alpha(x: np.ndarray) -> float:
    k = x.shape[1]
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return np.nan
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total_var))


def cronbach_alpha(items) -> float:
    """Cronbach's alpha of a respondents x items table (Cronbach 1951).

    ``alpha = k/(k-1) * (1 - sum(var(item)) / var(total))`` with sample
    variances over the respondents who answered every item.

    Examples
    --------
    >>> x = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 3, 3, 5], "c": [1, 3, 2, 4]})
    >>> round(cronbach_alpha(x), 4)  # 3/2 * (1 - (59/12) / (163/12)) = 156/163
    0.9571
    """
    x = _matrix(items)
    if (x.sum(axis=1).var(ddof=1)) == 0:
        raise ValueError(_("every respondent has the same total score: alpha is undefined (the "
                           "items do not vary together)"))
    return _alpha(x.to_numpy())


def item_analysis(items) -> pd.DataFrame:
    """Per item: mean, SD, corrected item-total correlation and alpha if item deleted.

    The corrected item-total correlation is the correlation of the item with
    the sum of the *other* items.  ``alpha_if_deleted`` is the alpha of the
    other items (NaN with only two items: one item has no alpha).  The scale's
    own alpha is in ``.attrs["alpha"]``, the respondents used in ``.attrs["n"]``.

    Examples
    --------
    >>> x = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 3, 3, 5], "c": [1, 3, 2, 4]})
    >>> item_analysis(x)[["item_total_corr", "alpha_if_deleted"]].round(3).values.tolist()
    [[0.878, 0.96], [0.973, 0.889], [0.878, 0.96]]
    """
    x = _matrix(items)
    a = x.to_numpy()
    total = a.sum(axis=1)
    rows = {}
    for j, c in enumerate(x.columns):
        rest = total - a[:, j]
        sd = a[:, j].std(ddof=1) * rest.std(ddof=1)
        r = float(np.corrcoef(a[:, j], rest)[0, 1]) if sd > 0 else np.nan
        others = np.delete(a, j, axis=1)
        rows[c] = {"mean": a[:, j].mean(), "sd": a[:, j].std(ddof=1), "item_total_corr": r,
                   "alpha_if_deleted": _alpha(others) if others.shape[1] >= 2 else np.nan}
    out = pd.DataFrame(rows).T
    out.index.name = "item"
    out.attrs.update(alpha=_alpha(a), n=len(x))
    return out


def servqual_wide(servqual_items: pd.DataFrame, score: str = "gap") -> pd.DataFrame:
    """The ``servqual_items`` table as respondents (survey_id) x items (TAN1 ... EMP5).

    ``score``: ``"gap"`` (perception - expectation, the SERVQUAL score),
    ``"perception"`` or ``"expectation"``.
    """
    if not isinstance(servqual_items, pd.DataFrame):
        raise ValueError(_("servqual_items must be a DataFrame (data.servqual_items), got {type}").format(
                             type=type(servqual_items).__name__))
    need = ["survey_id", "item", "dimension", "expectation", "perception"]
    missing = [c for c in need if c not in servqual_items.columns]
    if missing:
        raise ValueError(_("servqual_items is missing column(s) {missing} (expected: {need})").format(
                             missing=', '.join(map(repr, missing)), need=', '.join(need)))
    if score not in SCORES:
        raise ValueError(_("score must be one of {scores}, got {score}").format(
                             scores=', '.join(map(repr, SCORES)), score=repr(score)))
    if servqual_items.empty:
        raise ValueError(_("servqual_items has no rows"))
    for c in ("expectation", "perception"):
        if not pd.api.types.is_numeric_dtype(servqual_items[c]):
            raise ValueError(_("servqual_items.{c} must hold numbers 1-7, got {dtype}").format(
                                 c=c, dtype=servqual_items[c].dtype))
    it = servqual_items
    values = (it["perception"] - it["expectation"]) if score == "gap" else it[score]
    long = pd.DataFrame({"survey_id": it["survey_id"].to_numpy(),
                         "item": it["item"].astype(str).to_numpy(),
                         "value": values.astype("float64").to_numpy()})
    if long.duplicated(["survey_id", "item"]).any():
        raise ValueError(_("servqual_items has a survey_id with the same item twice"))
    wide = long.pivot(index="survey_id", columns="item", values="value")
    wide.columns.name = None
    return wide[_item_order(servqual_items)]


def _item_order(it: pd.DataFrame) -> list[str]:
    dims = _dimensions(it)
    first = it.drop_duplicates("item")[["item", "dimension"]].astype(str)
    first["d"] = first["dimension"].map({d: i for i, d in enumerate(dims)})
    return first.sort_values(["d", "item"], kind="stable")["item"].tolist()


def _dimensions(it: pd.DataFrame) -> list[str]:
    present = list(pd.unique(it["dimension"].astype(str)))
    return [d for d in _DIM_ORDER if d in present] + [d for d in present if d not in _DIM_ORDER]


def servqual_reliability(servqual_items: pd.DataFrame, score: str = "gap") -> pd.DataFrame:
    """Cronbach's alpha per SERVQUAL dimension.

    One row per dimension: ``items`` (count), ``respondents`` (with every item
    of the dimension answered), ``alpha``, and the weakest item by corrected
    item-total correlation (``weakest_item``, ``weakest_item_total_corr``,
    ``alpha_without_weakest``).  ``score`` as in :func:`servqual_wide`.

    Examples
    --------
    >>> import crmlab
    >>> r = servqual_reliability(crmlab.load("retail").servqual_items)
    >>> bool(r["alpha"].between(0.6, 0.95).all()), r["alpha"].idxmax()
    (True, 'reliability')
    """
    wide = servqual_wide(servqual_items, score)
    dim_of = servqual_items.drop_duplicates("item").set_index(
        servqual_items.drop_duplicates("item")["item"].astype(str))["dimension"].astype(str)
    rows = {}
    for d in _dimensions(servqual_items):
        cols = [c for c in wide.columns if dim_of[c] == d]
        if len(cols) < 2:
            raise ValueError(_("dimension {d} has only {n} item: alpha needs 2 or more").format(
                                 d=repr(d), n=len(cols)))
        ia = item_analysis(wide[cols])
        weak = ia["item_total_corr"].idxmin()
        rows[d] = {"items": len(cols), "respondents": ia.attrs["n"], "alpha": ia.attrs["alpha"],
                   "weakest_item": weak,
                   "weakest_item_total_corr": ia.loc[weak, "item_total_corr"],
                   "alpha_without_weakest": ia.loc[weak, "alpha_if_deleted"]}
    out = pd.DataFrame(rows).T.astype({"items": int, "respondents": int, "alpha": float,
                                       "weakest_item_total_corr": float,
                                       "alpha_without_weakest": float})
    out.index.name = "dimension"
    out.attrs["score"] = score
    return out


def servqual_item_analysis(servqual_items: pd.DataFrame, score: str = "gap") -> pd.DataFrame:
    """:func:`item_analysis` within each SERVQUAL dimension, one row per item.

    Columns ``dimension``, ``mean``, ``sd``, ``item_total_corr`` (against the
    other items of the same dimension), ``alpha_if_deleted`` and
    ``dimension_alpha``.

    Examples
    --------
    >>> import crmlab
    >>> ia = servqual_item_analysis(crmlab.load("retail").servqual_items)
    >>> ia["item_total_corr"].idxmin()
    'EMP2'
    """
    wide = servqual_wide(servqual_items, score)
    first = servqual_items.drop_duplicates("item")
    dim_of = pd.Series(first["dimension"].astype(str).to_numpy(),
                       index=first["item"].astype(str).to_numpy())
    parts = []
    for d in _dimensions(servqual_items):
        cols = [c for c in wide.columns if dim_of[c] == d]
        if len(cols) < 2:
            raise ValueError(_("dimension {d} has only {n} item: item analysis needs 2 or more").format(
                                 d=repr(d), n=len(cols)))
        ia = item_analysis(wide[cols])
        parts.append(ia.assign(dimension=d, dimension_alpha=ia.attrs["alpha"]))
    out = pd.concat(parts)[["dimension", "mean", "sd", "item_total_corr", "alpha_if_deleted",
                            "dimension_alpha"]]
    out.index.name = "item"
    out.attrs["score"] = score
    return out


def plot_item_analysis(table: pd.DataFrame, ax: Axes | None = None,
                       threshold: float = 0.3) -> Axes:
    """Corrected item-total correlation per item (bars by dimension), line at ``threshold``.

    Items below the line measure something other than their dimension.
    Takes :func:`servqual_item_analysis` (or :func:`item_analysis`).
    """
    if not isinstance(table, pd.DataFrame) or "item_total_corr" not in table.columns:
        raise ValueError(_("plot_item_analysis needs the table of servqual_item_analysis(...) "
                           "or item_analysis(...) (column 'item_total_corr')"))
    import matplotlib.pyplot as plt

    if ax is None:
        _unused, ax = plt.subplots(figsize=(max(5, 0.38 * len(table) + 1.5), 3.6))
    dims = table["dimension"] if "dimension" in table.columns else pd.Series("", table.index)
    palette = plt.get_cmap("tab10")
    colour_of = {d: palette(i % 10) for i, d in enumerate(pd.unique(dims))}
    x = np.arange(len(table))
    r = table["item_total_corr"].to_numpy(dtype=float)
    ax.bar(x, r, color=[colour_of[d] for d in dims], edgecolor=np.where(r < threshold, "black",
                                                                          "none"))
    ax.axhline(threshold, color="#d62728", lw=0.9, ls="--")
    ax.text(len(table) - 0.5, threshold, f" {threshold:g}", va="bottom", ha="right", fontsize=8,
            color="#d62728")
    ax.set_xticks(x, [str(i) for i in table.index], rotation=90, fontsize=8)
    ax.set_ylim(min(0.0, np.nanmin(r) - 0.05), 1)
    ax.set_ylabel(plot_text("corrected item-total correlation"))
    ax.set_title(plot_text("Item analysis: does each item measure its dimension?"))
    if "dimension" in table.columns:
        for d, col in colour_of.items():
            ax.bar([np.nan], [np.nan], color=col, label=plot_text(str(d)))
        ax.legend(frameon=False, fontsize=8, ncol=5, loc="upper center",
                  bbox_to_anchor=(0.5, -0.22))
    return ax
