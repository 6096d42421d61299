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
from crmlab.i18n import N_, _

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
    tries = (_("1 attempt") if n == 1 else _("{n} attempts")).format(n=n)
    best, latest = entry["best"].get("status"), entry.get("status")
    if best == latest:
        return _("Not answered in this cell; your saved answer ({best}, {tries}) is "
                 "kept.").format(best=_(best), tries=tries)
    return _("Not answered in this cell; your saved answers (best {best}, latest {latest}; "
             "{tries}) are kept.").format(best=_(best), latest=_(latest), tries=tries)


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
        verdict = Verdict("invalid", _("could not check this answer ({error})").format(
            error=f"{type(exc).__name__}: {exc}"))
    notice = note = ""
    try:
        if verdict.status == "unanswered":
            entry, notice = store.saved_entry(exercise_id)
            note = kept_note(entry)
        else:
            notice = store.record(exercise_id, answer, verdict, wb.student_id, seed=seed,
                                  practice=ex.practice)
    except OSError as exc:
        notice = _("Your progress could not be saved ({error}).").format(
            error=exc.strerror or exc)
    return Feedback(exercise_id, verdict, notice, note)


def _how_to_answer(ex: core.Exercise) -> str:
    if isinstance(ex.kind, Table):
        return _("Compute the table in code, then run crmlab.check({id}, your_table).").format(
            id=repr(ex.id))
    if isinstance(ex.kind, Function):
        return _("Write the function, then run crmlab.check({id}, your_function).").format(
            id=repr(ex.id))
    if isinstance(ex.kind, Choice):
        opts = "; ".join(f"{k}) {_(v)}" for k, v in ex.kind.options.items())
        return _("Options: {options}. Answer with crmlab.check({id}, 'key').").format(
            options=opts, id=repr(ex.id))
    if isinstance(ex.kind, MultiChoice):
        opts = "; ".join(_(v) if k == v else f"{k}) {_(v)}" for k, v in ex.kind.options.items())
        return _("Options: {options}. Answer with crmlab.check({id}, ['key', ...]).").format(
            options=opts, id=repr(ex.id))
    if isinstance(ex.kind, Diagnosis):
        return _('Answer with crmlab.check({id}, "none") if your firm does not have this '
                 "problem, else crmlab.check({id}, {example}): where, then how large.").format(
            id=repr(ex.id), example=repr(ex.kind.example))
    if isinstance(ex.kind, Number) and ex.kind.unit == "fraction":
        return _("Answer with a fraction (e.g. 0.25): crmlab.check({id}, value).").format(
            id=repr(ex.id))
    return _("Answer with crmlab.check({id}, value).").format(id=repr(ex.id))


