"""What the student sees: the exercise widget, feedback and progress tables.

Every display object carries a plain-text form, so the same calls work
without a widget front-end (nbconvert, nbval, a console): there they print
text instead of drawing widgets.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from crmlab.exercises import core, store
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

__all__ = ["Feedback", "ExerciseView", "ProgressTable", "HandIn", "run_check"]

COLOURS = {"correct": ("#e6f4ea", "#137333"), "wrong": ("#fce8e6", "#a50e0e"),
           "invalid": ("#fef7e0", "#8a5300"), "unanswered": ("#f1f3f4", "#3c4043")}


class Feedback:
    """The verdict of one check, shown as a coloured box (HTML) or as text.

    Parameters
    ----------
    exercise_id : str
        The exercise checked.
    verdict : Verdict
        The verdict.
    notice : str
        Shown above the verdict (a progress file that was moved aside, a save that failed).
    note : str
        Shown below it (e.g. that a saved answer was kept).
    """

    def __init__(self, exercise_id: str, verdict: Verdict, notice: str = "", note: str = ""):
        self.exercise_id, self.verdict, self.notice, self.note = exercise_id, verdict, notice, note

    @property
    def correct(self) -> bool:
        return self.verdict.correct

    def __repr__(self) -> str:
        lines = [self.notice] if self.notice else []
        lines.append(f"[{self.exercise_id}] {self.verdict.text()}")
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return feedback_html(self.verdict, self.notice, self.note)

    def __bool__(self) -> bool:
        return self.correct


def feedback_html(verdict: Verdict, notice: str = "", note: str = "") -> str:
    """The coloured box of a verdict, with a notice above it and a note below."""
    bg, fg = COLOURS[verdict.status]
    lines = html.escape(verdict.text()).split("\n")
    if note:
        lines.append(f"<i>{html.escape(note)}</i>")
    body = "<br>".join(lines)
    above = f"<div style='color:#8a5300'>{html.escape(notice)}</div>" if notice else ""
    return (f"{above}<div class='crmlab-feedback crmlab-{verdict.status}' style='background:{bg};"
            f"color:{fg};padding:6px 10px;border-radius:4px;margin:4px 0'>{body}</div>")


def _data_for(ex: core.Exercise, wb: core.Workbook):
    """The dataset an exercise is checked on, and its seed.

    Practice exercises (in the chapter notebooks) use the shared practice
    dataset whoever is working; homework uses the student's own.
    """
    if not ex.practice:
        return wb.data(ex.scenario), wb.seed
    key = (ex.scenario, core.PRACTICE_SEED)
    if key not in wb._cache:
        wb._cache[key] = core.dataset_for(ex.scenario, core.PRACTICE_SEED)
    return wb._cache[key], core.PRACTICE_SEED


def kept_note(entry: dict | None) -> str:
    """What a check of an unanswered placeholder says about the saved answer."""
    if not entry or not isinstance(entry.get("best"), dict):
        return ""
    n = entry.get("attempts", 0)
    tries = f"{n} attempt{'s' if n != 1 else ''}"
    best, latest = entry["best"].get("status"), entry.get("status")
    if best == latest:
        return f"Not answered in this cell; your saved answer ({best}, {tries}) is kept."
    return (f"Not answered in this cell; your saved answers (best {best}, latest {latest}; "
            f"{tries}) are kept.")


def run_check(exercise_id: str, answer) -> Feedback:
    """Check an answer and save it in this folder's progress file.

    Homework is checked on the current student's data, practice exercises on
    the shared practice dataset.  A placeholder still holding ``...`` (status
    "unanswered") is not saved: the saved answer, if any, is kept and the
    feedback says so.
    """
    ex = core.get(exercise_id)
    wb = core.workbook()
    seed = None
    try:
        data, seed = _data_for(ex, wb)
        verdict = core.evaluate(ex, answer, data)
    except Exception as exc:  # never a traceback wall for the student
        verdict = Verdict("invalid", f"could not check this answer ({type(exc).__name__}: {exc})")
    notice = note = ""
    try:
        if verdict.status == "unanswered":
            entry, notice = store.saved_entry(exercise_id)
            note = kept_note(entry)
        else:
            notice = store.record(exercise_id, answer, verdict, wb.student_id, seed=seed,
                                  practice=ex.practice)
    except OSError as exc:
        notice = f"Your progress could not be saved ({exc.strerror or exc})."
    return Feedback(exercise_id, verdict, notice, note)


def _how_to_answer(ex: core.Exercise) -> str:
    if isinstance(ex.kind, Table):
        return f"Compute the table in code, then run crmlab.check({ex.id!r}, your_table)."
    if isinstance(ex.kind, Function):
        return f"Write the function, then run crmlab.check({ex.id!r}, your_function)."
    if isinstance(ex.kind, Choice):
        opts = "; ".join(f"{k}) {v}" for k, v in ex.kind.options.items())
        return f"Options: {opts}. Answer with crmlab.check({ex.id!r}, 'key')."
    if isinstance(ex.kind, MultiChoice):
        opts = "; ".join(v if k == v else f"{k}) {v}" for k, v in ex.kind.options.items())
        return f"Options: {opts}. Answer with crmlab.check({ex.id!r}, ['key', ...])."
    if isinstance(ex.kind, Diagnosis):
        return (f'Answer with crmlab.check({ex.id!r}, "none") if your firm does not have this '
                f"problem, else crmlab.check({ex.id!r}, {ex.kind.example!r}): where, then how "
                "large.")
    if isinstance(ex.kind, Number) and ex.kind.unit == "fraction":
        return f"Answer with a fraction (e.g. 0.25): crmlab.check({ex.id!r}, value)."
    return f"Answer with crmlab.check({ex.id!r}, value)."


class ExerciseView:
    """``crmlab.exercise(id)``: prompt, answer input, Check and Hint buttons, feedback."""

    def __init__(self, exercise_id: str):
        self.ex = core.get(exercise_id)
        self._widget = None
        self._hints_shown = 0

    def __repr__(self) -> str:
        ex = self.ex
        lines = [f"Exercise {ex.id}: {ex.title}", ex.prompt, _how_to_answer(ex)]
        if ex.hints:
            lines.append(f"({len(ex.hints)} hint{'s' if len(ex.hints) > 1 else ''}: "
                         f"crmlab.hint({ex.id!r}))")
        return "\n".join(lines)

    def _repr_mimebundle_(self, include=None, exclude=None):
        widget = self.widget()
        bundle = widget._repr_mimebundle_() or {}
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle)
        bundle["text/plain"] = repr(self)
        return bundle

    # the interactive version ------------------------------------------------
    def widget(self):
        if self._widget is None:
            self._widget = self._build()
        return self._widget

    def _build(self):
        import ipywidgets as w

        ex = self.ex
        prompt = w.HTML(f"<b>{html.escape(ex.title)}</b> <code>{html.escape(ex.id)}</code>"
                        f"<p>{html.escape(ex.prompt)}</p>")
        feedback = w.HTML("")
        hint_box = w.HTML("")
        kind = ex.kind
        self.input = None
        if isinstance(kind, (Number, Text)):
            self.input = w.Text(placeholder="your answer", layout=w.Layout(width="16em"))
        elif isinstance(kind, Choice):
            self.input = w.RadioButtons(options=[(v, k) for k, v in kind.options.items()],
                                        value=None, layout=w.Layout(width="auto"))
        elif isinstance(kind, MultiChoice):
            self.boxes = {k: w.Checkbox(description=v, value=False, indent=False)
                          for k, v in kind.options.items()}
            self.input = w.VBox(list(self.boxes.values()))
        check = w.Button(description="Check", button_style="primary", icon="check")
        hint = w.Button(description=f"Hint (0/{len(ex.hints)})", disabled=not ex.hints)

        def on_check(_):
            try:
                feedback.value = run_check(ex.id, self._value())._repr_html_()
            except Exception as exc:  # a widget callback must never raise
                feedback.value = feedback_html(Verdict("invalid", f"{type(exc).__name__}: {exc}"))

        def on_hint(_):
            if self._hints_shown < len(ex.hints):
                self._hints_shown += 1
            hint.description = f"Hint ({self._hints_shown}/{len(ex.hints)})"
            hint_box.value = "".join(f"<div>💡 {html.escape(h)}</div>"
                                     for h in ex.hints[: self._hints_shown])

        check.on_click(on_check)
        hint.on_click(on_hint)
        self.check_button, self.hint_button, self.feedback = check, hint, feedback
        if self.input is None:  # tables and functions are answered in code
            note = w.HTML(f"<i>{html.escape(_how_to_answer(ex))}</i>")
            return w.VBox([prompt, note, w.HBox([hint]), hint_box, feedback])
        return w.VBox([prompt, self.input, w.HBox([check, hint]), hint_box, feedback])

    def _value(self):
        if isinstance(self.ex.kind, MultiChoice):
            return [k for k, box in self.boxes.items() if box.value]
        value = self.input.value
        return ... if value is None else value


NOTHING_SAVED = ("Nothing is saved in this folder's progress file yet. Choose what to see: "
                 "crmlab.progress(\"ch03\") for one chapter, crmlab.progress(\"all\") for every "
                 "exercise.")


class ProgressTable:
    """``crmlab.progress()``: attempts, best and latest verdict per exercise, with totals.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per exercise: chapter, exercise, title, part ("homework" or
        "practice"), attempts, best, latest.
    notice : str
        Shown first (e.g. a progress file that was moved aside).
    message : str
        Shown instead of the tables when there is nothing to show.
    """

    COLUMNS = ["chapter", "exercise", "title", "part", "attempts", "best", "latest"]

    def __init__(self, frame, notice: str = "", message: str = ""):
        self.frame, self.notice, self.message = frame, notice, message

    @classmethod
    def from_state(cls, state: dict, exercises: dict[str, core.Exercise],
                   chapter: str | None = None, notice: str = "") -> ProgressTable:
        """The table of a progress file's state.

        Parameters
        ----------
        state : dict
            As read by :func:`crmlab.exercises.store.read_state`.
        exercises : dict
            Every exercise, by id.
        chapter : str, optional
            ``"ch03"`` for one chapter, ``"all"`` for every exercise; by default
            the chapters of the exercises saved in ``state``.
        notice : str
            Passed on to the table.

        Raises
        ------
        ValueError
            For a chapter that has no exercises.
        """
        import pandas as pd

        answers = {k: v for k, v in state.get("answers", {}).items()
                   if isinstance(v, dict) and isinstance(v.get("best"), dict)}
        known = sorted({ex.chapter for ex in exercises.values()})
        if chapter is None:
            chapters = sorted({exercises[k].chapter for k in answers if k in exercises})
        elif chapter == "all":
            chapters = known
        elif chapter in known:
            chapters = [chapter]
        else:
            raise ValueError(f"no exercises in chapter {chapter!r}; choose one of "
                             f"{', '.join(known)}, or 'all'")
        rows = []
        for ex_id, ex in exercises.items():
            if ex.chapter not in chapters:
                continue
            saved = answers.get(ex_id)
            rows.append({"chapter": ex.chapter, "exercise": ex_id, "title": ex.title,
                         "part": "practice" if ex.practice else "homework",
                         "attempts": saved.get("attempts", 1) if saved else 0,
                         "best": saved["best"].get("status") if saved else "not started",
                         "latest": saved.get("status") if saved else ""})
        frame = pd.DataFrame(rows, columns=cls.COLUMNS)
        return cls(frame, notice, "" if chapters else NOTHING_SAVED)

    def summary(self):
        """Exercises, answered and correct (best verdict) per chapter and part.

        Homework and practice are counted apart; with several chapters, the
        rows ``("all", part)`` hold the totals.
        """
        import pandas as pd

        f = self.frame
        aggs = {"exercises": ("exercise", "size"),
                "answered": ("attempts", lambda a: int((a > 0).sum())),
                "correct": ("best", lambda b: int((b == "correct").sum()))}
        if f.empty:
            index = pd.MultiIndex.from_tuples([], names=["chapter", "part"])
            return pd.DataFrame(columns=list(aggs), index=index)
        table = f.groupby(["chapter", "part"]).agg(**aggs)
        if f["chapter"].nunique() > 1:
            total = f.groupby("part").agg(**aggs)
            total.index = pd.MultiIndex.from_product([["all"], total.index],
                                                     names=["chapter", "part"])
            table = pd.concat([table, total])
        return table

    def __repr__(self) -> str:
        parts = [self.notice] if self.notice else []
        if self.message:
            return "\n".join([*parts, self.message])
        parts.append(self.summary().to_string())
        for chapter, part in self.frame.groupby("chapter"):
            parts.append(f"\n{chapter}\n" + part.drop(columns="chapter").to_string(index=False))
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        out = [f"<p style='color:#8a5300'>{html.escape(self.notice)}</p>"] if self.notice else []
        if self.message:
            return "".join([*out, f"<p>{html.escape(self.message)}</p>"])
        out.append(self.summary().to_html())
        for chapter, part in self.frame.groupby("chapter"):
            out.append(f"<h4>{html.escape(chapter)}</h4>"
                       + part.drop(columns="chapter").to_html(index=False))
        return "".join(out)


class HandIn(os.PathLike):
    """What ``crmlab.handin()`` returns: the hand-in file written.

    Parameters
    ----------
    path : Path
        The file.
    n_answers : int, optional
        How many answers it holds.
    notes : list of str
        What the student should know before handing it in.

    ``crmlab.handin`` prints :meth:`line` (and the notes); in a notebook this
    object adds nothing to that output.  It can be used as a path
    (``open(receipt)``, ``os.replace(receipt, ...)``).
    """

    def __init__(self, path: str | os.PathLike, n_answers: int | None = None,
                 notes: list[str] | None = None):
        self.path, self.n_answers, self.notes = Path(path), n_answers, list(notes or [])

    @property
    def name(self) -> str:
        return self.path.name

    def line(self) -> str:
        """``Wrote handin-<id>.json with N answers in <folder>/: hand this file in.``"""
        n = self.n_answers
        count = "" if n is None else f" with {n} answer{'s' if n != 1 else ''}"
        folder = self.path.parent.name or str(self.path.parent)
        return f"Wrote {self.name}{count} in {folder}/: hand this file in."

    def __fspath__(self) -> str:
        return str(self.path)

    def __eq__(self, other) -> bool:
        return isinstance(other, HandIn) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __repr__(self) -> str:
        return f"HandIn({str(self.path)!r})"

    def _ipython_display_(self) -> None:
        """Show nothing: the line ``crmlab.handin`` printed says it all."""
