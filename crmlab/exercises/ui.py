"""What the student sees: the exercise widget, feedback and progress tables.

Every display object carries a plain-text form, so the same calls work
without a widget front-end (nbconvert, nbval, a console): there they print
text instead of drawing widgets.
"""

from __future__ import annotations

import html

from crmlab.exercises import core, store
from crmlab.exercises.kinds import Choice, Function, MultiChoice, Number, Table, Text, Verdict

__all__ = ["Feedback", "ExerciseView", "ProgressTable", "run_check"]

COLOURS = {"correct": ("#e6f4ea", "#137333"), "wrong": ("#fce8e6", "#a50e0e"),
           "invalid": ("#fef7e0", "#8a5300"), "unanswered": ("#f1f3f4", "#3c4043")}


class Feedback:
    """The verdict of one check, shown as a coloured box (HTML) or as text."""

    def __init__(self, exercise_id: str, verdict: Verdict, notice: str = ""):
        self.exercise_id, self.verdict, self.notice = exercise_id, verdict, notice

    @property
    def correct(self) -> bool:
        return self.verdict.correct

    def __repr__(self) -> str:
        text = f"[{self.exercise_id}] {self.verdict.text()}"
        return f"{self.notice}\n{text}" if self.notice else text

    def _repr_html_(self) -> str:
        return feedback_html(self.verdict, self.notice)

    def __bool__(self) -> bool:
        return self.correct


def feedback_html(verdict: Verdict, notice: str = "") -> str:
    bg, fg = COLOURS[verdict.status]
    lines = html.escape(verdict.text()).split("\n")
    body = "<br>".join(lines)
    note = f"<div style='color:#8a5300'>{html.escape(notice)}</div>" if notice else ""
    return (f"{note}<div class='crmlab-feedback crmlab-{verdict.status}' style='background:{bg};"
            f"color:{fg};padding:6px 10px;border-radius:4px;margin:4px 0'>{body}</div>")


def run_check(exercise_id: str, answer) -> Feedback:
    """Check an answer against the current student's data and save it in the progress file."""
    ex = core.get(exercise_id)
    wb = core.workbook()
    try:
        data = wb.data(ex.scenario)
        verdict = core.evaluate(ex, answer, data)
    except Exception as exc:  # never a traceback wall for the student
        verdict = Verdict("invalid", f"could not check this answer ({type(exc).__name__}: {exc})")
    notice = ""
    try:
        notice = store.record(exercise_id, answer, verdict, wb.student_id)
    except OSError as exc:
        notice = f"Your progress could not be saved ({exc.strerror or exc})."
    return Feedback(exercise_id, verdict, notice)


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
                fb = run_check(ex.id, self._value())
                feedback.value = feedback_html(fb.verdict, fb.notice)
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


class ProgressTable:
    """``crmlab.progress()``: one row per exercise, grouped by chapter, with totals."""

    def __init__(self, frame, notice: str = ""):
        self.frame, self.notice = frame, notice

    def summary(self):
        f = self.frame
        g = f.groupby("chapter")
        return g.agg(exercises=("exercise", "size"),
                     answered=("status", lambda s: int((s != "not started").sum())),
                     correct=("status", lambda s: int((s == "correct").sum())))

    def __repr__(self) -> str:
        parts = [self.notice] if self.notice else []
        parts.append(self.summary().to_string())
        for chapter, part in self.frame.groupby("chapter"):
            parts.append(f"\n{chapter}\n" + part.drop(columns="chapter").to_string(index=False))
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        out = [f"<p style='color:#8a5300'>{html.escape(self.notice)}</p>"] if self.notice else []
        out.append(self.summary().to_html())
        for chapter, part in self.frame.groupby("chapter"):
            out.append(f"<h4>{html.escape(chapter)}</h4>"
                       + part.drop(columns="chapter").to_html(index=False))
        return "".join(out)
