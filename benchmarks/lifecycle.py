"""Benchmark of the lifecycle stages (chapter 02) on 1,000,000 customers.

Run from the repository root::

    .venv/bin/python benchmarks/lifecycle.py            # print the figures
    .venv/bin/python benchmarks/lifecycle.py --write    # also record them in README.md

The data is synthetic and made with numpy in a second or two: 1,000,000
customers who signed up on a uniform day of 2022-2024 and about 4,000,000
orders (Poisson(4) per customer, on uniform days between sign-up and the end
date), with the same column types as a loaded dataset (string ids, dates as
``datetime64[s]``).

Figures (target from issue 4: stage assignment for 1,000,000 customers under 5 s):

1. ``lifecycle_stages(orders, customers, as_of)``: the per-customer summary
   from the orders (recency, frequency, tenure) plus the stage rules; median
   of 3 runs.  Target < 5 s.
2. ``assign_stages(summary)`` alone, on the 1,000,000-row summary; median of 3.
3. ``cohort_retention`` on the same data (no target; reported).
4. Peak resident memory of the process (``ru_maxrss``), data included.

Exits with status 1 if a target fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crmlab.cohorts import cohort_retention
from crmlab.lifecycle import assign_stages, customer_summary, lifecycle_stages

README = Path(__file__).resolve().parent / "README.md"
MARK_START, MARK_END = "<!-- lifecycle:start -->", "<!-- lifecycle:end -->"
N_CUSTOMERS = 1_000_000
TARGET_STAGES = 5.0
AS_OF = "2024-12-31"


def synthetic(n: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers (id, sign-up date) and orders (id, date) of the loaded datasets' types."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2022-01-01")
    horizon = 1096  # days to 2024-12-31
    ids = np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), 7))
    signup = rng.integers(0, horizon, n)
    per = rng.poisson(4, n)
    who = np.repeat(np.arange(n), per)
    day = signup[who] + (rng.random(who.size) * (horizon - signup[who])).astype(int)
    customers = pd.DataFrame({
        "customer_id": pd.array(ids, dtype="str"),
        "signup_date": (start + signup.astype("timedelta64[D]")).astype("datetime64[s]")})
    orders = pd.DataFrame({
        "customer_id": pd.array(ids[who], dtype="str"),
        "order_date": (start + day.astype("timedelta64[D]")).astype("datetime64[s]")})
    return customers, orders


def timed(fn, repeat: int = 3) -> tuple[float, list[float], object]:
    runs, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), runs, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="record the results in README.md")
    parser.add_argument("--customers", type=int, default=N_CUSTOMERS)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    customers, orders = synthetic(args.customers)
    build = time.perf_counter() - t0
    print(f"synthetic data: {len(customers):,} customers, {len(orders):,} orders "
          f"({build:.2f} s)", file=sys.stderr)

    full, full_runs, stages = timed(lambda: lifecycle_stages(orders, customers, AS_OF))
    summary = customer_summary(orders, customers, AS_OF)
    rules_only, rules_runs, _ = timed(lambda: assign_stages(summary))
    cohort, _cohort_runs, _ = timed(lambda: cohort_retention(orders, customers, AS_OF), repeat=1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9  # Linux: KiB

    def runs(xs):
        return ", ".join(f"{x:.2f} s" for x in xs)

    ok = full < TARGET_STAGES
    counts = stages.value_counts().reindex(["potential", "new", "active", "loyal", "churned"])
    rows = [
        ("synthetic data: customers / orders (numpy, not timed against a target)",
         f"{len(customers):,} / {len(orders):,}", "—", "—"),
        ((f"`lifecycle_stages(orders, customers, as_of)` on {len(customers):,} customers, "
         f"median of 3 (runs: {runs(full_runs)})"), f"{full:.2f} s", f"< {TARGET_STAGES:g} s",
         "PASS" if ok else "FAIL"),
        (f"`assign_stages(summary)` alone, median of 3 (runs: {runs(rules_runs)})",
         f"{rules_only:.3f} s", "—", "—"),
        ("`cohort_retention(orders, customers, as_of)`, one run", f"{cohort:.2f} s", "—", "—"),
        ("peak RSS of the process, data included (ru_maxrss)", f"{peak:.2f} GB", "—", "—"),
    ]
    table = ["| Figure | Value | Target | Result |", "|---|---:|---|---|"]
    table += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    stage_line = "Stages found: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()) + "."
    print("\n".join(table))
    print(stage_line)
    if args.write:
        write(table, stage_line)
    return 0 if ok else 1


def write(table: list[str], stage_line: str) -> None:
    machine = (f"Machine: {platform.machine()}, {platform.system()} {platform.release()}, "
               f"python {platform.python_version()}, numpy {np.__version__}, "
               f"pandas {pd.__version__}.")
    body = [MARK_START, "## Lifecycle stages (chapter 02)", "",
            ("`benchmarks/lifecycle.py` times the lifecycle stages of `crmlab.lifecycle` on "
            "1,000,000 customers (target from issue 4: under 5 s). The data is synthetic, made "
            "with numpy in about a second: 1,000,000 customers who signed up on uniform days of "
            "2022-2024 and about 4,000,000 orders (Poisson(4) per customer, on uniform days "
            "between sign-up and 2024-12-31), with the column types of a loaded dataset "
            "(string ids, `datetime64[s]` dates). The timed call is the whole path a notebook "
            "uses: the per-customer summary from the orders (recency, frequency, tenure; the "
            "ids are matched with pyarrow's hash lookup) and the vectorised stage rules."), "",
            "```sh",
            ".venv/bin/python benchmarks/lifecycle.py           # print the figures",
            ".venv/bin/python benchmarks/lifecycle.py --write   # and rewrite this section",
            "```", "",
            f"Measured on {dt.date.today()} with `benchmarks/lifecycle.py --write`.",
            "", *table, "", stage_line, "", machine, MARK_END]
    text = README.read_text(encoding="utf-8")
    if MARK_START in text and MARK_END in text:
        before, rest = text.split(MARK_START, 1)
        after = rest.split(MARK_END, 1)[1]
        text = before + "\n".join(body) + after
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(body) + "\n"
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
