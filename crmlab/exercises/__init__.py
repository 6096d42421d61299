"""The exercise engine: checked exercises with immediate, specific feedback.

>>> from crmlab.exercises import Number
>>> print(Number(unit="fraction").check("62", 0.62).text())
✘ Not yet: 62 looks like a percentage; this answer is a fraction between 0 and 1 (write 0.62, or 62%)
"""

from __future__ import annotations

from crmlab.exercises.core import Exercise, Mistake, all_exercises, get, register, workbook
from crmlab.exercises.kinds import (
    Choice,
    Diagnosis,
    Function,
    MultiChoice,
    Number,
    Table,
    Text,
    Verdict,
)
from crmlab.i18n import _

__all__ = ["exercise", "check", "hint", "progress", "start", "start_case", "handin", "Exercise",
           "Mistake", "register", "all_exercises", "Number", "Choice", "MultiChoice", "Text",
           "Table", "Function", "Diagnosis", "Verdict"]


def start(student_id: str | int | None = None, scenario: str = "retail"):
    """Choose whose data the exercises use and return that dataset.

    Parameters
    ----------
    student_id : str, int or None
        Your student id (学号): 1 to 40 letters, digits, ``-``, ``_`` or ``.``.
        Every exercise's right answer is then computed from your own dataset
        (its seed comes from :func:`crmlab.seed_for`), the one your hand-in is
        graded on.  ``None`` is practice mode: the committed dataset, the same
        for everyone, not graded.
    scenario : str
        Which of your datasets to return (see
        :data:`crmlab.exercises.core.STUDENT_DATASETS`).

    Returns
    -------
    CRMData
        The dataset, as :func:`crmlab.exercises.core.student_dataset` makes it.

    Notes
    -----
    Prints a boxed warning in practice mode, and when this folder's progress
    file holds answers saved under another id (or in practice mode).
    """
    from crmlab.exercises import store
    from crmlab.exercises.core import STUDENT_DATASETS, start_notice
    from crmlab.seeds import validate_student_id

    if student_id is not None:
        student_id = validate_student_id(student_id)
    if not isinstance(scenario, str) or scenario not in STUDENT_DATASETS:
        from crmlab.data.io import DEFAULT_DATASETS

        if scenario not in DEFAULT_DATASETS:
            raise ValueError(_("no dataset {scenario} to start with; the homework uses: {known}")
                             .format(scenario=repr(scenario), known=", ".join(STUDENT_DATASETS)))
    wb = workbook()
    wb.student_id = student_id
    data = wb.data(scenario)
    who = (_("practice mode (no student id)") if student_id is None
           else _("student {id}").format(id=student_id))
    print(_("CRM Lab: {who}; {scenario} dataset with {n} customers, seed {seed}.").format(
        who=who, scenario=_(scenario), n=f"{data.meta['n_customers']:,}", seed=wb.seed))
    state, corrupt = store.read_state()
    notice = start_notice(student_id, state.get("student_id"), len(state.get("answers", {})))
    if corrupt:
        print(corrupt)
    in_full = wb.announce(scenario)
    if notice:
        print(notice if in_full else _("(the warning above applies to this dataset too)"))
    return data


