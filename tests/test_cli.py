"""The `crmlab` command: help, generate, datasets, dictionary, seed, bad input."""

import subprocess
import sys

import pytest

import crmlab
from crmlab.cli import main


def run(*args):
    return subprocess.run([sys.executable, "-m", "crmlab", *args], capture_output=True, text=True,
                          timeout=120)


def test_help_lists_every_command():
    r = run("--help")
    assert r.returncode == 0
    for cmd in ("generate", "datasets", "dictionary", "seed"):
        assert cmd in r.stdout
    g = run("generate", "--help")
    for opt in ("--scenario", "--customers", "--seed", "--student-id", "--locale", "--defects",
                "--format", "--out"):
        assert opt in g.stdout


def test_generate_writes_a_loadable_dataset(tmp_path, capsys):
    out = tmp_path / "tel"
    assert main(["generate", "--scenario", "telecom", "--customers", "250", "--seed", "7",
                 "--locale", "zh_CN", "--out", str(out), "--format", "sqlite"]) == 0
    assert "wrote telecom dataset (seed 7)" in capsys.readouterr().out
    d = crmlab.load(out)
    assert (d.meta["scenario"], d.meta["n_customers"], d.meta["seed"], d.meta["locale"]) == (
        "telecom", 250, 7, "zh_CN")
    assert (out / "crm.sqlite").exists()


def test_student_id_gives_that_students_seed(tmp_path, capsys):
    assert main(["generate", "--customers", "100", "--student-id", "2023012345",
                 "--out", str(tmp_path / "s")]) == 0
    assert crmlab.load(tmp_path / "s").meta["seed"] == crmlab.seed_for("2023012345")
    assert main(["seed", "2023012345"]) == 0
    assert capsys.readouterr().out.strip().endswith(str(crmlab.seed_for("2023012345")))


def test_progress_bar_for_large_sizes(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("crmlab.cli.PROGRESS_THRESHOLD", 100)
    assert main(["generate", "--customers", "150", "--out", str(tmp_path / "p")]) == 0
    err = capsys.readouterr().err
    assert "[" in err and "100%" in err and "done" in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["generate", "--scenario", "hotel", "--out", "x"], "invalid choice: 'hotel'"),
        (["generate", "--customers", "0", "--out", "x"], "must be positive"),
        (["generate", "--customers", "ten", "--out", "x"], "'ten' is not a whole number"),
        (["generate", "--customers", "-3", "--out", "x"], "must be positive"),
        (["generate", "--locale", "de_DE", "--out", "x"], "invalid choice: 'de_DE'"),
        (["generate", "--customers", "10"], "required: --out"),
        (["generate", "--customers", "10", "--start", "2024-01-01", "--end", "2023-01-01",
          "--out", "x"], "must be at least 180 days after start"),
        (["generate", "--customers", "10", "--out", "/proc/nope/x"], "cannot write"),
        (["nonsense"], "invalid choice: 'nonsense'"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(tmp_path, args, message):
    r = subprocess.run([sys.executable, "-m", "crmlab", *args], capture_output=True, text=True,
                       cwd=tmp_path, timeout=60)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crmlab: error:"), r.stderr
    assert message in lines[0]
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "x").exists()


def test_out_is_a_file(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("keep me")
    assert main(["generate", "--customers", "10", "--out", str(f)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert f.read_text() == "keep me"


def test_dictionary_command_prints_markdown(capsys):
    assert main(["dictionary"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Datasets and data dictionary") and "| `customer_id` |" in out
