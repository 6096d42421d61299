"""Run a homework notebook end to end, for the homework tests.

test_warmup.py and test_homework_ch*.py each execute their homework notebook twice:
the solution version (every ``crmlab.check(...)`` should say correct) and the
student version made by :func:`crmlab.exercises.assign.student_version` (every
check should say not answered yet).  The helpers here do the running and collect
what the checks printed; the assertions about it stay in the test files.

tests/ has no ``__init__.py``, so pytest puts tests/ on ``sys.path`` and the test
files import this module as ``from notebook_runner import ...``.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat import NotebookNode

from crmlab.exercises.assign import student_version


def load_notebook(path: Path) -> dict:
    """The notebook at ``path`` as its JSON dict."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source_text(nb: dict, code_only: bool = False) -> str:
    """The source of the notebook's cells (only the code cells with ``code_only``), joined."""
    return "\n".join("".join(c["source"]) for c in nb["cells"]
                     if not code_only or c["cell_type"] == "code")


def code_of(path: Path) -> str:
    """The code cells of the notebook at ``path``, joined."""
    return source_text(load_notebook(path), code_only=True)


def execute(nb: dict, cwd: Path, progress_file: Path, monkeypatch: pytest.MonkeyPatch,
            timeout: int = 180) -> NotebookNode:
    """Run a notebook (JSON dict) in a python3 kernel started in ``cwd``.

    The exercise checks save their progress to ``progress_file``.
    """
    monkeypatch.setenv("CRMLAB_PROGRESS", str(progress_file))
    node = nbformat.reads(json.dumps(nb), as_version=4)
    client = NotebookClient(node, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return node


def check_texts(nb: NotebookNode, errors_anywhere: bool = False) -> list[str]:
    """The text of every ``crmlab.check(...)`` output, in order.

    Fails on an error output in a check cell, or with ``errors_anywhere`` in any code cell.
    """
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        is_check = "crmlab.check(" in cell.source
        if not (is_check or errors_anywhere):
            continue
        for out in cell.outputs:
            assert out.output_type != "error", out
            if is_check and out.output_type == "execute_result":
                texts.append(out.data["text/plain"])
    return texts


def solution_checks(path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *,
                    timeout: int = 180, errors_anywhere: bool = False) -> tuple[list[str], dict]:
    """Run the notebook at ``path`` as it is (with its solutions).

    Returns the checks' texts and the answers saved in the progress file (``{}`` if
    the notebook saved none).
    """
    progress = tmp_path / "progress.json"
    nb = execute(load_notebook(path), path.parent, progress, monkeypatch, timeout)
    texts = check_texts(nb, errors_anywhere)
    saved = json.loads(progress.read_text())["answers"] if progress.exists() else {}
    return texts, saved


def student_checks(path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *,
                   timeout: int = 180, errors_anywhere: bool = False,
                   code_cells_only: bool = False) -> tuple[list[str], str]:
    """Run the student version of the notebook at ``path``.

    Returns the checks' texts and the student version's source (only its code cells
    with ``code_cells_only``), to show that no solution is left in it.
    """
    student = student_version(load_notebook(path))
    code = source_text(student, code_only=code_cells_only)
    nb = execute(student, path.parent, tmp_path / "progress.json", monkeypatch, timeout)
    return check_texts(nb, errors_anywhere), code


# ---------------------------------------------------------------- checks every homework shares
def check_answers_follow_the_seed(ids, mine, other, min_data_driven: int) -> None:
    """Each exercise's own answer is right on ``mine``; a data-driven answer (a number or a
    Series) computed on another student's dataset ``other`` is wrong there."""
    import pandas as pd

    from crmlab.exercises.core import all_exercises, evaluate

    data_driven = 0
    for ex_id in ids:
        ex = all_exercises()[ex_id]
        right, theirs = ex.expected(mine), ex.expected(other)
        assert evaluate(ex, right, mine).correct, ex_id
        if isinstance(right, (int, float, pd.Series)):
            data_driven += 1
            assert not evaluate(ex, theirs, mine).correct, ex_id
    assert data_driven >= min_data_driven


def check_mistakes_get_their_feedback(ids, datasets) -> None:
    """Every common mistake, made on the first dataset where it is wrong, gets the feedback
    of a mistake (not a bare "wrong")."""
    from crmlab.exercises.core import all_exercises, evaluate

    for ex_id in ids:
        ex = all_exercises()[ex_id]
        for mistake in ex.mistakes:
            for data in datasets:
                verdict = evaluate(ex, mistake.compute(data), data)
                if not verdict.correct:
                    break
            assert verdict.status == "wrong", (ex_id, mistake.message)
            assert verdict.message in {m.message for m in ex.mistakes}, (ex_id, verdict.message)