def start_case(student_id: str | int | None = None, folder=None, scenario: str = "retail",
               n_problems: int = 3):
    """Open your capstone firm (综合案例, chapter 08) for the capstone exercises.

    Parameters
    ----------
    student_id : str, int or None
        Your student id.  ``None``: the practice firm, the same for everyone, not graded.
    folder : path, optional
        The folder your instructor gave you (made by ``crmlab case``): graded work is on
        that firm.  Without it the firm is built here from your id with the public salt
        (self-study: anyone, you included, can rebuild it and its truth).
    scenario, n_problems
        Only without ``folder``: the industry and the number of problems to plant (the
        folder records them).

    Returns
    -------
    CRMData
        The firm's observed tables.  ``crmlab.capstone.case_brief(data)`` is its brief.
    """
    from crmlab import capstone
    from crmlab.exercises import store
    from crmlab.exercises.core import boxed, start_notice
    from crmlab.seeds import validate_student_id

    if student_id is not None:
        student_id = validate_student_id(student_id)
    if folder is not None:
        if student_id is None:
            raise ValueError(_("give your student id with your folder: "
                               "crmlab.start_case(\"2023012345\", folder=...)"))
        data = capstone.load_case(folder, student_id)
        source = _("from {folder}").format(folder=folder)
    else:
        data = capstone.case(student_id or capstone.PRACTICE_CASE_ID, scenario, n_problems)
        source = (_("built with the public salt") if student_id is None
                  else _("built from your id with the public salt (self-study)"))
    wb = workbook()
    wb.student_id, wb.case = student_id, data
    info = data.meta["case"]
    who = (_("practice mode (no student id): the practice firm") if student_id is None
           else _("student {id}: your firm").format(id=student_id))
    print(_("CRM Lab capstone, {who} ({scenario}, {n} customers, {k} hidden problems), "
            "{source}.").format(who=who, scenario=info["scenario"],
                                n=f"{data.meta['n_customers']:,}", k=info["n_problems"],
                                source=source))
    state, corrupt = store.read_state()
    if corrupt:
        print(corrupt)
    notice = start_notice(student_id, state.get("student_id"), len(state.get("answers", {})),
                          call="crmlab.start_case")
    if notice:
        print(notice)
    if folder is None and student_id is not None:
        print(boxed(_("SELF-STUDY FIRM (自学用案例)"), [
            _("This firm is built with the public salt: anyone can rebuild it, and what was "
              "planted in it, from your id. For a graded capstone use the folder your "
              "instructor gives you: crmlab.start_case(STUDENT_ID, folder=\"...\").")]))
    try:
        store.remember("case", {k: info[k] for k in ("student_id", "scenario", "n_problems",
                                                      "salt_id")})
    except OSError as exc:
        print(_("Your progress file could not be updated ({error}).").format(
            error=exc.strerror or exc))
    return data


def exercise(exercise_id: str):
    """Show an exercise: its prompt, an answer box, Check and Hint buttons."""
    from crmlab.exercises.ui import ExerciseView

    return ExerciseView(exercise_id)


def check(exercise_id: str, answer):
    """Check an answer computed in code; the feedback is shown and saved.

    An answer still holding the placeholder ``...`` is not saved: re-running a
    notebook (Run All) never erases an answer saved before.
    """
    from crmlab.exercises.ui import run_check

    return run_check(exercise_id, answer)


def hint(exercise_id: str, n: int | None = None) -> str:
    """The hints of an exercise, up to the n-th (all by default)."""
    ex = get(exercise_id)
    if not ex.hints:
        return _("This exercise has no hints.")
    shown = ex.hints[: n or len(ex.hints)]
    return "\n".join(_("Hint {n}: {hint}").format(n=i + 1, hint=_(h))
                     for i, h in enumerate(shown))


def progress(chapter: str | None = None):
    """Where you stand: attempts, best and latest verdict of each exercise, with totals.

    Parameters
    ----------
    chapter : str, optional
        ``"ch03"`` for one chapter, ``"all"`` for every exercise.  By default,
        the chapters of the exercises saved in this folder's progress file
        (in a notebook: its own chapter).

    Returns
    -------
    ProgressTable
        Shown as a table; ``.frame`` and ``.summary()`` hold the numbers.
        Practice exercises (from the chapter notebooks) and homework are
        counted apart.
    """
    from crmlab.exercises import store
    from crmlab.exercises.ui import ProgressTable

    state, notice = store.read_state()
    return ProgressTable.from_state(state, all_exercises(), chapter, notice)


def handin(student_id: str | int | None = None, path=None):
    """Write your hand-in file and say where it is.

    Prints one line (the file, how many answers, its folder) and, boxed, what
    you should know before handing it in (e.g. answers checked in practice
    mode).

    Returns
    -------
    HandIn
        The file as ``.path``; usable as a path.  A notebook shows nothing more
        for it (never a bare ``PosixPath(...)``).
    """
    from crmlab.exercises.core import boxed
    from crmlab.exercises.submission import handin as _handin
    from crmlab.exercises.ui import HandIn

    result = _handin(student_id, path)
    receipt = HandIn(result.path, result.n_answers, result.notes)
    print(receipt.line())
    if receipt.notes:
        print(boxed(_("BEFORE YOU HAND IN (交作业前)"), receipt.notes))
    return receipt
