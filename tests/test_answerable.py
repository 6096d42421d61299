"""Every exercise can be answered on every student's data, and the workbook's names agree.

* Every graded exercise on the datasets of 30 student ids and on the practice dataset, every
  practice exercise on the practice dataset (the one it is checked on): its own expected answer
  passes its own check (a Function exercise: its reference implementation passes every hidden
  case; a Text exercise: every accepted form), so does a number rounded to the decimals the
  prompt asks for, and the question is well defined there: no empty, NaN or tied answer.
* Practice exercises are exactly those used only in chapter notebooks; the graded ones are
  exactly those of the homework notebooks (solutions/).
* A share, rate or fraction between 0 and 1 declares its unit (the percent/fraction hint).
* A homework never asks for a function name that shadows one of its imports, and the
  functions the prompts ask for are the ones its cells define.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import importlib
import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from notebook_runner import load_notebook

import crmlab
from crmlab.exercises.core import (
    CASE,
    PRACTICE_SEED,
    Exercise,
    all_exercises,
    dataset_for,
    evaluate,
)
from crmlab.exercises.kinds import Choice, Function, MultiChoice, Number, Table, Text

ROOT = Path(__file__).resolve().parents[1]
HOMEWORK = sorted((ROOT / "solutions").glob("*.ipynb"))
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
STUDENTS = [f"20230{n:05d}" for n in range(1, 31)]
PRACTICE = "practice"  # stands for the shared practice dataset (no student id)
DECIMALS = re.compile(r"(\d+) decimals?\b")  # "with 4 decimals", "at least 1 decimal"
EXERCISE_ID = re.compile(r"crmlab\.(?:exercise|check)\(\s*[\"'](ch\d\d[a-z]?\.[\w-]+)[\"']")


# ------------------------------------------------------------------ helpers
def _seed(who: str) -> int:
    return PRACTICE_SEED if who == PRACTICE else crmlab.seed_for(who)


@pytest.fixture(scope="module")
def datasets() -> Callable[[str, str], object]:
    """``get(scenario, who)``: one dataset per (scenario, student), made once.

    Only the current student's datasets are kept: the tests run student by student.
    """
    cache: dict[tuple[str, str], object] = {}

    def get(scenario: str, who: str):
        if (scenario, who) not in cache:
            for key in [k for k in cache if k[1] != who]:
                del cache[key]
            cache[(scenario, who)] = dataset_for(scenario, _seed(who))
        return cache[(scenario, who)]

    return get


def reference(ex: Exercise) -> Callable:
    """The reference implementation of a Function exercise (its chapter's ``REFERENCES``)."""
    module = importlib.import_module(f"crmlab.exercises.{ex.chapter}")
    return getattr(module, "REFERENCES", {})[ex.id]


def _answers(ex: Exercise, expected) -> list:
    """The answers a student may submit for an expected value (each must be accepted)."""
    if isinstance(ex.kind, Function):
        return [reference(ex)]
    if isinstance(ex.kind, Text) and not isinstance(expected, str):
        return list(expected)
    return [expected]


def _gap(values: pd.Series, lowest: bool = False, at: int = 0) -> float:
    """How far the ``at``-th ranked value is ahead of the next one (0: a tie)."""
    v = np.sort(values.to_numpy(dtype=float))
    v = v if lowest else v[::-1]
    return float(abs(v[at + 1] - v[at])) if len(v) > at + 1 else math.inf


def _tie_gaps(data_for: Callable[[str], object]) -> dict[str, Callable[[], float]]:
    """The answers chosen by ranking: how far the chosen one is from the runner-up.

    Each value computes the gap when called; a gap of 0 is a tie the prompt would have to
    break.
    """
    from crmlab.exercises import ch00, ch02, ch04, ch05, ch06
    from crmlab.operational import conversion_by
    from crmlab.value import retention_lever, tier_economics

    def lever_gains():
        retail = data_for("retail")
        return retention_lever(tier_economics(retail.orders, retail.meta["end"]))["gain"]

    def failing_candidates():
        retail = data_for("retail")
        return ch06.composite_index(retail, weights="equal")[ch06._live_all_year(retail)]

    def lead_values():
        b2b = data_for("b2b")
        return conversion_by(b2b.leads, b2b.opportunities)["won_value_per_lead"]

    return {
        "ch00.top-region": lambda: _gap(ch00._region_counts(data_for("retail"))),
        "ch02.winback-top10": lambda: _gap(ch02.winback_ranking(data_for("telecom"))["score"],
                                           at=9),
        "ch03.equity-lever": lambda: _gap(lever_gains()),
        "ch04.largest-gap": lambda: _gap(ch04.mean_gaps(data_for("retail")), lowest=True),
        "ch05.best-plan": lambda: float(ch05.best_plans(data_for("retail"))["gain"].min()),
        "ch05.lead-source": lambda: _gap(lead_values()),
        "ch06.failing-region": lambda: _gap(failing_candidates(), lowest=True),
    }


def _ill_defined(ex: Exercise, expected) -> str:
    """Why an expected answer leaves the question undefined ('' if it is fine)."""
    kind = ex.kind
    if isinstance(kind, Number):
        try:
            ok = math.isfinite(float(expected))
        except (TypeError, ValueError):
            ok = False
        return "" if ok else f"expected {expected!r} is not a finite number"
    if isinstance(kind, Table):
        if not isinstance(expected, (pd.Series, pd.DataFrame)) or expected.empty:
            return "the expected table is empty"
        if expected.isna().to_numpy().any():
            return "the expected table has NaN cells"
        if expected.index.has_duplicates:
            return "the expected table has repeated row labels"
        return ""
    if isinstance(kind, Function):
        if len(expected) < 3:
            return f"only {len(expected)} hidden cases"
        bad = [args for args, want in expected if not math.isfinite(float(want))]
        return f"hidden cases expect a non-finite result: {bad}" if bad else ""
    if isinstance(kind, MultiChoice):
        if not expected:
            return "no option is right (an empty answer counts as not answered)"
        return "" if set(expected) <= set(kind.options) else f"{expected} are not all options"
    if isinstance(kind, Choice):
        return "" if expected in kind.options else f"{expected!r} is not an option"
    if isinstance(kind, Text):
        forms = [expected] if isinstance(expected, str) else list(expected)
        return "" if forms and all(str(f).strip() for f in forms) else "empty expected text"
    return f"unknown kind {type(kind).__name__}"


# ------------------------------------------------------------------ 1. answerable everywhere
@pytest.mark.slow
@pytest.mark.parametrize("who", [PRACTICE, *STUDENTS])
def test_every_exercise_is_answerable(who, datasets):
    """Graded exercises on everyone's data; practice exercises on the practice data."""
    problems = []
    # (the capstone's exercises are answered on each student's firm, not a dataset:
    # tests/test_capstone.py runs the homework's solution on 30 firms and checks them)
    exercises = {k: ex for k, ex in all_exercises().items()
                 if (who == PRACTICE or not ex.practice) and ex.scenario != CASE}
    for ex_id, ex in exercises.items():
        data = datasets(ex.scenario, who)
        try:
            expected = ex.expected(data)
        except Exception as exc:  # the question cannot even be computed on these data
            problems.append(f"{ex_id}: expected() raised {type(exc).__name__}: {exc}")
            continue
        why = _ill_defined(ex, expected)
        if why:
            problems.append(f"{ex_id}: {why}")
            continue
        fixed = dataclasses.replace(ex, expected=lambda _d, e=expected: e)  # computed once
        for answer in _answers(ex, expected):
            verdict = evaluate(fixed, answer, data)
            if not verdict.correct:
                problems.append(f"{ex_id}: its own answer {answer!r} is not accepted: "
                                f"{verdict.text()}")
        decimals = DECIMALS.search(ex.prompt) if isinstance(ex.kind, Number) else None
        if decimals:  # an answer with as many decimals as the prompt asks for is right
            rounded = round(float(expected), int(decimals.group(1)))
            if not evaluate(fixed, rounded, data).correct:
                problems.append(f"{ex_id}: {rounded} (rounded as the prompt asks) is rejected; "
                                f"expected {expected!r}")
    for ex_id, gap in _tie_gaps(lambda s: datasets(s, who)).items():
        if ex_id in exercises and not gap() > 1e-9:
            problems.append(f"{ex_id}: the answer is tied with the runner-up")
    assert not problems, f"{who}:\n" + "\n".join(problems)


def test_every_function_exercise_has_a_reference():
    functions = [ex for ex in all_exercises().values() if isinstance(ex.kind, Function)]
    assert len(functions) >= 5
    for ex in functions:
        assert callable(reference(ex)), ex.id


def test_an_ill_defined_answer_is_reported():
    """The well-definedness check catches what it is meant to catch."""
    ex = all_exercises()["ch06.failure-signals"]
    assert "empty" in _ill_defined(ex, []) or "no option" in _ill_defined(ex, [])
    payback = all_exercises()["ch06.payback-function"]
    assert "non-finite" in _ill_defined(payback, [((1,), 1.0), ((2,), 2.0), ((3,), math.nan)])
    table = all_exercises()["ch00.customers-by-channel"]
    assert _ill_defined(table, pd.Series([1.0, np.nan], index=["a", "b"]))
    assert _gap(pd.Series([3, 3, 1])) == 0 and _gap(pd.Series([1, 2, 2]), lowest=True) == 1


# ------------------------------------------------------------------ 2. practice vs graded
def _ids_in(paths: list[Path]) -> set[str]:
    ids = set()
    for path in paths:
        nb = load_notebook(path)
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                ids |= set(EXERCISE_ID.findall("".join(cell["source"])))
    return ids


def test_practice_exercises_are_the_chapter_notebook_only_ones():
    exercises = all_exercises()
    homework, chapters = _ids_in(HOMEWORK), _ids_in(CHAPTERS)
    assert homework and chapters
    assert (homework | chapters) <= set(exercises), (homework | chapters) - set(exercises)
    graded = {k for k, ex in exercises.items() if not ex.practice}
    practice = {k for k, ex in exercises.items() if ex.practice}
    assert graded == homework, {"graded, not in a homework": graded - homework,
                                "in a homework, marked practice": homework - graded}
    assert practice <= chapters, practice - chapters
    assert practice, "no practice exercise at all"


# ------------------------------------------------------------------ 3. fraction hint
SHARE_WORDS = re.compile(r"\b(shares?|rates?|fractions?|proportions?|percentages?)\b", re.I)


def test_shares_between_0_and_1_declare_a_unit():
    checked, practice = 0, {}
    for ex_id, ex in all_exercises().items():
        if not isinstance(ex.kind, Number) or not SHARE_WORDS.search(ex.prompt):
            continue
        if ex.scenario not in practice:
            practice[ex.scenario] = dataset_for(ex.scenario, PRACTICE_SEED)
        value = float(ex.expected(practice[ex.scenario]))
        if 0 <= value <= 1:
            checked += 1
            assert ex.kind.unit is not None, f"{ex_id}: {value:.4f} is a share without a unit"
    assert checked >= 10


# ------------------------------------------------------------------ 4. names
def _cell_tree(source: str) -> ast.Module:
    """A code cell parsed as Python (IPython magics and shell lines left out)."""
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    return ast.parse("\n".join(lines))


def _top_level(tree: ast.AST):
    """The statements run at module level: not the bodies of functions or classes."""
    for node in ast.iter_child_nodes(tree):
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                 ast.Lambda)):
            yield from _top_level(node)


