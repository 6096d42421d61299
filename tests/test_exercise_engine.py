"""The engine end to end: per-student answers, progress, hand-in, grading, assign."""

import json
import os

import pytest

import crmlab
from crmlab.cli import main
from crmlab.exercises import core, store
from crmlab.exercises.ch00 import top20_share
from crmlab.exercises.report import grade_files


@pytest.fixture(autouse=True)
def progress_file(tmp_path, monkeypatch):
    path = tmp_path / "crmlab-progress.json"
    monkeypatch.setenv("CRMLAB_PROGRESS", str(path))
    monkeypatch.chdir(tmp_path)
    yield path
    core.workbook().student_id = None


def test_registry_ids_and_lookup_errors():
    ids = list(crmlab.exercises.all_exercises())
    assert "ch00.top20-share" in ids and all(i.startswith("ch") for i in ids)
    with pytest.raises(ValueError, match="unknown exercise 'ch00.nope'; exercises in ch00: "):
        crmlab.check("ch00.nope", 1)
    with pytest.raises(ValueError, match="must look like"):
        core.register(core.Exercise("bad", "t", "p", crmlab.exercises.Number(), lambda d: 1))


def test_answers_follow_the_students_seed(capsys):
    a = crmlab.start("2023000001")
    share_a = top20_share(a)
    assert crmlab.check("ch00.top20-share", share_a).correct
    b = crmlab.start("2023000002")
    share_b = top20_share(b)
    assert abs(share_a - share_b) > 1e-4  # different data, different right answer
    assert not crmlab.check("ch00.top20-share", share_a).correct  # a copied answer fails
    assert crmlab.check("ch00.top20-share", share_b).correct
    assert "student 2023000002" in capsys.readouterr().out


def test_common_mistakes_get_specific_feedback():
    d = crmlab.start()
    fb = crmlab.check("ch00.n-customers", d.orders["customer_id"].nunique())
    assert "only customers who bought" in fb.verdict.message
    fb = crmlab.check("ch00.top20-share", top20_share(d, buyers_only=True))
    assert "ranked only the customers who bought" in fb.verdict.message
    counts = d.customers["acquisition_channel"].value_counts()
    fb = crmlab.check("ch00.customers-by-channel", counts / counts.sum())
    assert "these are shares" in fb.verdict.message
    region_ids = d.customers["region_id"].value_counts()
    fb = crmlab.check("ch00.top-region", region_ids.index[0])
    assert "that is the region's id" in fb.verdict.message


def test_text_fallback_has_no_widget_noise():
    view = crmlab.exercise("ch00.top20-share")
    text = repr(view)
    assert text.startswith("Exercise ch00.top20-share: Revenue concentration")
    assert "crmlab.check('ch00.top20-share'" in text and "Widget" not in text
    bundle = view._repr_mimebundle_()
    assert bundle["text/plain"] == text
    assert "application/vnd.jupyter.widget-view+json" in bundle
    fb = crmlab.check("ch00.n-customers", "lots")
    assert repr(fb).startswith("[ch00.n-customers] ⚠ Check your answer:")
    assert "crmlab-invalid" in fb._repr_html_()


def test_widget_check_and_hint_buttons():
    crmlab.start()
    view = crmlab.exercise("ch00.n-customers")
    view.widget()
    view.input.value = "abc"
    view.check_button.click()
    assert "is not a number" in view.feedback.value
    view.input.value = "5000"
    view.check_button.click()
    assert "Correct" in view.feedback.value
    view.hint_button.click()
    assert view.hint_button.description == "Hint (1/2)"
    choice = crmlab.exercise("ch00.customer-tables")
    choice.widget()
    choice.boxes["orders"].value = True
    choice.check_button.click()
    assert "right option" in choice.feedback.value


def test_progress_is_saved_and_shown(progress_file):
    crmlab.start()
    crmlab.check("ch00.n-customers", 1)
    crmlab.check("ch00.n-customers", 5000)
    crmlab.check("ch00.n-customers", 4999)
    state = json.loads(progress_file.read_text())
    entry = state["answers"]["ch00.n-customers"]
    assert (entry["status"], entry["answer"], entry["attempts"]) == ("wrong", 4999, 3)
    assert (entry["best"]["status"], entry["best"]["answer"]) == ("correct", 5000)
    assert (entry["student_id"], entry["seed"], entry["practice"]) == (None, 2024, False)
    table = crmlab.progress()
    text = repr(table)
    assert "ch00" in text and "best" in text and "latest" in text
    row = table.frame.set_index("exercise").loc["ch00.n-customers"]
    assert (row["attempts"], row["best"], row["latest"]) == (3, "correct", "wrong")
    assert table.summary().loc[("ch00", "homework"), "correct"] == 1
    assert table.summary().loc[("ch00", "homework"), "answered"] == 1
    assert "<table" in table._repr_html_()


