"""Every homework notebook in both versions: the solution version passes every
check, the student version (solutions stripped) runs clean and every check says
"Not answered yet".  One table row per notebook; chapter-specific checks of the
exercises stay in tests/test_homework_chNN.py and tests/test_warmup.py."""

from pathlib import Path

import pytest
from notebook_runner import solution_checks, student_checks

EXERCISES = Path(__file__).resolve().parents[1] / "solutions"

# notebook, number of checks, text of solutions that must not reach the student version,
# and runner options (timeout; whether error outputs anywhere fail the run;
# whether the leak check looks at code cells only)
HOMEWORK = [
    ("00_warmup.ipynb", 7, ["value_counts()  # SOLUTION"], {"timeout": 120}),
    ("01_relationship_marketing.ipynb", 8, ["top_share(revenue, 0.1)  # SOLUTION"],
     {"errors_anywhere": True}),
    ("02_customer_lifecycle.ipynb", 8, ['["a", "f"]'], {}),
    ("03_customer_value.ipynb", 8, ["m * r / (1 + i - r)", '["a", "c", "e"]'],
     {"timeout": 300, "code_cells_only": True}),
    ("04_satisfaction_loyalty.ipynb", 7, ['isin(["silver"'], {"errors_anywhere": True}),
    ("05_crm_strategy.ipynb", 10, ['"2024-06-30").forecast  # SOLUTION'],
     {"errors_anywhere": True}),
    ("06_implementation_evaluation.ipynb", 10, ["crm_project(investment=150"], {}),
]
IDS = [name.split("_")[0] for name, *_ in HOMEWORK]


@pytest.mark.parametrize("name, n, leaks, options", HOMEWORK, ids=IDS)
def test_solution_version_passes_every_check(name, n, leaks, options, monkeypatch, tmp_path):
    options = {k: v for k, v in options.items() if k != "code_cells_only"}
    texts, saved = solution_checks(EXERCISES / name, monkeypatch, tmp_path, **options)
    assert len(texts) == n
    assert all("✔ Correct" in t for t in texts), texts
    assert len(saved) == n and {v["status"] for v in saved.values()} == {"correct"}


@pytest.mark.parametrize("name, n, leaks, options", HOMEWORK, ids=IDS)
def test_student_version_runs_clean_and_says_not_answered(name, n, leaks, options, monkeypatch,
                                                          tmp_path):
    texts, code = student_checks(EXERCISES / name, monkeypatch, tmp_path, **options)
    assert "BEGIN SOLUTION" not in code
    for leak in leaks:
        assert leak not in code
    assert len(texts) == n
    assert all("Not answered yet" in t for t in texts), texts


def test_every_homework_notebook_is_listed():
    assert sorted(EXERCISES.glob("*.ipynb")) == sorted(EXERCISES / n for n, *_ in HOMEWORK)
