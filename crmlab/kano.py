"""The Kano model (卡诺模型): which features must be there and which delight.

Kano et al. (1984) ask about each feature twice: the **functional** question
("if the product has this feature, how do you feel?") and the **dysfunctional**
question ("if it does not have it?"), each answered on the same five-point scale:
like 喜欢, must-be 理应如此, neutral 无所谓, live-with 能忍受, dislike 不喜欢.
The answer pair is classified with the **evaluation table** (rows: functional
answer, columns: dysfunctional answer; Berger et al. 1993, table 1)::

                    like  must-be  neutral  live-with  dislike
    like             Q       A        A         A         O
    must-be          R       I        I         I         M
    neutral          R       I        I         I         M
    live-with        R       I        I         I         M
    dislike          R       R        R         R         Q

* A attractive 魅力质量 — delights when there, not missed when absent;
* O one-dimensional 一元质量 — the more the better (liked when there, disliked when absent);
* M must-be 必备质量 — taken for granted, only noticed when missing;
* I indifferent 无差异质量 — customers do not care either way;
* R reverse 反向质量 — customers would rather not have it;
* Q questionable 可疑结果 — a contradictory pair ("like" both having it and not).

Per feature the category is the most frequent answer category (A, O, M, I, R;
questionable answers are counted but chosen only if every answer is
questionable).  A tie is broken by
Berger et al.'s rule "when in doubt, M > O > A > I" (a missing must-be hurts
most), then R.  The customer satisfaction coefficients (Berger et al. 1993)
use the answers that say something about the feature (A, O, M, I)::

    Better = (A + O) / (A + O + M + I)          (0 to 1: how much having it satisfies)
    Worse  = -(O + M) / (A + O + M + I)         (-1 to 0: how much missing it dissatisfies)

* :func:`kano_evaluation_table` — the table above as a DataFrame;
* :func:`kano_classify` — the category of each answer pair;
* :func:`kano_table` — per feature the counts, the modal category, Better and Worse;
* :func:`plot_kano` — Better against |Worse| with quadrant lines at 0.5.

References
----------
Kano, N., Seraku, N., Takahashi, F. & Tsuji, S. (1984). Attractive quality and
must-be quality. *Journal of the Japanese Society for Quality Control* 14(2), 39-48.
Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel, W.,
Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M. & Walden, D. (1993).
Kano's methods for understanding customer-defined quality. *Center for Quality
of Management Journal* 2(4), 3-36.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab.data.questionnaires import KANO_ANSWERS, KANO_ANSWERS_ZH, KANO_EVALUATION
from crmlab.i18n import N_, _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "CATEGORY_CODES",
    "CATEGORY_NAMES",
    "CATEGORY_ZH",
    "KANO_ANSWERS",
    "kano_classify",
    "kano_evaluation_table",
    "kano_table",
    "plot_kano",
]

# one-letter codes of the categories, in the order of the table's columns
CATEGORY_CODES = ("A", "O", "M", "I", "R", "Q")
CATEGORY_NAMES = {"A": "attractive", "O": "one_dimensional", "M": "must_be",
                  "I": "indifferent", "R": "reverse", "Q": "questionable"}
CATEGORY_ZH = {"A": "魅力质量", "O": "一元质量", "M": "必备质量", "I": "无差异质量",
               "R": "反向质量", "Q": "可疑结果"}
_CODE_OF = {v: k for k, v in CATEGORY_NAMES.items()}
_TIE_ORDER = ("M", "O", "A", "I", "R")  # Berger et al. (1993): M > O > A > I
_ANSWER_OF = {a: a for a in KANO_ANSWERS} | dict(zip(KANO_ANSWERS_ZH, KANO_ANSWERS))


def kano_evaluation_table(codes: bool = True) -> pd.DataFrame:
    """The Kano evaluation table: rows functional answer, columns dysfunctional answer.

    ``codes=True`` gives the letters A, O, M, I, R, Q; ``False`` the names
    (``attractive``, ``one_dimensional``, ...).

    Examples
    --------
    >>> t = kano_evaluation_table()
    >>> t.loc["like", "dislike"], t.loc["neutral", "dislike"], t.loc["like", "neutral"]
    ('O', 'M', 'A')
    >>> t.loc["like", "like"], t.loc["dislike", "like"], t.loc["neutral", "neutral"]
    ('Q', 'R', 'I')
    """
    names = pd.DataFrame([list(r) for r in KANO_EVALUATION], index=list(KANO_ANSWERS),
                         columns=list(KANO_ANSWERS))
    names.index.name, names.columns.name = "functional", "dysfunctional"
    return names.replace(_CODE_OF) if codes else names


def _answers(values, name: str) -> np.ndarray:
    if isinstance(values, pd.DataFrame) or isinstance(values, (str, bytes)) or np.ndim(values) != 1:
        raise ValueError(_("{name} must be one answer per response (a Series, array or list), "
                           "got {type}").format(name=name, type=type(values).__name__))
    s = pd.Series(values, dtype=object)
    if s.isna().any():
        raise ValueError(_("{name} has {sum} missing answer(s): drop those responses first").format(
                             name=name, sum=int(s.isna().sum())))
    mapped = s.map(lambda a: _ANSWER_OF.get(str(a).strip().lower() if isinstance(a, str) else a))
    bad = s[mapped.isna()]
    if len(bad):
        raise ValueError(_("{name} holds {iloc}, not a Kano answer; expected one of "
                           "{kano_answers} (or {kano_answers_zh})").format(
                             name=name, iloc=repr(bad.iloc[0]),
                             kano_answers=', '.join(KANO_ANSWERS),
                             kano_answers_zh='、'.join(KANO_ANSWERS_ZH)))
    return mapped.to_numpy(dtype=object)


def kano_classify(functional, dysfunctional, codes: bool = True) -> np.ndarray:
    """The Kano category of each (functional, dysfunctional) answer pair.

    Answers are the five of :data:`KANO_ANSWERS` (like, must-be, neutral,
    live-with, dislike; the Chinese wordings 喜欢, 理应如此, 无所谓, 能忍受, 不喜欢
    are accepted too).  Returns the letters A, O, M, I, R, Q (``codes=True``)
    or the category names.

    Examples
    --------
    >>> kano_classify(["like", "neutral", "like", "like"],
    ...               ["neutral", "dislike", "dislike", "like"]).tolist()
    ['A', 'M', 'O', 'Q']
    """
    f = pd.Index(KANO_ANSWERS).get_indexer(_answers(functional, "functional"))
    d = pd.Index(KANO_ANSWERS).get_indexer(_answers(dysfunctional, "dysfunctional"))
    if f.size != d.size:
        raise ValueError(_("functional and dysfunctional must have one answer per response "
                           "each; got {size} and {size2}").format(size=f.size, size2=d.size))
    table = kano_evaluation_table(codes).to_numpy(dtype=object)
    return table[f, d]


def kano_table(responses: pd.DataFrame, feature: str = "feature",
               functional: str = "functional", dysfunctional: str = "dysfunctional"
               ) -> pd.DataFrame:
    """Per feature: answer counts by category, the Kano category, Better and Worse.

    Parameters
    ----------
    responses : DataFrame
        One row per respondent and feature (the ``kano_responses`` table):
        columns ``feature``, ``functional``, ``dysfunctional`` (names can be changed).

    Returns
    -------
    pandas.DataFrame
        One row per feature (in order of first appearance): ``n``, the counts
        ``A``, ``O``, ``M``, ``I``, ``R``, ``Q``, ``category`` (letter of the most
        frequent of A, O, M, I, R; ties M > O > A > I > R; Q only if every
        answer is questionable), ``category_name``,
        ``category_zh``, ``share`` (share of answers in that category),
        ``better`` = (A+O)/(A+O+M+I) and ``worse`` = -(O+M)/(A+O+M+I) (NaN
        when a feature has no A, O, M or I answer).

    Examples
    --------
    >>> r = pd.DataFrame({"feature": ["x"] * 5 + ["y"] * 3,
    ...     "functional": ["like", "like", "neutral", "neutral", "like",
    ...                    "neutral", "must-be", "like"],
    ...     "dysfunctional": ["neutral", "dislike", "dislike", "dislike", "like",
    ...                       "dislike", "dislike", "neutral"]})
    >>> t = kano_table(r)
    >>> t[["A", "O", "M", "I", "Q", "category"]].values.tolist()
    [[1, 1, 2, 0, 1, 'M'], [1, 0, 2, 0, 0, 'M']]
    >>> t["better"].round(3).tolist(), t["worse"].round(3).tolist()
    ([0.5, 0.333], [-0.75, -0.667])
    """
    if not isinstance(responses, pd.DataFrame):
        raise ValueError(_("responses must be a pandas DataFrame (e.g. data.kano_responses), "
                           "got {type}").format(type=type(responses).__name__))
    missing = [c for c in (feature, functional, dysfunctional) if c not in responses.columns]
    if missing:
        raise ValueError(_("responses is missing column(s) {missing} (expected: {feature}, "
                           "{functional}, {dysfunctional})").format(
                             missing=', '.join(map(repr, missing)), feature=feature,
                             functional=functional, dysfunctional=dysfunctional))
    if responses.empty:
        raise ValueError(_("responses has no rows: there is nothing to classify"))
    if responses[feature].isna().any():
        raise ValueError(_("responses.{feature} has missing feature names").format(
                             feature=feature))
    cat = kano_classify(responses[functional], responses[dysfunctional])
    counts = pd.crosstab(responses[feature], cat).reindex(
        index=pd.unique(responses[feature]), columns=list(CATEGORY_CODES), fill_value=0)
    counts = counts.astype(int)
    counts.index.name, counts.columns.name = feature, None
    out = counts.copy()
    out.insert(0, "n", counts.sum(axis=1))
    tie = counts[list(_TIE_ORDER)]
    # idxmax takes the first maximum: the tie order; only questionable answers -> Q
    out["category"] = tie.idxmax(axis=1).where(tie.max(axis=1) > 0, "Q")
    out["category_name"] = out["category"].map(CATEGORY_NAMES)
    out["category_zh"] = out["category"].map(CATEGORY_ZH)
    out["share"] = tie.max(axis=1) / out["n"]
    base = (counts["A"] + counts["O"] + counts["M"] + counts["I"]).astype(float)
    base = base.where(base > 0)
    out["better"] = (counts["A"] + counts["O"]) / base
    out["worse"] = -(counts["O"] + counts["M"]) / base
    return out


def plot_kano(table: pd.DataFrame, ax: Axes | None = None, labels=None) -> Axes:
    """Better against |Worse| per feature, quadrant lines at 0.5, features labelled.

    Quadrants (Berger et al. 1993): high Better and low |Worse| attractive,
    both high one-dimensional, low Better and high |Worse| must-be, both low
    indifferent.  Points are coloured by the feature's Kano category.
    ``labels``: optional dict feature -> label (e.g. the Chinese wording).
    """
    if not isinstance(table, pd.DataFrame) or not {"better", "worse"} <= set(table.columns):
        raise ValueError(_("plot_kano needs the table of kano_table(...) (columns 'better' and "
                           "'worse')"))
    import matplotlib.pyplot as plt

    if ax is None:
        _unused, ax = plt.subplots(figsize=(6.5, 5))
    names = {"A": N_("attractive"), "O": N_("one-dimensional"), "M": N_("must-be"),
             "I": N_("indifferent"), "R": N_("reverse")}
    colours = {"A": "#2ca02c", "O": "#1f77b4", "M": "#d62728", "I": "#8c8c8c", "R": "#9467bd"}
    cats = table["category"] if "category" in table.columns else pd.Series("I", table.index)
    x, y = table["worse"].abs(), table["better"]
    for code in _TIE_ORDER:
        sel = (cats == code).to_numpy()
        if sel.any():
            ax.scatter(x[sel], y[sel], s=60, color=colours[code], zorder=3,
                       label=plot_text(names[code]))
    for f in table.index:
        text = (labels or {}).get(f, str(f))
        ax.annotate(text, (x[f], y[f]), xytext=(5, 4), textcoords="offset points", fontsize=8)
    ax.axhline(0.5, color="grey", lw=0.8, ls="--")
    ax.axvline(0.5, color="grey", lw=0.8, ls="--")
    for cx, cy, code, ha in ((0.02, 0.98, "A", "left"), (0.98, 0.98, "O", "right"),
                             (0.02, 0.02, "I", "left"), (0.98, 0.02, "M", "right")):
        ax.text(cx, cy, plot_text(names[code]), transform=ax.transAxes, ha=ha,
                va="top" if cy > 0.5 else "bottom",
                fontsize=8, color="grey")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(plot_text("|Worse|: dissatisfaction when the feature is missing"))
    ax.set_ylabel(plot_text("Better: satisfaction when the feature is there"))
    ax.set_title(plot_text("Kano: Better vs Worse (Berger et al. 1993)"))
    ax.legend(frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5),
              prop={"size": 8})
    return ax
