"""The Chinese edition's switch and catalogue: ``crmlab.set_language`` changes what crmlab
shows (feedback, prompts, hints, boxes, the progress table, hand-in messages, plot labels),
the default follows the notebook's folder, the catalogue is complete for what is translated,
its placeholders and key terms agree with the English, the compiled file is fresh, and plots
never draw boxes for missing glyphs."""

from __future__ import annotations

import re
import string

import pandas as pd
import pytest

import crmlab
from crmlab import catalogue, i18n
from crmlab.exercises import core
from crmlab.exercises.core import all_exercises, dataset_for, evaluate
from crmlab.glossary import GLOSSARY


@pytest.fixture(scope="module")
def po():
    return catalogue.read("zh")


@pytest.fixture(scope="module")
def template():
    return catalogue.extract()


# ---------------------------------------------------------------- the switch
def test_set_language_checks_its_argument_and_accepts_common_spellings():
    try:
        for spelling, code in [("zh", "zh"), ("zh_CN", "zh"), ("中文", "zh"), ("EN", "en")]:
            assert crmlab.set_language(spelling) == code == crmlab.get_language()
        with pytest.raises(ValueError, match="choose 'zh'"):
            crmlab.set_language("fr")
        with pytest.raises(ValueError, match="unknown language"):
            crmlab.set_language(3)
    finally:
        i18n._state["language"] = None


def test_default_language_follows_the_notebooks_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("CRMLAB_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    (tmp_path / "notebooks" / "zh").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "notebooks")
    assert i18n.default_language() == "en"
    (tmp_path / "zh" / "course" / "notebooks").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "zh" / "course" / "notebooks")  # a user named zh: English
    assert i18n.default_language() == "en"
    monkeypatch.chdir(tmp_path / "notebooks" / "zh")  # nbval and nbconvert start kernels here
    assert i18n.default_language() == "zh"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "exercises" / "zh" / "00_warmup.ipynb"))
    assert i18n.default_language() == "zh"  # Jupyter names the notebook
    monkeypatch.setenv("CRMLAB_LANG", "en")
    assert i18n.default_language() == "en"  # the variable wins
    monkeypatch.setenv("CRMLAB_LANG", "klingon")
    with pytest.raises(ValueError, match="unknown language"):
        i18n.default_language()


def test_feedback_hints_and_prompts_in_chinese(zh):
    data = dataset_for("retail", core.PRACTICE_SEED)
    ex = all_exercises()["ch00.n-customers"]
    text = evaluate(ex, len(data.orders), data).text()
    assert text == "✘ 还不对：这是订单数，不是客户数"  # a common mistake, translated
    right = evaluate(ex, len(data.customers), data).text()
    assert right.startswith("✔ 正确：") and "潜在客户" in right  # with the explanation
    wrong = all_exercises()["ch00.top20-share"]
    percent = f"{100 * wrong.expected(data):.2f}"
    assert "看起来是百分数" in evaluate(wrong, percent, data).text()
    shown = repr(crmlab.exercise("ch00.top20-share"))
    assert shown.startswith("练习 ch00.top20-share：收入集中度") and "二八法则" in shown
    assert crmlab.hint("ch00.n-customers").startswith("提示 1：每位客户是")


def test_the_grader_matches_mistakes_in_english_whatever_the_language(zh):
    """A mistake's message stays English inside the verdict (the grader compares it with
    the exercise's); only its display is Chinese."""
    data = dataset_for("retail", core.PRACTICE_SEED)
    ex = all_exercises()["ch00.n-customers"]
    verdict = evaluate(ex, len(data.orders), data)
    assert verdict.message in {m.message for m in ex.mistakes}


