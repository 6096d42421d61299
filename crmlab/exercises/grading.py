"""``crmlab grade``: grades an instructor can trust.

Every answer in a hand-in is checked again on the dataset made from the
student's *own* seed; the verdicts stored in the file are never trusted.
Submitted code (the functions of Function exercises) runs only in the
sandbox's worker processes (:mod:`crmlab.exercises.sandbox`).  Each hand-in
is also examined for signs of tampering and copying, and every sign becomes a
:class:`Finding` with a severity:

==================  ========  ====================================================
code                severity  what it means
==================  ========  ====================================================
unreadable          warning   the file cannot be read (see the message)
malformed           warning   not JSON, or not a crmlab hand-in
truncated           warning   the file ends in the middle (an incomplete copy)
oversized           warning   larger than the size limit (``--max-size``); not read
duplicate-keys      suspect   a key appears twice (crmlab never writes that); rejected
digest-mismatch     suspect   the content was edited after ``crmlab.handin`` wrote it
verdicts-edited     suspect   a stored verdict says correct, the answer is not
version-mismatch    warning   made with another crmlab version: the data may differ
seed-mismatch       suspect   the seed in the file does not belong to its student id
copied-answer       suspect   a wrong answer that is exactly another student's right
                              answer on that student's data
identical-answers   suspect   the same answers as another hand-in on exercises whose
                              right answer differs per student
identical-file      suspect   byte for byte the same file as another hand-in
duplicate-student   warning   a chapter handed in more than once by one student (the
                              latest file's answers of it are graded)
wrong-chapter       warning   no answer of the graded chapter, answers of others
late                warning   created after ``--deadline``
future-timestamp    suspect   created (or answered) after the moment of grading
unknown-exercise    warning   answers to exercise ids this version does not know
practice-mode       info      answers checked without a student id (on the shared
                              practice data): honest work, graded on the own data
other-id            warning   answers checked under another student id
code-refused        warning   submitted code outside the policy (e.g. ``open``)
code-limit          info      submitted code hit the time or memory limit, or crashed
not-on-roster       warning   a hand-in from a student id that is not on the roster
case-mismatch       warning   the capstone answers are about a firm made with another
                              salt, scenario or number of problems than the grader's
                              (``--case-salt``, ``--case-scenario``, ``--case-problems``)
==================  ========  ====================================================

Capstone answers (the exercises of ``scenario="case"``) are checked on the firm
:func:`crmlab.case` rebuilds from the student id with the grader's
:class:`CaseSettings`, against what was planted in it (its truth), not against
the reference diagnosis the student's notebook compares with.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from crmlab._files import write_text_atomic
from crmlab._version import __version__
from crmlab.exercises import core, store
from crmlab.exercises.kinds import Function, Number, Table, Text, Verdict
from crmlab.exercises.sandbox import Limits, Replay, Sandbox
from crmlab.exercises.submission import MAX_BYTES, HandinError, candidates, digest, parse
from crmlab.i18n import _

__all__ = ["Finding", "FINDINGS", "ExerciseResult", "HandinGrade", "ClassGrades", "grade",
           "read_roster", "parse_deadline", "SEVERITIES", "CaseSettings"]

SEVERITIES = ("info", "warning", "suspect")
FINDINGS = {
    "unreadable": "warning", "malformed": "warning", "truncated": "warning",
    "oversized": "warning", "duplicate-keys": "suspect", "digest-mismatch": "suspect",
    "verdicts-edited": "suspect", "version-mismatch": "warning", "seed-mismatch": "suspect",
    "copied-answer": "suspect", "identical-answers": "suspect", "identical-file": "suspect",
    "duplicate-student": "warning", "wrong-chapter": "warning", "late": "warning",
    "future-timestamp": "suspect", "unknown-exercise": "warning", "practice-mode": "info",
    "other-id": "warning", "code-refused": "warning", "code-limit": "info",
    "not-on-roster": "warning", "case-mismatch": "warning",
}
CLOCK_SLACK = dt.timedelta(minutes=10)  # clocks of students' computers are not exact


@dataclass(frozen=True)
class CaseSettings:
    """How the grader rebuilds the students' capstone firms: the instructor's salt (the one
    ``crmlab case --salt`` made the folders with), the industry and the number of problems.
    """

    salt: str = "crmlab"
    scenario: str = "retail"
    n_problems: int = 3

    def __post_init__(self):
        from crmlab.capstone import _check, salt_id

        salt_id(self.salt)  # a clear error for an empty salt
        _check("check", self.scenario, self.n_problems)

    def firm(self, student_id: str):
        from crmlab.capstone import case

        return case(student_id, self.scenario, self.n_problems, salt=self.salt)

    def mismatch(self, recorded, student_id: str) -> str:
        """What differs between the firm a hand-in's answers are about and this one."""
        from crmlab.capstone import salt_id

        if not isinstance(recorded, dict):
            return ""
        mine = {"student_id": student_id, "scenario": self.scenario,
                "n_problems": self.n_problems, "salt_id": salt_id(self.salt)}
        off = [k for k, v in mine.items() if k in recorded and recorded[k] != v]
        if not off:
            return ""
        words = {"student_id": _("another student's firm"),
                 "scenario": _("another industry ({recorded!r}, graded as {graded!r})").format(
                     recorded=recorded.get("scenario"), graded=self.scenario),
                 "n_problems": _("{recorded} problems (graded with {graded})").format(
                     recorded=recorded.get("n_problems"), graded=self.n_problems),
                 "salt_id": _("another salt (--case-salt)")}
        return _("the capstone answers are about a firm made with {what}; they are graded on "
                 "the firm the grader builds").format(what=", ".join(words[k] for k in off))


