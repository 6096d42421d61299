"""Grading an instructor can trust: a class of honest hand-ins and a catalogue of altered
ones (one per kind of tampering), each of which must be found and named."""

import datetime as dt
import json
import shutil

import pytest

import crmlab
from crmlab.cli import main
from crmlab.exercises import core, store, submission
from crmlab.exercises.ch00 import top20_share
from crmlab.exercises.grading import FINDINGS, grade, read_roster
from crmlab.exercises.report import grade_files
from crmlab.exercises.sandbox import Limits

HONEST = ["2023000001", "2023000002", "2023000003", "2023000004"]


def aov(amounts):
    return sum(amounts) / len(amounts) if len(amounts) else 0.0


def endless(amounts):
    while True:
        pass


def snoop(amounts):
    return len(open("grades.csv").read())


def _answers(d, right=True):
    by_channel = d.customers["acquisition_channel"].value_counts()
    regions = d.customers.merge(d.regions)["region_name"].value_counts()
    return {
        "ch00.n-customers": len(d.customers) if right else d.orders["customer_id"].nunique(),
        "ch00.top20-share": top20_share(d) if right else top20_share(d, buyers_only=True),
        "ch00.churn-observed": "c",
        "ch00.customers-by-channel": by_channel if right else by_channel / by_channel.sum(),
        "ch00.top-region": regions.index[0],
        "ch00.aov-function": aov,
    }