def test_run_all_never_erases_an_answer(progress_file):
    d = crmlab.start("2023000001")
    assert crmlab.check("ch00.n-customers", 5000).correct
    crmlab.check("ch00.top20-share", 0.99)
    crmlab.check("ch00.top20-share", top20_share(d))
    before = progress_file.read_bytes()
    for _ in range(2):  # Restart Kernel and Run All, twice, on a notebook still holding ...
        fb = crmlab.check("ch00.n-customers", ...)
        assert fb.verdict.status == "unanswered" and not fb
        assert "Not answered yet" in repr(fb)
        assert repr(fb).endswith("Not answered in this cell; your saved answer "
                                 "(correct, 1 attempt) is kept.")
        assert "is kept" in fb._repr_html_()
        crmlab.check("ch00.top20-share", ...)
        assert "Not answered in this cell" not in repr(crmlab.check("ch00.churn-observed", ...))
    assert progress_file.read_bytes() == before
    crmlab.check("ch00.top20-share", 0.5)  # a wrong answer after a right one
    fb = crmlab.check("ch00.top20-share", ...)
    assert fb.note == ("Not answered in this cell; your saved answers (best correct, latest "
                       "wrong; 3 attempts) are kept.")
    assert json.loads(progress_file.read_text())["answers"]["ch00.top20-share"]["best"][
        "student_id"] == "2023000001"


def test_widget_with_nothing_chosen_keeps_the_saved_answer(progress_file):
    crmlab.start()
    crmlab.check("ch00.customer-tables", ["customers", "orders"])
    before = progress_file.read_bytes()
    view = crmlab.exercise("ch00.n-customers")
    view.widget()
    view.check_button.click()  # empty box
    assert "Not answered yet" in view.feedback.value
    assert progress_file.read_bytes() == before


def test_progress_counts_only_real_answers_and_shows_its_own_chapter(progress_file):
    crmlab.start()
    for ex_id in ("ch00.n-customers", "ch00.top20-share", "ch00.churn-observed"):
        crmlab.check(ex_id, ...)  # Run All on an empty homework
    assert not progress_file.exists()
    empty = crmlab.progress()
    assert 'crmlab.progress("ch03")' in repr(empty) and 'crmlab.progress("all")' in repr(empty)
    assert "crmlab.progress(" in empty._repr_html_() and empty.frame.empty
    ch00 = crmlab.progress("ch00").summary()
    assert ch00.loc[("ch00", "homework"), "answered"] == 0
    crmlab.check("ch00.n-customers", 5000)
    table = crmlab.progress()
    assert set(table.frame["chapter"]) == {"ch00"}
    assert table.summary().loc[("ch00", "homework"), "answered"] == 1
    everything = crmlab.progress("all")
    assert len(everything.frame) == len(crmlab.exercises.all_exercises())
    assert ("all", "homework") in everything.summary().index
    with pytest.raises(ValueError, match="no exercises in chapter 'ch99'; choose one of ch00"):
        crmlab.progress("ch99")


@pytest.fixture
def practice_exercise():
    """A practice copy of ch00.top20-share (as if it were embedded in a chapter notebook)."""
    import dataclasses

    ex = dataclasses.replace(core.get("ch00.top20-share"), id="ch00.top20-practice",
                             practice=True)
    core.register(ex)
    yield ex
    core._REGISTRY.pop(ex.id)


def test_practice_exercises_use_the_practice_data_and_are_counted_apart(progress_file,
                                                                        practice_exercise):
    practice_data = crmlab.start()
    mine = crmlab.start("2023000001")
    assert crmlab.check("ch00.top20-practice", top20_share(practice_data)).correct
    assert not crmlab.check("ch00.top20-practice", top20_share(mine)).correct
    assert crmlab.check("ch00.top20-share", top20_share(mine)).correct
    entries = json.loads(progress_file.read_text())["answers"]
    practice = entries["ch00.top20-practice"]
    assert practice["practice"] is True and practice["seed"] == 2024
    assert practice["best"]["status"] == "correct" and practice["student_id"] == "2023000001"
    homework = entries["ch00.top20-share"]
    assert homework["practice"] is False and homework["seed"] == crmlab.seed_for("2023000001")
    table = crmlab.progress()
    summary = table.summary()
    assert summary.loc[("ch00", "practice"), ["exercises", "answered", "correct"]].tolist() == [
        1, 1, 1]
    assert summary.loc[("ch00", "homework"), "answered"] == 1
    assert table.frame.set_index("exercise").loc["ch00.top20-practice", "part"] == "practice"


