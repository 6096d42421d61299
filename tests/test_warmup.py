"""The warm-up homework covers every chapter 00 exercise (both versions are run in
tests/test_homework_notebooks.py)."""

import json
from pathlib import Path

import pytest
from notebook_runner import load_notebook

ROOT = Path(__file__).resolve().parents[1]
WARMUP = ROOT / "solutions" / "00_warmup.ipynb"


@pytest.fixture(scope="module")
def source():
    return load_notebook(WARMUP)


def test_every_warmup_exercise_is_in_the_notebook(source):
    import crmlab

    code = "\n".join("".join(c["source"]) for c in source["cells"])
    for ex_id in crmlab.exercises.all_exercises():
        if ex_id.startswith("ch00."):
            assert f'crmlab.exercise("{ex_id}")' in code and f'crmlab.check("{ex_id}"' in code


def test_notebooks_carry_a_kernelspec():
    for path in [*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("exercises/*.ipynb")]:
        meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]
        assert meta["kernelspec"]["name"] == "python3", path.name