def test_boxes_progress_and_handin_in_chinese(zh, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CRMLAB_PROGRESS", str(tmp_path / "p.json"))
    monkeypatch.setattr(core, "_WORKBOOK", core.Workbook())
    crmlab.start()
    out = capsys.readouterr().out
    assert "练习模式：未提供学号" in out and out.startswith("CRM Lab：练习模式（未提供学号）；零售数据集")
    box = [line for line in out.splitlines() if line.startswith("┃")]
    widths = {core._width(line) for line in box}
    assert len(widths) == 1, "the box's right edge is straight with Chinese text"
    data = crmlab.start("2023012345")
    crmlab.check("ch00.n-customers", len(data.customers))
    table = repr(crmlab.progress("ch00"))
    assert "章节" in table and "作业" in table and "正确" in table
    assert crmlab.progress("ch00").frame.columns[0] == "chapter"  # code keeps English names
    receipt = crmlab.handin("2023012345", path=tmp_path)
    assert receipt.line().startswith("已写入") and "含 1 个答案" in receipt.line()


def test_english_stays_english():
    i18n._state["language"] = None
    try:
        crmlab.set_language("en")
        assert crmlab.exercises.Number().check("x", 1).text().startswith("⚠ Check your answer")
    finally:
        i18n._state["language"] = None


# ---------------------------------------------------------------- the catalogue
def test_the_catalogue_has_every_text_of_the_code(po, template):
    """`crmlab i18n update` was run: every text crmlab shows is in the catalogue."""
    ids = {(m.id, m.context) for m in po if m.id}
    missing = sorted(m.id for m in template if m.id and (m.id, m.context) not in ids)
    assert not missing, f"run `crmlab i18n update`: {len(missing)} new texts, e.g. {missing[:3]}"


def test_every_text_is_translated(po, template):
    """Every text crmlab shows has a checked Chinese translation (none missing or fuzzy)."""
    entries = {(m.id, m.context): m for m in po if m.id}
    todo = [m.id for m in template if m.id and (
        (m.id, m.context) not in entries or not entries[m.id, m.context].string
        or entries[m.id, m.context].fuzzy)]
    assert not todo, f"{len(todo)} texts to translate (crmlab i18n status), e.g. {todo[:3]}"


def _fields(text: str) -> list[str]:
    return sorted(f for _, f, _, _ in string.Formatter().parse(text) if f is not None)


def test_translations_keep_the_placeholders(po):
    bad = [m.id for m in po if m.id and m.string and _fields(m.id) != _fields(m.string)]
    assert not bad, bad[:5]


def test_translations_use_the_glossarys_terms(po):
    """The glossary is the one source of terms: where an English text names a key term, its
    translation uses the glossary's Chinese for it."""
    terms = {en.lower(): zh for en, (zh, _) in GLOSSARY.items() if len(en) > 3}
    off = []
    for m in po:
        if not (m.id and m.string):
            continue
        text = re.sub(r"\{\w*\}", "", m.id.lower())  # placeholders are not terms
        for en, zh in terms.items():
            if re.search(rf"\b{re.escape(en)}\b", text) and zh not in m.string:
                off.append(f"{m.id[:50]!r}: {en} -> {zh}")
    assert not off, off[:5]


def test_the_compiled_catalogue_is_fresh(po):
    """The .mo file gettext reads says what the .po file says (`crmlab i18n compile`)."""
    import gettext

    with catalogue.mo_path("zh").open("rb") as f:
        mo = gettext.GNUTranslations(f)
    for m in po:
        if m.id and m.string and not m.fuzzy:
            shown = mo.pgettext(m.context, m.id) if m.context else mo.gettext(m.id)
            assert shown == m.string, m.id


def test_i18n_command_reports_the_counts(capsys):
    from crmlab.cli import main

    assert main(["i18n", "status"]) == 0
    assert re.search(r"\d+ texts, \d+ translated, 0 fuzzy", capsys.readouterr().out)


# ---------------------------------------------------------------- fonts
def test_plots_fall_back_to_english_without_a_chinese_font(zh, monkeypatch, capsys):
    monkeypatch.setitem(i18n._state, "font", "")  # as on a machine without one
    monkeypatch.setitem(i18n._state, "notice_shown", False)
    monkeypatch.delenv("CRMLAB_FONT_NOTICE", raising=False)
    assert i18n.plot_language() == "en"
    assert i18n.plot_text("revenue per month") == "revenue per month"
    assert "README.zh.md" in capsys.readouterr().err
    i18n.plot_language()
    assert capsys.readouterr().err == ""  # once per session
    assert i18n.gettext("Correct") == "正确"  # the rest stays Chinese


def test_plots_are_chinese_with_a_chinese_font(zh, monkeypatch):
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from crmlab.tour import plot_monthly_activity

    monkeypatch.setitem(i18n._state, "font", "Noto Sans CJK SC")
    for key in ("font.sans-serif", "font.family", "axes.unicode_minus"):
        monkeypatch.setitem(mpl.rcParams, key, mpl.rcParams[key])
    ax = plot_monthly_activity(dataset_for("retail", core.PRACTICE_SEED))
    assert ax.get_title() == "每月订单数与收入" and ax.get_ylabel() == "每月订单数"
    assert mpl.rcParams["font.sans-serif"][0] == "Noto Sans CJK SC"
    assert not mpl.rcParams["axes.unicode_minus"]
    plt.close("all")


def test_the_chapters_plots_are_chinese_with_a_font_and_english_without(zh, monkeypatch):
    """Titles, axis labels, legend entries, tick labels and annotations of the chapters' plots
    come from the catalogue (numbers formatted as in English); in English they are unchanged."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from crmlab import concentration, lifecycle, rfm

    data = dataset_for("retail", core.PRACTICE_SEED)
    scores = rfm.rfm_scores(data.orders, as_of="2024-12-31")
    values = [50, 10, 40, 0, 30, 20, 5, 60, 15, 25]
    stages = pd.Series(["new", "active", "active", "loyal", "churned", "potential"])

    def draw():
        seg = rfm.plot_segments(rfm.segment_summary(scores))
        lor = concentration.plot_lorenz(concentration.lorenz(values), mark=0.2)
        stg = lifecycle.plot_stages(stages)
        heat = rfm.plot_rfm_heatmap(scores)
        out = {"title": seg.get_title(), "xlabel": seg.get_xlabel(),
               "legend": [t.get_text() for t in seg.get_legend().get_texts()],
               "ticks": [t.get_text() for t in seg.get_yticklabels()],
               "lorenz": [t.get_text() for t in lor.get_legend().get_texts()],
               "note": lor.texts[0].get_text(), "ylabel": lor.get_ylabel(),
               "stages": [t.get_text() for t in stg.get_xticklabels()],
               "stage_title": stg.get_title(), "cells": {t.get_text() for t in heat.texts},
               "bar": heat.figure.axes[-1].get_ylabel()}
        plt.close("all")
        return out

    for key in ("font.sans-serif", "font.family", "axes.unicode_minus"):
        monkeypatch.setitem(mpl.rcParams, key, mpl.rcParams[key])
    monkeypatch.setitem(i18n._state, "font", "Noto Sans CJK SC")
    shown = draw()
    assert shown["title"] == "RFM 客户细分：客户与收入" and shown["xlabel"] == "占比"
    assert shown["legend"] == ["客户占比", "收入占比"]
    assert "Champions（冠军客户）" in shown["ticks"]
    assert shown["lorenz"] == ["绝对平等线", "洛伦兹曲线（基尼系数 = 0.41）"]
    assert shown["note"] == "前 20% 的客户\n贡献 43% 的价值" and shown["ylabel"] == "价值累计占比"
    assert shown["stages"] == ["潜在客户", "新客户", "活跃客户", "忠诚客户", "流失客户"]
    assert shown["stage_title"] == "各生命周期阶段的客户数"
    assert "Champions\n（冠军客户）" in shown["cells"] and shown["bar"] == "客户数"

    crmlab.set_language("en")
    shown = draw()
    assert shown["title"] == "RFM segments: customers and revenue" and shown["xlabel"] == "share"
    assert shown["legend"] == ["share of customers", "share of revenue"]
    assert "Champions" in shown["ticks"]
    assert shown["lorenz"] == ["line of equality", "Lorenz curve (Gini = 0.41)"]
    assert shown["note"] == "top 20% of customers\nbring 43% of the value"
    assert shown["stages"] == ["Potential", "New", "Active", "Loyal", "Churned"]
    assert shown["stage_title"] == "Customers per lifecycle stage"
    assert "Champions" in shown["cells"] and shown["bar"] == "customers"


def test_the_capstone_brief_is_chinese_in_chinese(zh):
    from crmlab import capstone

    data = capstone.case("2023012345", "telecom", 3)
    brief = capstone.case_brief(data)
    assert brief.startswith("# 综合案例：你的企业")
    assert "董事会听说企业存在3 个严重问题" in brief and "份合约" in brief
    assert "| 区域 | 名称 | CRM 上线日期 |" in brief
    crmlab.set_language("en")
    assert capstone.case_brief(data).startswith("# Capstone case: your firm")