class ExerciseView:
    """``crmlab.exercise(id)``: prompt, answer input, Check and Hint buttons, feedback."""

    def __init__(self, exercise_id: str):
        self.ex = core.get(exercise_id)
        self._widget = None
        self._hints_shown = 0

    def __repr__(self) -> str:
        ex = self.ex
        lines = [_("Exercise {id}: {title}").format(id=ex.id, title=_(ex.title)), _(ex.prompt),
                 _how_to_answer(ex)]
        if ex.hints:
            lines.append((_("({n} hints: crmlab.hint({id}))") if len(ex.hints) > 1
                          else _("(1 hint: crmlab.hint({id}))")).format(n=len(ex.hints),
                                                                         id=repr(ex.id)))
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
        prompt = w.HTML(f"<b>{html.escape(_(ex.title))}</b> <code>{html.escape(ex.id)}</code>"
                        f"<p>{html.escape(_(ex.prompt))}</p>")
        feedback = w.HTML("")
        hint_box = w.HTML("")
        kind = ex.kind
        self.input = None
        if isinstance(kind, (Number, Text)):
            self.input = w.Text(placeholder=_("your answer"), layout=w.Layout(width="16em"))
        elif isinstance(kind, Choice):
            self.input = w.RadioButtons(options=[(_(v), k) for k, v in kind.options.items()],
                                        value=None, layout=w.Layout(width="auto"))
        elif isinstance(kind, MultiChoice):
            self.boxes = {k: w.Checkbox(description=_(v), value=False, indent=False)
                          for k, v in kind.options.items()}
            self.input = w.VBox(list(self.boxes.values()))
        check = w.Button(description=_("Check"), button_style="primary", icon="check")
        hint = w.Button(description=_("Hint ({shown}/{n})").format(shown=0, n=len(ex.hints)),
                        disabled=not ex.hints)

        def on_check(_button):
            try:
                feedback.value = run_check(ex.id, self._value())._repr_html_()
            except Exception as exc:  # a widget callback must never raise
                feedback.value = feedback_html(Verdict("invalid", f"{type(exc).__name__}: {exc}"))

        def on_hint(_button):
            if self._hints_shown < len(ex.hints):
                self._hints_shown += 1
            hint.description = _("Hint ({shown}/{n})").format(shown=self._hints_shown,
                                                              n=len(ex.hints))
            hint_box.value = "".join(f"<div>💡 {html.escape(_(h))}</div>"
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


NOTHING_SAVED = N_("Nothing is saved in this folder's progress file yet. Choose what to see: "
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
            raise ValueError(_("no exercises in chapter {chapter}; choose one of {known}, or "
                               "'all'").format(chapter=repr(chapter), known=', '.join(known)))
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
            return "\n".join([*parts, _(self.message)])
        parts.append(_shown(self.summary()).to_string())
        for chapter, part in self.frame.groupby("chapter"):
            parts.append(f"\n{chapter}\n"
                         + _shown(part.drop(columns="chapter")).to_string(index=False))
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        out = [f"<p style='color:#8a5300'>{html.escape(self.notice)}</p>"] if self.notice else []
        if self.message:
            return "".join([*out, f"<p>{html.escape(_(self.message))}</p>"])
        out.append(_shown(self.summary()).to_html())
        for chapter, part in self.frame.groupby("chapter"):
            out.append(f"<h4>{html.escape(chapter)}</h4>"
                       + _shown(part.drop(columns="chapter")).to_html(index=False))
        return "".join(out)


# the progress table's headers and statuses, translated where the table is shown (its
# ``frame`` keeps the English names, for code)
_HEADERS = {"chapter": N_("chapter"), "exercise": N_("exercise"), "title": N_("title"),
            "part": N_("part"), "attempts": N_("attempts"), "best": N_("best"),
            "latest": N_("latest"), "exercises": N_("exercises"), "answered": N_("answered"),
            "correct": N_("correct")}
_VALUES = {"homework": N_("homework"), "practice": N_("practice"), "correct": N_("correct"),
           "wrong": N_("wrong"), "invalid": N_("invalid"), "unanswered": N_("unanswered"),
           "not started": N_("not started"), "all": N_("all")}


def _shown(table):
    """A copy of a progress table with headers, statuses and titles in the current language."""
    from crmlab.i18n import get_language

    if get_language() == "en":
        return table
    out = table.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype).startswith("str"):
            out[col] = [_(_VALUES.get(v, v)) if isinstance(v, str) else v for v in out[col]]
    out.columns = [_(_HEADERS.get(c, c)) for c in out.columns]
    if out.index.nlevels > 1 or out.index.name:
        out.index = out.index.set_names([_(_HEADERS.get(n, n)) if n else n
                                         for n in out.index.names])
        if out.index.nlevels > 1:
            out.index = out.index.set_levels([[_(_VALUES.get(v, v)) for v in level]
                                              for level in out.index.levels])
    return out


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
        folder = self.path.parent.name or str(self.path.parent)
        if n is None:
            text = _("Wrote {file} in {folder}/: hand this file in.")
        elif n == 1:
            text = _("Wrote {file} with 1 answer in {folder}/: hand this file in.")
        else:
            text = _("Wrote {file} with {n} answers in {folder}/: hand this file in.")
        return text.format(file=self.name, n=n, folder=folder)

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
