"""Hand-in (``crmlab.handin``) and grading (``crmlab grade``).

A submission is one JSON file.  Grading never trusts the verdicts stored in
it: every answer is checked again against the dataset made from the
student's own seed.  Files that are malformed, or whose seed does not belong
to their student id, or that name unknown exercises or another package
version, are reported in the output rather than crashing the run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from crmlab._version import __version__
from crmlab.exercises import core, store

__all__ = ["handin", "grade_files", "GradeResult", "SUBMISSION_FORMAT"]

SUBMISSION_FORMAT = "crmlab-handin/1"


def handin(student_id: str | None = None, path: str | os.PathLike | None = None) -> Path:
    """Write ``handin-<student_id>.json`` with every answer checked so far.

    Returns the path written.  The file holds the student id, seed, answers
    (with the verdicts seen at the time, for the student's own record),
    package version and a timestamp.
    """
    from crmlab.seeds import seed_for

    wb = core.workbook()
    student_id = student_id if student_id is not None else wb.student_id
    if student_id is None:
        raise ValueError("give your student id: crmlab.handin(student_id='2023012345')")
    seed = seed_for(student_id)  # also validates the id
    state, _ = store.read_state()
    answers = state.get("answers", {})
    if not answers:
        raise ValueError("nothing to hand in yet: check some answers first")
    exercises = core.all_exercises()
    scenarios = sorted({exercises[k].scenario for k in answers if k in exercises})
    submission = {
        "format": SUBMISSION_FORMAT,
        "student_id": str(student_id).strip(),
        "seed": seed,
        "scenarios": scenarios,
        "crmlab_version": __version__,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "worked_as": state.get("student_id"),
        "answers": {k: v["answer"] for k, v in sorted(answers.items())},
        "verdicts_seen": {k: v.get("status") for k, v in sorted(answers.items())},
    }
    safe = re.sub(r"[^\w.-]+", "_", str(student_id).strip())
    target = Path(path) if path is not None else Path.cwd() / f"handin-{safe}.json"
    if target.is_dir():
        target = target / f"handin-{safe}.json"
    fd, tmp = tempfile.mkstemp(prefix=".handin.", suffix=".tmp", dir=target.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(submission, f, indent=1, ensure_ascii=False)
    os.replace(tmp, target)
    return target


@dataclass
class GradeResult:
    file: str
    student_id: str | None = None
    seed: int | None = None
    verdicts: dict[str, str] = field(default_factory=dict)  # exercise id -> status
    answers: dict[str, object] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    score: float = 0.0
    max_score: float = 0.0


def _expand(paths) -> list[Path]:
    files = []
    for p in map(Path, paths):
        if not p.exists():
            raise ValueError(f"{p} does not exist")
        if p.is_dir():
            files += sorted(p.glob("*.json"))
        else:
            files.append(p)
    return files


def grade_one(path: Path, exercises: dict, datasets: dict) -> GradeResult:
    from crmlab.seeds import seed_for

    res = GradeResult(file=path.name)
    res.max_score = sum(ex.points for ex in exercises.values())
    try:
        sub = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        res.problems.append("file not found")
        return res
    except (ValueError, UnicodeDecodeError) as exc:
        res.problems.append(f"malformed: not a JSON hand-in file ({type(exc).__name__})")
        return res
    if not isinstance(sub, dict) or sub.get("format") != SUBMISSION_FORMAT:
        res.problems.append("malformed: not a crmlab hand-in file")
        return res
    sid, seed, answers = sub.get("student_id"), sub.get("seed"), sub.get("answers")
    if not isinstance(sid, str) or not sid.strip() or not isinstance(answers, dict):
        res.problems.append("malformed: missing student_id or answers")
        return res
    res.student_id = sid
    true_seed = seed_for(sid)
    res.seed = true_seed
    if seed != true_seed:
        res.problems.append(f"seed {seed} does not belong to student {sid} (expected "
                            f"{true_seed}); graded on the student's own seed")
    if sub.get("crmlab_version") != __version__:
        res.problems.append(f"made with crmlab {sub.get('crmlab_version')!r}, graded with "
                            f"{__version__}: the data may differ")
    for ex_id, raw in answers.items():
        if ex_id not in exercises:
            res.problems.append(f"unknown exercise id {ex_id!r} ignored")
            continue
        ex = exercises[ex_id]
        key = (ex.scenario, true_seed)
        if key not in datasets:
            datasets[key] = core.dataset_for(ex.scenario, true_seed)
        answer = store.decode(raw)
        try:
            verdict = core.evaluate(ex, answer, datasets[key])
        except Exception as exc:  # an odd answer must not stop the grading run
            res.problems.append(f"{ex_id}: answer could not be checked ({type(exc).__name__})")
            continue
        res.verdicts[ex_id] = verdict.status
        res.answers[ex_id] = raw
        if verdict.correct:
            res.score += ex.points
    seen = sub.get("verdicts_seen") or {}
    claimed = [k for k, v in seen.items() if v == "correct" and res.verdicts.get(k) != "correct"]
    if claimed:
        res.problems.append("stored verdicts claim correct but are not: " + ", ".join(claimed))
    return res


def grade_files(paths, out: str | os.PathLike | None = None,
                report: str | os.PathLike | None = None):
    """Grade hand-in files (or folders of them); write ``out`` (CSV) and a per-exercise report.

    Returns ``(grades, per_exercise)`` DataFrames.
    """
    import pandas as pd

    exercises = core.all_exercises()
    datasets: dict = {}
    files = _expand(paths)
    if not files:
        raise ValueError("no submission files found")
    results = [grade_one(f, exercises, datasets) for f in files]
    rows = []
    for r in results:
        row = {"file": r.file, "student_id": r.student_id, "seed": r.seed, "score": r.score,
               "max_score": r.max_score, "problems": "; ".join(r.problems)}
        for ex_id in exercises:
            row[ex_id] = {"correct": 1, "wrong": 0, "invalid": 0, "unanswered": 0}.get(
                r.verdicts.get(ex_id), None)
        rows.append(row)
    grades = pd.DataFrame(rows)
    per = []
    for ex_id in exercises:
        statuses = [r.verdicts[ex_id] for r in results if ex_id in r.verdicts]
        wrong = Counter(json.dumps(r.answers[ex_id], ensure_ascii=False)[:40]
                        for r in results if r.verdicts.get(ex_id) == "wrong")
        per.append({"exercise": ex_id, "submitted": len(statuses),
                    "correct": statuses.count("correct"),
                    "common_wrong_answers": "; ".join(f"{a} (x{n})" for a, n in
                                                      wrong.most_common(3))})
    per_exercise = pd.DataFrame(per)
    if out is not None:
        _atomic_csv(grades, Path(out))
    if report is not None:
        _atomic_csv(per_exercise, Path(report))
    return grades, per_exercise


def _atomic_csv(df, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        df.to_csv(tmp, index=False, lineterminator="\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
