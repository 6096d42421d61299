"""The ``crmlab`` command.

Every command validates its input and, on bad input, prints one line
``crmlab: error: ...`` and exits with status 2.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from crmlab._files import write_text_atomic
from crmlab._version import __version__
from crmlab.i18n import N_, _

__all__ = ["main"]

PROGRESS_THRESHOLD = 50_000  # show a progress bar from this many customers on


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse prints the usage too)
        self.exit(2, "crmlab: error: " + _("{message} (see `crmlab --help`)").format(message=message)
                  + "\n")


class ProgressBar:
    """A plain-text progress bar on stderr (no extra dependency)."""

    def __init__(self, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width, self.t0 = width, time.perf_counter()

    def __call__(self, step: str, fraction: float) -> None:
        done = int(round(fraction * self.width))
        bar = "#" * done + "-" * (self.width - done)
        elapsed = time.perf_counter() - self.t0
        end = "\n" if fraction >= 1 else ""
        self.stream.write(f"\r[{bar}] {fraction:4.0%} {_(step):<12} {elapsed:5.1f}s{end}")
        self.stream.flush()


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{text} is not a whole number").format(text=repr(text))) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(_("must be positive, got {value}").format(value=value))
    return value


def _nonneg_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{text} is not a whole number").format(text=repr(text))) from None
    if value < 0:
        raise argparse.ArgumentTypeError(
            _("must not be negative, got {value}").format(value=value))
    return value


def build_parser() -> argparse.ArgumentParser:
    from crmlab.data.pools import LOCALES
    from crmlab.data.schema import SCENARIOS

    parser = _Parser(
        prog="crmlab",
        description=_("CRM Lab: synthetic CRM datasets and tools for the workbook "
                      "(客户关系管理 教学工作簿)."),
        epilog=_("Run `crmlab COMMAND --help` for the options of one command."),
    )
    parser.add_argument("--version", action="version", version=f"crmlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    g = sub.add_parser("generate", help=_("simulate a dataset and save it to a folder"),
                       description=_("Simulate a CRM dataset (observed tables + truth) and save it; "
                                     "or, with --roster, every student's datasets exactly as "
                                     "crmlab.start(student_id) makes them."))
    g.add_argument("--scenario", default=None, choices=SCENARIOS,
                   help=_("industry (default: retail)"))
    g.add_argument("--customers", type=_positive_int, default=None,
                   help=_("number of customers (default: the size of the scenario's student "
                          "dataset: {sizes})").format(sizes=_default_sizes()))
    seed = g.add_mutually_exclusive_group()
    seed.add_argument("--seed", type=_nonneg_int, default=None, help=_("random seed (default: 0)"))
    seed.add_argument("--student-id", default=None,
                      help=_("derive the seed from a student id (see `crmlab seed`)"))
    seed.add_argument("--roster", default=None, metavar="CSV",
                      help=_("a class list (CSV with a student_id column, optional name): write "
                             "every student's datasets, as crmlab.start(id) makes them, to "
                             "OUT/<student_id>/<dataset>/"))
    g.add_argument("--locale", default=None, choices=LOCALES,
                   help=_("names and places (default: en_US)"))
    g.add_argument("--start", default=None, help=_("first day, YYYY-MM-DD (default: 2022-01-01)"))
    g.add_argument("--end", default=None, help=_("last day / as-of date (default: 2024-12-31)"))
    g.add_argument("--defects", action="store_true",
                   help=_("inject data-quality defects (duplicates, missing values, formats, "
                          "orphans)"))
    g.add_argument("--diverging-region", action="store_true",
                   help=_("give one comparison region (the one without the CRM) a clearly "
                          "different satisfaction trend, so parallel trends fail (DiD exercise)"))
    g.add_argument("--format", default="csv", choices=("csv", "sqlite"),
                   help=_("csv (default) or sqlite (CSV files plus crm.sqlite)"))
    g.add_argument("--out", required=True,
                   help=_("folder to write: new or empty, unless --force"))
    g.add_argument("--force", action="store_true",
                   help=_("write into a folder that is not empty: the files of a dataset saved "
                          "there before are replaced; no other file is replaced or deleted"))
    g.add_argument("--quiet", action="store_true", help=_("no progress bar"))

    d = sub.add_parser("datasets", help=_("make sure the committed datasets exist (and SQLite files)"),
                       description=_("Create any missing default dataset in datasets/ and build "
                                     "its crm.sqlite; --check regenerates each and compares bytes."))
    d.add_argument("--dir", default=None, help=_("datasets folder (default: ./datasets)"))
    d.add_argument("--rebuild", action="store_true", help=_("regenerate every default dataset"))
    d.add_argument("--check", action="store_true",
                   help=_("regenerate into a temporary folder and compare with the committed files"))
    d.add_argument("--no-sqlite", action="store_true", help=_("do not build crm.sqlite"))

    k = sub.add_parser("dictionary", help=_("write the data dictionary (datasets/README.md)"))
    k.add_argument("--out", default=None,
                   help=_("file to write, replaced in one step (default: print it)"))

    s = sub.add_parser("seed", help=_("print the seed for a student id"))
    s.add_argument("student_id")

    gr = sub.add_parser(
        "grade", help=_("grade hand-in files: gradebook CSV, findings, class report"),
        description=_("Grade hand-in files made by crmlab.handin(). Every answer is checked "
                      "again on the dataset of the student's own seed (stored verdicts are never "
                      "trusted); submitted code runs only in sandboxed worker processes with "
                      "time and memory limits. Signs of tampering or copying are listed in the "
                      "'findings' column with a severity (info, warning, suspect)."))
    gr.add_argument("submissions", nargs="+", help=_("hand-in JSON files or folders of them"))
    gr.add_argument("--chapter", default=None,
                    help=_("grade only this chapter's homework, e.g. 03 (default: every chapter, "
                           "each with its own columns)"))
    gr.add_argument("--roster", default=None,
                    help=_("CSV with a student_id column (and name): one row per student, "
                           "missing hand-ins listed as missing"))
    gr.add_argument("--deadline", default=None,
                    help=_("e.g. 2026-12-01T23:59 (local time) or 2026-12-01T23:59+08:00; later "
                           "hand-ins are marked late"))
    gr.add_argument("--pack", default=None,
                    help=_("an assessment pack (.py) whose exercises are graded instead of the "
                           "homework"))
    gr.add_argument("--out", default="grades.csv", help=_("gradebook CSV (default: grades.csv)"))
    gr.add_argument("--report", default=None, help=_("class report, one HTML file (optional)"))
    gr.add_argument("--force", action="store_true", help=_("replace existing output files"))
    gr.add_argument("--time-limit", type=float, default=5.0,
                    help=_("seconds per submitted function (default: 5)"))
    gr.add_argument("--memory-limit", type=_positive_int, default=512,
                    help=_("MB of memory per submitted function (default: 512)"))
    gr.add_argument("--max-size", type=_positive_int, default=5 * 2**20,
                    help=_("largest hand-in file read, in bytes (default: 5 MiB)"))
    gr.add_argument("--jobs", type=_positive_int, default=None,
                    help=_("students graded side by side (default: one per core)"))
    gr.add_argument("--case-salt", default=None, metavar="SALT",
                    help=_("the salt the capstone folders were made with (crmlab case --salt); "
                           "default: the environment variable CRMLAB_CASE_SALT, else the public "
                           "salt"))
    gr.add_argument("--case-scenario", default="retail", choices=("retail", "telecom"),
                    help=_("the industry of the capstone firms (default: retail)"))
    gr.add_argument("--case-problems", type=_positive_int, default=3,
                    help=_("problems planted in each capstone firm (default: 3)"))
    gr.add_argument("--quiet", action="store_true", help=_("no progress bar"))

    pf = sub.add_parser("pack-form", help=_("write the students' form of an assessment pack"),
                        description=_("Write the public form of an assessment pack: ids, prompts "
                                      "and answer forms, no expected values. Students load it "
                                      "with crmlab.assessment('form.json')."))
    pf.add_argument("pack", help=_("the pack, a Python file of exercises"))
    pf.add_argument("--out", required=True, help=_("the form to write (.json)"))
    pf.add_argument("--force", action="store_true", help=_("replace an existing form"))

    c = sub.add_parser("case", help=_("write a student's capstone firm (chapter 08) and its brief"),
                       description=_("Build the capstone firm of a student (crmlab.case): a "
                                     "dataset with hidden problems drawn for that student id, "
                                     "saved to --out with brief.md. The student folder has no "
                                     "truth/ folder (it would give the problems away); --truth "
                                     "writes the full dataset with its truth and "
                                     "expected_findings.md for the instructor."))
    c.add_argument("student_id", nargs="?", default=None,
                   help=_("the student's id, e.g. 2023012345 (or --roster for a class)"))
    c.add_argument("--roster", default=None,
                   help=_("(instructors) CSV with a student_id column: writes OUT/<id>/ for "
                          "each student, TRUTH/<id>/ and TRUTH/expected_findings.csv (needs "
                          "--truth)"))
    c.add_argument("--scenario", default="retail", choices=("retail", "telecom"),
                   help=_("industry (default: retail; telecom also has the price-war problem)"))
    c.add_argument("--problems", type=_positive_int, default=3,
                   help=_("how many problems to plant (default: 3; at most 4 for retail, 5 for "
                          "telecom)"))
    c.add_argument("--out", required=True,
                   help=_("the student's folder: new or empty, unless --force"))
    c.add_argument("--truth", default=None, metavar="FOLDER",
                   help=_("(instructors) also write the full dataset with its truth and the "
                          "expected findings here; must be outside --out"))
    c.add_argument("--salt", default="crmlab",
                   help=_("(instructors) a word of your own, so that students cannot rebuild "
                          "their firm and its truth from their id (default: crmlab)"))
    c.add_argument("--force", action="store_true",
                   help=_("write into folders that are not empty: the files of a dataset saved "
                          "there before are replaced; no other file is replaced or deleted"))
    c.add_argument("--quiet", action="store_true", help=_("no progress bar (with --roster)"))

    i = sub.add_parser("i18n", help=_("manage the Chinese message catalogue (Babel)"),
                       description=_("The texts crmlab shows, in crmlab/locale/zh/LC_MESSAGES/"
                                     "crmlab.po: 'update' collects them from the code and the "
                                     "exercises and merges them into the catalogue (translations "
                                     "kept), 'compile' writes the .mo file crmlab reads, "
                                     "'status' counts what is translated."))
    i.add_argument("action", choices=("update", "compile", "status"))
    i.add_argument("--language", default="zh", choices=("zh",))

    a = sub.add_parser("assign", help=_("write the student version of exercise notebooks"),
                       description=_("Remove the solutions (between '# BEGIN SOLUTION' and "
                                     "'# END SOLUTION', or marked '# SOLUTION') and the outputs."))
    a.add_argument("source", help=_("a notebook or a folder of notebooks"))
    a.add_argument("--out", required=True,
                   help=_("folder for the student versions: new or empty unless --force, "
                          "never the source folder or inside it"))
    a.add_argument("--force", action="store_true",
                   help=_("write into a folder that is not empty, replacing notebooks of the "
                          "same names (other files are kept)"))
    a.add_argument("--execute", action="store_true",
                   help=_("run each student version top to bottom in --out and save it with "
                          "its outputs (a throw-away progress file: nothing else is written)"))
    tr = sub.add_parser(
        "translate", help=_("the Chinese edition (中文版): status, translation templates, build"),
        description=_("The Chinese notebooks (notebooks/zh/, exercises/zh/) are built from the "
                      "English ones and a translation file per notebook "
                      "(translations/zh/<folder>/<name>.json: the Chinese of every markdown "
                      "cell, keyed by cell id, with a hash of the English it translates)."))
    tr_sub = tr.add_subparsers(dest="translate_command", metavar="ACTION", required=True,
                               parser_class=_Parser)
    ts = tr_sub.add_parser("status", help=_("per notebook: markdown cells missing, stale, "
                                            "up to date"))
    ts.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                    help=_("English notebooks (default: every one with a translation file)"))
    tt = tr_sub.add_parser("template", help=_("write or update a notebook's translation file"),
                           description=_("Write the translation file of an English notebook, or "
                                         "update it: new cells get an empty \"zh\", changed "
                                         "cells keep their Chinese and are marked \"fuzzy\" "
                                         "with the old English as \"en_previous\"."))
    tt.add_argument("notebook", metavar="NOTEBOOK",
                    help=_("an English notebook, e.g. notebooks/00_welcome.ipynb"))
    tb = tr_sub.add_parser("build", help=_("write the Chinese notebooks, executed"),
                           description=_("Write <folder>/zh/<name>.ipynb for each English "
                                         "notebook: its code cells unchanged, the markdown from "
                                         "the translation file; run top to bottom in the zh "
                                         "folder and saved with outputs. Refuses (writes "
                                         "nothing) if a markdown cell has no translation or a "
                                         "stale one."))
    tb.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                    help=_("English notebooks (default: every one with a translation file)"))
    tb.add_argument("--no-execute", action="store_true",
                    help=_("write the notebooks without running them (no outputs)"))
    for p in (ts, tt, tb):
        p.add_argument("--root", default=None,
                       help=_("the project folder (default: found from the working folder)"))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return COMMANDS[args.command](args)
    except ValueError as exc:
        print(f"crmlab: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # any verb: unwritable, a folder, a missing parent ...
        print(f"crmlab: error: {_os_error(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(_("crmlab: interrupted; nothing was written"), file=sys.stderr)
        return 130


def _default_sizes() -> str:
    from crmlab.data.io import DEFAULT_DATASETS

    return ", ".join(f"{name} {DEFAULT_DATASETS[name]['n_customers']:,}"
                     for name in ("retail", "telecom", "bank", "b2b"))


def _refuse_occupied(out: Path, force: bool) -> None:
    """One line and exit 2 for an --out that is a file, or a folder with files, without --force."""
    if out.exists() and not out.is_dir():
        raise ValueError(_("--out {out} is a file, not a folder").format(out=out))
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ValueError(_("--out {out} is not empty; pass --force to write into it (only the "
                           "files of a dataset crmlab saved there are replaced, nothing is "
                           "deleted)").format(out=out))


def _os_error(exc: OSError) -> str:
    """One line for a file-system error: the path, what is wrong and what to do."""
    path = exc.filename if exc.filename is not None else _("a file")
    if isinstance(exc, IsADirectoryError):
        return _("{path} is a folder; give a file name inside it").format(path=path)
    if isinstance(exc, NotADirectoryError):
        return _("{path}: part of the path is a file, not a folder").format(path=path)
    if isinstance(exc, PermissionError):
        return _("cannot write {path}: permission denied (choose a place you can write to)"
                 ).format(path=path)
    if isinstance(exc, FileNotFoundError):
        return _("{path}: no such file or folder (check the path; does its folder exist?)"
                 ).format(path=path)
    return f"{path}: {exc.strerror or exc}"


def _generate(args) -> int:
    from crmlab.data.generate import DEFAULT_END, DEFAULT_START, generate
    from crmlab.data.io import DEFAULT_DATASETS
    from crmlab.data.schema import tables_for
    from crmlab.seeds import seed_for, validate_student_id

    out = Path(args.out)
    if args.roster is not None:
        return _generate_roster(args, out)
    _refuse_occupied(out, args.force)
    scenario = args.scenario or "retail"
    customers = args.customers or DEFAULT_DATASETS[scenario]["n_customers"]
    if args.student_id is not None:
        seed = seed_for(validate_student_id(args.student_id))
    else:
        seed = args.seed or 0
    if out.is_dir() and not (out / "metadata.json").exists():  # --force into a foreign folder
        names = [f"{t.name}.csv" for t in tables_for(scenario)] + ["truth", "crm.sqlite"]
        clash = [n for n in names if (out / n).exists()]
        if clash:
            raise ValueError(_("--out {out} is not a CRM Lab dataset folder and already has "
                               "{files}: not replacing files crmlab did not write").format(
                                 out=out, files=", ".join(clash[:4])))
    show = not args.quiet and customers >= PROGRESS_THRESHOLD
    data = generate(scenario, customers, seed=seed, locale=args.locale or "en_US",
                    start=args.start or DEFAULT_START, end=args.end or DEFAULT_END,
                    defects=True if args.defects else None,
                    diverging_region=args.diverging_region,
                    progress=ProgressBar() if show else None)
    data.save(out, format=args.format, overwrite=args.force)
    rows = ", ".join(f"{k} {v:,}" for k, v in data.meta["rows"].items())
    print(_("wrote {scenario} dataset (seed {seed}) to {out}: {rows}").format(
        scenario=scenario, seed=seed, out=out, rows=rows))
    return 0


def read_roster(path: str | Path) -> list[dict[str, str]]:
    """The students of a roster CSV, checked.

    Parameters
    ----------
    path : str or Path
        A CSV file (UTF-8, a BOM from Excel is fine) with a ``student_id``
        column and optionally ``name``; other columns are ignored.

    Returns
    -------
    list of dict
        ``{"student_id": ..., "name": ...}`` per student, in the roster's order.

    Raises
    ------
    ValueError
        A missing file or column, no students, or ids that are malformed or
        appear twice (every such row is named).
    """
    import csv

    from crmlab.seeds import validate_student_id

    path = Path(path)
    if not path.is_file():
        raise ValueError(_("roster {path} does not exist").format(path=path))
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            columns = [c.strip() for c in (reader.fieldnames or [])]
            if "student_id" not in columns:
                raise ValueError(_("roster {path} has no student_id column (its columns: "
                                   "{columns})").format(
                                     path=path, columns=", ".join(columns) or _("none")))
            reader.fieldnames = columns
            rows = [(i, row) for i, row in enumerate(reader, start=2)
                    if any((v or "").strip() for v in row.values() if isinstance(v, str))]
    except UnicodeDecodeError:
        raise ValueError(_("roster {path} is not UTF-8 text (save it as CSV UTF-8)").format(
            path=path)) from None
    except csv.Error as exc:
        raise ValueError(_("roster {path} is not a readable CSV file ({error})").format(
            path=path, error=exc)) from None
    if not rows:
        raise ValueError(_("roster {path} lists no students").format(path=path))
    students, problems, seen = [], [], {}
    for line, row in rows:
        try:
            sid = validate_student_id(row.get("student_id") or "")
        except ValueError as exc:
            problems.append(_("line {line}: {error}").format(line=line, error=exc))
            continue
        if sid in seen:
            problems.append(_("line {line}: student id {sid} appears twice (also line "
                              "{first})").format(line=line, sid=sid, first=seen[sid]))
            continue
        seen[sid] = line
        students.append({"student_id": sid, "name": (row.get("name") or "").strip()})
    if problems:
        more = (_(" (and {n} more)").format(n=len(problems) - 3) if len(problems) > 3
                else "")
        raise ValueError(_("roster {path}: {problems}").format(
            path=path, problems="; ".join(problems[:3])) + more)
    return students


def _generate_roster(args, out: Path) -> int:
    from crmlab.data.generate import generate
    from crmlab.exercises.core import STUDENT_DATASETS, student_dataset_args
    from crmlab.seeds import seed_for

    given = [opt for opt, value in [("--scenario", args.scenario), ("--customers", args.customers),
                                    ("--locale", args.locale), ("--start", args.start),
                                    ("--end", args.end), ("--defects", args.defects or None),
                                    ("--diverging-region", args.diverging_region or None)]
             if value is not None]
    if given:
        raise ValueError(_("--roster writes the datasets crmlab.start(id) makes; {option} "
                           "cannot be combined with it").format(option=given[0]))
    students = read_roster(args.roster)
    _refuse_occupied(out, args.force)
    for student in students:  # refuse before generating anything
        for name in STUDENT_DATASETS:
            folder = out / student["student_id"] / name
            if folder.exists() and (not folder.is_dir() or (
                    any(folder.iterdir()) and not (folder / "metadata.json").exists())):
                raise ValueError(_("{folder} exists and is not a CRM Lab dataset folder: "
                                   "not writing into it").format(folder=folder))
    created = None if out.exists() else out
    made = [folder for s in students for folder in
            [out / s["student_id"], *(out / s["student_id"] / n for n in STUDENT_DATASETS)]
            if not folder.exists()]  # removed again if the command fails
    bar = None if args.quiet else ProgressBar()
    total, done = len(students) * len(STUDENT_DATASETS), 0
    try:
        for student in students:
            sid = student["student_id"]
            for name in STUDENT_DATASETS:
                if bar:
                    bar(sid[:12], done / total)
                data = generate(**student_dataset_args(name, seed_for(sid)))
                data.save(out / sid / name, format=args.format, overwrite=True)
                done += 1
        if bar:
            bar(N_("done"), 1.0)
    except BaseException:
        for folder in [created] if created is not None else made:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    print(_("wrote the datasets of {n} student(s) to {out}/<student_id>/: {datasets} (as "
            "crmlab.start(student_id) makes them)").format(
              n=len(students), out=out, datasets=", ".join(STUDENT_DATASETS)))
    return 0


def _datasets(args) -> int:
    from crmlab.data.generate import generate
    from crmlab.data.io import DEFAULT_DATASETS, build_sqlite

    base = Path(args.dir or "datasets")
    if args.check:
        bad = []
        with tempfile.TemporaryDirectory() as tmp:
            for name, kwargs in DEFAULT_DATASETS.items():
                fresh = generate(**kwargs).save(Path(tmp) / name)
                bad += [f"{name}/{f}" for f in _differences(base / name, fresh)]
        if bad:
            print(_("differs from a fresh regeneration: {files}").format(files=", ".join(bad)),
                  file=sys.stderr)
            return 1
        print(_("all {n} committed datasets regenerate byte for byte").format(
            n=len(DEFAULT_DATASETS)))
        return 0
    for name, kwargs in DEFAULT_DATASETS.items():
        folder = base / name
        if args.rebuild or not (folder / "metadata.json").exists():
            generate(**kwargs).save(folder)
            print(_("generated {folder}").format(folder=folder))
        if not args.no_sqlite:
            build_sqlite(folder)
    print(_("datasets ready in {folder}").format(folder=base))
    return 0


def _differences(committed: Path, fresh: Path) -> list[str]:
    files = sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file())
    return [f for f in files if not (committed / f).exists()
            or not filecmp.cmp(committed / f, fresh / f, shallow=False)]


def _dictionary(args) -> int:
    from crmlab.data.dictionary import render_dictionary

    text = render_dictionary()
    if args.out:
        write_text_atomic(Path(args.out), text)
        print(_("wrote {path}").format(path=args.out))
    else:
        print(text, end="")
    return 0


def _seed(args) -> int:
    from crmlab.seeds import seed_for

    print(seed_for(args.student_id))
    return 0


def _grade(args) -> int:
    from crmlab.capstone import DEFAULT_SALT
    from crmlab.exercises.grading import CaseSettings
    from crmlab.exercises.report import grade_files
    from crmlab.exercises.sandbox import Limits

    if not args.time_limit > 0:
        raise ValueError(_("--time-limit must be positive, got {value}").format(
            value=args.time_limit))
    limits = Limits(seconds=args.time_limit, cpu_seconds=max(1, int(args.time_limit + 0.999)),
                    memory_mb=args.memory_limit)
    case = CaseSettings(args.case_salt or os.environ.get("CRMLAB_CASE_SALT") or DEFAULT_SALT,
                        args.case_scenario, args.case_problems)
    grades = grade_files(args.submissions, out=args.out, report=args.report, force=args.force,
                         chapter=args.chapter, roster=args.roster, deadline=args.deadline,
                         pack=args.pack, limits=limits, max_bytes=args.max_size,
                         jobs=args.jobs or os.cpu_count() or 1,
                         progress=None if args.quiet else ProgressBar(), case=case)
    table = grades.table()
    graded = table[table["status"] == "graded"]
    print(_("graded {n} hand-in(s), {missing} missing -> {out}").format(
        n=len(graded), missing=len(grades.missing()), out=args.out)
          + (_(", report {report}").format(report=args.report) if args.report else ""))
    shown = table[["student_id", "name", "status", "score", "max_score", "percent",
                   "severity"]]
    print(shown.to_string(index=False))
    found = grades.findings()
    if len(found):
        print()
        print(_("{n} finding(s):").format(n=len(found)))
        for _row, f in found.iterrows():
            print(f"  {f['student_id'] or f['file']}: {f['severity']} {f['code']}: "
                  f"{f['message']}")
    return 0


def _case(args) -> int:
    from crmlab.capstone import DEFAULT_SALT, write_case

    if (args.student_id is None) == (args.roster is None):
        raise ValueError(_("give one student id, or --roster for a class (not both)"))
    if args.salt == DEFAULT_SALT:
        print(_("note: the public salt is used, so students can rebuild these firms and what "
                "was planted in them; for graded work pass --salt with a secret of your own, "
                "e.g. {command}").format(
                  command='python -c "import secrets; print(secrets.token_hex(16))"'),
              file=sys.stderr)
    if args.roster is not None:
        return _case_roster(args)
    out = Path(args.out)
    _refuse_occupied(out, args.force)
    if args.truth is not None:
        _refuse_occupied(Path(args.truth), args.force)
    for folder in [out] + ([Path(args.truth)] if args.truth else []):
        if folder.is_dir() and any(folder.iterdir()) and not (folder / "metadata.json").exists():
            raise ValueError(_("{folder} is not empty and not a CRM Lab dataset folder: not "
                               "writing into it").format(folder=folder))
    write_case(args.student_id, out, scenario=args.scenario, n_problems=args.problems,
               force=args.force, truth_out=args.truth, salt=args.salt)
    print(_("wrote the capstone firm of {student} ({scenario}, {n} problem(s)) to {out}: the "
            "observed tables and brief.md, no truth").format(
              student=args.student_id.strip(), scenario=args.scenario, n=args.problems, out=out)
          + (_("; the full dataset with its truth and expected_findings.md to {truth}").format(
              truth=args.truth) if args.truth else ""))
    return 0


def _case_roster(args) -> int:
    from crmlab.capstone import write_class_cases

    if args.truth is None:
        raise ValueError(_("--roster needs --truth FOLDER: the expected findings of the "
                           "class go there, outside --out"))
    students = read_roster(args.roster)
    out, truth = Path(args.out), Path(args.truth)
    _refuse_occupied(out, args.force)
    _refuse_occupied(truth, args.force)
    for folder in [out / s["student_id"] for s in students] + [truth / s["student_id"]
                                                               for s in students]:
        if folder.exists() and (not folder.is_dir() or (
                any(folder.iterdir()) and not (folder / "metadata.json").exists())):
            raise ValueError(_("{folder} exists and is not a CRM Lab dataset folder: not "
                               "writing into it").format(folder=folder))
    table = write_class_cases([s["student_id"] for s in students], out, truth,
                              scenario=args.scenario, n_problems=args.problems, salt=args.salt,
                              force=args.force, progress=None if args.quiet else ProgressBar())
    print(_("wrote the capstone firms of {n} student(s) ({scenario}, {problems} problem(s) "
            "each) to {out}/<student_id>/ (hand these out: observed tables and brief.md, no "
            "truth); the truth and expected_findings.csv ({rows} rows) to {truth}/ (keep "
            "it)").format(n=len(students), scenario=args.scenario, problems=args.problems,
                          out=out, rows=len(table), truth=truth))
    return 0


def _pack_form(args) -> int:
    from crmlab.exercises.packs import write_form

    path = write_form(args.pack, args.out, force=args.force)
    print(_("wrote {path}: give it to the students with the assessment notebook").format(
        path=path))
    return 0


def _i18n(args) -> int:
    from crmlab import catalogue

    if args.action == "update":
        counts = catalogue.update(args.language)
        catalogue.compile_mo(args.language)
    elif args.action == "compile":
        print(_("wrote {path}").format(path=catalogue.compile_mo(args.language)))
        counts = catalogue.status(args.language)
    else:
        counts = catalogue.status(args.language)
    print(_("{path}: {texts} texts, {translated} translated, {fuzzy} fuzzy (changed in "
            "English: check them), {untranslated} untranslated").format(
              path=catalogue.po_path(args.language), **counts))
    return 0


def _assign(args) -> int:
    from crmlab.exercises.assign import assign

    for path in assign(args.source, args.out, force=args.force, execute=args.execute):
        print(_("wrote {path}").format(path=path) + (_(" (executed)") if args.execute else ""))
    return 0


def _translate(args) -> int:
    from crmlab import translate

    root = translate.find_root(args.root)
    if args.translate_command == "template":
        path, before = translate.template(root, args.notebook)
        print(_("wrote {path}: {ok} up to date, {stale} stale (marked fuzzy), {missing} to "
                "translate (empty \"zh\")").format(
                  path=path.relative_to(root).as_posix(), ok=len(before.of("ok")),
                  stale=len(before.of("stale")), missing=len(before.of("missing")))
              + (_(", {n} obsolete dropped").format(n=len(before.obsolete))
                 if before.obsolete else ""))
        return 0
    if args.translate_command == "status":
        incomplete = 0
        for st in translate.status(root, args.notebooks or None):
            name = st.english.relative_to(root).as_posix()
            built = _("not built")
            if st.translated.is_file():
                built = (f"-> {st.translated.relative_to(root).as_posix()}"
                         + ("" if translate.is_built(root, st.english) else
                            _(", out of date: run `crmlab translate build`")))
            print(_("{name}: {ok} up to date, {stale} stale, {missing} missing ({built})").format(
                name=name, ok=len(st.of("ok")), stale=len(st.of("stale")),
                missing=len(st.of("missing")), built=built))
            for state, label in (("stale", N_("stale")), ("missing", N_("missing"))):
                if st.of(state):
                    print(f"  {_(label)}: {', '.join(st.of(state))}")
            if st.obsolete:
                print(_("  obsolete (no longer in the English): {cells}").format(
                    cells=", ".join(st.obsolete)))
            incomplete += not st.complete
        return 1 if incomplete else 0
    def stamp(path):
        return path.stat().st_mtime_ns if path.is_file() else None

    targets = [translate.translated_path(root, translate.english_path(root, n))
               for n in args.notebooks] if args.notebooks else [
        translate.translated_path(root, e) for e in translate.translated_notebooks(root)]
    before = {t: stamp(t) for t in targets}
    for path in translate.build(root, args.notebooks or None, execute=not args.no_execute):
        name = path.relative_to(root).as_posix()
        if before.get(path) is not None and stamp(path) == before[path]:
            print(_("{name} is up to date (running it again gave the same notebook)").format(
                name=name))
        else:
            print(_("wrote {path}").format(path=name) + ("" if args.no_execute else
                                                           _(" (executed)")))
    return 0


COMMANDS = {"generate": _generate, "datasets": _datasets, "dictionary": _dictionary,
            "seed": _seed, "grade": _grade, "pack-form": _pack_form, "assign": _assign,
            "case": _case, "i18n": _i18n, "translate": _translate}