@dataclass(frozen=True)
class Finding:
    """One sign of a problem with a hand-in."""

    code: str
    message: str

    @property
    def severity(self) -> str:
        return FINDINGS[self.code]

    def text(self) -> str:
        return f"{self.severity} {self.code}: {self.message}"


@dataclass
class ExerciseResult:
    """The grade of one answer."""

    exercise: str
    status: str                 # correct, wrong, invalid, unanswered
    points: float
    message: str = ""
    mistake: str | None = None  # the matched common mistake's message, if any
    attempts: int | None = None
    answer_key: str = ""        # a fingerprint of the answer, to compare hand-ins
    expected_key: str = ""      # a fingerprint of this student's right answer
    evidence: int = 0           # how telling an exact match with another hand-in is:
    # 2 a table or a number with decimals, 1 a whole number or a text, 0 a choice or code


@dataclass
class HandinGrade:
    """One hand-in file (or one roster student without a file)."""

    file: str | None
    student_id: str | None = None
    name: str = ""
    seed: int | None = None
    created: str | None = None
    status: str = "graded"      # graded, unreadable, missing
    results: dict[str, ExerciseResult] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    sha256: str = ""

    def score(self, exercises: Iterable[str] | None = None) -> float:
        ids = set(exercises) if exercises is not None else None
        return sum(r.points for k, r in self.results.items() if ids is None or k in ids)

    @property
    def severity(self) -> str:
        levels = [SEVERITIES.index(f.severity) for f in self.findings]
        return SEVERITIES[max(levels)] if levels else ""

    def add(self, code: str, message: str) -> None:
        self.findings.append(Finding(code, message))


# ---------------------------------------------------------------- inputs
def read_roster(path: str | os.PathLike) -> list[dict]:
    """The roster: a CSV with a ``student_id`` column (and optionally ``name``)."""
    from crmlab.seeds import validate_student_id

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValueError(_("roster {path} does not exist").format(path=path)) from None
    except UnicodeDecodeError:
        raise ValueError(_("roster {path} is not UTF-8 text; save it as CSV UTF-8").format(
            path=path)) from None
    rows = list(csv.DictReader(text.splitlines()))
    if not rows:
        raise ValueError(_("roster {path} has no students (a header line with student_id, "
                           "then one line per student)").format(path=path))
    columns = {c.strip().lower(): c for c in rows[0] if c}
    if "student_id" not in columns:
        raise ValueError(_("roster {path} has no column 'student_id' (columns: {columns})")
                         .format(path=path, columns=", ".join(rows[0])))
    out, seen = [], set()
    for n, row in enumerate(rows, start=2):
        raw = (row.get(columns["student_id"]) or "").strip()
        try:
            sid = validate_student_id(raw)
        except ValueError as exc:
            raise ValueError(_("roster {path}, line {n}: {error}").format(
                path=path, n=n, error=exc)) from None
        if sid in seen:
            raise ValueError(_("roster {path}, line {n}: student {sid} is listed twice").format(
                path=path, n=n, sid=sid))
        seen.add(sid)
        name = (row.get(columns["name"]) or "").strip() if "name" in columns else ""
        out.append({"student_id": sid, "name": name})
    return out


