"""A synthetic class of hand-ins, for the grading tests, the class report and the benchmark.

Each student's answers are computed on that student's own dataset: right answers
from the exercises' expected values, wrong ones from their common mistakes (so the
class report has mistakes to count), functions from the solution notebooks' own
code (as a student would write them).  Files are written in the format of
:func:`crmlab.exercises.submission.handin`.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import random
from pathlib import Path

from crmlab._version import __version__
from crmlab.exercises import core, store, submission
from crmlab.exercises.kinds import Function, Text
from crmlab.seeds import seed_for

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"


def solution_functions() -> dict[str, dict]:
    """Function exercise id -> the encoded function the solution notebook checks with."""
    out = {}
    for path in sorted(SOLUTIONS.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [("".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "code"]
        defs = {}
        for cell in code:
            try:
                tree = ast.parse(cell)
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, ast.FunctionDef):
                    defs[node.name] = ast.get_source_segment(cell, node)
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "check"
                        and len(node.args) == 2 and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[1], ast.Name) and node.args[1].id in defs):
                    out[node.args[0].value] = {"__function__": {
                        "name": node.args[1].id, "source": defs[node.args[1].id]}}
    return out


BROKEN = {"__function__": {"name": "f", "source": "def f(*args):\n    return 0\n"}}


def build_class(folder: Path, student_ids: list[str], exercise_ids: list[str] | None = None,
                *, wrong: float = 0.3, seed: int = 0, per_chapter: bool = False) -> list[Path]:
    """Write hand-ins for ``student_ids`` into ``folder`` (one file each, or one per chapter).

    A share ``wrong`` of the answers is wrong: a common mistake where the exercise
    has one, else a plainly wrong value.
    """
    rng = random.Random(seed)
    exercises = core.all_exercises()
    ids = exercise_ids or [k for k, ex in exercises.items() if not ex.practice]
    functions = solution_functions()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    created = dt.datetime(2026, 12, 1, 20, 0, tzinfo=dt.timezone.utc)
    for sid in student_ids:
        seed_ = seed_for(sid)
        data: dict = {}
        answers = {}
        for ex_id in ids:
            ex = exercises[ex_id]
            if ex.scenario not in data:
                data[ex.scenario] = core.dataset_for(ex.scenario, seed_)
            d = data[ex.scenario]
            right = rng.random() >= wrong
            if isinstance(ex.kind, Function):
                value = functions[ex_id] if right else BROKEN
            elif right:
                value = ex.expected(d)
                if isinstance(ex.kind, Text) and not isinstance(value, str):
                    value = list(value)[0]  # a text exercise lists its accepted forms
                value = store.encode(value)
            elif not ex.mistakes:
                value = store.encode("no idea")
            else:
                try:
                    value = store.encode(rng.choice(ex.mistakes).compute(d))
                except Exception:  # noqa: BLE001 - a mistake that does not apply here
                    value = store.encode("no idea")
            answers[ex_id] = {"answer": value, "status": "correct" if right else "wrong",
                              "time": created.isoformat(), "student_id": sid, "seed": seed_,
                              "attempts": rng.randint(1, 4)}
        groups = ({ch: {k: v for k, v in answers.items() if k.startswith(ch + ".")}
                   for ch in sorted({k.split(".")[0] for k in answers})}
                  if per_chapter else {"all": answers})
        for name, part in groups.items():
            sub = {"format": submission.SUBMISSION_FORMAT, "student_id": sid, "seed": seed_,
                   "crmlab_version": __version__, "created": created.isoformat(),
                   "answers": part}
            sub["digest"] = submission.digest(sub)
            path = folder / (f"handin-{sid}-{name}.json" if per_chapter else
                             f"handin-{sid}.json")
            path.write_text(json.dumps(sub, ensure_ascii=False), encoding="utf-8")
            written.append(path)
    return written
