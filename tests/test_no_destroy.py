"""No command destroys files it did not write.

`crmlab generate` and `crmlab assign` refuse a non-empty output folder unless
`--force`; even then they replace only the files they make (a dataset folder
saved before is recognised by its metadata.json), never delete anything, refuse
an output inside the source, and leave nothing half-made when they fail.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import crmlab
from crmlab.cli import main
from crmlab.data import _dataset, io
from crmlab.exercises import assign as assign_module

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` and its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("crmlab: error:"), err
    return err[0]


def generate(out: Path, *extra: str) -> int:
    return main(["generate", "--customers", "60", "--quiet", "--out", str(out), *extra])


# ---------------------------------------------------------------- crmlab generate
def test_generate_refuses_a_folder_with_files(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "essay.docx").write_bytes(b"my essay")
    assert generate(out) == 2
    assert "not empty; pass --force" in one_line_error(capsys)
    assert snapshot(out) == {"essay.docx": b"my essay"}


def test_generate_into_an_empty_folder_needs_no_force(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert generate(out) == 0
    assert crmlab.load(out).meta["n_customers"] == 60


def test_force_keeps_other_files_and_writes_the_dataset_beside_them(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "essay.docx").write_bytes(b"my essay")
    (out / "truth-notes").mkdir()
    (out / "truth-notes" / "a.txt").write_text("keep")
    assert generate(out, "--force") == 0
    files = snapshot(out)
    assert files["essay.docx"] == b"my essay" and files["truth-notes/a.txt"] == b"keep"
    assert crmlab.load(out).meta["n_customers"] == 60


def test_force_never_replaces_a_file_crmlab_did_not_write(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "customers.csv").write_text("my own customers\n")
    assert generate(out, "--force") == 2
    assert "not a CRM Lab dataset folder" in one_line_error(capsys)
    assert snapshot(out) == {"customers.csv": b"my own customers\n"}


def test_force_replaces_a_saved_dataset_but_no_other_file(tmp_path):
    out = tmp_path / "data"
    assert generate(out, "--seed", "1") == 0
    (out / "my-analysis.ipynb").write_text("{}")
    (out / "truth" / "notes.md").write_text("mine")
    before = snapshot(out)
    assert generate(out, "--seed", "2", "--force") == 0
    after = snapshot(out)
    assert crmlab.load(out).meta["seed"] == 2
    assert after["my-analysis.ipynb"] == b"{}" and after["truth/notes.md"] == b"mine"
    assert set(before) <= set(after)  # nothing deleted
    assert after["customers.csv"] != before["customers.csv"]


def test_saving_over_a_dataset_with_sqlite_rebuilds_it(tmp_path):
    out = crmlab.generate("retail", 60, seed=1).save(tmp_path / "d", format="sqlite")
    crmlab.generate("retail", 70, seed=1).save(out)  # csv only: crm.sqlite must not go stale
    import sqlite3

    with sqlite3.connect(out / "crm.sqlite") as con:
        assert con.execute("select count(*) from customers").fetchone()[0] == 70


def test_save_without_overwrite_refuses_a_folder_with_files(tmp_path):
    out = crmlab.generate("retail", 60, seed=1).save(tmp_path / "d")
    before = snapshot(out)
    with pytest.raises(ValueError, match="not empty"):
        crmlab.generate("retail", 60, seed=2).save(out, overwrite=False)
    assert snapshot(out) == before


def test_a_failed_generate_leaves_no_folder_behind(tmp_path, monkeypatch, capsys):
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_dataset, "build_sqlite", disk_full)
    out = tmp_path / "new" / "nested" / "data"
    assert generate(out, "--format", "sqlite") == 2
    assert "No space left on device" in one_line_error(capsys)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- crmlab generate --roster
@pytest.fixture()
def roster(tmp_path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("student_id,name\n2023012345,Li Lei\n2023099999,Han Meimei\n",
                    encoding="utf-8")
    return path


def test_roster_refuses_a_folder_with_files(tmp_path, roster, capsys):
    out = tmp_path / "class"
    out.mkdir()
    (out / "grades.xlsx").write_bytes(b"grades")
    assert main(["generate", "--roster", str(roster), "--out", str(out), "--quiet"]) == 2
    assert "not empty; pass --force" in one_line_error(capsys)
    assert snapshot(out) == {"grades.xlsx": b"grades"}


def test_roster_force_keeps_other_files_and_refuses_foreign_folders(tmp_path, roster, capsys):
    out = tmp_path / "class"
    (out / "2023012345" / "telecom").mkdir(parents=True)
    (out / "2023012345" / "telecom" / "report.txt").write_text("mine")
    args = ["generate", "--roster", str(roster), "--out", str(out), "--quiet", "--force"]
    assert main(args) == 2
    assert "not a CRM Lab dataset folder" in one_line_error(capsys)
    assert snapshot(out) == {"2023012345/telecom/report.txt": b"mine"}


def test_a_failed_roster_run_leaves_nothing_half_made(tmp_path, roster, monkeypatch, capsys):
    import crmlab.data.generate as gen

    calls = []
    real = gen.generate

    def fail_on_the_fifth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:  # the second student's first dataset
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(gen, "generate", fail_on_the_fifth)
    monkeypatch.setitem(io.DEFAULT_DATASETS, "retail", {**io.DEFAULT_DATASETS["retail"],
                                                        "n_customers": 80})
    out = tmp_path / "class"
    assert main(["generate", "--roster", str(roster), "--out", str(out), "--quiet"]) == 130
    assert len(calls) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv"]


# ---------------------------------------------------------------- crmlab assign
@pytest.fixture()
def source(tmp_path) -> Path:
    """A copy of the warm-up homework (solutions) in a folder of its own."""
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "00_warmup.ipynb").write_bytes((SOLUTIONS / "00_warmup.ipynb").read_bytes())
    return folder


@pytest.mark.parametrize("where", ["same", "inside", "nested"])
def test_assign_refuses_an_output_in_its_source_even_with_force(source, capsys, where):
    out = {"same": source, "inside": source / "student", "nested": source / "a" / "b"}[where]
    before = snapshot(source)
    assert main(["assign", str(source), "--out", str(out), "--force"]) == 2
    assert "source folder" in one_line_error(capsys)
    assert snapshot(source) == before


def test_assign_refuses_to_replace_the_notebook_itself(source, capsys):
    nb = source / "00_warmup.ipynb"
    before = nb.read_bytes()
    assert main(["assign", str(nb), "--out", str(source), "--force"]) == 2
    assert "itself" in one_line_error(capsys)
    assert nb.read_bytes() == before
    assert main(["assign", str(nb), "--out", str(source / "student")]) == 0  # beside it is fine
    assert "BEGIN SOLUTION" not in (source / "student" / "00_warmup.ipynb").read_text()


def test_assign_refuses_a_folder_with_files_unless_force(source, tmp_path, capsys):
    out = tmp_path / "students"
    out.mkdir()
    (out / "00_warmup.ipynb").write_text("a student's work")
    (out / "crmlab-progress.json").write_text("{}")
    assert main(["assign", str(source), "--out", str(out)]) == 2
    assert "00_warmup.ipynb would be replaced" in one_line_error(capsys)
    assert (out / "00_warmup.ipynb").read_text() == "a student's work"
    assert main(["assign", str(source), "--out", str(out), "--force"]) == 0
    assert json.loads((out / "00_warmup.ipynb").read_text())["cells"]
    assert (out / "crmlab-progress.json").read_text() == "{}"
    assert sorted(p.name for p in out.iterdir()) == ["00_warmup.ipynb", "crmlab-progress.json"]


def test_a_failed_assign_leaves_no_folder_behind(source, tmp_path, monkeypatch, capsys):
    def kernel_died(nb, folder, timeout=600, name="notebook"):
        assert folder.is_dir()  # executed in the output folder
        raise ValueError(f"{name} failed when executed (DeadKernelError: kernel died)")

    monkeypatch.setattr(assign_module, "execute_notebook", kernel_died)
    out = tmp_path / "new" / "students"
    assert main(["assign", str(source), "--out", str(out), "--execute"]) == 2
    assert "failed when executed" in one_line_error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]


def test_execute_writes_outputs_and_no_progress_file(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    nb = {"cells": [
        {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["import os\n", "answer = 41 + 1  # SOLUTION\n",
                    "print(os.getcwd(), os.environ['CRMLAB_PROGRESS'], answer)"]},
    ], "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                   "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5}
    (folder / "t.ipynb").write_text(json.dumps(nb))
    out = tmp_path / "out"
    assert main(["assign", str(folder), "--out", str(out), "--execute"]) == 0
    done = json.loads((out / "t.ipynb").read_text())
    cell = done["cells"][0]
    assert cell["id"] == "a" and cell["execution_count"] == 1
    cwd, progress, answer = "".join(cell["outputs"][0]["text"]).split()
    assert Path(cwd).resolve() == out.resolve() and answer == "Ellipsis"
    assert not Path(progress).exists() and not Path(progress).is_relative_to(out)
    assert sorted(p.name for p in out.iterdir()) == ["t.ipynb"]


def test_execute_reports_a_failing_cell_and_writes_nothing(tmp_path, capsys):
    folder = tmp_path / "src"
    folder.mkdir()
    nb = {"cells": [{"cell_type": "code", "id": "a", "metadata": {}, "execution_count": None,
                     "outputs": [], "source": ["1 / 0"]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (folder / "t.ipynb").write_text(json.dumps(nb))
    out = tmp_path / "out"
    assert main(["assign", str(folder), "--out", str(out), "--execute"]) == 2
    assert "t.ipynb failed when executed (ZeroDivisionError: division by zero)" in \
        one_line_error(capsys)
    assert not out.exists()
