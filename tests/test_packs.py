"""Assessment packs: private graded exercises, a public form, recorded answers, grading."""

import json
from pathlib import Path

import pytest

import crmlab
from crmlab.cli import main
from crmlab.exercises import core, submission
from crmlab.exercises.grading import grade
from crmlab.exercises.packs import load_pack

PACK = Path(__file__).resolve().parents[1] / "docs" / "example_pack.py"
IDS = ["ch03.quiz-best-channel", "ch03.quiz-orders-2024", "ch03.quiz-repeat-share",
       "ch03.quiz-retention-function"]


def mean_retention(active):
    rates = [b / a for a, b in zip(active, active[1:])]
    return sum(rates) / len(rates)


def first_rate_only(active):
    return active[1] / active[0]


@pytest.fixture
def pack():
    return load_pack(PACK)


def test_the_pack_stays_out_of_the_public_registry(pack):
    assert sorted(pack.exercises) == IDS
    assert not set(IDS) & set(core.all_exercises())


def test_the_form_has_no_expected_values(pack, tmp_path):
    form_path = tmp_path / "quiz.json"
    assert main(["pack-form", str(PACK), "--out", str(form_path)]) == 0
    form = json.loads(form_path.read_text(encoding="utf-8"))
    assert [q["id"] for q in form["exercises"]] == IDS
    assert {"id", "title", "prompt", "kind", "scenario", "points"} <= set(form["exercises"][0])
    text = form_path.read_text(encoding="utf-8")
    data = crmlab.load("retail")
    numbers = [ex.expected(data) for ex in pack.exercises.values()
               if type(ex.kind).__name__ == "Number"]
    assert len(numbers) == 2
    for value in numbers:  # (a choice's right key is among the options, as it must be)
        assert str(value) not in text and f"{value:.3f}"[:5] not in text
    assert "expected" not in text and "mistake" not in text.lower()
    assert main(["pack-form", str(PACK), "--out", str(form_path)]) == 2  # exists


def test_answers_are_recorded_with_form_only_feedback(pack, tmp_path, monkeypatch):
    monkeypatch.setenv("CRMLAB_PROGRESS", str(tmp_path / "p.json"))
    (tmp_path / "quiz.json").write_text(json.dumps(pack.form()), encoding="utf-8")
    quiz = crmlab.assessment(tmp_path / "quiz.json")
    assert "4 questions" in repr(quiz)
    fb = quiz.answer("ch03.quiz-repeat-share", "abc")
    assert fb.verdict.status == "invalid" and "'abc' is not a number" in repr(fb)
    fb = quiz.answer("ch03.quiz-best-channel", "email")
    assert fb.verdict.status == "invalid" and "not one of the options" in repr(fb)
    fb = quiz.answer("ch03.quiz-repeat-share", 0.999)  # wrong, but the form is right
    assert fb.recorded and "Recorded" in repr(fb) and "correct" not in repr(fb).lower()
    with pytest.raises(ValueError, match="no question 'ch03.nope'"):
        quiz.answer("ch03.nope", 1)
    with pytest.raises(ValueError, match="not an assessment form"):
        crmlab.assessment(PACK)


def _sit_quiz(sid, folder, tmp_path, monkeypatch, pack, right=True):
    monkeypatch.setenv("CRMLAB_PROGRESS", str(tmp_path / f"p-{sid}.json"))
    data = crmlab.start(sid)
    quiz = crmlab.exercises.packs.Assessment(pack.form())
    mod = __import__(pack.exercises["ch03.quiz-repeat-share"].expected.__module__)
    share = mod.repeat_share(data)
    quiz.answer("ch03.quiz-repeat-share", share if right else share * 100)
    quiz.answer("ch03.quiz-best-channel", mod.best_channel(data))
    quiz.answer("ch03.quiz-orders-2024",
                int((data.orders["order_date"].dt.year == 2024).sum()) + (0 if right else 1))
    quiz.answer("ch03.quiz-retention-function", mean_retention if right else first_rate_only)
    core.workbook().student_id = None
    return submission.handin(sid, path=folder).path


def test_grading_with_the_pack(pack, tmp_path, monkeypatch):
    subs = tmp_path / "subs"
    subs.mkdir()
    _sit_quiz("2023000031", subs, tmp_path, monkeypatch, pack)
    _sit_quiz("2023000032", subs, tmp_path, monkeypatch, pack, right=False)
    grades = grade([subs], pack=PACK)
    table = grades.table().set_index("student_id")
    assert table.loc["2023000031", "score"] == 4 and table.loc["2023000031", "max_score"] == 4
    assert table.loc["2023000032", "score"] == 1  # only the choice is right
    weak = {h.student_id: h for h in grades.handins}["2023000032"]
    assert "looks like a percentage" in weak.results["ch03.quiz-repeat-share"].message
    assert weak.results["ch03.quiz-retention-function"].status == "wrong"
    # the homework grading of the same files knows nothing of the quiz and says so quietly
    homework = grade([subs], chapter="03")
    assert all(not h.results for h in homework.handins)
    assert all("unknown-exercise" not in {f.code for f in h.findings} for h in homework.handins)


def test_a_broken_pack_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad_pack.py"
    bad.write_text("from crmlab.exercises import register\nregister()\n", encoding="utf-8")
    assert main(["pack-form", str(bad), "--out", str(tmp_path / "f.json")]) == 2
    assert "registers no exercises" in capsys.readouterr().err
    bad.write_text("import nope\n", encoding="utf-8")
    assert main(["pack-form", str(bad), "--out", str(tmp_path / "f.json")]) == 2
    assert "failed to load (ModuleNotFoundError" in capsys.readouterr().err
