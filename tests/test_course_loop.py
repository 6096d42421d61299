"""The README's course loop for instructors, run as written: roster -> datasets -> student
versions -> hand-ins -> grades and the class report."""

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from class_builder import build_class

from crmlab.cli import main
from crmlab.data.io import load

ROOT = Path(__file__).resolve().parents[1]


def loop_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- course-loop:start -->\n```bash\n(.*?)```", text, re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_readme_has_the_whole_loop():
    verbs = [shlex.split(c)[1] for c in loop_commands() if c.startswith("crmlab ")]
    assert verbs == ["generate", "assign", "grade"]


@pytest.mark.slow
def test_course_loop_runs_as_written(tmp_path, monkeypatch, capsys):
    (tmp_path / "solutions").mkdir()
    shutil.copy(ROOT / "solutions" / "00_warmup.ipynb", tmp_path / "solutions")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CRMLAB_PROGRESS", str(tmp_path / "progress.json"))
    for command in loop_commands():
        if command.startswith("crmlab "):
            if command.startswith("crmlab grade"):  # the students have handed in by now
                build_class(tmp_path / "handins", ["2023012345"],
                            ["ch00.n-customers", "ch00.top20-share", "ch00.aov-function"],
                            wrong=0)
            assert main(shlex.split(command)[1:]) == 0, (command, capsys.readouterr().err)
        else:
            subprocess.run(command, shell=True, check=True, cwd=tmp_path)
    mine = load(tmp_path / "class-data" / "2023012345" / "retail")
    assert mine.meta["n_customers"] == 5000
    assert (tmp_path / "exercises" / "00_warmup.ipynb").exists()
    grades = (tmp_path / "grades-ch00.csv").read_text(encoding="utf-8-sig").splitlines()
    assert grades[1].startswith("2023012345,Li Hua,graded,") and ",3.0,7.0,42.9," in grades[1]
    assert grades[2].startswith("2023012346,Wang Fang,missing,")
    assert "Wang Fang" in (tmp_path / "report-ch00.html").read_text(encoding="utf-8")
