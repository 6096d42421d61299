"""Speed of the chapter 03 models: RFM on 1,000,000 customers, BG/NBD on 100,000.

Each case runs in a fresh interpreter (so its peak memory is its own), builds
its input with numpy, then times the model call (median of 3 runs):

* ``rfm``: ``crmlab.rfm.rfm_scores`` on a synthetic orders table of 1,000,000
  customers (about 4 orders each, like the generator's 1,000,000-customer
  retail data: customer_id text, order_date dates, amount); target < 5 s.
* ``bgnbd``: ``crmlab.btyd.BetaGeo().fit`` on 100,000 customers simulated from
  the BG/NBD model (CDNOW-like parameters, T from 20 to 78 weeks, times rounded
  to whole days as in real data); target < 5 s. The planted and recovered
  parameters are printed too.

Usage::

    .venv/bin/python benchmarks/models.py          # print the table, exit 1 on FAIL
    .venv/bin/python benchmarks/models.py --write  # also rewrite the results in README.md
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
START, END = "<!-- models:start -->", "<!-- models:end -->"
TARGET_S = 5.0
PLANTED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9  # Linux: KiB


def case_rfm(n_customers: int = 1_000_000, seed: int = 1) -> dict:
    import numpy as np
    import pandas as pd

    from crmlab.rfm import rfm_scores

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    per_customer = 1 + rng.poisson(rng.gamma(0.9, 3.0 / 0.9, n_customers))  # ~4 orders each
    cust = np.repeat(np.arange(n_customers), per_customer)
    ids = np.char.add("C", np.char.zfill(np.arange(n_customers).astype(str), 7))
    start = np.datetime64("2022-01-01")
    orders = pd.DataFrame({
        "customer_id": pd.array(ids[cust], dtype="str"),
        "order_date": (start + rng.integers(0, 1096, cust.size)).astype("datetime64[s]"),
        "amount": rng.gamma(4.0, 15.0, cust.size).round(2),
    })
    build = time.perf_counter() - t0
    times = []
    for _ in range(3):
        t = time.perf_counter()
        out = rfm_scores(orders, as_of="2024-12-31")
        times.append(time.perf_counter() - t)
    return {"customers": len(out), "orders": len(orders), "build_s": build, "times": times,
            "segments": int(out["segment"].nunique()), "peak_gb": _peak_gb()}


def case_bgnbd(n_customers: int = 100_000, seed: int = 1) -> dict:
    import numpy as np

    from crmlab.btyd import BetaGeo, simulate_bgnbd

    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    sim = simulate_bgnbd(n_customers, **PLANTED, T=rng.uniform(20, 78, n_customers), seed=rng)
    sim[["recency", "T"]] = (sim[["recency", "T"]] * 7).round() / 7  # whole days, in weeks
    build = time.perf_counter() - t0
    times = []
    for _ in range(3):
        t = time.perf_counter()
        model = BetaGeo().fit(sim)
        times.append(time.perf_counter() - t)
    return {"customers": n_customers, "groups": model.n_groups_, "build_s": build, "times": times,
            "params": model.params_.round(3).to_dict(), "converged": model.converged_,
            "peak_gb": _peak_gb()}


CASES = {"rfm": case_rfm, "bgnbd": case_bgnbd}


def run_case(name: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--case", name], capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"case {name} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def table(results: dict) -> tuple[str, bool]:
    rfm, bg = results["rfm"], results["bgnbd"]
    rows = []
    ok = True

    def row(figure, value, target="—", passed=None):
        nonlocal ok
        verdict = "—" if passed is None else ("PASS" if passed else "FAIL")
        ok = ok and passed is not False
        rows.append(f"| {figure} | {value} | {target} | {verdict} |")

    t_rfm = statistics.median(rfm["times"])
    runs = ", ".join(f"{t:.2f} s" for t in rfm["times"])
    row(f"`rfm_scores` on {rfm['customers']:,} customers / {rfm['orders']:,} orders, median of 3 "
        f"(runs: {runs})", f"{t_rfm:.2f} s", f"< {TARGET_S:.0f} s", t_rfm < TARGET_S)
    row("RFM: building the synthetic orders table (not timed against the target)",
        f"{rfm['build_s']:.2f} s")
    row("RFM: peak RSS of the process (input + result)", f"{rfm['peak_gb']:.2f} GB")
    t_bg = statistics.median(bg["times"])
    runs = ", ".join(f"{t:.2f} s" for t in bg["times"])
    row(f"`BetaGeo().fit` on {bg['customers']:,} simulated customers ({bg['groups']:,} distinct "
        f"(frequency, recency, T) triples), median of 3 (runs: {runs})", f"{t_bg:.2f} s",
        f"< {TARGET_S:.0f} s", t_bg < TARGET_S and bg["converged"])
    planted = ", ".join(f"{k} {v}" for k, v in PLANTED.items())
    fitted = ", ".join(f"{k} {v}" for k, v in bg["params"].items())
    row("BG/NBD: planted vs recovered parameters", f"planted {planted}; fitted {fitted}")
    row("BG/NBD: simulating the 100,000 customers", f"{bg['build_s']:.2f} s")
    row("BG/NBD: peak RSS of the process", f"{bg['peak_gb']:.2f} GB")
    head = "| Figure | Value | Target | Result |\n|---|---:|---|---|"
    return head + "\n" + "\n".join(rows), ok


def machine() -> str:
    import os

    import numpy
    import pandas
    import scipy

    import crmlab
    return "\n".join([
        f"- CPUs: {os.cpu_count()}; OS: {platform.platform()}",
        "- load average (1, 5, 15 min) at the end of the run: "
        + ", ".join(f"{x:.1f}" for x in os.getloadavg())
        + " (other jobs were running on this shared machine when above 1)",
        (f"- python {platform.python_version()}, numpy {numpy.__version__}, pandas "
        f"{pandas.__version__}, scipy {scipy.__version__}, crmlab {crmlab.__version__}"),
    ])


def write_readme(text: str) -> None:
    readme = README.read_text(encoding="utf-8")
    block = f"{START}\n{text}\n{END}"
    if START in readme and END in readme:
        readme = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, readme,
                        flags=re.DOTALL)
    else:
        readme = readme.rstrip("\n") + "\n\n" + block + "\n"
    README.write_text(readme, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--write", action="store_true", help="rewrite the results in README.md")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(CASES[args.case]()))
        return 0
    results = {name: run_case(name) for name in CASES}
    text, ok = table(results)
    print(text)
    if args.write:
        section = SECTION.format(date=date.today().isoformat(), table=text, machine=machine())
        write_readme(section.strip("\n"))
        print(f"\nwrote the results to {README}")
    return 0 if ok else 1


SECTION = """
## Chapter 03 models: RFM and BG/NBD (`benchmarks/models.py`)

The issue asks for RFM on 1,000,000 customers and a BG/NBD fit on 100,000 customers, each in
under 5 s. Each case runs in a fresh interpreter, builds its input with numpy (a synthetic orders
table with about 4 orders per customer, like the generator's 1,000,000-customer retail data; or
customers simulated from the BG/NBD model with CDNOW-like parameters, recency and T rounded to
whole days) and times the model call three times. The BG/NBD log-likelihood depends only on the
distinct (frequency, recency, T) triples, so `BetaGeo.fit` evaluates it once per triple,
weighted by its count, with the analytic gradient. Run `.venv/bin/python benchmarks/models.py`
(about a minute; `--write` rewrites this section); it exits with status 1 if a target fails.

Measured on {date}:

{table}

Machine:

{machine}
"""


if __name__ == "__main__":
    sys.exit(main())