def test_handin_shows_one_friendly_line_and_no_posix_path(progress_file, capsys):
    from IPython.core.formatters import DisplayFormatter

    crmlab.start("2023000001")
    crmlab.check("ch00.n-customers", 5000)
    capsys.readouterr()
    result = crmlab.handin()
    shown = DisplayFormatter().format(result)[0].get("text/plain", "")  # as a notebook would
    lines = [line for line in (capsys.readouterr().out + shown).splitlines() if line.strip()]
    assert len(lines) == 1 and "handin-2023000001.json" in lines[0], lines
    assert lines[0] == (f"Wrote handin-2023000001.json with 1 answer in "
                        f"{progress_file.parent.name}/: hand this file in.")
    assert "PosixPath" not in repr(result) and "WindowsPath" not in repr(result)
    assert result.path == progress_file.parent / "handin-2023000001.json"
    with open(result, encoding="utf-8") as f:
        assert json.load(f)["student_id"] == "2023000001"


def test_handin_boxes_what_to_know_before_handing_in(progress_file, capsys):
    crmlab.start()  # practice mode: the answer is checked on the shared data
    crmlab.check("ch00.n-customers", 5000)
    capsys.readouterr()
    receipt = crmlab.handin("2023000001")
    out = capsys.readouterr().out
    assert out.startswith("Wrote handin-2023000001.json with 1 answer in ")
    assert "┏" in out and "BEFORE YOU HAND IN" in out and "practice mode" in out
    assert receipt.notes and receipt.n_answers == 1


def test_a_progress_file_locked_too_long_is_reported_not_raised(progress_file, monkeypatch):
    crmlab.start()
    monkeypatch.setattr(store, "LOCK_TIMEOUT", 0.1)
    with store.locked(progress_file):  # another notebook is writing (and stuck)
        fb = crmlab.check("ch00.n-customers", 5000)
    assert fb.correct and fb.notice.startswith("Your progress could not be saved (your "
                                               "progress file crmlab-progress.json was still "
                                               "locked by another notebook after 0.1 s")
    assert not progress_file.exists()
    assert crmlab.check("ch00.n-customers", 5000).notice == ""
    assert json.loads(progress_file.read_text())["answers"]["ch00.n-customers"]["attempts"] == 1


