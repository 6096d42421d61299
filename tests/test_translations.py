"""The Chinese edition (中文版) never goes stale.

Every translated notebook (a file in translations/zh/) must have a current translation of
each markdown cell (the hash of the English it translates matches the English cell now),
and its Chinese notebook (notebooks/zh/, exercises/zh/) must have the English code cells
unchanged and exactly the translation file's markdown, saved executed. After changing an
English markdown cell: `crmlab translate template NOTEBOOK`, translate what it marks fuzzy,
`crmlab translate build`.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from crmlab import translate
from crmlab.cli import main
from crmlab.glossary import GLOSSARY

ROOT = Path(__file__).resolve().parents[1]
TRANSLATED = translate.translated_notebooks(ROOT)
IDS = [p.relative_to(ROOT).as_posix() for p in TRANSLATED]


def cells_of(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]


def text(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def translations(english):
    data = json.loads(translate.translation_path(ROOT, english).read_text(encoding="utf-8"))
    return data["cells"]


def test_chapter_00_is_translated():
    assert {"notebooks/00_welcome.ipynb", "exercises/00_warmup.ipynb"} <= set(IDS)


@pytest.mark.parametrize("english", TRANSLATED, ids=IDS)
def test_every_markdown_cell_has_a_current_translation(english):
    st = translate.check(ROOT, english)
    assert st.of("missing") == [], (
        f"{english.name}: markdown cells without a translation: {st.of('missing')} -- run "
        f"`crmlab translate template {english.relative_to(ROOT).as_posix()}` and translate them")
    assert st.of("stale") == [], (
        f"{english.name}: the English of {st.of('stale')} changed after it was translated -- "
        f"run `crmlab translate template {english.relative_to(ROOT).as_posix()}`, update the "
        "\"zh\" texts it marks fuzzy, then `crmlab translate build`")
    assert st.obsolete == [], f"translations of cells the notebook no longer has: {st.obsolete}"


@pytest.mark.parametrize("english", TRANSLATED, ids=IDS)
def test_the_translation_file_records_the_english_it_translates(english):
    for cid, entry in translations(english).items():
        assert translate.cell_hash(entry["en"]) == entry["sha256"], cid
        assert "fuzzy" not in entry and "en_previous" not in entry, cid


@pytest.mark.parametrize("english", TRANSLATED, ids=IDS)
def test_the_chinese_notebook_has_the_english_code_cells(english):
    zh_path = translate.translated_path(ROOT, english)
    assert zh_path.is_file(), f"{zh_path.relative_to(ROOT)} is missing: `crmlab translate build`"
    en_cells, zh_cells = cells_of(english), cells_of(zh_path)
    assert [(c["id"], c["cell_type"]) for c in zh_cells] == [
        (c["id"], c["cell_type"]) for c in en_cells], "cells added, removed or moved"
    for en, zh in zip(en_cells, zh_cells):
        if en["cell_type"] == "code":
            assert zh["source"] == en["source"], f"code cell {en['id']} differs: rebuild"
            # the English cell's metadata (its execution timings record when the English
            # notebook was last run; re-running it alone does not make the Chinese one stale)
            strip = lambda m: {k: v for k, v in m.items() if k != "execution"}  # noqa: E731
            assert strip(zh["metadata"]) == strip(en["metadata"]), f"code cell {en['id']}"


@pytest.mark.parametrize("english", TRANSLATED, ids=IDS)
def test_the_chinese_notebook_has_the_translation_files_markdown(english):
    zh_path = translate.translated_path(ROOT, english)
    tr = translations(english)
    for cell in cells_of(zh_path):
        if cell["cell_type"] == "markdown":
            assert text(cell) == translate.relink(tr[cell["id"]]["zh"]), (
                f"markdown cell {cell['id']} is not what the translation file says: rebuild "
                "with `crmlab translate build`")


@pytest.mark.parametrize("english", TRANSLATED, ids=IDS)
def test_the_chinese_notebook_says_its_language_and_source_and_is_executed(english):
    zh_path = translate.translated_path(ROOT, english)
    nb = json.loads(zh_path.read_text(encoding="utf-8"))
    assert nb["metadata"]["crmlab"] == {
        "language": "zh", "source": english.relative_to(ROOT).as_posix(),
        "translation": translate.translation_path(ROOT, english).relative_to(ROOT).as_posix()}
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1)), (
        "not saved executed top to bottom")


def test_every_chinese_notebook_has_an_english_source_and_a_translation():
    built = sorted(p for folder in translate.FOLDERS
                   for p in (ROOT / folder / translate.LANGUAGE).glob("*.ipynb"))
    assert built == sorted(translate.translated_path(ROOT, p) for p in TRANSLATED)


# --- the Chinese follows the English: terms, code, links, numbers -----------------------------

CODE = re.compile(r"```.*?```|`[^`]+`", re.S)
LINK = re.compile(r"\]\(([^)\s]+)\)")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# common English words that are glossary terms only in a technical sense: an English cell
# may use them in their everyday sense ("the frequency of ...", "a pilot study"), so their
# Chinese is not required wherever the word appears
EVERYDAY = {"frequency", "recall", "precision", "consent", "pilot", "threshold", "validity",
            "consistency", "completeness", "uniqueness", "timeliness", "blocking",
            "expectation", "generalisation", "confounding", "heterogeneity", "cohort"}


def pairs():
    for english in TRANSLATED:
        for cid, entry in translations(english).items():
            yield pytest.param(entry["en"], entry["zh"], id=f"{english.stem}:{cid}")


def terms_in(english_text):
    prose = CODE.sub(" ", english_text)
    return [(en, zh) for en, (zh, _) in GLOSSARY.items() if en not in EVERYDAY and re.search(
        r"(?<![\w-])" + re.escape(en) + r"(?:s|es)?(?![\w-])", prose, re.I)]


def test_the_glossary_check_sees_terms():
    found = terms_in("Both are **foreign keys**; `customer lifetime value` is code.")
    assert found == [("foreign key", "外键")]


@pytest.mark.parametrize("en,zh", list(pairs()))
def test_translations_use_the_glossarys_chinese(en, zh):
    missing = [f"{e} -> {z}" for e, z in terms_in(en) if z not in zh]
    assert not missing, f"the English uses glossary terms whose Chinese is missing: {missing}"


@pytest.mark.parametrize("en,zh", list(pairs()))
def test_translations_keep_code_links_numbers_and_headings(en, zh):
    norm = lambda s: " ".join(s.split())  # noqa: E731 (a code span may be wrapped)
    zh_code = {norm(c) for c in CODE.findall(zh)}
    assert {norm(c) for c in CODE.findall(en)} - zh_code == set(), "code changed or missing"
    assert set(LINK.findall(en)) <= set(LINK.findall(zh)), "links changed or missing"
    assert set(NUMBER.findall(en)) <= set(NUMBER.findall(zh)), "numbers changed or missing"
    heading = lambda s: [(m.group(1), m.group(2) or "")  # noqa: E731
                         for m in re.finditer(r"^(#+) (\d+\. )?", CODE.sub("", s), re.M)]
    assert heading(zh) == heading(en), "headings: same levels, same section numbers"
    assert en.endswith("\n") == zh.endswith("\n")


# --- the staleness check itself, shown on a copy ----------------------------------------------

@pytest.fixture
def copy_of_chapter_00(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "translations" / "zh" / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / "00_welcome.ipynb", tmp_path / "notebooks")
    shutil.copy(ROOT / "translations" / "zh" / "notebooks" / "00_welcome.json",
                tmp_path / "translations" / "zh" / "notebooks")
    return tmp_path


def edit_english(root, cell_id, new_text):
    path = root / "notebooks" / "00_welcome.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["id"] == cell_id)
    cell["source"] = new_text.splitlines(keepends=True)
    path.write_text(translate.dump_notebook(nb), encoding="utf-8")


def test_a_changed_english_cell_is_reported_stale_and_the_build_refuses(copy_of_chapter_00,
                                                                        capsys):
    root = copy_of_chapter_00
    english = root / "notebooks" / "00_welcome.ipynb"
    assert translate.check(root, english).complete
    edit_english(root, "welcome-29", "Generating again with the same seed gives the same tables.")
    st = translate.check(root, english)
    assert st.of("stale") == ["welcome-29"] and st.of("missing") == []
    with pytest.raises(translate.StaleTranslationError, match="1 stale translation.*welcome-29"):
        translate.build(root, execute=False)
    assert main(["translate", "build", "--root", str(root), "--no-execute"]) == 2
    assert "welcome-29" in capsys.readouterr().err
    assert not (root / "notebooks" / "zh").exists()  # nothing written
    assert main(["translate", "status", "--root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "1 stale" in out and "stale: welcome-29" in out


def test_a_missing_translation_is_reported_and_the_build_refuses(copy_of_chapter_00):
    root = copy_of_chapter_00
    path = root / "translations" / "zh" / "notebooks" / "00_welcome.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["cells"]["welcome-05"]
    data["cells"]["welcome-07"]["zh"] = ""
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    st = translate.check(root, root / "notebooks" / "00_welcome.ipynb")
    assert st.of("missing") == ["welcome-05", "welcome-07"] and st.of("stale") == []
    with pytest.raises(translate.StaleTranslationError, match="2 missing"):
        translate.build(root, execute=False)


def test_template_keeps_translations_and_marks_changed_cells_fuzzy(copy_of_chapter_00):
    root = copy_of_chapter_00
    path = root / "translations" / "zh" / "notebooks" / "00_welcome.json"
    before = path.read_text(encoding="utf-8")
    translate.template(root, root / "notebooks" / "00_welcome.ipynb")
    assert path.read_text(encoding="utf-8") == before  # up to date: unchanged
    old = json.loads(before)["cells"]["welcome-29"]
    edit_english(root, "welcome-29", "Generating again with the same seed gives the same tables.\n")
    translate.template(root, root / "notebooks" / "00_welcome.ipynb")
    entry = json.loads(path.read_text(encoding="utf-8"))["cells"]["welcome-29"]
    assert entry["fuzzy"] is True and entry["zh"] == old["zh"]
    assert entry["en_previous"] == old["en"] and entry["en"].startswith("Generating again")
    english = root / "notebooks" / "00_welcome.ipynb"
    assert translate.check(root, english).of("stale") == ["welcome-29"]  # fuzzy: still stale
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["cells"]["welcome-29"]["fuzzy"], data["cells"]["welcome-29"]["en_previous"]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert translate.check(root, english).complete  # the translator confirmed it
    [built] = translate.build(root, execute=False)
    assert built == root / "notebooks" / "zh" / "00_welcome.ipynb"
    cell = next(c for c in cells_of(built) if c["id"] == "welcome-22")
    assert "](../../datasets/README.md)" in text(cell)  # links work one folder deeper


def test_a_new_english_cell_gets_an_empty_entry(copy_of_chapter_00):
    root = copy_of_chapter_00
    english = root / "notebooks" / "00_welcome.ipynb"
    nb = json.loads(english.read_text(encoding="utf-8"))
    nb["cells"].insert(1, {"cell_type": "markdown", "id": "new-cell", "metadata": {},
                           "source": ["A new paragraph."]})
    english.write_text(translate.dump_notebook(nb), encoding="utf-8")
    path, before = translate.template(root, english)
    assert before.of("missing") == ["new-cell"]
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert list(cells)[1] == "new-cell" and cells["new-cell"]["zh"] == ""
    assert cells["new-cell"]["sha256"] == translate.cell_hash("A new paragraph.")


def test_relink_moves_only_relative_links():
    md = ("[a](../datasets/README.md) [b](https://x.org/y) [c](#anchor) "
          "[d](/abs) ![e](pic.png)\n[ref]: docs/x.md")
    assert translate.relink(md) == ("[a](../../datasets/README.md) [b](https://x.org/y) "
                                    "[c](#anchor) [d](/abs) ![e](../pic.png)\n"
                                    "[ref]: ../docs/x.md")


def test_english_path_accepts_every_way_of_naming_a_notebook():
    welcome = (ROOT / "notebooks" / "00_welcome.ipynb").resolve()
    for name in ["00_welcome", "notebooks/00_welcome.ipynb", str(welcome), str(ROOT / "notebooks" / "zh" / "00_welcome.ipynb"),
                 str(ROOT / "translations" / "zh" / "notebooks" / "00_welcome.json")]:
        assert translate.english_path(ROOT, name) == welcome
    with pytest.raises(ValueError, match="no such English notebook"):
        translate.english_path(ROOT, "99_nothing")


# --- entry points: make lab LANG=zh, README.zh.md -----------------------------------------------

FAKE_JUPYTER = """#!/bin/sh
echo "ARGS $* LANG=${LANG-unset}" >> "$(dirname "$0")/../calls.log"
"""


@pytest.mark.skipif(shutil.which("make") is None or os.name != "posix",
                    reason="needs make and a POSIX shell")
@pytest.mark.parametrize("given,notebook", [
    ([], "notebooks/00_welcome.ipynb"),
    (["LANG=zh"], "notebooks/zh/00_welcome.ipynb"),
    (["LANG=zh_CN"], "notebooks/zh/00_welcome.ipynb"),
    (["LANG=zh-CN"], "notebooks/zh/00_welcome.ipynb"),
    (["LANG=C.UTF-8"], "notebooks/00_welcome.ipynb"),
])
def test_make_lab_lang_zh_opens_the_chinese_welcome_with_a_valid_locale(tmp_path, given,
                                                                       notebook):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for name, script in [("jupyter", FAKE_JUPYTER), ("crmlab", "#!/bin/sh\nexit 0\n")]:
        (venv / "bin" / name).write_text(script)
        (venv / "bin" / name).chmod(0o755)
    later = (ROOT / "pyproject.toml").stat().st_mtime + 1
    for made in [venv / ".crmlab-installed",
                 venv / "etc" / "jupyter" / "labconfig" / "page_config.json"]:
        made.parent.mkdir(parents=True, exist_ok=True)
        made.touch()
        os.utime(made, (later, later))
    # a Chinese user's environment: its LANG is a locale and does not choose the edition
    env = {**os.environ, "LANG": "zh_CN.UTF-8"}
    run = subprocess.run(["make", "-C", str(ROOT), "lab", f"VENV={venv}", *given], env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    [call] = (venv / "calls.log").read_text().splitlines()
    args, lang = call.rsplit(" LANG=", 1)
    assert args == f"ARGS lab {notebook}"
    assert (ROOT / notebook).is_file()
    assert lang not in {"zh", "zh_CN", "zh-CN"}  # jupyter always gets a real locale
    if not given:
        assert lang == "zh_CN.UTF-8"  # the environment's, untouched


README_ZH = ROOT / "README.zh.md"


def test_readme_links_to_the_chinese_readme_at_the_top():
    head = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:5]
    assert any("README.zh.md" in line for line in head)


def test_the_chinese_readme_has_the_commands_fonts_and_binder_links():
    text = README_ZH.read_text(encoding="utf-8")
    assert "make lab LANG=zh" in text and "crmlab translate build" in text
    for font in ["Noto Sans CJK", "Source Han Sans", "WenQuanYi", "Microsoft YaHei", "PingFang",
                 "apt-get install fonts-noto-cjk"]:
        assert font in text, font
    assert "## 中文字体 (Chinese fonts)" in text  # what crmlab's font notice points to
    links = re.findall(r"https://mybinder\.org/v2/gh/CRMLAB_GITHUB_REPO/HEAD\?urlpath=lab/tree/"
                       r"(\S+\.ipynb)", text)
    assert links, "no Binder links"
    for path in links:
        assert (ROOT / path).is_file(), path
    for english in TRANSLATED:  # every Chinese notebook has one
        assert translate.translated_path(ROOT, english).relative_to(ROOT).as_posix() in links
    for target in re.findall(r"\]\(((?!https?:|#)[^)\s]+)\)", text):
        assert (ROOT / target.split("#")[0]).exists(), target


def test_building_again_keeps_a_notebook_that_differs_only_in_widget_ids():
    ids = ["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"]

    def saved(model, text="Check"):
        nb = {"cells": [{"cell_type": "code", "outputs": [{"data": {
            "application/vnd.jupyter.widget-view+json": {"model_id": model}}}]}],
            "metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": {"state": {
                model: {"state": {"description": text, "children": [f"IPY_MODEL_{model}"]}}}}}}}
        return translate.dump_notebook(nb)

    assert translate._same_but_widget_ids(saved(ids[0]), saved(ids[1]))
    assert not translate._same_but_widget_ids(saved(ids[0]), saved(ids[1], "检查"))


def test_status_says_when_the_chinese_notebook_needs_a_build(copy_of_chapter_00, capsys):
    root = copy_of_chapter_00
    english = root / "notebooks" / "00_welcome.ipynb"
    assert main(["translate", "status", "--root", str(root)]) == 0
    assert "not built" in capsys.readouterr().out
    assert main(["translate", "build", "--root", str(root), "--no-execute"]) == 0
    assert "wrote notebooks/zh/00_welcome.ipynb" in capsys.readouterr().out
    assert translate.is_built(root, english)
    path = root / "translations" / "zh" / "notebooks" / "00_welcome.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["cells"]["welcome-05"]["zh"] += "（改进的译文）"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert not translate.is_built(root, english)
    assert main(["translate", "status", "--root", str(root)]) == 0  # translations complete
    assert "out of date: run `crmlab translate build`" in capsys.readouterr().out
    assert main(["translate", "template", "--root", str(root), "00_welcome"]) == 0
    assert "25 up to date, 0 stale" in capsys.readouterr().out
