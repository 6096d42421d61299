"""The exercise engine: checked exercises with immediate, specific feedback.

>>> from crmlab.exercises import Number
>>> print(Number(unit="fraction").check("62", 0.62).text())
✘ Not yet: 62 looks like a percentage; this answer is a fraction between 0 and 1 (write 0.62, or 62%)
"""

from __future__ import annotations

from crmlab.exercises.core import Exercise, Mistake, all_exercises, get, register, workbook
from crmlab.exercises.kinds import Choice, Function, MultiChoice, Number, Table, Text, Verdict

__all__ = ["exercise", "check", "hint", "progress", "start", "handin", "Exercise", "Mistake",
           "register", "all_exercises", "Number", "Choice", "MultiChoice", "Text", "Table",
           "Function", "Verdict"]


def start(student_id: str | int | None = None, scenario: str = "retail"):
    """Choose whose data the exercises use and return that dataset.

    Without a student id you work on the committed practice dataset; with one,
    on your own (its seed comes from :func:`crmlab.seed_for`), and every
    exercise's right answer is computed from it.
    """
    from crmlab.seeds import seed_for

    wb = workbook()
    if student_id is not None:
        seed_for(student_id)  # validates the id
        student_id = str(student_id).strip()
    wb.student_id = student_id
    data = wb.data(scenario)
    who = ("practice mode (no student id)" if student_id is None
           else f"student {student_id}")
    print(f"CRM Lab: {who}; {scenario} dataset with {data.meta['n_customers']:,} customers, "
          f"seed {wb.seed}.")
    return data


def exercise(exercise_id: str):
    """Show an exercise: its prompt, an answer box, Check and Hint buttons."""
    from crmlab.exercises.ui import ExerciseView

    return ExerciseView(exercise_id)


def check(exercise_id: str, answer):
    """Check an answer computed in code; the feedback is shown and saved."""
    from crmlab.exercises.ui import run_check

    return run_check(exercise_id, answer)


def hint(exercise_id: str, n: int | None = None) -> str:
    """The hints of an exercise, up to the n-th (all by default)."""
    ex = get(exercise_id)
    if not ex.hints:
        return "This exercise has no hints."
    shown = ex.hints[: n or len(ex.hints)]
    return "\n".join(f"Hint {i + 1}: {h}" for i, h in enumerate(shown))


def progress(chapter: str | None = None):
    """A table of every exercise (per chapter) with your latest verdict."""
    import pandas as pd

    from crmlab.exercises import store
    from crmlab.exercises.ui import ProgressTable

    state, notice = store.read_state()
    rows = []
    for ex_id, ex in all_exercises().items():
        if chapter and ex.chapter != chapter:
            continue
        saved = state["answers"].get(ex_id, {})
        rows.append({"chapter": ex.chapter, "exercise": ex_id, "title": ex.title,
                     "status": saved.get("status", "not started"),
                     "attempts": saved.get("attempts", 0)})
    if not rows:
        raise ValueError(f"no exercises in chapter {chapter!r}")
    return ProgressTable(pd.DataFrame(rows), notice)


def handin(student_id: str | int | None = None, path=None):
    """Write your hand-in file (see :mod:`crmlab.exercises.grading`)."""
    from crmlab.exercises.grading import handin as _handin

    target = _handin(student_id, path)
    print(f"Wrote {target.name}: hand this file in.")
    return target
