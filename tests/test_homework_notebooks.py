"""Every homework notebook in both versions, and which data is graded.

The solution version (solutions/) passes every check.  The student version
(exercises/) is what students open: it must be exactly ``crmlab assign`` of the
solution version (cell sources, types and ids), hold no solution, and be saved
executed top to bottom with every check saying "Not answered yet" (nbval re-runs
it and compares those outputs).  The notebooks say which dataset is graded with
the sentence made from the one definition, ``crmlab.exercises.core.STUDENT_DATASETS``.
Chapter-specific checks of the exercises stay in tests/test_homework_chNN.py and
tests/test_warmup.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from notebook_runner import check_texts, load_notebook, solution_checks, source_text

import crmlab
from crmlab.exercises import core
from crmlab.exercises.assign import student_version

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"

# notebook, number of checks, text of solutions that must not reach the student version,
# and runner options (timeout; whether error outputs anywhere fail the run;
# whether the leak check looks at code cells only)
HOMEWORK = [
    ("00_warmup.ipynb", 7, ["value_counts()  # SOLUTION"], {"timeout": 120}),
    ("01_relationship_marketing.ipynb", 8, ["top_share(revenue, 0.1)  # SOLUTION"],
     {"errors_anywhere": True}),
    ("02_customer_lifecycle.ipynb", 8, ['["a", "f"]'], {}),
    ("03_customer_value.ipynb", 9,
     ["m * r / (1 + i - r)", '["a", "c", "e"]', "ShiftedBetaGeometric().fit(table)"],
     {"timeout": 300, "code_cells_only": True}),
    ("04a_satisfaction.ipynb", 6, ['isin(["silver"', 'counts[["A", "O", "M", "I"]]'],
     {"errors_anywhere": True}),
    ("04b_loyalty.ipynb", 3, ["LoyaltyRules(action_orders=5)"], {"errors_anywhere": True}),
    ("05a_crm_strategy.ipynb", 5, ['values["willingness_to_adapt"] = 0.3'],
     {"errors_anywhere": True}),
    ("05b_operational_crm.ipynb", 5, ['"2024-06-30").forecast  # SOLUTION'],
     {"errors_anywhere": True}),
    ("06_implementation_evaluation.ipynb", 10, ["crm_project(investment=150"], {}),
    ("07_information_integration.ipynb", 13, ['["ambiguous"].sum()'], {}),
    ("08a_telecom_case.ipynb", 7, ['["a", "b", "d"]', 'groupby("lost_type")["value"]'], {}),
    ("08b_online_shop_case.ipynb", 7,
     ['["a", "b", "d"]', 'redemption_rate=0.9)', '["revenue_uplift"] * margin_rate'], {}),
    ("08c_key_accounts_case.ipynb", 9, ['["a", "b", "d", "e"]', 'isin(["won", "lost"])'], {}),
    ("08d_bank_case.ipynb", 9, ['["a", "b", "d"]', 'groupby("customer_id").size().mean()',
                                'outcome="cross_sell", wave=1).estimate'], {}),
    ("08e_capstone.ipynb", 8, ['["a", "b", "d"]', "0.25 * others", 'below["uplift"].idxmin()'],
     {}),
]
IDS = [name.split("_")[0] for name, *_ in HOMEWORK]
START = re.compile(r"crmlab\.start\((?:[^)]*scenario=\"(\w+)\")?[^)]*\)")


def normal(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name, n, leaks, options", HOMEWORK, ids=IDS)
def test_solution_version_passes_every_check(name, n, leaks, options, monkeypatch, tmp_path):
    options = {k: v for k, v in options.items() if k != "code_cells_only"}
    texts, saved = solution_checks(SOLUTIONS / name, monkeypatch, tmp_path, **options)
    assert len(texts) == n
    assert all("✔ Correct" in t for t in texts), texts
    assert len(saved) == n and {v["status"] for v in saved.values()} == {"correct"}


@pytest.mark.parametrize("name, n, leaks, options", HOMEWORK, ids=IDS)
def test_student_version_is_assign_of_the_solution_version(name, n, leaks, options):
    made = student_version(load_notebook(SOLUTIONS / name))
    saved = load_notebook(EXERCISES / name)
    shape = [(c["cell_type"], c.get("id"), "".join(c["source"])) for c in made["cells"]]
    assert [(c["cell_type"], c.get("id"), "".join(c["source"])) for c in saved["cells"]] == shape
    assert saved["metadata"]["kernelspec"] == made["metadata"]["kernelspec"]


@pytest.mark.parametrize("name, n, leaks, options", HOMEWORK, ids=IDS)
def test_student_version_is_saved_executed_and_says_not_answered(name, n, leaks, options):
    raw = load_notebook(EXERCISES / name)
    code = source_text(raw, code_only=options.get("code_cells_only", False))
    assert "BEGIN SOLUTION" not in code and "SOLUTION" not in source_text(raw, code_only=True)
    for leak in leaks:
        assert leak not in code
    nb = nbformat.reads(json.dumps(raw), as_version=4)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), "run top to bottom, every cell once"
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", (cell.source, out)
    texts = check_texts(nb, errors_anywhere=True)
    assert len(texts) == n
    assert all("Not answered yet" in t for t in texts), texts
    start = next(c for c in nb.cells if c.cell_type == "code" and re.search(
        r"crmlab\.start(_case)?\(", c.source))
    shown = "".join(o.get("text", "") for o in start.outputs)
    assert "PRACTICE MODE" in shown  # the student version starts without an id, and says so


def test_every_homework_notebook_is_listed():
    names = sorted(SOLUTIONS / n for n, *_ in HOMEWORK)
    assert sorted(SOLUTIONS.glob("*.ipynb")) == names
    assert sorted(p.name for p in EXERCISES.glob("*.ipynb")) == [p.name for p in names]


# ---------------------------------------------------------------- which data is graded
def scenarios_started(nb: dict) -> list[str]:
    code = source_text(nb, code_only=True)
    return list(dict.fromkeys(m.group(1) or "retail" for m in START.finditer(code)))


@pytest.mark.parametrize("name", [n for n, *_ in HOMEWORK], ids=IDS)
def test_homework_intro_says_which_data_is_graded(name):
    nb = load_notebook(SOLUTIONS / name)
    first_start = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
                       and re.search(r"crmlab\.start(_case)?\(", "".join(c["source"])))
    intro = normal("\n".join("".join(c["source"]) for c in nb["cells"][:first_start]
                             if c["cell_type"] == "markdown"))
    if "crmlab.start_case(" in "".join(nb["cells"][first_start]["source"]):  # the capstone
        assert normal(core.graded_case_sentence()) in intro
        return
    scenarios = scenarios_started(nb)
    assert set(scenarios) <= set(core.STUDENT_DATASETS)
    assert normal(core.graded_data_sentence(scenarios)) in intro
    quoted = {int(n.replace(",", ""))
              for n in re.findall(r"\b(\d[\d,]*) (?:retail|telecom|bank|b2b)", intro)}
    sizes = {core.student_dataset_args(s, 1)["n_customers"] for s in scenarios}
    assert quoted == sizes


def test_the_sentence_quotes_the_definition(monkeypatch):
    from crmlab.data import io

    assert "3,000 telecom customers" in core.graded_data_sentence(["retail", "telecom"])
    monkeypatch.setitem(io.DEFAULT_DATASETS, "telecom",
                        {**io.DEFAULT_DATASETS["telecom"], "n_customers": 1234})
    assert "1,234 telecom customers" in core.graded_data_sentence(["retail", "telecom"])


@pytest.mark.parametrize("path", ["notebooks/00_welcome.ipynb", "README.md"])
def test_welcome_notebook_and_readme_say_which_data_is_graded(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    if path.endswith(".ipynb"):
        text = "\n".join("".join(c["source"]) for c in json.loads(text)["cells"]
                         if c["cell_type"] == "markdown")
    assert normal(core.graded_data_sentence()) in normal(text)


def test_readme_generate_examples_match_the_definition():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for line in re.findall(r"^crmlab generate .*$", readme, flags=re.M):
        if "--student-id" in line:  # a student's dataset: its size is the definition's
            assert "--customers" not in line, line
    size = re.search(r"the committed default: ([\d,]+) retail customers", readme).group(1)
    assert int(size.replace(",", "")) == core.student_dataset_args("retail", 1)["n_customers"]


def test_every_graded_exercise_uses_a_student_dataset():
    graded = {ex.scenario for ex in core.all_exercises().values() if not ex.practice}
    assert graded == set(core.STUDENT_DATASETS) | {core.CASE}  # and the capstone's firm


def test_start_and_the_grader_use_the_same_data(monkeypatch, tmp_path):
    monkeypatch.setenv("CRMLAB_PROGRESS", str(tmp_path / "p.json"))
    mine = crmlab.start("2023012345", scenario="b2b")
    graded = core.dataset_for("b2b", crmlab.seed_for("2023012345"))
    assert mine.meta == graded.meta
    assert all(mine[t].equals(graded[t]) for t in mine.tables)
    assert core.student_dataset("b2b", " 2023012345 ").meta == mine.meta


# ---------------------------------------------------------------- crmlab.start: who is working
@pytest.fixture()
def fresh(monkeypatch, tmp_path):
    """A new workbook and an empty progress file."""
    progress = tmp_path / "crmlab-progress.json"
    monkeypatch.setenv("CRMLAB_PROGRESS", str(progress))
    monkeypatch.setattr(core, "_WORKBOOK", core.Workbook())
    return progress


def test_practice_mode_is_a_visible_box(fresh, capsys):
    crmlab.start()
    out = capsys.readouterr().out
    assert "┏" in out and "┗" in out and "PRACTICE MODE: no student id" in out
    assert 'crmlab.start("2023012345")' in out
    crmlab.start(scenario="telecom")  # the same cell's second dataset: no second box
    assert "┏" not in capsys.readouterr().out
    crmlab.start()  # the cell run again: the box again
    assert "PRACTICE MODE" in capsys.readouterr().out
    crmlab.start("2023012345")
    assert "┏" not in capsys.readouterr().out  # a student id and no saved answers: quiet


def write_progress(path: Path, student_id: str | None) -> None:
    path.write_text(json.dumps({"format": "crmlab-progress/1", "student_id": student_id,
                                "answers": {"ch00.n-customers": {"answer": 1, "status": "wrong",
                                                                 "attempts": 1}}}))


def test_a_different_id_than_the_folders_answers_is_a_visible_box(fresh, capsys):
    write_progress(fresh, "2023012345")
    crmlab.start("2023099999")
    out = capsys.readouterr().out
    assert "┏" in out and "ANOTHER STUDENT ID" in out
    assert "saved under 2023012345; you are now 2023099999" in normal(out)
    crmlab.start("2023012345")
    assert "ANOTHER STUDENT ID" not in capsys.readouterr().out
    crmlab.start()
    out = normal(capsys.readouterr().out)
    assert "PRACTICE MODE" in out and "saved under 2023012345; you are now in practice mode" in out
    write_progress(fresh, None)
    crmlab.start("2023099999")
    assert "saved in practice mode; you are now 2023099999" in normal(capsys.readouterr().out)


@pytest.mark.parametrize("bad, message", [
    ("2023 012345", "has ' ' (a space)"),
    ("", "student id is empty"),
    ("李雷", "has '李', '雷'"),
    ("x" * 41, "at most 40"),
    ("../2023", "has '/'"),
    (".hidden", "must start with a letter or a digit"),
    (3.5, "must be text or a whole number"),
])
def test_start_rejects_a_malformed_id_clearly(fresh, bad, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        crmlab.start(bad)
    assert core.workbook().student_id is None


def test_accepted_ids_keep_their_seed():
    from crmlab.seeds import validate_student_id

    for good in ["2023012345", "A-17.b", "s_2023", "9" * 40]:
        assert validate_student_id(f" {good} ") == good
    assert validate_student_id(2023012345) == "2023012345"