def test_progress_survives_a_crash_mid_write(progress_file, monkeypatch):
    crmlab.start()
    crmlab.check("ch00.n-customers", 5000)
    before = progress_file.read_text()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # the kernel is interrupted while writing

    monkeypatch.setattr(store.json, "dumps", crash)
    with pytest.raises(KeyboardInterrupt):
        store.record("ch00.top20-share", 0.5, crmlab.exercises.Verdict("wrong", ""), None)
    assert progress_file.read_text() == before
    assert [p.name for p in progress_file.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_corrupt_progress_file_is_kept_aside_and_reported(progress_file):
    crmlab.start()
    progress_file.write_text('{"answers": {"ch00.n-customers": ')  # truncated
    fb = crmlab.check("ch00.n-customers", 5000)
    assert "could not be read" in fb.notice and "corrupt-1" in fb.notice
    aside = progress_file.with_name("crmlab-progress.corrupt-1.json")
    assert aside.read_text() == '{"answers": {"ch00.n-customers": '
    saved = json.loads(progress_file.read_text())["answers"]["ch00.n-customers"]
    assert saved["status"] == "correct"


def _work_as(student_id, right=True):
    d = crmlab.start(student_id)
    crmlab.check("ch00.n-customers", 5000)
    crmlab.check("ch00.top20-share", top20_share(d) if right else 0.99)

    def aov(amounts):
        return sum(amounts) / len(amounts) if amounts else 0.0

    crmlab.check("ch00.aov-function", aov)
    crmlab.check("ch00.churn-observed", "c")
    return crmlab.handin(student_id)


def test_saved_progress_is_handed_in_and_graded(tmp_path, progress_file):
    """Engine to grade: the best answer counts, a Run All changes nothing, tampering shows.

    The grading itself (every finding, the gradebook) is tested in tests/test_grading.py.
    """
    subs = tmp_path / "subs"
    subs.mkdir()
    _work_as("2023000001")
    crmlab.check("ch00.top20-share", 0.5)  # right, then wrong: the best is kept
    for ex_id in ("ch00.n-customers", "ch00.top20-share"):
        crmlab.check(ex_id, ...)  # Run All on a notebook still holding ...
    good = crmlab.handin()
    os.replace(good, subs / good.name)
    progress_file.unlink()
    weak = _work_as("2023000002", right=False)
    os.replace(weak, subs / weak.name)
    friend = json.loads((subs / good.name).read_text())  # a copy with only the id changed
    friend["student_id"] = "2023000003"
    (subs / "handin-2023000003.json").write_text(json.dumps(friend))
    (subs / "broken.json").write_text("{not json")

    grades = grade_files([subs], out=tmp_path / "grades.csv")
    by_file = {h.file: h for h in grades.handins}
    assert by_file["handin-2023000001.json"].score() == 4
    assert by_file["handin-2023000001.json"].severity != "suspect"
    assert by_file["handin-2023000002.json"].score() == 3
    codes = {f.code for f in by_file["handin-2023000003.json"].findings}
    assert "seed-mismatch" in codes
    assert by_file["broken.json"].status != "graded"
    assert (tmp_path / "grades.csv").exists()


def test_grade_cli(tmp_path, capsys):
    sub = _work_as("2023000001")
    assert main(["grade", os.fspath(sub), "--out", str(tmp_path / "g.csv"), "--quiet"]) == 0
    assert "2023000001" in (tmp_path / "g.csv").read_text()
    assert main(["grade", str(tmp_path / "missing-folder")]) == 2


def test_handin_needs_an_id_and_answers(progress_file):
    core.workbook().student_id = None
    with pytest.raises(ValueError, match="give your student id"):
        crmlab.handin()
    with pytest.raises(ValueError, match="nothing to hand in yet"):
        crmlab.handin("2023000001")


NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["Intro\n",
                                                            "<!-- BEGIN SOLUTION -->\nsecret\n<!-- END SOLUTION -->\n"]},
        {"cell_type": "code", "metadata": {}, "execution_count": 3, "outputs": [{"output_type": "stream", "name": "stdout", "text": ["x"]}],
         "source": ["import crmlab\n", "answer = 5000  # SOLUTION\n", "def f(x):\n",
                    "    # BEGIN SOLUTION\n", "    return x + 1\n", "    # END SOLUTION\n",
                    "crmlab.check('ch00.n-customers', answer)"]},
    ],
    "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
}


def test_assign_strips_solutions_and_outputs(tmp_path):
    src = tmp_path / "hw.ipynb"
    src.write_text(json.dumps(NOTEBOOK))
    assert main(["assign", str(src), "--out", str(tmp_path / "student")]) == 0
    nb = json.loads((tmp_path / "student" / "hw.ipynb").read_text())
    md = "".join(nb["cells"][0]["source"])
    code = "".join(nb["cells"][1]["source"])
    assert "secret" not in md and "Intro" in md
    assert "answer = ...  # your answer" in code and "return x + 1" not in code
    assert "    ...  # your code here" in code
    assert nb["cells"][1]["outputs"] == [] and nb["cells"][1]["execution_count"] is None


def test_assign_rejects_unbalanced_markers(tmp_path, capsys):
    bad = json.loads(json.dumps(NOTEBOOK))
    bad["cells"][1]["source"] = ["# BEGIN SOLUTION\n", "x = 1\n"]
    (tmp_path / "bad.ipynb").write_text(json.dumps(bad))
    assert main(["assign", str(tmp_path / "bad.ipynb"), "--out", str(tmp_path / "o")]) == 2
    assert "without '# END SOLUTION'" in capsys.readouterr().err
    assert not (tmp_path / "o" / "bad.ipynb").exists()


def test_progress_files_are_per_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("CRMLAB_PROGRESS")
    monkeypatch.setenv("CRMLAB_PROGRESS_DIR", str(tmp_path / "store"))
    for folder in ("notebooks", "exercises"):
        (tmp_path / folder).mkdir()
        monkeypatch.chdir(tmp_path / folder)
        assert store.progress_path() == tmp_path / "store" / folder / "crmlab-progress.json"
        (tmp_path / folder / "zh").mkdir()
        monkeypatch.chdir(tmp_path / folder / "zh")  # the Chinese edition's folders differ too
        assert store.progress_path() == (tmp_path / "store" / f"{folder}-zh"
                                         / "crmlab-progress.json")
        monkeypatch.chdir(tmp_path / folder)
    monkeypatch.delenv("CRMLAB_PROGRESS_DIR")
    assert store.progress_path() == tmp_path / "exercises" / "crmlab-progress.json"