def parse_deadline(text: str | None) -> dt.datetime | None:
    """``2026-12-01T23:59`` (local time of this computer) or with an offset (``+08:00``)."""
    if text is None:
        return None
    try:
        when = dt.datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise ValueError(_("deadline {text!r} is not a date and time like 2026-12-01T23:59")
                         .format(text=text)) from None
    return when.astimezone() if when.tzinfo is None else when


def _timestamp(text) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(str(text))
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def _fingerprint(value) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _expand(paths) -> list[Path]:
    files = []
    for p in map(Path, [paths] if isinstance(paths, (str, os.PathLike)) else paths):
        if not p.exists():
            raise ValueError(_("{path} does not exist").format(path=p))
        files += sorted(p.glob("*.json")) if p.is_dir() else [p]
    return files


def _chapter_id(chapter: str | int | None) -> str | None:
    if chapter is None:
        return None
    import re

    text = str(chapter).strip().lower().removeprefix("ch")
    m = re.fullmatch(r"(\d{1,2})([a-z]?)", text)
    if not m:
        raise ValueError(_("chapter {chapter!r} is not a chapter number like 03 (or 08b)")
                         .format(chapter=chapter))
    return f"ch{int(m.group(1)):02d}{m.group(2)}"


# ---------------------------------------------------------------- one hand-in
def _read(path: Path, max_bytes: int) -> tuple[HandinGrade, dict | None]:
    res = HandinGrade(file=path.name)
    try:
        sub = parse(path, max_bytes)  # checks the size before reading anything
        res.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    except HandinError as exc:
        res.status = "unreadable"
        res.add(exc.code, str(exc))
        return res, None
    except OSError as exc:
        res.status = "unreadable"
        res.add("unreadable", _("cannot read the file ({error})").format(
            error=exc.strerror or exc))
        return res, None
    res.student_id = sub["student_id"].strip()
    res.created = sub.get("created")
    return res, sub


def _check_file(res: HandinGrade, sub: dict, exercises: dict, chapter: str | None,
                deadline: dt.datetime | None, now: dt.datetime) -> None:
    """The checks of one hand-in on its own (no data needed)."""
    from crmlab.seeds import seed_for

    sid = res.student_id
    res.seed = seed_for(sid)
    if sub.get("format") == "crmlab-handin/2" and sub.get("digest") != digest(sub):
        res.add("digest-mismatch", _("the content does not match its digest: the file was "
                                     "edited after crmlab.handin wrote it"))
    if sub.get("seed") != res.seed:
        res.add("seed-mismatch", _("seed {seed} does not belong to student {sid} (theirs is "
                                   "{own}); graded on the student's own seed").format(
                                       seed=sub.get("seed"), sid=sid, own=res.seed))
    if sub.get("crmlab_version") != __version__:
        res.add("version-mismatch", _("made with crmlab {version!r}, graded with {ours}: the "
                                      "data may differ").format(
                                          version=sub.get("crmlab_version"), ours=__version__))
    created = _timestamp(sub.get("created"))
    if created is None:
        res.add("malformed", _("the hand-in has no valid 'created' time"))
    else:
        if created > now + CLOCK_SLACK:
            res.add("future-timestamp", _("created {created}, after the grading time").format(
                created=sub["created"]))
        if deadline is not None and created > deadline:
            late = created - deadline
            res.add("late", _("created {created}, {late} after the deadline").format(
                created=sub["created"], late=_duration(late)))
    answers = sub["answers"]
    times = [_timestamp(v.get("time")) for v in answers.values()]
    if any(t is not None and t > now + CLOCK_SLACK for t in times):
        res.add("future-timestamp", _("answers are dated after the grading time"))
    unknown = sorted(k for k, v in answers.items() if k not in exercises
                     and not _known_elsewhere(k) and v.get("status") != "recorded")
    if unknown:
        res.add("unknown-exercise", _("unknown exercise ids ignored: {ids}").format(
            ids=", ".join(unknown[:8]) + (" ..." if len(unknown) > 8 else "")))
    if chapter is not None and answers:
        mine = [k for k in answers if k.split(".", 1)[0] == chapter]
        if not mine:
            others = sorted({k.split(".", 1)[0] for k in answers})
            res.add("wrong-chapter", _("no answer of {chapter}; the hand-in has answers of "
                                       "{others}").format(chapter=chapter,
                                                          others=", ".join(others)))
    practice = sorted(k for k, v in answers.items() if k in exercises and any(
        "student_id" in c and c["student_id"] is None for c in candidates(v)))
    if practice:
        res.add("practice-mode", _("{n} answer(s) checked in practice mode, on the shared data "
                                   "(graded on the student's own): {ids}").format(
                                       n=len(practice), ids=", ".join(practice[:6])
                                       + (" ..." if len(practice) > 6 else "")))
    others = sorted({str(c["student_id"]) for k, v in answers.items() if k in exercises
                     for c in candidates(v) if c.get("student_id") not in (None, sid)})
    if others:
        res.add("other-id", _("answers checked under another student id: {ids}").format(
            ids=", ".join(others)))


