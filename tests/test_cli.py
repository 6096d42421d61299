"""The `crmlab` command: help, generate, --roster, datasets, dictionary, seed, bad input."""

import filecmp
import subprocess
import sys

import pandas as pd
import pytest

import crmlab
from crmlab.cli import main
from crmlab.data.io import DEFAULT_DATASETS
from crmlab.exercises.core import STUDENT_DATASETS


def run(*args):
    return subprocess.run([sys.executable, "-m", "crmlab", *args], capture_output=True, text=True,
                          timeout=120)


def test_help_lists_every_command():
    r = run("--help")
    assert r.returncode == 0
    for cmd in ("generate", "datasets", "dictionary", "seed"):
        assert cmd in r.stdout
    g = run("generate", "--help")
    for opt in ("--scenario", "--customers", "--seed", "--student-id", "--roster", "--locale",
                "--defects", "--format", "--out", "--force"):
        assert opt in g.stdout
    a = run("assign", "--help")
    for opt in ("--out", "--force", "--execute"):
        assert opt in a.stdout


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
        (["generate", "--customers", "60", "--out", "/proc/nope/x"], "cannot write"),
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


def test_student_id_without_customers_gives_the_student_dataset(tmp_path):
    out = tmp_path / "t"
    assert main(["generate", "--scenario", "telecom", "--student-id", "2023012345",
                 "--out", str(out)]) == 0
    ref = crmlab.generate(**{**DEFAULT_DATASETS["telecom"],
                             "seed": crmlab.seed_for("2023012345")}).save(tmp_path / "ref")
    files = sorted(p.relative_to(ref) for p in ref.rglob("*") if p.is_file())
    assert crmlab.load(out).meta["n_customers"] == DEFAULT_DATASETS["telecom"]["n_customers"]
    assert filecmp.cmpfiles(out, ref, files, shallow=False)[0] == files


def test_roster_writes_every_students_datasets_as_start_makes_them(tmp_path, capsys,
                                                                  monkeypatch):
    monkeypatch.setenv("CRMLAB_PROGRESS", str(tmp_path / "progress.json"))
    roster = tmp_path / "roster.csv"
    roster.write_bytes("\ufeffstudent_id,name\n2023012345,李雷\nA-17.b,Han Meimei\n\n"
                       .encode("utf-8"))  # Excel's BOM, a Chinese name, a blank line
    out = tmp_path / "class"
    assert main(["generate", "--roster", str(roster), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "100% done" in captured.err and "2 student(s)" in captured.out
    assert sorted(p.name for p in out.iterdir()) == ["2023012345", "A-17.b"]
    for sid in ("2023012345", "A-17.b"):
        assert sorted(p.name for p in (out / sid).iterdir()) == sorted(STUDENT_DATASETS)
    # the saved dataset is what the student's crmlab.start(id) returns, byte for byte
    for name in ("telecom", "retail_dirty"):
        mine = crmlab.start("A-17.b", scenario=name)
        saved = crmlab.load(out / "A-17.b" / name)
        assert saved.meta["seed"] == crmlab.seed_for("A-17.b") == mine.meta["seed"]
        for table, df in mine.tables.items():
            if saved.meta.get("defects"):  # loaded as written: dates stay text
                assert saved.tables[table].shape == df.shape
                continue
            pd.testing.assert_frame_equal(saved.tables[table], df, check_dtype=False,
                                          check_exact=False, rtol=1e-9, obj=table)
        ref = mine.save(tmp_path / "ref" / name)
        files = sorted(p.relative_to(ref) for p in ref.rglob("*") if p.is_file())
        assert filecmp.cmpfiles(out / "A-17.b" / name, ref, files, shallow=False)[0] == files


@pytest.mark.parametrize(
    "text, message",
    [
        ("id,name\n2023012345,Li\n", "has no student_id column (its columns: id, name)"),
        ("student_id,name\n", "lists no students"),
        ("", "has no student_id column"),
        ("student_id\n2023012345\n2023012346\n2023012345\n",
         "line 4: student id 2023012345 appears twice (also line 2)"),
        ("student_id\n2023 012345\n", "line 2: student id '2023 012345' has ' ' (a space)"),
        ("student_id,name\n,Li\n", "line 2: student id is empty"),
        ("student_id\n../x\n", "line 2: student id '../x' has '/'"),
        ("student_id\n" + "9" * 41 + "\n", "41 characters long"),
    ],
)
def test_bad_roster_is_one_line_and_writes_nothing(tmp_path, text, message):
    (tmp_path / "roster.csv").write_text(text, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "crmlab", "generate", "--roster", "roster.csv",
                        "--out", "x"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crmlab: error: roster"), r.stderr
    assert message in lines[0]
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("extra, message", [
    (["--scenario", "bank"], "--scenario cannot be combined"),
    (["--customers", "10"], "--customers cannot be combined"),
    (["--seed", "1"], "not allowed with argument --roster"),
])
def test_roster_takes_no_dataset_options(tmp_path, capsys, extra, message):
    (tmp_path / "r.csv").write_text("student_id\n1\n")
    code = None
    try:
        code = main(["generate", "--roster", str(tmp_path / "r.csv"), "--out",
                     str(tmp_path / "x"), *extra])
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    assert code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_missing_roster_file(tmp_path, capsys):
    assert main(["generate", "--roster", str(tmp_path / "nope.csv"), "--out",
                 str(tmp_path / "x")]) == 2
    assert "nope.csv does not exist" in capsys.readouterr().err
