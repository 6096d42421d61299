"""Assessment packs: graded exercises that are not in the public package.

The homework's automatic checks are formative: their expected answers are
computed by the public package, so a student can always get "correct" by
calling the package.  For graded work an instructor writes exercises in a
*private* Python file, a pack, with the same API as the homework::

    # quiz1_pack.py (keep it to yourself)
    from crmlab.exercises import Exercise, Number, register

    register(Exercise(id="ch03.quiz1-aov", title="...", prompt="...",
                      kind=Number(rel_tol=1e-3), expected=lambda d: ...))

* ``crmlab pack-form quiz1_pack.py --out quiz1.json`` writes the pack's *form*
  for the students: ids, titles, prompts and the form of each answer (a
  number, one of the choices...), no expected values, no mistakes, no hints.
* In their notebook students load the form and record answers:
  ``quiz = crmlab.assessment("quiz1.json")``, ``quiz.answer("ch03.quiz1-aov", 41.2)``.
  The feedback is limited to the answer's form ("recorded: a number").
* ``crmlab.handin(...)`` collects them with the homework, and
  ``crmlab grade DIR --pack quiz1_pack.py`` grades the pack's exercises on each
  student's own data.

An example is ``docs/example_pack.py``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from crmlab._files import write_text_atomic
from crmlab.exercises import core
from crmlab.exercises.kinds import Choice, MultiChoice, Number, Verdict, is_unanswered
from crmlab.i18n import N_, _

__all__ = ["Pack", "load_pack", "write_form", "Assessment", "assessment", "FORM_FORMAT"]

FORM_FORMAT = "crmlab-assessment-form/1"


@dataclass
class Pack:
    """The exercises one pack file registers."""

    path: Path
    exercises: dict[str, core.Exercise]

    def form(self) -> dict:
        """The public form: what students may see (no expected values)."""
        items = []
        for ex in self.exercises.values():
            item = {"id": ex.id, "title": ex.title, "prompt": ex.prompt, "kind": ex.kind.name,
                    "scenario": ex.scenario, "points": ex.points}
            if isinstance(ex.kind, (Choice, MultiChoice)):
                item["options"] = dict(ex.kind.options)
            if isinstance(ex.kind, Number) and ex.kind.unit:
                item["unit"] = ex.kind.unit
            items.append(item)
        return {"format": FORM_FORMAT, "pack": self.path.stem, "exercises": items}


_LOADED: dict[Path, Pack] = {}
_MARKS = {"recorded": N_("✎ Recorded"), "invalid": N_("⚠ Check your answer"),
          "unanswered": N_("… Not answered yet")}
_FORMS = {"function": N_("a function"), "table": N_("a pandas table"),
          "text": N_("a short text")}


def load_pack(path: str | os.PathLike) -> Pack:
    """Import a pack file and return the exercises it registers (loaded once per path)."""
    path = Path(path).resolve()
    if path in _LOADED:
        return _LOADED[path]
    if not path.is_file() or path.suffix != ".py":
        raise ValueError(_("pack {path} is not a Python file (.py)").format(path=path))
    before = dict(core.all_exercises())
    name = f"crmlab_pack_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except ValueError as exc:
        raise ValueError(_("pack {name}: {error}").format(name=path.name, error=exc)) from None
    except Exception as exc:  # an instructor's typo: say where, not a traceback wall
        raise ValueError(_("pack {name} failed to load ({kind}: {error})").format(
            name=path.name, kind=type(exc).__name__, error=exc)) from None
    finally:  # the pack's exercises stay out of the public registry (and the homework)
        added = {k: ex for k, ex in core.all_exercises().items() if k not in before}
        for key in added:
            core._REGISTRY.pop(key, None)
    exercises = added
    if not exercises:
        raise ValueError(_("pack {name} registers no exercises (call register(...))").format(
            name=path.name))
    pack = Pack(path, exercises)
    _LOADED[path] = pack
    return pack


def write_form(pack_path: str | os.PathLike, out: str | os.PathLike,
               force: bool = False) -> Path:
    """Write the students' form of a pack (``crmlab pack-form``)."""
    form = load_pack(pack_path).form()
    out = Path(out)
    if out.exists() and not force:
        raise ValueError(_("{path} exists; use --force to replace it").format(path=out))
    if out.resolve() == Path(pack_path).resolve():
        raise ValueError(_("the form must not overwrite the pack itself"))
    return write_text_atomic(out, json.dumps(form, indent=1, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------- the student's side
class Recorded:
    """The feedback of an assessment answer: recorded, or what is wrong with its form."""

    def __init__(self, exercise_id: str, verdict: Verdict, notice: str = ""):
        self.exercise_id, self.verdict, self.notice = exercise_id, verdict, notice

    @property
    def recorded(self) -> bool:
        return self.verdict.status == "recorded"

    def __repr__(self) -> str:
        mark = _(_MARKS[self.verdict.status])
        text = f"[{self.exercise_id}] {mark}: {self.verdict.message}"
        return f"{self.notice}\n{text}" if self.notice else text


class Assessment:
    """A graded assessment in a student's notebook: answers are recorded, not judged."""

    def __init__(self, form: dict):
        if not isinstance(form, dict) or form.get("format") != FORM_FORMAT:
            raise ValueError(_("not an assessment form (made by `crmlab pack-form`)"))
        self.name = str(form.get("pack", "assessment"))
        self.items = {it["id"]: it for it in form.get("exercises", [])}

    def __repr__(self) -> str:
        lines = [_("Assessment {name}: {n} questions").format(name=self.name,
                                                               n=len(self.items))]
        for it in self.items.values():
            lines.append(f"- {it['id']}: {it['title']} ({self._form_text(it)})")
        lines.append(_("Answer with quiz.answer('<id>', value); see a question with "
                       "quiz.question('<id>')."))
        return "\n".join(lines)

    def question(self, exercise_id: str) -> None:
        """Print one question: its prompt and the form of its answer."""
        it = self._item(exercise_id)
        text = (f"{it['id']}: {it['title']}\n{it['prompt']}\n"
                + _("Answer: {form}").format(form=self._form_text(it)))
        print(text)

    def answer(self, exercise_id: str, value):
        """Record an answer; the feedback says only whether it has the right form."""
        from crmlab.exercises import store

        it = self._item(exercise_id)
        verdict = self._form_verdict(it, value)
        notice = ""
        if verdict.status == "recorded":
            wb = core.workbook()
            notice = store.record(exercise_id, value, verdict, wb.student_id, seed=wb.seed)
        return Recorded(exercise_id, verdict, notice)

    def _item(self, exercise_id: str) -> dict:
        if exercise_id not in self.items:
            raise ValueError(_("no question {id!r} in {name}; questions: {ids}").format(
                id=exercise_id, name=self.name, ids=", ".join(self.items)))
        return self.items[exercise_id]

    @staticmethod
    def _form_text(it: dict) -> str:
        kind = it["kind"]
        if kind in ("choice", "multichoice"):
            opts = "; ".join(f"{k}) {v}" for k, v in it["options"].items())
            return (_("one of: {options}") if kind == "choice"
                    else _("a list of: {options}")).format(options=opts)
        if kind == "number":
            return _("a fraction between 0 and 1") if it.get("unit") == "fraction" \
                else _("a number")
        return _(_FORMS[kind])

    @staticmethod
    def _form_verdict(it: dict, value) -> Verdict:
        if is_unanswered(value):
            return Verdict("unanswered", _("replace ... with your answer"))
        kind = it["kind"]
        if kind == "number":
            read, problem = Number(unit=it.get("unit")).read(value)
            ok = read is not None
            shown = read
        elif kind == "choice":
            read, problem = Choice(it["options"]).read(value)
            ok, shown = read is not None, read
        elif kind == "multichoice":
            v = MultiChoice(it["options"]).check(value, [])
            ok = v.status != "invalid"
            problem, shown = v.message, value
        elif kind == "function":
            ok, problem, shown = callable(value), _("pass the function itself"), _("a function")
        elif kind == "table":
            import pandas as pd

            ok = isinstance(value, (pd.Series, pd.DataFrame))
            problem, shown = _("pass a pandas Series or DataFrame"), _("a table")
        else:
            ok, problem, shown = isinstance(value, str), _("answer with a short text"), value
        if not ok:
            return Verdict("invalid", problem)
        return Verdict("recorded", _("answer recorded ({answer}); it is graded after the "
                                     "deadline").format(answer=str(shown)[:60]))


def assessment(form_path: str | os.PathLike) -> Assessment:
    """Load an assessment form handed out by the instructor."""
    path = Path(form_path)
    try:
        form = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(_("no assessment form {path}").format(path=path)) from None
    except ValueError:
        raise ValueError(_("{path} is not an assessment form (not JSON)").format(path=path)) \
            from None
    return Assessment(form)

