"""Speed and memory of ``crmlab grade`` on a synthetic class.

The class: 29 students, each handing in the homework of all 7 chapters as one
file per chapter (203 hand-ins, 63 graded exercises each student, the 5 Function
answers among them run in the sandbox).  30% of the answers are wrong, mostly
by a known common mistake.  The files are made by ``tests/class_builder.py``
(not timed), then graded as ``crmlab grade`` does: every answer checked again on
the student's own datasets, the tamper and copy checks, the gradebook table.

Figures: wall time with 2 grading workers (``--jobs 2``, the 2 cores of the
reference machine), and the peak memory of the whole process tree (the grader,
its workers, their sandbox servers and the workers that run submitted code),
sampled every 50 ms with psutil.  The same is measured for a class a quarter
the size, to show that memory does not grow with the class.

Usage::

    .venv/bin/python benchmarks/grade.py          # print the table, exit 1 on FAIL
    .venv/bin/python benchmarks/grade.py --write  # also rewrite the results in README.md
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
README = HERE / "README.md"
START, END = "<!-- grade:start -->", "<!-- grade:end -->"
TARGET_S, TARGET_GB = 60.0, 1.5
sys.path.insert(0, str(ROOT / "tests"))  # the class builder of the tests


class TreeMemory:
    """Peak resident memory of this process and all its descendants (sampled)."""

    def __init__(self, every: float = 0.05):
        import psutil

        self.proc, self.every, self.peak = psutil.Process(), every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        import psutil

        while not self._stop.is_set():
            total = 0
            for p in [self.proc, *self.proc.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run(n_students: int, folder: Path, jobs: int, chapter: str | None = None) -> dict:
    from class_builder import build_class

    from crmlab.exercises.core import all_exercises
    from crmlab.exercises.grading import grade

    ids = [f"2024{n:06d}" for n in range(n_students)]
    only = None if chapter is None else [k for k, ex in all_exercises().items()
                                         if ex.chapter == chapter and not ex.practice]
    t0 = time.perf_counter()
    files = build_class(folder, ids, only, wrong=0.3, seed=1, per_chapter=True)
    built = time.perf_counter() - t0
    with TreeMemory() as mem:
        t0 = time.perf_counter()
        grades = grade([folder], jobs=jobs, chapter=chapter)
        table = grades.table()
        seconds = time.perf_counter() - t0
    n_functions = sum(1 for h in grades.handins for k in h.results if k.endswith("-function"))
    return {"students": n_students, "handins": len(files), "seconds": seconds,
            "peak_gb": mem.peak / 1e9, "built": built, "functions": n_functions,
            "mean_percent": float(table["percent"].mean()),
            "findings": int((table["severity"] != "").sum())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite the README section")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small = run(7, Path(tmp) / "small", args.jobs)
        full = run(29, Path(tmp) / "full", args.jobs)
        wide = run(200, Path(tmp) / "wide", args.jobs, chapter="ch03")
    ok_time = full["seconds"] <= TARGET_S and wide["seconds"] <= TARGET_S
    ok_mem = full["peak_gb"] <= TARGET_GB and wide["peak_gb"] <= TARGET_GB
    grows = full["peak_gb"] / small["peak_gb"]
    rows = [
        (f"grade {full['handins']} hand-ins ({full['students']} students x 7 chapters, "
         f"{full['functions']} function answers in the sandbox), --jobs {args.jobs}",
         f"{full['seconds']:.1f} s", f"<= {TARGET_S:.0f} s", "PASS" if ok_time else "FAIL"),
        ("peak memory of the process tree (grader, workers, sandbox)",
         f"{full['peak_gb']:.2f} GB", f"<= {TARGET_GB} GB",
         "PASS" if full["peak_gb"] <= TARGET_GB else "FAIL"),
        (f"grade {wide['handins']} hand-ins of chapter 03 ({wide['students']} students, "
         f"{wide['functions']} function answers), --chapter 03 --jobs {args.jobs}",
         f"{wide['seconds']:.1f} s", f"<= {TARGET_S:.0f} s",
         "PASS" if wide["seconds"] <= TARGET_S else "FAIL"),
        ("peak memory, 200 students", f"{wide['peak_gb']:.2f} GB", f"<= {TARGET_GB} GB",
         "PASS" if wide["peak_gb"] <= TARGET_GB else "FAIL"),
        (f"the same for {small['handins']} hand-ins ({small['students']} students): time, "
         "peak memory", f"{small['seconds']:.1f} s, {small['peak_gb']:.2f} GB", "—", "—"),
        ("peak memory, 29 students / 7 students", f"x {grows:.2f}", "does not grow with the "
         "class", "PASS" if grows < 1.25 else "FAIL"),
        ("per student (all 7 chapters)", f"{full['seconds'] / full['students']:.2f} s", "—",
         "—"),
        ("building the synthetic hand-ins (not timed against the target)",
         f"{full['built']:.0f} s and {wide['built']:.0f} s", "—", "—"),
    ]
    import numpy
    import pandas

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        START, "## Grading a class (`benchmarks/grade.py`)", "",
        "The issue asks for a synthetic class of 200 hand-ins of all chapters, with Function "
        "answers, graded in at most 60 s on 2 cores and 1.5 GB, memory not growing with the "
        "class. Two classes are graded: 29 students each handing in all seven homework "
        "chapters as one file per chapter (203 hand-ins, every chapter and every Function "
        "exercise), and 200 students handing in chapter 03 (200 hand-ins, one Function "
        "answer each). 30% of the answers are wrong (mostly by a known common mistake). A "
        "student's files are graded together on their own datasets, students side by side in "
        "2 worker processes, every function answer in its own sandboxed worker. Grading all "
        "seven chapters of 200 students would take about 200 x the per-student time below, "
        "divided by the cores: the time goes into regenerating each student's datasets and "
        "recomputing the right answers on them, which is what makes the grades trustworthy. "
        "Memory is the whole process tree, sampled every 50 ms. Run "
        "`.venv/bin/python benchmarks/grade.py` (about five minutes; `--write` rewrites this "
        "section); it exits with status 1 if a target fails.", "",
        f"Measured on {date.today().isoformat()}:", "",
        "| Figure | Value | Target | Result |", "|---|---:|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows], "",
        f"Mean score {full['mean_percent']:.1f}%, {full['findings']} hand-ins with findings "
        "(the synthetic class has no tampering; findings would be false alarms).", "",
        f"Machine: {os.cpu_count()} CPUs, {platform.platform()}, python "
        f"{platform.python_version()}, numpy {numpy.__version__}, pandas "
        f"{pandas.__version__}; load average at the end: {load}.", END]
    text = "\n".join(lines)
    print(text)
    if args.write:
        readme = README.read_text(encoding="utf-8")
        if START in readme:
            readme = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: text, readme,
                            flags=re.S)
        else:
            readme = readme.rstrip() + "\n\n" + text + "\n"
        README.write_text(readme, encoding="utf-8")
    return 0 if ok_time and ok_mem and grows < 1.25 else 1


if __name__ == "__main__":
    sys.exit(main())
