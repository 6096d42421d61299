"""The Kano model: evaluation table against the published one, hand-computed
coefficients, planted categories recovered, bad input."""

import numpy as np
import pandas as pd
import pytest

from crmlab import kano

# Berger et al. (1993), table 1 (Kano et al. 1984): rows functional, columns dysfunctional,
# both in the order like, must-be, neutral, live-with, dislike.  Typed in here from the
# literature, not taken from the package.
PUBLISHED = [
    ["Q", "A", "A", "A", "O"],
    ["R", "I", "I", "I", "M"],
    ["R", "I", "I", "I", "M"],
    ["R", "I", "I", "I", "M"],
    ["R", "R", "R", "R", "Q"],
]
ANSWERS = ["like", "must-be", "neutral", "live-with", "dislike"]


def test_evaluation_table_cell_by_cell():
    t = kano.kano_evaluation_table()
    assert t.index.tolist() == ANSWERS and t.columns.tolist() == ANSWERS
    for i, f in enumerate(ANSWERS):
        for j, d in enumerate(ANSWERS):
            assert t.loc[f, d] == PUBLISHED[i][j], (f, d)
            assert kano.kano_classify([f], [d]).tolist() == [PUBLISHED[i][j]]
    names = kano.kano_evaluation_table(codes=False)
    assert names.loc["like", "dislike"] == "one_dimensional"
    assert names.loc["neutral", "dislike"] == "must_be"


def test_chinese_answers_are_accepted():
    assert kano.kano_classify(["喜欢", "理应如此"], ["无所谓", "不喜欢"]).tolist() == ["A", "M"]
    assert kano.kano_classify(["Like "], ["DISLIKE"]).tolist() == ["O"]


def test_coefficients_by_hand():
    # feature f: 3 A, 2 O, 4 M, 1 I, 2 R, 1 Q -> Better 5/10, Worse -6/10, category M
    pairs = ([("like", "neutral")] * 3 + [("like", "dislike")] * 2
             + [("live-with", "dislike")] * 4 + [("neutral", "neutral")] + [("dislike", "like")] * 2
             + [("like", "like")])
    r = pd.DataFrame(pairs, columns=["functional", "dysfunctional"]).assign(feature="f")
    row = kano.kano_table(r).loc["f"]
    assert [row[c] for c in "AOMIRQ"] == [3, 2, 4, 1, 2, 1]
    assert row["n"] == 13
    assert row["better"] == pytest.approx(0.5) and row["worse"] == pytest.approx(-0.6)
    assert row["category"] == "M" and row["category_zh"] == "必备质量"
    assert row["share"] == pytest.approx(4 / 13)


def test_ties_follow_must_be_then_one_dimensional_then_attractive():
    r = pd.DataFrame({"feature": ["a", "a", "b", "b", "c", "c"],
                      "functional": ["like", "neutral", "like", "like", "like", "neutral"],
                      "dysfunctional": ["neutral", "dislike", "dislike", "neutral",
                                        "neutral", "neutral"]})
    t = kano.kano_table(r)
    assert t["category"].tolist() == ["M", "O", "A"]  # A=M -> M; A=O -> O; A=I -> A


def test_only_reverse_and_questionable_answers_give_no_coefficients():
    r = pd.DataFrame({"feature": ["x", "x"], "functional": ["dislike", "like"],
                      "dysfunctional": ["like", "like"]})
    row = kano.kano_table(r).loc["x"]
    assert row["category"] == "R" and np.isnan(row["better"]) and np.isnan(row["worse"])
    only_q = pd.DataFrame({"feature": ["q"], "functional": ["like"], "dysfunctional": ["like"]})
    assert kano.kano_table(only_q).loc["q", "category"] == "Q"


@pytest.mark.parametrize("fixture", ["big_retail", "big_telecom", "retail"])
def test_planted_categories_are_recovered(fixture, request):
    d = request.getfixturevalue(fixture)
    t = kano.kano_table(d.kano_responses)
    truth = d.truth.kano_features.set_index("feature")
    assert t["category_name"].to_dict() == truth["planted_category"].to_dict()
    tol = 0.03 if fixture.startswith("big") else 0.06
    assert (t["better"] - truth["better"]).abs().max() < tol
    assert (t["worse"] - truth["worse"]).abs().max() < tol


def test_plot(retail):
    t = kano.kano_table(retail.kano_responses)
    ax = kano.plot_kano(t)
    assert len(ax.texts) >= len(t) and ax.get_xlim() == (0, 1)


def test_plot_legend_follows_the_plot_language(retail, monkeypatch):
    """English names in English (with or without a CJK font, never boxes); the Chinese names
    when the language is Chinese and a font can draw them (crmlab.i18n.plot_language)."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from crmlab import i18n

    t = kano.kano_table(retail.kano_responses)
    monkeypatch.setitem(i18n._state, "language", "en")
    for font in ("", "Noto Sans CJK SC"):
        monkeypatch.setitem(i18n._state, "font", font)
        labels = [x.get_text() for x in kano.plot_kano(t).get_legend().get_texts()]
        assert "must-be" in labels and not any("质量" in x for x in labels), labels
        plt.close("all")
    for key in ("font.sans-serif", "font.family", "axes.unicode_minus"):
        monkeypatch.setitem(mpl.rcParams, key, mpl.rcParams[key])
    monkeypatch.setitem(i18n._state, "language", "zh")
    labels = [x.get_text() for x in kano.plot_kano(t).get_legend().get_texts()]
    assert "必备质量" in labels, labels
    monkeypatch.setitem(i18n._state, "font", "")  # Chinese asked for, no font: English
    monkeypatch.setitem(i18n._state, "notice_shown", True)
    labels = [x.get_text() for x in kano.plot_kano(t).get_legend().get_texts()]
    assert "must-be" in labels, labels
    plt.close("all")


def test_bad_input_gets_a_clear_message():
    with pytest.raises(ValueError, match="not a Kano answer"):
        kano.kano_classify(["like"], ["hate it"])
    with pytest.raises(ValueError, match="missing answer"):
        kano.kano_classify(["like", None], ["like", "like"])
    with pytest.raises(ValueError, match="one answer per response each"):
        kano.kano_classify(["like", "like"], ["like"])
    with pytest.raises(ValueError, match="one answer per response"):
        kano.kano_classify("like", "like")
    with pytest.raises(ValueError, match="missing column"):
        kano.kano_table(pd.DataFrame({"feature": ["x"], "functional": ["like"]}))
    with pytest.raises(ValueError, match="DataFrame"):
        kano.kano_table([("x", "like", "like")])
    with pytest.raises(ValueError, match="no rows"):
        kano.kano_table(pd.DataFrame(columns=["feature", "functional", "dysfunctional"]))
    with pytest.raises(ValueError, match="kano_table"):
        kano.plot_kano(pd.DataFrame({"x": [1]}))
