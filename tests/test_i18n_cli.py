"""The ``crmlab`` command in Chinese: with the language set to ``zh`` (``CRMLAB_LANG=zh``) its
help texts, messages, errors and progress labels are Chinese; in English they are unchanged.
Codes, file names and column keys stay English in both."""

from __future__ import annotations

import io

import pytest

from crmlab import i18n
from crmlab.cli import ProgressBar, build_parser, main, read_roster


@pytest.fixture
def lang(monkeypatch):
    """Set the language for one test; the previous state again afterwards."""
    monkeypatch.delenv("CRMLAB_LANG", raising=False)

    def use(language):
        monkeypatch.setitem(i18n._state, "language", language)

    return use


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_help_texts_are_chinese_in_zh_and_unchanged_in_english(lang):
    lang("zh")
    zh = build_parser().format_help()
    assert "模拟一个数据集并保存到文件夹" in zh and "批改作业提交文件" in zh
    lang("en")
    en = build_parser().format_help()
    assert "simulate a dataset and save it to a folder" in en
    assert "模拟" not in en and "批改" not in en


def test_generate_message_and_errors_in_chinese(lang, tmp_path, capsys):
    lang("zh")
    assert main(["generate", "--customers", "50", "--out", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("已将 retail 数据集（随机种子 0）写入") and "customers 50" in out
    assert main(["generate", "--customers", "50", "--out", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crmlab: error: --out ") and "不是空的；如要写入，请加 --force" in err
    with pytest.raises(SystemExit) as exc:
        main(["generate", "--customers", "-3", "--out", str(tmp_path / "e")])
    assert exc.value.code == 2
    assert "必须为正数，得到的是 -3（见 `crmlab --help`）" in capsys.readouterr().err


def test_generate_message_and_errors_unchanged_in_english(lang, tmp_path, capsys):
    lang("en")
    assert main(["generate", "--customers", "50", "--out", str(tmp_path / "d")]) == 0
    assert capsys.readouterr().out.startswith(f"wrote retail dataset (seed 0) to {tmp_path / 'd'}: ")
    assert main(["generate", "--customers", "50", "--out", str(tmp_path / "d")]) == 2
    assert "is not empty; pass --force to write into it" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["generate", "--customers", "x", "--out", str(tmp_path / "e")])
    assert "'x' is not a whole number (see `crmlab --help`)" in capsys.readouterr().err


def test_roster_problems_in_chinese_and_in_english(lang, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\n2023012345,A\n2023012345,B\n", encoding="utf-8")
    lang("zh")
    with pytest.raises(ValueError, match="第 3 行：学号 2023012345 出现两次（另见第 2 行）"):
        read_roster(roster)
    with pytest.raises(ValueError, match="不存在"):
        read_roster(tmp_path / "none.csv")
    lang("en")
    with pytest.raises(ValueError, match=r"line 3: student id 2023012345 appears twice \(also "
                                         r"line 2\)"):
        read_roster(roster)


def test_i18n_status_and_progress_label(lang, capsys):
    lang("zh")
    assert main(["i18n", "status"]) == 0
    out = capsys.readouterr().out
    assert "条文本" in out and "0 条待核对" in out
    stream = io.StringIO()
    ProgressBar(stream)("done", 1.0)
    assert "完成" in stream.getvalue()
    lang("en")
    stream = io.StringIO()
    ProgressBar(stream)("done", 1.0)
    assert " done " in stream.getvalue() and not _cjk(stream.getvalue())
