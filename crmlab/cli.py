"""The ``crmlab`` command.

Every command validates its input and, on bad input, prints one line
``crmlab: error: ...`` and exits with status 2.
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
import time
from pathlib import Path

from crmlab._version import __version__

__all__ = ["main"]

PROGRESS_THRESHOLD = 50_000  # show a progress bar from this many customers on


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse prints the usage too)
        self.exit(2, f"crmlab: error: {message} (see `crmlab --help`)\n")


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
        self.stream.write(f"\r[{bar}] {fraction:4.0%} {step:<12} {elapsed:5.1f}s{end}")
        self.stream.flush()


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def _nonneg_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from crmlab.data.pools import LOCALES
    from crmlab.data.schema import SCENARIOS

    parser = _Parser(
        prog="crmlab",
        description="CRM Lab: synthetic CRM datasets and tools for the workbook "
                    "(客户关系管理 教学工作簿).",
        epilog="Run `crmlab COMMAND --help` for the options of one command.",
    )
    parser.add_argument("--version", action="version", version=f"crmlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    g = sub.add_parser("generate", help="simulate a dataset and save it to a folder",
                       description="Simulate a CRM dataset (observed tables + truth) and save it.")
    g.add_argument("--scenario", default="retail", choices=SCENARIOS,
                   help="industry (default: retail)")
    g.add_argument("--customers", type=_positive_int, default=5000,
                   help="number of customers (default: 5000)")
    seed = g.add_mutually_exclusive_group()
    seed.add_argument("--seed", type=_nonneg_int, default=None, help="random seed (default: 0)")
    seed.add_argument("--student-id", default=None,
                      help="derive the seed from a student id (see `crmlab seed`)")
    g.add_argument("--locale", default="en_US", choices=LOCALES, help="names and places")
    g.add_argument("--start", default=None, help="first day, YYYY-MM-DD (default: 2022-01-01)")
    g.add_argument("--end", default=None, help="last day / as-of date (default: 2024-12-31)")
    g.add_argument("--defects", action="store_true",
                   help="inject data-quality defects (duplicates, missing values, formats, "
                        "orphans)")
    g.add_argument("--format", default="csv", choices=("csv", "sqlite"),
                   help="csv (default) or sqlite (CSV files plus crm.sqlite)")
    g.add_argument("--out", required=True, help="folder to write (replaced if it exists)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")

    d = sub.add_parser("datasets", help="make sure the committed datasets exist (and SQLite files)",
                       description="Create any missing default dataset in datasets/ and build "
                                   "its crm.sqlite; --check regenerates each and compares bytes.")
    d.add_argument("--dir", default=None, help="datasets folder (default: ./datasets)")
    d.add_argument("--rebuild", action="store_true", help="regenerate every default dataset")
    d.add_argument("--check", action="store_true",
                   help="regenerate into a temporary folder and compare with the committed files")
    d.add_argument("--no-sqlite", action="store_true", help="do not build crm.sqlite")

    k = sub.add_parser("dictionary", help="write the data dictionary (datasets/README.md)")
    k.add_argument("--out", default=None, help="file to write (default: print it)")

    s = sub.add_parser("seed", help="print the seed for a student id")
    s.add_argument("student_id")

    gr = sub.add_parser("grade", help="grade hand-in files (recomputes every verdict)",
                        description="Grade hand-in files made by crmlab.handin(). Every answer "
                                    "is checked again on the dataset of the student's own seed; "
                                    "stored verdicts are never trusted. Problems with a file "
                                    "are reported in the 'problems' column.")
    gr.add_argument("submissions", nargs="+", help="hand-in JSON files or folders of them")
    gr.add_argument("--out", default="grades.csv", help="grades CSV (default: grades.csv)")
    gr.add_argument("--report", default=None,
                    help="per-exercise report CSV (default: printed only)")

    a = sub.add_parser("assign", help="write the student version of exercise notebooks",
                       description="Remove the solutions (between '# BEGIN SOLUTION' and "
                                   "'# END SOLUTION', or marked '# SOLUTION') and the outputs.")
    a.add_argument("source", help="a notebook or a folder of notebooks")
    a.add_argument("--out", required=True, help="folder for the student versions")
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
    except KeyboardInterrupt:
        print("crmlab: interrupted; nothing was written", file=sys.stderr)
        return 130


def _generate(args) -> int:
    from crmlab.data.generate import DEFAULT_END, DEFAULT_START, generate
    from crmlab.seeds import seed_for

    seed = seed_for(args.student_id) if args.student_id is not None else (args.seed or 0)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a folder")
    show = not args.quiet and args.customers >= PROGRESS_THRESHOLD
    data = generate(args.scenario, args.customers, seed=seed, locale=args.locale,
                    start=args.start or DEFAULT_START, end=args.end or DEFAULT_END,
                    defects=True if args.defects else None,
                    progress=ProgressBar() if show else None)
    data.save(out, format=args.format)
    rows = ", ".join(f"{k} {v:,}" for k, v in data.meta["rows"].items())
    print(f"wrote {args.scenario} dataset (seed {seed}) to {out}: {rows}")
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
            print("differs from a fresh regeneration: " + ", ".join(bad), file=sys.stderr)
            return 1
        print(f"all {len(DEFAULT_DATASETS)} committed datasets regenerate byte for byte")
        return 0
    for name, kwargs in DEFAULT_DATASETS.items():
        folder = base / name
        if args.rebuild or not (folder / "metadata.json").exists():
            generate(**kwargs).save(folder)
            print(f"generated {folder}")
        if not args.no_sqlite:
            build_sqlite(folder)
    print(f"datasets ready in {base}")
    return 0


def _differences(committed: Path, fresh: Path) -> list[str]:
    files = sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file())
    return [f for f in files if not (committed / f).exists()
            or not filecmp.cmp(committed / f, fresh / f, shallow=False)]


def _dictionary(args) -> int:
    from crmlab.data.dictionary import render_dictionary

    text = render_dictionary()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        print(text, end="")
    return 0


def _seed(args) -> int:
    from crmlab.seeds import seed_for

    print(seed_for(args.student_id))
    return 0


def _grade(args) -> int:
    from crmlab.exercises.grading import grade_files

    grades, per = grade_files(args.submissions, out=args.out, report=args.report)
    print(f"graded {len(grades)} file(s) -> {args.out}")
    shown = grades[["file", "student_id", "score", "max_score", "problems"]]
    print(shown.to_string(index=False))
    print()
    print(per.to_string(index=False))
    return 0


def _assign(args) -> int:
    from crmlab.exercises.assign import assign

    for path in assign(args.source, args.out):
        print(f"wrote {path}")
    return 0


COMMANDS = {"generate": _generate, "datasets": _datasets, "dictionary": _dictionary,
            "seed": _seed, "grade": _grade, "assign": _assign}
