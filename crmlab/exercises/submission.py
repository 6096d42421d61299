"""The hand-in file: what ``crmlab.handin`` writes and ``crmlab grade`` reads.

A hand-in is one JSON file, ``handin-<student id>.json``::

    {"format": "crmlab-handin/2",
     "student_id": "2023012345", "seed": 1234567, "crmlab_version": "0.1.0",
     "created": "2026-12-01T20:15:03+00:00",
     "case": {"student_id": ..., "scenario": "retail", "n_problems": 3,
              "salt_id": ...},   # only with capstone answers: which firm they are about
     "answers": {"ch03.clv-formula": {"answer": ..., "status": "wrong", "time": "...",
                                      "student_id": "2023012345", "seed": 1234567,
                                      "attempts": 3,
                                      "best": {"answer": ..., "status": "correct", ...}},
                 ...},
     "digest": "sha256 of everything above"}

Only homework answers go in (exercises of the chapter notebooks are practice,
see :attr:`crmlab.exercises.core.Exercise.practice`).  The digest makes an edit
by hand visible: it is not a signature (a student who reads this code can
recompute it), so the grader never relies on it alone; every answer is checked
again on the student's own data and compared with the other hand-ins.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from crmlab._files import write_text_atomic
from crmlab._version import __version__
from crmlab.i18n import _

__all__ = ["SUBMISSION_FORMAT", "FORMATS", "MAX_BYTES", "handin", "digest", "parse",
           "candidates", "HandinError", "HandinResult"]

SUBMISSION_FORMAT = "crmlab-handin/2"
FORMATS = ("crmlab-handin/1", SUBMISSION_FORMAT)
MAX_BYTES = 5 * 2**20  # a hand-in of every homework is well under 200 kB


class HandinError(ValueError):
    """A hand-in file that cannot be read; ``code`` names the problem."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def digest(submission: dict) -> str:
    """SHA-256 of the hand-in's content (every key but ``digest``), canonically encoded."""
    body = {k: v for k, v in submission.items() if k != "digest"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _no_duplicate_keys(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise HandinError("duplicate-keys", _(
                "the key {key} appears twice in one object; a hand-in written by crmlab never "
                "repeats a key").format(key=repr(key)))
        seen[key] = value
    return seen


def parse(path: Path, max_bytes: int = MAX_BYTES) -> dict:
    """Read and check the form of a hand-in file; :class:`HandinError` says what is wrong."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise HandinError("unreadable", _("cannot read the file ({error})").format(
            error=exc.strerror)) from None
    if size > max_bytes:
        raise HandinError("oversized", _(
            "the file has {size} bytes, more than the limit of {limit} (--max-size); it was "
            "not read").format(size=f"{size:,}", limit=f"{max_bytes:,}"))
    if size == 0:
        raise HandinError("malformed", _("the file is empty"))
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HandinError("malformed", _("the file is not UTF-8 text (not a hand-in)")) from None
    try:
        sub = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except HandinError:
        raise
    except ValueError as exc:
        pos = getattr(exc, "pos", 0) or 0
        if text.lstrip().startswith("{") and pos >= len(text.rstrip()) - 1:
            raise HandinError("truncated", _("the file ends in the middle of the data "
                                             "(truncated: copied or saved incompletely?)")
                              ) from None
        raise HandinError("malformed", _("not JSON ({error} at character {pos})").format(
            error=getattr(exc, "msg", exc), pos=pos)) from None
    if not isinstance(sub, dict) or sub.get("format") not in FORMATS:
        raise HandinError("malformed", _("not a crmlab hand-in file (no 'format': "
                                         "'{format}')").format(format=SUBMISSION_FORMAT))
    sid, answers = sub.get("student_id"), sub.get("answers")
    if not isinstance(sid, str) or not sid.strip():
        raise HandinError("malformed", _("the hand-in has no student_id"))
    if not isinstance(answers, dict):
        raise HandinError("malformed", _("the hand-in has no answers"))
    if sub["format"] == "crmlab-handin/1":  # answers were bare values, verdicts apart
        seen = sub.get("verdicts_seen") or {}
        sub["answers"] = {k: {"answer": v, "status": seen.get(k) if isinstance(seen, dict)
                              else None, "student_id": sub.get("worked_as")}
                          for k, v in answers.items()}
    for key, entry in sub["answers"].items():
        if not isinstance(entry, dict) or "answer" not in entry or (
                "best" in entry and not isinstance(entry["best"], dict)):
            raise HandinError("malformed", _("the answer to {key} is not in the hand-in form")
                              .format(key=repr(key)))
    return sub


@dataclass
class HandinResult:
    """What :func:`handin` wrote: the file, how many answers, what the student should know."""

    path: Path
    n_answers: int
    notes: list[str]


def handin(student_id: str | int | None = None,
           path: str | os.PathLike | None = None) -> HandinResult:
    """Write ``handin-<student_id>.json`` with every homework answer checked so far.

    The result's ``notes`` say when answers were checked in practice mode
    (without a student id: on the shared practice data, so they will be graded
    wrong on the student's own data) or under another id;
    :func:`crmlab.handin` shows them in a box.
    """
    from crmlab.exercises import core, store
    from crmlab.seeds import seed_for, validate_student_id

    wb = core.workbook()
    student_id = student_id if student_id is not None else wb.student_id
    if student_id is None:
        raise ValueError(_("give your student id: crmlab.handin(student_id='2023012345')"))
    sid = validate_student_id(student_id)
    seed = seed_for(sid)
    state, _notice = store.read_state()
    exercises = core.all_exercises()
    saved = state.get("answers", {})
    answers = {k: v for k, v in sorted(saved.items()) if _answered(v) and (
        (k in exercises and not exercises[k].practice) or v.get("status") == "recorded")}
    if not answers:
        where = Path.cwd().name
        extra = (" " + _("Exercises in the chapter notebooks are practice and are not handed "
                         "in; run crmlab.handin in your homework notebook (in exercises/).")
                 if any(k in exercises and exercises[k].practice for k in saved) else "")
        raise ValueError(_("nothing to hand in yet from {folder}/: check some homework answers "
                           "first.").format(folder=where) + extra)
    notes = []
    practice = sorted(k for k, v in answers.items()
                      if any(c.get("student_id", sid) is None for c in candidates(v)))
    others = sorted({str(c["student_id"]) for v in answers.values() for c in candidates(v)
                     if c.get("student_id") not in (None, sid)})
    if practice:
        notes.append(_("{n} answer(s) were checked in practice mode (no student id: on the "
                       "shared practice data, not yours): {ids}. Run crmlab.start('{id}') and "
                       "check them again, or they will be graded wrong.").format(
            n=len(practice), ids=", ".join(practice[:6]) + (" ..." if len(practice) > 6 else ""),
            id=sid))
    if others:
        notes.append(_("some answers were checked under another student id ({others}): they "
                       "are graded on the data of {id}.").format(others=", ".join(others), id=sid))
    submission = {
        "format": SUBMISSION_FORMAT,
        "student_id": sid,
        "seed": seed,
        "crmlab_version": __version__,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "answers": {k: _entry(v) for k, v in answers.items()},
    }
    if isinstance(state.get("case"), dict) and any(
            k in exercises and exercises[k].scenario == core.CASE for k in answers):
        submission["case"] = state["case"]  # which capstone firm (no salt, no seed)
    submission["digest"] = digest(submission)
    safe = re.sub(r"[^\w.-]+", "_", sid)
    target = Path(path) if path is not None else Path.cwd() / f"handin-{safe}.json"
    if target.is_dir():
        target = target / f"handin-{safe}.json"
    write_text_atomic(target, json.dumps(submission, indent=1, ensure_ascii=False))
    return HandinResult(target, len(answers), notes)


_CANDIDATE_KEYS = ("answer", "status", "time", "student_id", "seed")


def _entry(v: dict) -> dict:
    out = {key: v[key] for key in _CANDIDATE_KEYS if key in v}
    if isinstance(v.get("attempts"), int):
        out["attempts"] = v["attempts"]
    best = v.get("best")
    if isinstance(best, dict) and best.get("answer") != v.get("answer"):
        out["best"] = {key: best[key] for key in _CANDIDATE_KEYS if key in best}
    return out


def candidates(entry: dict) -> list[dict]:
    """The answers of a saved entry worth grading: the latest and, if different, the best."""
    out = [entry]
    best = entry.get("best")
    if isinstance(best, dict) and "answer" in best and best.get("answer") != entry.get("answer"):
        out.append(best)
    return out


def _answered(entry) -> bool:
    if not isinstance(entry, dict) or "answer" not in entry:
        return False
    return any(not (isinstance(c.get("answer"), dict) and c["answer"].get("__unanswered__"))
               and c.get("status") != "unanswered" for c in candidates(entry))