def names_of(path: Path) -> tuple[set[str], set[str], set[str]]:
    """(names imported, functions defined by ``def``, names assigned) at a notebook's top level.

    Assigned: targets of ``=``, ``+=``, annotated assignments and ``for`` loops.
    """
    imported, defined, assigned = set(), set(), set()
    for cell in load_notebook(path)["cells"]:
        if cell["cell_type"] != "code":
            continue
        for node in _top_level(_cell_tree("".join(cell["source"]))):
            if isinstance(node, ast.Import):
                imported |= {a.asname or a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported |= {a.asname or a.name for a in node.names}
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                defined.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                assigned |= {n.id for t in targets for n in ast.walk(t)
                             if isinstance(n, ast.Name)}
    return imported, defined, assigned


def checked_names(path: Path, exercise_id: str) -> set[str]:
    """The names a notebook passes as the answer in ``crmlab.check(exercise_id, name)``."""
    names = set()
    for cell in load_notebook(path)["cells"]:
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(_cell_tree("".join(cell["source"]))):
            if (isinstance(node, ast.Call) and ast.unparse(node.func) == "crmlab.check"
                    and len(node.args) == 2 and isinstance(node.args[0], ast.Constant)
                    and node.args[0].value == exercise_id and isinstance(node.args[1], ast.Name)):
                names.add(node.args[1].id)
    return names


CALLED = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\(")


def asked_for(ex: Exercise) -> set[str]:
    """The function names a Function exercise's prompt asks for (builtins left out)."""
    return {n for n in CALLED.findall(ex.prompt) if not hasattr(builtins, n)}


def test_the_name_helpers_find_imports_and_defs(tmp_path):
    import json

    nb = {"cells": [{"cell_type": "code", "source": ["%matplotlib inline\n", "import numpy as np\n",
                                                     "import crmlab.clv\n",
                                                     "from crmlab import (rfm,\n", " value)\n"]},
                    {"cell_type": "code", "source": ["def clv(m):\n", "    import os\n",
                                                     "    x = m\n", "    return x\n",
                                                     "total = 0\n",
                                                     "for value in range(3):\n",
                                                     "    total += value\n",
                                                     'crmlab.check("ch03.clv-function", clv)\n']}]}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert names_of(path) == ({"np", "crmlab", "rfm", "value"}, {"clv"}, {"total", "value"})
    assert checked_names(path, "ch03.clv-function") == {"clv"}
    assert checked_names(path, "ch01.gini-function") == set()
    ex = all_exercises()["ch01.gini-function"]
    assert asked_for(dataclasses.replace(ex, prompt="Write gini(values): 2 * sum(x) ...")) == {
        "gini"}


@pytest.mark.parametrize("path", HOMEWORK, ids=lambda p: p.stem)
def test_homework_function_names_agree_with_the_cells(path):
    imported, defined, assigned = names_of(path)
    ids = _ids_in([path])
    functions = [ex for k, ex in all_exercises().items()
                 if k in ids and isinstance(ex.kind, Function)]
    for ex in functions:
        names = asked_for(ex)
        assert names, f"{ex.id}: the prompt names no function to write"
        assert not names & imported, (f"{ex.id} asks for {names & imported}, which shadows an "
                                      f"import of {path.name}")
        assert names <= defined, (f"{ex.id} asks for {names - defined}, but {path.name} defines "
                                  f"{sorted(defined)}")
        passed = checked_names(path, ex.id)
        assert passed and passed <= names, (f"{path.name} checks {ex.id} with {passed}, the prompt "
                                            f"asks for {names}")
    assert not defined & imported, f"{path.name} redefines imported {defined & imported}"
    assert not assigned & imported, f"{path.name} assigns to imported {assigned & imported}"
    assert not assigned & defined, (f"{path.name} uses {assigned & defined} both for a value "
                                    "and for a function")