def _known_elsewhere(exercise_id: str) -> bool:
    """An id of a registered exercise that is simply not graded here (practice, other pack)."""
    return exercise_id in core.all_exercises()


def _duration(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return _("{n} min").format(n=minutes)
    hours = minutes // 60
    return _("{n} h").format(n=hours) if hours < 48 else _("{n} days").format(n=hours // 24)


# ---------------------------------------------------------------- evaluation
def _evaluate_handin(sub: dict, sid: str, seed: int, exercises: dict, box: Sandbox,
                     case: CaseSettings = CaseSettings()) -> tuple[
        dict[str, ExerciseResult], list[Finding]]:
    """Grade the answers of one hand-in on the data of ``seed`` (student ``sid``); capstone
    answers on the firm ``case`` rebuilds for ``sid``."""
    findings: list[Finding] = []
    results: dict[str, ExerciseResult] = {}
    answers = {k: v for k, v in sub["answers"].items() if k in exercises}
    datasets: dict = {}
    caches: dict = defaultdict(dict)  # per dataset: expected and mistaken answers, once

    def data_for(ex):
        if ex.scenario not in datasets:
            datasets[ex.scenario] = (case.firm(sid) if ex.scenario == core.CASE
                                     else core.dataset_for(ex.scenario, seed))
        return datasets[ex.scenario]

    if any(exercises[k].scenario == core.CASE for k in answers):
        off = case.mismatch(sub.get("case"), sid)
        if off:
            findings.append(Finding("case-mismatch", off))

    # submitted functions first, all of this hand-in in the sandbox
    jobs, where = [], []
    for ex_id, entry in answers.items():
        ex = exercises[ex_id]
        if not isinstance(ex.kind, Function):
            continue
        cases = _function_cases(ex, data_for(ex), caches[ex.scenario])
        for which, cand in enumerate(candidates(entry)):
            spec = cand.get("answer")
            fn = spec.get("__function__") if isinstance(spec, dict) else None
            if isinstance(fn, dict):
                jobs.append((str(fn.get("name") or "f"), fn.get("source"), cases))
                where.append((ex_id, which))
    pending = box.submit(jobs) if jobs else None
    replays: dict = {}

    # the other answers while the sandbox runs the functions, then the functions
    order = sorted(answers, key=lambda k: isinstance(exercises[k].kind, Function))
    for ex_id in order:
        entry = answers[ex_id]
        ex = exercises[ex_id]
        if isinstance(ex.kind, Function) and pending is not None:
            replays, pending = dict(zip(where, pending())), None
        data = data_for(ex)
        cache = caches[ex.scenario]
        expected = core.computed(cache, data, (ex.id, "expected"), ex.expected)[0]
        best: ExerciseResult | None = None
        for which, cand in enumerate(candidates(entry)):
            raw = cand.get("answer")
            if isinstance(ex.kind, Function) and (ex_id, which) in replays:
                run = replays[(ex_id, which)]
                if run.status != "ran":
                    code = "code-refused" if run.status == "policy" else "code-limit"
                    findings.append(Finding(code, f"{ex_id}: {run.failure}"))
                    verdict = Verdict("wrong", run.failure or _("the code did not run"))
                else:
                    verdict = core.evaluate(ex, Replay(run), data, cache)
            else:
                try:
                    verdict = core.evaluate(ex, _decoded(raw), data, cache)
                except Exception as exc:  # noqa: BLE001 - an odd answer must not stop grading
                    verdict = Verdict("invalid", _("could not be checked ({error})").format(
                        error=type(exc).__name__))
            mistakes = {m.message for m in ex.mistakes}
            result = ExerciseResult(
                ex_id, verdict.status, ex.points if verdict.correct else 0.0, verdict.message,
                verdict.message if verdict.status == "wrong" and verdict.message in mistakes
                else None, _int(entry.get("attempts")), _fingerprint(raw),
                _fingerprint(store.encode(expected)), _evidence(ex.kind, raw))
            if best is None or result.points > best.points:
                best = result
        if best is not None:
            results[ex_id] = best
    results = {k: results[k] for k in answers if k in results}  # the hand-in's order
    # a capstone answer is checked in the notebook against the reference diagnosis (the
    # student's folder has no truth) and here against the truth: they may differ honestly
    claimed = [k for k, r in results.items() if r.status != "correct"
               and exercises[k].scenario != core.CASE
               and any(c.get("status") == "correct" and _checked_as(c, sid, seed)
                       for c in candidates(answers[k]))]
    if claimed:
        same = sub.get("crmlab_version") == __version__
        findings.append(Finding("verdicts-edited" if same else "version-mismatch",
                                _("stored verdicts claim correct but are not: {ids}").format(
                                    ids=", ".join(claimed))
                                + ("" if same else _(" (another crmlab version: the data may "
                                                     "differ)"))))
    return results, findings


def _checked_as(entry: dict, sid: str, seed: int) -> bool:
    """Was this answer checked on the student's own data (not practice, not another id)?"""
    if "seed" in entry and entry["seed"] is not None:
        return entry["seed"] == seed
    if "student_id" in entry:
        return entry["student_id"] == sid
    return True


def _decoded(raw):
    """An answer from the file, as the kinds read it (functions never rebuilt here)."""
    if isinstance(raw, dict) and "__function__" in raw:
        return None
    return store.decode(raw)


def _function_cases(ex, data, cache: dict) -> list[tuple]:
    """Every argument tuple the expected cases and the mistakes of a Function exercise use."""
    seen, out = set(), []
    lists = []
    for key, compute in [((ex.id, "expected"), ex.expected),
                         *(((ex.id, "mistake", i), m.compute) for i, m in enumerate(ex.mistakes))]:
        value, error = core.computed(cache, data, key, compute)
        if error is None and value is not None:
            lists.append(value)
    for cases in lists:
        for args, _want in cases:
            key = repr(tuple(args))
            if key not in seen:
                seen.add(key)
                out.append(tuple(args))
    return out


def _evidence(kind, raw) -> int:
    """How unlikely two students give exactly this answer by chance (see ExerciseResult)."""
    if isinstance(kind, Table):
        return 2
    if isinstance(kind, Number):
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            return 0  # text typed into the box: judged as invalid, not as evidence
        if isinstance(raw, float) and math.isfinite(raw) and raw != int(raw):
            return 2
        return 1
    if isinstance(kind, Text):
        return 1
    return 0


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# ---------------------------------------------------------------- the class
@dataclass
class ClassGrades:
    """Every hand-in of a class, graded: tables for the gradebook and the class report."""

    handins: list[HandinGrade]
    exercises: dict[str, core.Exercise]
    chapter: str | None = None
    roster: list[dict] | None = None

    @property
    def chapters(self) -> list[str]:
        return sorted({ex.chapter for ex in self.exercises.values()})

    def max_score(self, chapter: str | None = None) -> float:
        return sum(ex.points for ex in self.exercises.values()
                   if chapter is None or ex.chapter == chapter)

    def graded(self) -> list[HandinGrade]:
        return [h for h in self.handins if h.status == "graded"]

    def missing(self) -> list[HandinGrade]:
        return [h for h in self.handins if h.status == "missing"]

    def table(self):
        """One row per roster student (or per hand-in without a roster): the gradebook."""
        import pandas as pd

        rows = []
        for h in self.handins:
            row = {"student_id": h.student_id, "name": h.name, "status": h.status,
                   "file": h.file or ""}
            chapters = [self.chapter] if self.chapter else self.chapters
            for ch in chapters:
                ids = [k for k, ex in self.exercises.items() if ex.chapter == ch]
                prefix = "" if self.chapter else f"{ch}_"
                top = self.max_score(ch)
                score = h.score(ids) if h.status == "graded" else 0.0
                row[f"{prefix}score"] = score
                row[f"{prefix}max_score"] = top
                row[f"{prefix}percent"] = round(100 * score / top, 1) if top else 0.0
            if not self.chapter:
                total, top = (h.score() if h.status == "graded" else 0.0), self.max_score()
                row.update({"score": total, "max_score": top,
                            "percent": round(100 * total / top, 1) if top else 0.0})
            for ex_id in self.exercises:
                r = h.results.get(ex_id)
                row[ex_id] = r.points if r is not None else None
            row["severity"] = h.severity
            row["findings"] = "; ".join(f.text() for f in h.findings)
            rows.append(row)
        return pd.DataFrame(rows)

    def per_exercise(self):
        """Per exercise: hand-ins that answered it, success rate, attempts, common mistakes."""
        import pandas as pd

        rows = []
        graded = self.graded()
        for ex_id, ex in self.exercises.items():
            res = [h.results[ex_id] for h in graded if ex_id in h.results]
            mistakes = Counter(r.mistake for r in res if r.mistake)
            wrong = sum(r.status != "correct" for r in res)
            attempts = [r.attempts for r in res if r.attempts is not None]
            rows.append({
                "exercise": ex_id, "title": ex.title, "answered": len(res),
                "correct": sum(r.status == "correct" for r in res),
                "success_rate": round(sum(r.status == "correct" for r in res) / len(res), 3)
                if res else None,
                "mean_attempts": round(sum(attempts) / len(attempts), 2) if attempts else None,
                "common_mistakes": "; ".join(
                    _("{pct}% of wrong answers: {mistake}").format(
                        pct=round(100 * n / wrong), mistake=msg)
                    for msg, n in mistakes.most_common(3)) if wrong else "",
            })
        return pd.DataFrame(rows)

    def mistakes(self):
        """Every matched common mistake with how many hand-ins made it."""
        import pandas as pd

        rows = []
        graded = self.graded()
        for ex_id in self.exercises:
            res = [h.results[ex_id] for h in graded if ex_id in h.results]
            for msg, n in Counter(r.mistake for r in res if r.mistake).most_common():
                rows.append({"exercise": ex_id, "mistake": msg, "handins": n,
                             "share_of_answers": round(n / len(res), 3)})
        return pd.DataFrame(rows, columns=["exercise", "mistake", "handins",
                                           "share_of_answers"])

    def findings(self):
        import pandas as pd

        rows = [{"student_id": h.student_id, "file": h.file, "severity": f.severity,
                 "code": f.code, "message": f.message}
                for h in self.handins for f in h.findings]
        return pd.DataFrame(rows, columns=["student_id", "file", "severity", "code", "message"])


def _exercise_set(chapter: str | None, pack) -> dict[str, core.Exercise]:
    source = pack.exercises if pack is not None else {
        k: ex for k, ex in core.all_exercises().items() if not ex.practice}
    chosen = {k: ex for k, ex in sorted(source.items())
              if chapter is None or ex.chapter == chapter}
    if not chosen:
        known = sorted({ex.chapter for ex in source.values()})
        raise ValueError(_("no graded exercises in {chapter}; chapters: {known}").format(
            chapter=chapter, known=", ".join(known)))
    return chosen


def grade(paths, *, chapter: str | int | None = None, roster: str | os.PathLike | None = None,
          deadline: str | None = None, pack: str | os.PathLike | None = None,
          limits: Limits = Limits(), max_bytes: int = MAX_BYTES,
          now: dt.datetime | None = None, jobs: int = 1, progress=None,
          case: CaseSettings = CaseSettings()) -> ClassGrades:
    """Grade hand-in files (or folders of them).

    Parameters
    ----------
    paths : path or list of paths
        Hand-in files, or folders whose ``*.json`` files are hand-ins.
    chapter : str, optional
        Grade only this chapter's homework (``"03"`` or ``"ch03"``).
    roster : path, optional
        CSV with ``student_id`` (and ``name``): one row per roster student,
        missing hand-ins listed as missing.
    deadline : str, optional
        ``2026-12-01T23:59`` (local time) or with an offset; later hand-ins are late.
    pack : path, optional
        An assessment pack (a Python file of exercises, see
        :mod:`crmlab.exercises.packs`): grade its exercises instead of the homework.
    limits : Limits
        Time and memory limits for submitted code.
    jobs : int
        Worker processes that grade students side by side (the CLI uses one per core).
    case : CaseSettings
        How the capstone firms are rebuilt (the instructor's salt and the case settings).

    Returns
    -------
    ClassGrades
        One entry per student (their files merged: for each chapter the answers of the
        latest file that has any), per unreadable file, and per roster student who
        handed in nothing.
    """
    from crmlab.exercises.packs import load_pack

    chapter = _chapter_id(chapter)
    when_due = parse_deadline(deadline)
    students = read_roster(roster) if roster is not None else None
    exercises = _exercise_set(chapter, load_pack(pack) if pack is not None else None)
    files = _expand(paths)
    if not files and students is None:
        raise ValueError(_("no hand-in files found (*.json)"))
    now = now or dt.datetime.now(dt.timezone.utc)

    files_read: list[tuple[HandinGrade, dict | None]] = []
    for path in files:
        res, sub = _read(path, max_bytes)
        if sub is not None:
            _check_file(res, sub, exercises, chapter, when_due, now)
        files_read.append((res, sub))
    _mark_identical_files([res for res, _sub in files_read])
    handins = [res for res, sub in files_read if sub is None]  # unreadable files
    by_student = defaultdict(list)
    for res, sub in files_read:
        if sub is not None:
            by_student[res.student_id].append((res, sub))
    merged = [_merge_student(group, exercises) for group in by_student.values()]
    results = _evaluate_all([(h.student_id, h.seed, sub) for h, sub in merged], exercises,
                            limits, jobs, progress, chapter, pack, case)
    for (h, _sub), (res, found) in zip(merged, results):
        h.results, h.findings = res, h.findings + found
    graded = [h for h, _sub in merged]
    _mark_copies(graded)
    handins = _join_roster(graded + handins, students)
    return ClassGrades(handins, exercises, chapter, students)


def _merge_student(group: list[tuple[HandinGrade, dict]], exercises: dict) -> tuple[
        HandinGrade, dict]:
    """One student's files as one hand-in: per chapter, the answers of the latest file."""
    group.sort(key=lambda item: (_timestamp(item[0].created) or dt.datetime.min.replace(
        tzinfo=dt.timezone.utc), item[0].file or ""))
    first, _sub = group[0]
    merged = HandinGrade(file=", ".join(h.file for h, _sub in group), student_id=first.student_id,
                         seed=first.seed, created=group[-1][0].created,
                         files=[h.file for h, _sub in group])
    seen = set()
    for h, _sub in group:
        for f in h.findings:
            if f not in seen:
                seen.add(f)
                merged.findings.append(f)
    by_chapter = defaultdict(list)
    for h, sub in group:
        for ch in sorted({k.split(".", 1)[0] for k in sub["answers"] if k in exercises}):
            by_chapter[ch].append((h, sub))
    answers = {}
    for ch, holders in sorted(by_chapter.items()):
        h, sub = holders[-1]
        answers.update({k: v for k, v in sub["answers"].items()
                        if k in exercises and k.split(".", 1)[0] == ch})
        if len(holders) > 1:
            merged.add("duplicate-student", _("{chapter} handed in {n} times ({files}); the "
                                              "latest, {latest}, is graded").format(
                chapter=ch, n=len(holders), files=", ".join(x.file for x, _s in holders),
                latest=h.file))
    latest = group[-1][1]
    return merged, {**latest, "answers": answers}


def _evaluate_all(todo: list[tuple[str, int, dict]], exercises: dict, limits: Limits,
                  jobs: int, progress, chapter: str | None = None,
                  pack: str | os.PathLike | None = None,
                  case: CaseSettings = CaseSettings()) -> list[tuple[dict, list]]:
    """Evaluate every student's answers, in ``jobs`` worker processes when more than one.

    Workers are fresh interpreters (``spawn``) with one BLAS thread each: numpy's
    default of one thread per core, in every worker, would make them wait on each
    other (two workers on two cores were no faster than one).
    """
    out: list = [None] * len(todo)
    if jobs > 1 and len(todo) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        pack_path = None if pack is None else str(Path(pack).resolve())
        with _single_thread_blas(), ProcessPoolExecutor(
                max_workers=min(jobs, len(todo)), mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker, initargs=(chapter, pack_path, limits, case)) as pool:
            futures = {pool.submit(_evaluate_in_worker, item): i for i, item in enumerate(todo)}
            for n, fut in enumerate(as_completed(futures), start=1):
                out[futures[fut]] = fut.result()
                if progress is not None:
                    progress("grading", n / len(todo))
        return out
    with Sandbox(limits) as box:
        for n, (sid, seed, sub) in enumerate(todo):
            out[n] = _evaluate_handin(sub, sid, seed, exercises, box, case)
            if progress is not None:
                progress("grading", (n + 1) / len(todo))
    return out


class _single_thread_blas:
    """Set the thread variables of the BLAS libraries for the processes started inside."""

    NAMES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

    def __enter__(self):
        self.saved = {k: os.environ.get(k) for k in self.NAMES}
        os.environ.update({k: "1" for k in self.NAMES})
        return self

    def __exit__(self, *exc):
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_WORKER: dict = {}


def _start_worker(chapter: str | None, pack: str | None, limits: Limits,
                  case: CaseSettings = CaseSettings()) -> None:
    """In a grading worker (trusted code only): the exercises and a sandbox of its own."""
    from multiprocessing.util import Finalize

    from crmlab.exercises.packs import load_pack

    _WORKER["exercises"] = _exercise_set(chapter, load_pack(pack) if pack else None)
    _WORKER["case"] = case
    box = _WORKER["box"] = Sandbox(limits)
    Finalize(box, box.close, exitpriority=10)


def _evaluate_in_worker(item):
    sid, seed, sub = item
    return _evaluate_handin(sub, sid, seed, _WORKER["exercises"], _WORKER["box"],
                            _WORKER["case"])


def _mark_identical_files(handins: list[HandinGrade]) -> None:
    by_hash = defaultdict(list)
    for h in handins:
        if h.sha256 and h.status != "unreadable":
            by_hash[h.sha256].append(h)
    for group in by_hash.values():
        if len(group) > 1:
            for h in group:
                others = [o.file for o in group if o is not h]
                h.add("identical-file", _("the same file as {files}").format(
                    files=", ".join(others)))


def _mark_copies(graded: list[HandinGrade]) -> None:
    """Answers that are another student's right answer, and identical answer sets.

    Only answers that rarely coincide by chance count as evidence: a table or a
    number with decimals is enough on its own, whole numbers and texts (a region's
    name) only two together from the same other student; choices and code never
    (many honest students choose the same option or write the same textbook code).
    """
    right = defaultdict(dict)  # exercise -> answer fingerprint -> student who got it right
    expected_keys = defaultdict(set)
    for h in graded:
        for ex_id, r in h.results.items():
            expected_keys[ex_id].add(r.expected_key)
            if r.status == "correct" and r.evidence:
                right[ex_id].setdefault(r.answer_key, h.student_id)
    per_student = {ex_id for ex_id, keys in expected_keys.items() if len(keys) > 1}
    for h in graded:
        sources = defaultdict(list)
        for ex_id, r in h.results.items():
            owner = right[ex_id].get(r.answer_key)
            if r.status != "correct" and r.evidence and owner not in (None, h.student_id):
                sources[owner].append((ex_id, r.evidence))
        copied = [_("{exercise} (the right answer of {owner})").format(
                      exercise=ex_id, owner=owner)
                  for owner, hits in sources.items() if sum(e for _x, e in hits) >= 2
                  for ex_id, _x in hits]
        if copied:
            h.add("copied-answer", _("wrong here, but exactly another student's right answer "
                                     "on their data: {answers}").format(
                                         answers=", ".join(copied[:6])))
    signatures = defaultdict(list)
    for h in graded:
        mine = sorted((k, r.answer_key) for k, r in h.results.items()
                      if k in per_student and r.evidence)
        if sum(h.results[k].evidence for k, _key in mine) >= 4:
            signatures[_fingerprint(mine)].append(h)
    for group in signatures.values():
        if len(group) > 1:
            for h in group:
                others = [o.student_id or o.file for o in group if o is not h]
                h.add("identical-answers", _("the same answers as {others} on exercises whose "
                                             "right answer differs per student (the files "
                                             "cannot tell who copied from whom)").format(
                                                 others=", ".join(others)))


def _join_roster(handins: list[HandinGrade], students: list[dict] | None) -> list[HandinGrade]:
    if students is None:
        return handins
    by_id = {h.student_id: h for h in handins if h.status == "graded"}
    out = []
    for s in students:
        h = by_id.pop(s["student_id"], None)
        if h is None:
            h = HandinGrade(file=None, student_id=s["student_id"], status="missing")
        h.name = s["name"]
        out.append(h)
    rest = [h for h in handins if h not in out]
    for h in rest:
        if h.status == "graded":
            h.add("not-on-roster", _("student {sid} is not on the roster").format(
                sid=h.student_id))
    return out + rest


# ---------------------------------------------------------------- writing
def write_csv(df, path: str | os.PathLike, force: bool = False) -> Path:
    """Write a CSV atomically (UTF-8 with a byte-order mark, so spreadsheets read it)."""
    path = Path(path)
    _check_target(path, force)
    return write_text_atomic(path, "\ufeff" + df.to_csv(index=False, lineterminator="\n"))


def _check_target(path: Path, force: bool) -> None:
    if path.is_dir():
        raise ValueError(_("{path} is a folder; give a file name, e.g. {example}").format(
            path=path, example=path / "grades.csv"))
    if path.exists() and not force:
        raise ValueError(_("{path} exists; use --force to replace it").format(path=path))
    if not path.parent.is_dir():
        raise ValueError(_("the folder {folder} does not exist").format(folder=path.parent))
    if not os.access(path.parent, os.W_OK):
        raise ValueError(_("cannot write in {folder} (permission denied)").format(
            folder=path.parent))