def _work(sid, folder, tmp_path, monkeypatch, *, as_id="same", right=True, extra=()):
    """Do the ch00 homework as a student would, and hand it in."""
    progress = tmp_path / f"progress-{sid}.json"
    monkeypatch.setenv("CRMLAB_PROGRESS", str(progress))
    who = sid if as_id == "same" else as_id
    d = crmlab.start(who)
    for ex_id, answer in [*_answers(d, right).items(), *extra]:
        crmlab.check(ex_id, answer)
    core.workbook().student_id = None
    return submission.handin(sid, path=folder).path


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _save(sub, path, redigest=True):
    if redigest:
        sub["digest"] = submission.digest(sub)
    path.write_text(json.dumps(sub, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    """Honest hand-ins, and one altered hand-in per kind of tampering (file -> finding)."""
    mp = pytest.MonkeyPatch()
    tmp = tmp_path_factory.mktemp("class")
    subs = tmp / "subs"
    subs.mkdir()
    try:
        a, b, c, _ = (_work(s, subs, tmp, mp, right=s != "2023000003") for s in HONEST)
        expect = {}

        def altered(name, code, base, sid, *, seed="own", redigest=True, **changes):
            sub = _load(base)
            sub["student_id"] = sid
            sub["seed"] = crmlab.seed_for(sid) if seed == "own" else seed
            for key, value in changes.items():
                sub[key] = value(sub) if callable(value) else value
            expect[name] = code
            return _save(sub, subs / name, redigest)

        # 1 verdicts edited: C's wrong answers marked correct (digest recomputed)
        def all_correct(sub):
            return {k: {**v, "status": "correct"} for k, v in sub["answers"].items()}
        altered("edited-verdicts.json", "verdicts-edited", c, "2023000003",
                answers=all_correct)
        (subs / c.name).unlink()
        # 2 an answer edited by hand, digest left alone
        sub = _load(a)
        sub["student_id"], sub["seed"] = "2023000010", crmlab.seed_for("2023000010")
        _save(sub, subs / "hand-edited.json", redigest=False)
        expect["hand-edited.json"] = "digest-mismatch"
        # 3 another version
        altered("old-version.json", "version-mismatch", b, "2023000011",
                crmlab_version="0.0.1")
        # 4 a seed that does not belong to the id
        altered("wrong-seed.json", "seed-mismatch", a, "2023000012", seed=12345)
        # 5 a copy of A's file under another student's name, id and seed edited
        altered("copied.json", "copied-answer", a, "2023000013")
        # 6 byte for byte the same file as B's
        shutil.copy(b, subs / "same-bytes.json")
        expect["same-bytes.json"] = "identical-file"
        # 7 the same student twice (an earlier hand-in of B)
        def earlier(sub):
            return "2020-01-01T00:00:00+00:00"
        altered("b-first-try.json", "duplicate-student", b, "2023000002", created=earlier)
        # 8 duplicate keys
        text = b.read_text(encoding="utf-8").replace(
            '"student_id": "2023000002",', '"student_id": "2023000014", "student_id": '
                                           '"2023000002",', 1)
        (subs / "dup-keys.json").write_text(text, encoding="utf-8")
        expect["dup-keys.json"] = "duplicate-keys"
        # 9 another chapter's hand-in
        def ch01_only(sub):
            return {"ch01.top10-share": sub["answers"]["ch00.top20-share"]}
        altered("other-chapter.json", "wrong-chapter", a, "2023000015", answers=ch01_only)
        # 10 late, 11 in the future
        # (grading happens "a day later", the deadline an hour after the honest hand-ins)
        base = dt.datetime.now(dt.timezone.utc)
        altered("late.json", "late", a, "2023000016",
                created=(base + dt.timedelta(hours=3)).isoformat(timespec="seconds"))
        altered("future.json", "future-timestamp", a, "2023000017",
                created=(base + dt.timedelta(days=3)).isoformat(timespec="seconds"))
        # 12 unknown exercise ids
        def bogus(sub):
            return {**sub["answers"], "ch99.bogus": {"answer": 1, "status": "correct"}}
        altered("unknown.json", "unknown-exercise", a, "2023000018", answers=bogus)
        # 13 malformed, 14 truncated, 15 oversized
        (subs / "broken.json").write_text("{not json", encoding="utf-8")
        expect["broken.json"] = "malformed"
        full = a.read_text(encoding="utf-8")
        (subs / "truncated.json").write_text(full[: len(full) // 2], encoding="utf-8")
        expect["truncated.json"] = "truncated"
        altered("huge.json", "oversized", a, "2023000019", padding="x" * (6 * 2**20))
        # 16 honest work in practice mode (no id), 17 work under another id
        _work("2023000020", subs, tmp, mp, as_id=None)
        expect["handin-2023000020.json"] = "practice-mode"
        _work("2023000021", subs, tmp, mp, as_id="2023000099")
        expect["handin-2023000021.json"] = "other-id"
        # 18 code outside the policy, 19 code that never ends
        # (functions a student wrote: checking them in the notebook would hang or fail there
        # first, so they are put into honest hand-ins as the grader would receive them)
        for sid, func, code in [("2023000022", snoop, "code-refused"),
                                ("2023000023", endless, "code-limit")]:
            path = _work(sid, subs, tmp, mp)
            sub = _load(path)
            sub["answers"]["ch00.aov-function"]["answer"] = store.encode(func)
            _save(sub, path)
            expect[path.name] = code
        roster = tmp / "roster.csv"
        roster.write_text("student_id,name\n2023000001,Ann\n2023000002,Bo\n2023000003,Cy\n"
                          "2023000099,Dee\n", encoding="utf-8")
        grades = grade([subs], chapter="00",
                       deadline=(base + dt.timedelta(hours=1)).isoformat(timespec="minutes"),
                       now=base + dt.timedelta(days=1), limits=Limits(seconds=2, cpu_seconds=2))
        yield {"subs": subs, "grades": grades, "expect": expect, "roster": roster,
               "tmp": tmp}
    finally:
        mp.undo()
        core.workbook().student_id = None


def _by_file(grades):
    """Each file's grade (a student's files are graded together)."""
    return {f: h for h in grades.handins for f in (h.files or [h.file])}


def test_every_kind_of_tampering_is_found_and_named(catalogue):
    grades, expect = catalogue["grades"], catalogue["expect"]
    by_file = _by_file(grades)
    assert set(expect) <= set(by_file)
    missed = {f: code for f, code in expect.items()
              if code not in {x.code for x in by_file[f].findings}}
    assert not missed, {f: [x.text() for x in by_file[f].findings] for f in missed}
    # every kind of finding a hand-in can get on its own is in the catalogue
    # (case-mismatch needs capstone answers: tests/test_homework_ch08e.py)
    assert set(expect.values()) >= set(FINDINGS) - {"identical-answers", "not-on-roster",
                                                    "unreadable", "case-mismatch"}


def test_honest_work_has_no_findings_and_full_marks(catalogue):
    by_file = _by_file(catalogue["grades"])
    d = by_file["handin-2023000004.json"]
    assert d.findings == [] and d.score() == 6 and d.status == "graded"
    # the student whose work was copied is named too: the files cannot tell who copied
    a = by_file["handin-2023000001.json"]
    assert {f.code for f in a.findings} == {"identical-answers"} and a.score() == 6
    # an honest student whose work was done in practice mode is told so, not accused
    p = by_file["handin-2023000020.json"]
    assert {f.code for f in p.findings} == {"practice-mode"}
    assert p.findings[0].severity == "info"


def test_copies_are_traced_to_their_source(catalogue):
    by_file = _by_file(catalogue["grades"])
    copied = by_file["copied.json"]
    text = "; ".join(f.text() for f in copied.findings)
    assert "suspect copied-answer" in text and "the right answer of 2023000001" in text
    assert "ch00.top20-share" in text
    assert any(f.code == "identical-answers" and "2023000001" in f.message
               for f in copied.findings)
    # B handed in three times: one grade, from the latest file, and the duplicates named
    b = by_file["b-first-try.json"]
    assert b is by_file["handin-2023000002.json"] is by_file["same-bytes.json"]
    assert b.files[0] == "b-first-try.json" and b.score() == 6
    assert "ch00 handed in 3 times" in "; ".join(f.message for f in b.findings)


def test_altered_answers_do_not_earn_points(catalogue):
    by_file = _by_file(catalogue["grades"])
    assert by_file["edited-verdicts.json"].results["ch00.n-customers"].status == "wrong"
    assert by_file["copied.json"].results["ch00.top20-share"].points == 0
    refused = by_file["handin-2023000022.json"].results["ch00.aov-function"]
    assert refused.points == 0 and "open() is not allowed" in refused.message
    loop = by_file["handin-2023000023.json"]
    assert "time limit of 2 s exceeded" in loop.results["ch00.aov-function"].message
    assert loop.results["ch00.top20-share"].points == 1  # the rest is graded normally
    for name in ("broken.json", "truncated.json", "huge.json", "dup-keys.json"):
        assert by_file[name].status == "unreadable" and by_file[name].score() == 0
    assert "more than the limit of 5,242,880" in by_file["huge.json"].findings[0].message


def test_gradebook_follows_the_roster(catalogue, tmp_path):
    out = tmp_path / "grades.csv"
    grades = grade_files([catalogue["subs"]], out=out, chapter="00",
                         roster=catalogue["roster"], limits=Limits(seconds=2, cpu_seconds=2))
    table = grades.table()
    assert list(table["student_id"][:4]) == ["2023000001", "2023000002", "2023000003",
                                             "2023000099"]
    first = table.iloc[0]
    assert (first["name"], first["status"], first["score"], first["max_score"],
            first["percent"]) == ("Ann", "graded", 6.0, 7.0, 85.7)
    assert "identical-answers" in first["findings"] and first["severity"] == "suspect"
    assert table.iloc[3]["status"] == "missing" and table.iloc[3]["score"] == 0
    extra = table.iloc[4:]
    assert (extra["status"] != "missing").all()
    assert extra["findings"].str.contains("not-on-roster").all() or \
        extra[extra["status"] == "graded"]["findings"].str.contains("not-on-roster").all()
    ch00 = [c for c in table.columns if c.startswith("ch00.")]
    assert sorted(ch00) == sorted(k for k, ex in core.all_exercises().items()
                                  if ex.chapter == "ch00" and not ex.practice)
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("student_id,name,status,file,score,max_score,"
                                           "percent,")
    with pytest.raises(ValueError, match="exists; use --force"):
        grade_files([catalogue["subs"]], out=out, chapter="00")
    grade_files([catalogue["subs"] / "handin-2023000001.json"], out=out, chapter="00",
                force=True)
    assert out.read_text(encoding="utf-8-sig").count("\n") == 2


def test_without_a_chapter_every_chapter_has_its_columns(catalogue):
    grades = grade([catalogue["subs"] / "handin-2023000001.json"])
    table = grades.table()
    chapters = sorted({ex.chapter for ex in core.all_exercises().values() if not ex.practice})
    for ch in chapters:
        assert {f"{ch}_score", f"{ch}_max_score", f"{ch}_percent"} <= set(table.columns)
    assert table.loc[0, "ch00_score"] == 6 and table.loc[0, "max_score"] == grades.max_score()


def test_per_exercise_counts_mistakes_by_their_message(catalogue):
    per = catalogue["grades"].per_exercise().set_index("exercise")
    row = per.loc["ch00.n-customers"]
    assert row["answered"] > 10 and 0 < row["success_rate"] < 1
    mistakes = catalogue["grades"].mistakes()
    hit = mistakes[mistakes["exercise"] == "ch00.n-customers"]
    assert len(hit) == 1 and "only customers who bought" in hit["mistake"].iloc[0]
    assert "% of wrong answers: " in row["common_mistakes"]


def test_roster_errors_are_one_line(tmp_path):
    bad = tmp_path / "r.csv"
    bad.write_text("id,name\n1,A\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no column 'student_id'"):
        read_roster(bad)
    bad.write_text("student_id\n2023000001\n2023000001\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3: student 2023000001 is listed twice"):
        read_roster(bad)
    bad.write_text("student_id\n", encoding="utf-8")
    with pytest.raises(ValueError, match="has no students"):
        read_roster(bad)


def test_grade_cli_end_to_end(catalogue, tmp_path, capsys):
    out, report = tmp_path / "g.csv", tmp_path / "class.html"
    args = ["grade", str(catalogue["subs"]), "--chapter", "03", "--roster",
            str(catalogue["roster"]), "--out", str(out), "--quiet"]
    assert main(args[:4] + ["--chapter", "00", "--out", str(out), "--report", str(report),
                            "--roster", str(catalogue["roster"]), "--time-limit", "2",
                            "--deadline", "2026-12-01T23:59+00:00", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "missing" in printed and "finding(s):" in printed and "suspect" in printed
    assert out.exists() and report.exists()
    assert main(args[:2] + ["--out", str(out), "--quiet"]) == 2  # exists, no --force
    assert "use --force" in capsys.readouterr().err
    assert main(["grade", str(tmp_path / "nowhere")]) == 2
    assert main(["grade", str(catalogue["subs"]), "--out", str(tmp_path), "--quiet"]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert main(["grade", str(catalogue["subs"]), "--chapter", "x1"]) == 2
    assert "not a chapter number" in capsys.readouterr().err
    assert main(["grade", str(catalogue["subs"]), "--deadline", "soon"]) == 2
    assert "is not a date and time" in capsys.readouterr().err
