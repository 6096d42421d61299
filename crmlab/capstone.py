"""The capstone of chapter 08: a unique firm per student, with hidden problems (综合案例).

:func:`case` builds a firm from a student id: a CRM dataset of the
:func:`crmlab.generate` kind in which a few problems from the catalogue
:data:`PROBLEMS` are planted, drawn per student (which problems, where, how
large).  The student gets the observed tables and a business brief
(:func:`case_brief`) that does not say what is wrong; they diagnose the firm
with the methods of chapters 02-07.  What was planted is in
``data.truth.extra["case_problems"]`` (never in the observed tables), and
:func:`case_expected_findings` gives it to the instructor.  :func:`diagnose` is
the reference solution: it finds the problems from the observed tables alone.

The five problems
-----------------
==================  ==========================================================
``unused_crm``      a region whose CRM is live but unused (CRM上线却无人使用)
``recovery_failure`` a region where service recovery fails (服务补救失败)
``price_war``       a competitor's price war: a churn wave (价格战引发的流失潮);
                    telecom only (retail churn is silent: see below)
``cannibal_campaign`` a campaign that cannibalises sales (蚕食常规销售的营销活动)
``data_silo``       a region's second system enters customers twice (数据孤岛造成的重复客户)
==================  ==========================================================

Every problem is planted through the simulation (generator parameters
``case_*`` in ``crmlab/data/scenarios.py``, all off by default), except the
data-silo duplicates, which are added to the observed customers table
afterwards, as a second system would add them.  How large each problem is,
and the symptom it leaves, are assumptions of the simulation, not findings.

Why no price war in the retail firm: a retail customer's churn is silent
(no contract ends), and the last order before a drop-out comes on average
months before it.  A three-month competitor wave that multiplies the
competitor hazard ten- to twentyfold did not show in the monthly share of
customers placing their last order, neither with 3,000 nor with 15,000
retail customers (tried while building this module); in the telecom firm,
where contracts end on a known day, it stands out clearly.

Examples
--------
>>> import crmlab
>>> data = crmlab.case("2023012345")
>>> sorted(data.truth.case_problems["problem_id"]) == sorted(diagnose(data)["problem_id"])
True
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from crmlab.i18n import N_, _

__all__ = ["usage_by_region", "unresolved_by_region", "duplicates_by_region", "monthly_churn",
           "Problem", "PROBLEMS", "CASE_SCENARIOS", "CASE_CUSTOMERS", "PRACTICE_CASE_ID",
           "DEFAULT_SALT", "case", "case_brief", "salt_id", "load_case", "reference_findings",
           "write_class_cases",
           "case_expected_findings", "draw_problems", "diagnose", "score_findings",
           "write_case"]


@dataclass(frozen=True)
class Problem:
    """One problem of the catalogue: what is planted and how it shows."""

    id: str
    name: str  # English
    name_zh: str  # Chinese
    planted: str  # what the simulation changes
    varies: str  # what is drawn per student
    where: str  # "region", "campaign" or "period"
    size: str  # what the size measures, in observable units
    size_range: tuple[float, float]  # the planted parameter's range
    symptom: str  # what a student sees in the observed tables
    chapter: str  # the chapter whose method finds it
    method: str  # the crmlab function(s) that find it
    tolerance: float  # |estimated - planted size| allowed (relative if `relative`)
    relative: bool = False
    scenarios: tuple[str, ...] = ("retail", "telecom")


PROBLEMS: dict[str, Problem] = {p.id: p for p in (
    Problem(
        id="unused_crm", name="CRM live but unused", name_zh="CRM上线却无人使用",
        planted="the staff of one region whose CRM goes live use it at a tiny level "
                "(2-6 % of full use instead of 25-95 %), so the CRM does almost nothing there",
        varies="which live region; its usage level", where="region",
        size="logins per employee-week after the eight-week ramp-up",
        size_range=(0.02, 0.06),
        symptom="crm_usage: about 0.4-1.2 logins per employee-week in that region, "
                "against 3-19 in the other live regions",
        chapter="06", method="crmlab.evaluation.usage_kpi", tolerance=0.3),
    Problem(
        id="recovery_failure", name="service-recovery failure", name_zh="服务补救失败",
        planted="complaints in one region are left unresolved with a high probability "
                "(45-60 % instead of 10-20 %); unresolved complaints drive customers away",
        varies="which region; the share left unresolved", where="region",
        size="share of that region's complaints left unresolved",
        size_range=(0.45, 0.60),
        symptom="tickets: the region's complaints are 'unresolved' far more often than "
                "elsewhere",
        chapter="04b", method="unresolved share of the complaint tickets by region",
        tolerance=0.15),
    Problem(
        id="price_war", name="price-war churn wave", name_zh="价格战引发的流失潮",
        planted="for three months a competitor's price war multiplies the hazard of being "
                "pulled away by a competitor (8-12 times)",
        varies="which months; the multiplier", where="period",
        size="extra customers lost in the wave (churners above the usual monthly rate)",
        size_range=(8.0, 12.0),
        symptom="contracts: the monthly churn rate jumps for three months and falls back; "
                "exit surveys name competitor offers",
        chapter="02", method="monthly churn rate of the contracts against the months around",
        tolerance=0.35, relative=True, scenarios=("telecom",)),
    Problem(
        id="cannibal_campaign", name="campaign that cannibalises", name_zh="蚕食常规销售的营销活动",
        planted="one late campaign sends an offer to all active customers (half held out) "
                "and lowers their response: the contacted wait for offers instead of buying "
                "as they would have",
        varies="which campaign; the (negative) uplift", where="campaign",
        size="uplift: response rate of the contacted minus that of the control group",
        size_range=(-0.12, -0.09),
        symptom="campaign_contacts: treatment responds clearly less than control",
        chapter="05b", method="crmlab.campaigns.campaign_uplift", tolerance=0.06),
    Problem(
        id="data_silo", name="data-silo duplicates", name_zh="数据孤岛造成的重复客户",
        planted="a second system in one region enters some of its customers again, under "
                "a new id, with the name, phone or e-mail written differently, and records "
                "some of their later orders under the new id",
        varies="which region; the share of its customers entered twice", where="region",
        size="duplicate records per customer of that region",
        size_range=(0.06, 0.15),
        symptom="customers: the same e-mail address (standardised) under two customer ids, "
                "almost all in one region",
        chapter="07", method="crmlab.cleaning.standardise_emails (record linkage)",
        tolerance=0.02),
)}

# scenarios a capstone firm can be, and its size (small: a firm generates in about a second)
CASE_SCENARIOS = ("retail", "telecom")
PRACTICE_CASE_ID = "practice"  # the firm of crmlab.start_case() without a student id
DEFAULT_SALT = "crmlab"  # public: anyone can rebuild a firm made with it, truth included
CASE_CUSTOMERS = {"retail": 15_000, "telecom": 15_000}
_WAVE_MONTHS = 3
_LIVE_REGIONS = 5  # regions whose CRM goes live in the data (six regions, one late)


def _available(scenario: str) -> list[str]:
    return [k for k, p in PROBLEMS.items() if scenario in p.scenarios]


def _check(student_id, scenario: str, n_problems) -> tuple[str, int]:
    from crmlab.seeds import validate_student_id

    sid = validate_student_id(student_id)
    if scenario not in CASE_SCENARIOS:
        raise ValueError(_("unknown capstone scenario {scenario}; choose one of: "
                           "{case_scenarios}").format(
                             scenario=repr(scenario), case_scenarios=', '.join(CASE_SCENARIOS)))
    most = len(_available(scenario))
    if isinstance(n_problems, bool) or not isinstance(n_problems, numbers.Integral) \
            or not 1 <= n_problems <= most:
        raise ValueError(_("n_problems must be a whole number from 1 to {most} (the problems of "
                           "the {scenario} catalogue), got {n_problems}").format(
                             most=most, scenario=scenario, n_problems=repr(n_problems)))
    return sid, int(n_problems)


def draw_problems(student_id: str | int, scenario: str = "retail",
                  n_problems: int = 3, salt: str = "crmlab") -> pd.DataFrame:
    """The problems drawn for a student: ``problem_id``, ``spec`` (the generator's
    parameter) and ``param`` (the planted size), in catalogue order (instructors only).

    >>> draw_problems("2023012345")["problem_id"].tolist()
    ['unused_crm', 'recovery_failure', 'cannibal_campaign']
    """
    from crmlab.seeds import seed_for

    sid, n = _check(student_id, scenario, n_problems)
    rng = np.random.default_rng(np.random.SeedSequence([seed_for(sid, salt), 8]))
    pool = _available(scenario)
    chosen = sorted(rng.choice(len(pool), n, replace=False))
    rows = []
    for i in chosen:
        pid = pool[i]
        lo, hi = PROBLEMS[pid].size_range
        size = float(np.round(rng.uniform(lo, hi), 3))
        if pid == "unused_crm":
            spec = int(rng.integers(0, _LIVE_REGIONS))
        elif pid in ("recovery_failure", "data_silo"):
            spec = int(rng.integers(0, 6))  # region index
        elif pid == "price_war":
            spec = int(rng.integers(9, 29))  # first month after the start month
        else:  # cannibal_campaign: one of the two last campaigns (the most active customers)
            spec = int(rng.integers(6, 8))
        rows.append({"problem_id": pid, "spec": spec, "param": size})
    return pd.DataFrame(rows, columns=["problem_id", "spec", "param"])


def case(student_id: str | int, scenario: str = "retail", n_problems: int = 3,
         n_customers: int | None = None, locale: str = "en_US", salt: str = "crmlab"):
    """The capstone firm of a student: a CRM dataset with planted problems.

    Parameters
    ----------
    student_id : str or int
        The student's id (see :func:`crmlab.seeds.validate_student_id`); the same
        id always gives the same firm, byte for byte.
    scenario : {"retail", "telecom"}
        The industry.  Retail draws from four problems (no price war: churn is
        silent there), telecom from all five.
    n_problems : int
        How many problems to plant (1 to 4 for retail, 1 to 5 for telecom).
    n_customers : int, optional
        Size of the firm (default :data:`CASE_CUSTOMERS`, 15,000): big enough that
        every problem stands out of the noise -- the campaign's control group is
        the smallest sample -- and still generated in under a second.
    locale : {"en_US", "zh_CN"}
        Language of names and places.
    salt : str
        Passed to :func:`crmlab.seed_for`.  With the default, anyone who has the
        package can rebuild a firm (and its truth) from the student id, as with the
        homework datasets; for a graded capstone an instructor keeps a salt of
        their own (and gives students only the folder :func:`write_case` writes).

    Returns
    -------
    CRMData
        Observed tables as from :func:`crmlab.generate`; ``meta["case"]`` names the
        student id and the number of problems; ``truth.extra["case_problems"]``
        lists what was planted (see :func:`case_expected_findings`).

    Examples
    --------
    >>> data = case("2023012345")
    >>> data.truth.case_problems[["problem_id", "where"]].values.tolist()
    [['unused_crm', 'R01'], ['recovery_failure', 'R03'], ['cannibal_campaign', 'M008']]
    """
    from crmlab.data.generate import generate
    from crmlab.seeds import seed_for

    if not isinstance(salt, str) or not salt:
        raise ValueError(_("salt must be a non-empty text, got {salt}").format(salt=repr(salt)))
    sid, n = _check(student_id, scenario, n_problems)
    drawn = draw_problems(sid, scenario, n, salt)
    seed = seed_for(sid, salt)
    hooks = {}
    for _unused, row in drawn.iterrows():
        pid, spec, size = row["problem_id"], int(row["spec"]), float(row["param"])
        if pid == "unused_crm":
            hooks["case_unused_crm"] = (spec, size)
        elif pid == "recovery_failure":
            hooks["case_recovery_failure"] = (spec, size)
        elif pid == "price_war":
            hooks["case_competitor_wave"] = (spec, _WAVE_MONTHS, size)
        elif pid == "cannibal_campaign":
            hooks["case_cannibal_campaign"] = (spec, size)
    data = generate(scenario, n_customers or CASE_CUSTOMERS[scenario], seed=seed, locale=locale,
                    case_problems=hooks)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 8, 1]))
    rows = []
    for _unused, row in drawn.iterrows():
        pid, spec, size = row["problem_id"], int(row["spec"]), float(row["param"])
        rows.append(_truth_row(data, pid, spec, size, rng))
    data.truth.extra["case_problems"] = pd.DataFrame(
        rows, columns=["problem_id", "name", "name_zh", "where", "size", "size_measures",
                       "planted", "symptom", "chapter"])
    data.meta["case"] = {"student_id": sid, "scenario": scenario, "n_problems": n,
                         "salt_id": salt_id(salt)}
    data.meta["rows"] = {k: len(v) for k, v in data.tables.items()}
    return data


def salt_id(salt: str) -> str:
    """A short fingerprint of a salt (12 hex digits of SHA-256): written in a student's
    capstone folder and hand-in, so the grader can tell that it rebuilds the firms with
    the salt they were made with, without the folder giving the salt away.  (A short word
    could be found by trying words: use a random salt, e.g. ``secrets.token_hex(16)``.)

    >>> salt_id("crmlab")
    '2801ceef48ac'
    """
    import hashlib

    if not isinstance(salt, str) or not salt:
        raise ValueError(_("salt must be a non-empty text, got {salt}").format(salt=repr(salt)))
    return hashlib.sha256(f"crmlab-case-salt:{salt}".encode("utf-8")).hexdigest()[:12]


def load_case(folder, student_id: str | int | None = None):
    """Load a capstone folder written by :func:`write_case` (``crmlab case``).

    Parameters
    ----------
    folder : path
        The student's folder: the observed tables, ``metadata.json``, ``brief.md``.
    student_id : str or int, optional
        If given, it must be the id the folder was made for.

    Returns
    -------
    CRMData
        The observed tables (no truth), ``meta["case"]`` as :func:`case` sets it.
    """
    from crmlab.data.io import load
    from crmlab.seeds import validate_student_id

    path = Path(folder)
    if not (path / "metadata.json").exists():
        raise ValueError(_("{path} is not a capstone folder (no metadata.json): use the folder "
                           "your instructor gave you, or `crmlab case ID --out FOLDER`").format(
                             path=path))
    data = load(path, truth=False)
    info = data.meta.get("case")
    if not isinstance(info, dict) or "student_id" not in info:
        raise ValueError(_("{path} holds a dataset but not a capstone firm (its metadata.json "
                           "has no 'case'); use the folder of `crmlab case`").format(path=path))
    if student_id is not None and validate_student_id(student_id) != info["student_id"]:
        raise ValueError(_("{path} is the firm of student {info}, not of {validate_student_id}: "
                           "use your own folder").format(
                             path=path, info=info['student_id'],
                             validate_student_id=validate_student_id(student_id)))
    data.truth = None
    return data


def reference_findings(data) -> dict:
    """What the capstone exercises compare a diagnosis with, per problem of the catalogue:
    ``(where, size)`` or ``None`` (the firm does not have it).

    From the planted truth when ``data`` carries it (the grader rebuilds every firm with
    the instructor's salt; a self-study firm made in the notebook has it too), else from
    the reference diagnosis of the observed tables (:func:`diagnose`): a student's own
    folder has no truth.
    """
    truth = getattr(getattr(data, "truth", None), "extra", {}) or {}
    found = truth.get("case_problems")
    if found is None:
        found = diagnose(data)
    out = dict.fromkeys(PROBLEMS)
    for _key, row in found.iterrows():
        if out.get(row["problem_id"]) is None:
            out[row["problem_id"]] = (str(row["where"]), float(row["size"]))
    return out


def _region_ids(data) -> list[str]:
    return data.tables["regions"]["region_id"].tolist()


def _live_regions(data) -> list[str]:
    r = data.tables["regions"]
    end = pd.Timestamp(data.meta["end"])
    return r.loc[pd.to_datetime(r["crm_rollout_date"]) <= end, "region_id"].tolist()


def _truth_row(data, pid: str, spec: int, size: float, rng) -> dict:
    p = PROBLEMS[pid]
    row = {"problem_id": pid, "name": p.name, "name_zh": p.name_zh, "size_measures": p.size,
           "planted": p.planted, "chapter": p.chapter}
    if pid == "unused_crm":
        live = _live_regions(data)
        where = live[spec % len(live)]
        logins = 20 * size  # crm_usage: logins ~ Poisson(20 x usage) per employee-week
        row |= {"where": where, "size": round(logins, 2),
                "symptom": f"about {logins:.1f} logins per employee-week in {where} after the "
                           "ramp-up"}
    elif pid == "recovery_failure":
        where = _region_ids(data)[spec]
        row |= {"where": where, "size": size,
                "symptom": f"about {size:.0%} of {where}'s complaints unresolved"}
    elif pid == "price_war":
        start = pd.Timestamp(data.meta["start"]).to_period("M") + spec
        last = start + _WAVE_MONTHS - 1
        t = data.truth.customers
        churn = pd.to_datetime(t["churn_date"]).dt.to_period("M")
        hit = (t["churn_type"] == "pulled_away_by_competitor") & churn.between(start, last)
        extra = int(round(hit.sum() * (1 - 1 / size)))
        row |= {"where": f"{start}..{last}", "size": extra,
                "symptom": f"monthly churn jumps from {start} to {last} (about {extra} extra "
                           f"churners; competitor hazard x{size:.1f})"}
    elif pid == "cannibal_campaign":
        planted = data.truth.extra["case_cannibal_campaign"].iloc[0]
        where, expected = planted["campaign_id"], float(planted["expected_uplift"])
        row |= {"where": where, "size": round(expected, 4),
                "symptom": f"{where}: treatment responds about {-100 * expected:.1f} "
                           "percentage points less than control"}
    else:  # data_silo
        where = _region_ids(data)[spec]
        share = _plant_duplicates(data, where, size, rng)
        row |= {"where": where, "size": round(share, 4),
                "symptom": f"{share:.1%} of {where}'s customers entered twice"}
    return row


def _plant_duplicates(data, region: str, share: float, rng) -> float:
    """Enter ``share`` of ``region``'s customers again as a second system would."""
    from crmlab.data.defects import _name_variant, _phone_variant

    cust = data.tables["customers"]
    orders = data.tables["orders"]
    n = len(cust)
    here = np.flatnonzero(cust["region_id"].to_numpy() == region)
    k = int(round(share * here.size))
    orig = np.sort(rng.choice(here, k, replace=False))
    dups = cust.iloc[orig].copy()
    width = len(cust["customer_id"].iloc[0]) - 1
    new_ids = np.char.add("C", np.char.zfill(np.arange(n + 1, n + k + 1).astype(str), width))
    dups["customer_id"] = new_ids
    change = rng.random((k, 3)) < [0.7, 0.6, 0.4]  # name, phone, e-mail written differently
    locale = data.meta["locale"]
    names, phones = dups["name"].to_numpy(object), dups["phone"].to_numpy(object)
    names[change[:, 0]] = _name_variant(names[change[:, 0]], rng, locale)
    phones[change[:, 1]] = _phone_variant(phones[change[:, 1]], rng, locale)
    emails = dups["email"].to_numpy(object)
    emails[change[:, 2]] = [str(e).upper() for e in emails[change[:, 2]]]
    dups["name"], dups["phone"], dups["email"] = names, phones, emails
    entered = dups["signup_date"] + pd.to_timedelta(rng.integers(0, 40, k), unit="D")
    end = pd.Timestamp(data.meta["end"])
    dups["signup_date"] = entered.where(entered <= end, end).astype(cust["signup_date"].dtype)
    for col in ("name", "phone", "email"):
        dups[col] = dups[col].astype(cust[col].dtype)
    # the second system records some of the customer's later orders under the new id
    remap = dict(zip(cust["customer_id"].to_numpy()[orig], new_ids))
    since = dict(zip(new_ids, dups["signup_date"]))
    new_id = orders["customer_id"].map(remap)
    moved = new_id.notna() & (rng.random(len(orders)) < 0.3)
    moved &= pd.to_datetime(orders["order_date"]) >= new_id.map(since)
    orders = orders.copy()
    orders.loc[moved, "customer_id"] = new_id[moved]
    data.tables["customers"] = pd.concat([cust, dups], ignore_index=True)
    data.tables["orders"] = orders
    data.truth.extra["case_duplicates"] = pd.DataFrame(
        {"duplicate_id": new_ids, "original_id": cust["customer_id"].to_numpy()[orig]})
    return k / here.size if here.size else 0.0


# ------------------------------------------------------------------ the brief


def case_brief(data) -> str:
    """The student's business brief (markdown): the firm, its KPIs, the decision.

    It names no problem: every firm's brief has the same questions.

    >>> "unused" in case_brief(case("2023012345")).lower()
    False
    """
    t = data.tables
    meta = data.meta
    scenario = meta["scenario"]
    what = {"retail": N_("an online and high-street retailer"), "telecom": N_("a mobile operator")}
    n = meta.get("case", {}).get("n_problems")
    cust = t["customers"]
    orders = t["orders"]
    od = pd.to_datetime(orders["order_date"])
    year = od.dt.year
    last_year = int(year.max())
    regions = t["regions"].copy()
    kpi = t["kpi_monthly"].assign(year=pd.to_datetime(t["kpi_monthly"]["month"]).dt.year)
    by_region = kpi[kpi["year"] == last_year].groupby("region_id").agg(
        revenue=("revenue", "sum"), orders=("orders", "sum"), complaints=("complaints", "sum"),
        satisfaction_index=("satisfaction_index", "mean"))
    regions = regions.set_index("region_id").join(by_region)
    counts = (_("{customers} customer records, {orders} orders, {contracts} contracts")
              if "contracts" in t else _("{customers} customer records, {orders} orders")).format(
        customers=f"{len(cust):,}", orders=f"{len(orders):,}",
        contracts=f"{len(t['contracts']):,}" if "contracts" in t else "")
    problems = (_("{n} serious problems").format(n=n) if n and n > 1
                else _("a serious problem") if n else _("problems"))
    lines = [
        _("# Capstone case: your firm (综合案例：你的企业)"),
        "",
        _("You are the new CRM manager of {firm} with {n} regions. Its data run from {start} to "
          "{end}: {counts}.").format(firm=_(what[scenario]), n=len(regions), start=meta["start"],
                                     end=meta["end"], counts=counts),
        "",
        _("The firm rolled out a CRM system region by region (regions table, crm_rollout_date). "
          "The board is not happy with the results and asks you what is going wrong."),
        "",
        _("## Key figures of {year} (关键指标)").format(year=last_year),
        "",
        _("| region | name | CRM live since | revenue | orders | complaints | satisfaction "
          "index |"),
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for rid, r in regions.iterrows():
        live = pd.Timestamp(r["crm_rollout_date"])
        since = str(live.date()) if live <= pd.Timestamp(meta["end"]) else _("not yet")
        lines.append(f"| {rid} | {r['region_name']} | {since} | {r['revenue']:,.0f} | "
                     f"{r['orders']:,.0f} | {r['complaints']:,.0f} | "
                     f"{r['satisfaction_index']:.1f} |")
    lines += [
        "",
        _("## Your task (任务)"),
        "",
        _("The board has heard of {problems} in the firm. For each one, find:").format(
            problems=problems),
        "",
        _("1. **what** it is (which kind of problem),"),
        _("2. **where** it is (a region, a campaign or a period), and"),
        _("3. **how large** it is, in the units of the data (e.g. a share, a rate, a number of "
          "customers)."),
        "",
        _("Use the methods of chapters 02-07 on the observed tables: customer churn and "
          "retention, service recovery (服务补救), campaigns and their control groups, CRM usage "
          "and evaluation, data quality (数据质量). Back every finding with a number from the "
          "data, and say what you would do about it."),
        "",
        _("## The decision (决策)"),
        "",
        _("Next year's CRM budget can fix at most two problems. Recommend which two, and why "
          "(how many customers or how much revenue each one costs the firm)."),
        "",
    ]
    return "\n".join(lines)


def case_expected_findings(student_id: str | int, scenario: str = "retail",
                           n_problems: int = 3, salt: str = "crmlab") -> pd.DataFrame:
    """The instructor's expected findings for a student: the planted problems
    (``problem_id``, names, ``where``, ``size``, what it measures, the symptom, the chapter).

    Never write it into a student's folder.

    >>> case_expected_findings("2023012345")["where"].tolist()
    ['R01', 'R03', 'M008']
    """
    return case(student_id, scenario, n_problems, salt=salt).truth.case_problems.copy()


# ------------------------------------------------------------ the reference solution


def _tables(data) -> dict:
    tables = getattr(data, "tables", data)
    if not isinstance(tables, dict) or "customers" not in tables:
        raise ValueError(_("diagnose needs a CRMData (or a dict of its observed tables) with at "
                           "least a customers table"))
    return tables


def diagnose(data) -> pd.DataFrame:
    """The reference diagnosis: the problems found from the observed tables alone.

    Parameters
    ----------
    data : CRMData or dict of DataFrames
        Only the observed tables are read (``data.tables``); the truth never.

    Returns
    -------
    DataFrame
        One row per problem found: ``problem_id``, ``where``, ``size`` (in the units
        of :attr:`Problem.size`), ``evidence`` (one sentence with the numbers).
    """
    t = _tables(data)
    found = []
    for finder in (_find_unused_crm, _find_recovery_failure, _find_price_war,
                   _find_cannibal_campaign, _find_data_silo):
        found += finder(t)
    return pd.DataFrame(found, columns=["problem_id", "where", "size", "evidence"])


def usage_by_region(t, ramp_weeks: int = 8, per_employee: bool = False) -> pd.Series:
    """CRM logins per employee-week by region, from ``ramp_weeks`` weeks after each
    region's go-live (``crm_rollout_date``) on; regions not live are left out.  ``t``: a
    CRMData or a dict of its tables (``crm_usage``, ``employees``, ``regions``).
    ``per_employee=True``: logins per employee over all those weeks instead."""
    from crmlab.evaluation import usage_kpi

    t = _tables(t)
    usage, emp, regions = t["crm_usage"], t["employees"], t["regions"]
    live = regions.set_index("region_id")["crm_rollout_date"]
    region = usage["employee_id"].map(emp.set_index("employee_id")["region_id"])
    ramped = pd.to_datetime(usage["week_start"]) >= pd.to_datetime(region.map(live)) \
        + pd.Timedelta(weeks=ramp_weeks)
    if per_employee:
        kept = usage[ramped]
        by = region[ramped]
        return (kept.groupby(by)["logins"].sum()
                / kept.groupby(by)["employee_id"].nunique()).rename("logins_per_employee")
    return usage_kpi({"crm_usage": usage[ramped], "employees": emp},
                     period=None)["logins_per_week"]


def _find_unused_crm(t) -> list[dict]:
    if "crm_usage" not in t:
        return []
    logins = usage_by_region(t)
    out = []
    for rid, x in logins.items():
        others = logins.drop(rid)
        if x < 2.0 and (others.empty or x < 0.25 * others.median()):
            out.append({"problem_id": "unused_crm", "where": rid, "size": round(float(x), 2),
                        "evidence": f"{x:.1f} logins per employee-week after go-live, against "
                                    f"a median of {others.median():.1f} in the other live "
                                    "regions"})
    return out


def unresolved_by_region(t, complaints_only: bool = True, counts: bool = False):
    """Share of the complaint tickets (``complaints_only=False``: of every ticket) whose
    outcome is ``unresolved``, by the customer's region; ``counts=True`` gives the
    unresolved count and the number of tickets instead, as two Series."""
    t = _tables(t)
    tk = t["tickets"]
    comp = tk[tk["ticket_type"] == "complaint"] if complaints_only else tk
    region = comp["customer_id"].map(
        t["customers"].drop_duplicates("customer_id").set_index("customer_id")["region_id"])
    unresolved = (comp["outcome"] == "unresolved").groupby(region.rename("region_id"))
    k, n = unresolved.sum(), unresolved.size()
    return (k, n) if counts else (k / n).rename("unresolved_share")


def _find_recovery_failure(t) -> list[dict]:
    from scipy import stats

    if t.get("tickets") is None:
        return []
    k, n = unresolved_by_region(t, counts=True)
    out = []
    for rid in n.index:
        rate = k[rid] / n[rid]
        p_rest = (k.sum() - k[rid]) / max(n.sum() - n[rid], 1)
        p_value = float(stats.binom.sf(k[rid] - 1, n[rid], p_rest))
        if rate > 0.33 and p_value < 1e-4:
            out.append({"problem_id": "recovery_failure", "where": rid, "size": round(rate, 3),
                        "evidence": f"{rate:.0%} of {n[rid]} complaints unresolved, against "
                                    f"{p_rest:.0%} in the other regions (binomial "
                                    f"p = {p_value:.1g})"})
    return out


def monthly_churn(t) -> pd.DataFrame | None:
    """Contracts at risk and ended per month (telecom; ``None`` without contracts)."""
    t = _tables(t)
    if "contracts" not in t:
        return None
    c = t["contracts"]
    start = pd.to_datetime(c["start_date"]).dt.to_period("M")
    end = pd.to_datetime(c["end_date"]).dt.to_period("M")
    months = pd.period_range(start.min(), max(start.max(), end.max()), freq="M")
    rows = []
    for m in months:
        at_risk = (start < m) & (end.isna() | (end >= m))
        rows.append({"month": m, "at_risk": int(at_risk.sum()),
                     "churned": int((at_risk & (end == m)).sum())})
    return pd.DataFrame(rows).set_index("month")


def _find_price_war(t) -> list[dict]:
    mc = monthly_churn(t)
    if mc is None:
        return []
    rate = mc["churned"] / mc["at_risk"].where(mc["at_risk"] > 0)
    best = None
    for length in (2, 3, 4):
        for i in range(6, len(mc) - length + 1):
            around = list(range(max(3, i - 6), i)) + list(range(i + length,
                                                               min(len(mc), i + length + 6)))
            if len(around) < 4:
                continue
            base = float(rate.iloc[around].median())
            exposure = float(mc["at_risk"].iloc[i:i + length].sum())
            seen = float(mc["churned"].iloc[i:i + length].sum())
            expected = base * exposure
            z = (seen - expected) / np.sqrt(max(expected, 1.0))
            if best is None or z > best[0]:
                best = (z, i, length, seen, expected, base, exposure)
    if best is None or best[0] < 6 or best[3] < 1.5 * best[4]:
        return []
    z, i, length, seen, expected, base, exposure = best
    first, last = mc.index[i], mc.index[i + length - 1]
    return [{"problem_id": "price_war", "where": f"{first}..{last}",
             "size": int(round(seen - expected)),
             "evidence": f"{seen:.0f} contracts ended from {first} to {last} where the months "
                         f"around give {expected:.0f} (monthly churn {seen / exposure:.1%} against "
                         f"{base:.1%}; z = {z:.0f})"}]


def _find_cannibal_campaign(t) -> list[dict]:
    from crmlab.campaigns import campaign_uplift

    if "campaign_contacts" not in t or not len(t["campaign_contacts"]):
        return []
    u = campaign_uplift(t["campaign_contacts"], t.get("campaigns"), level=0.999)
    bad = u[(u["uplift_high"] < 0) & (u["uplift"] < -0.04)]
    return [{"problem_id": "cannibal_campaign", "where": cid, "size": round(float(r["uplift"]), 4),
             "evidence": f"treatment {r['rate_treatment']:.1%} against control "
                         f"{r['rate_control']:.1%} (uplift {r['uplift']:+.1%}, 99.9 % interval "
                         f"{r['uplift_low']:+.1%} to {r['uplift_high']:+.1%})"}
            for cid, r in bad.iterrows()]


def duplicates_by_region(t, standardise: bool = True, counts: bool = False):
    """Customer records that repeat an e-mail address already on file, per customer of
    each region (``counts=True``: the duplicate count and the number of persons, as two
    Series).  ``standardise=False`` compares the e-mails as written (case, spaces and
    ``mailto:`` then hide duplicates)."""
    from crmlab.cleaning import standardise_emails

    cust = _tables(t)["customers"]
    key = standardise_emails(cust["email"]) if standardise else cust["email"]
    seen = cust.assign(key=pd.Series(key).to_numpy()).dropna(subset=["key"])
    extra = seen.duplicated("key", keep="first")  # later records of an e-mail seen before
    persons = seen[~extra].groupby("region_id").size()
    dups = seen[extra].groupby("region_id").size().reindex(persons.index, fill_value=0)
    return (dups, persons) if counts else (dups / persons).rename("duplicate_share")


def _find_data_silo(t) -> list[dict]:
    dups, persons = duplicates_by_region(t, counts=True)
    share = dups / persons
    return [{"problem_id": "data_silo", "where": rid, "size": round(float(x), 4),
             "evidence": f"{dups[rid]} customer records repeat an e-mail address already on "
                         f"file: {x:.1%} of {persons[rid]} customers of {rid}"}
            for rid, x in share.items() if x > 0.02]


# ----------------------------------------------------------------- scoring


def score_findings(found: pd.DataFrame, expected: pd.DataFrame) -> pd.DataFrame:
    """Compare findings with the planted problems: one row per planted problem
    (``found``, ``where_ok``, ``size_ok``, ``estimate``) and one per false alarm.

    ``found`` has ``problem_id``, ``where`` and ``size`` (as :func:`diagnose`
    returns); ``expected`` is :func:`case_expected_findings`.  A period is right
    if its first month is within one month of the planted one; a size if it is
    within the problem's :attr:`Problem.tolerance`.
    """
    for name, df in (("found", found), ("expected", expected)):
        missing = [c for c in ("problem_id", "where", "size") if c not in getattr(df, "columns", [])]
        if missing:
            raise ValueError(_("{name} must be a DataFrame with columns problem_id, where and "
                               "size; missing {missing}").format(
                                 name=name, missing=', '.join(missing)))
    rows, used = [], set()
    for _unused, e in expected.iterrows():
        p = PROBLEMS[e["problem_id"]]
        cands = found[found["problem_id"] == e["problem_id"]]
        match = None
        for j, f in cands.iterrows():
            if _same_where(p, f["where"], e["where"]):
                match = j
                break
        if match is None and len(cands):
            match = cands.index[0]
        row = {"problem_id": e["problem_id"], "where": e["where"], "size": e["size"],
               "found": match is not None, "where_ok": False, "size_ok": False,
               "estimate": np.nan, "false_alarm": False}
        if match is not None:
            used.add(match)
            f = found.loc[match]
            row["where_ok"] = _same_where(p, f["where"], e["where"])
            row["estimate"] = float(f["size"])
            err = abs(float(f["size"]) - float(e["size"]))
            limit = p.tolerance * abs(float(e["size"])) if p.relative else p.tolerance
            row["size_ok"] = bool(row["where_ok"] and err <= limit)
        rows.append(row)
    for j, f in found.iterrows():
        if j not in used:
            rows.append({"problem_id": f["problem_id"], "where": f["where"], "size": np.nan,
                         "found": True, "where_ok": False, "size_ok": False,
                         "estimate": f["size"], "false_alarm": True})
    return pd.DataFrame(rows)


def _same_where(p: Problem, got, want) -> bool:
    from crmlab.exercises.kinds import same_place

    return same_place(p.where, got, want)


# ---------------------------------------------------------------- writing


def _markdown_table(df: pd.DataFrame) -> str:
    cells = [[str(v).replace("|", "/") for v in row] for row in df.itertuples(index=False)]
    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in cells])


def write_case(student_id: str | int, out, scenario: str = "retail", n_problems: int = 3,
               force: bool = False, truth_out=None, salt: str = "crmlab") -> Path:
    """Write a student's capstone folder: the observed tables, ``metadata.json`` and
    ``brief.md`` -- no ``truth/`` folder, because the truth of a capstone firm gives
    its problems away (regions' adoption, the campaign's uplift, the duplicates).

    ``truth_out`` (instructors): a second folder, outside ``out``, for the full
    dataset with its truth (``truth/case_problems.csv`` included) and
    ``expected_findings.md``.  ``force`` writes into folders that are not empty
    (only a dataset's own files are replaced).  The student's ``metadata.json``
    has no ``seed``: the data made with that seed and no problems, compared with
    the firm, would show where the problems are.
    """
    from crmlab._files import write_text_atomic
    from crmlab.data.io import CRMData

    out = Path(out)
    targets = [out] + ([Path(truth_out)] if truth_out is not None else [])
    if truth_out is not None:
        a, b = out.resolve(), Path(truth_out).resolve()
        if a == b or a in b.parents or b in a.parents:
            raise ValueError(_("the truth folder {truth_out} must be outside the student folder "
                               "{out} (and not contain it): students must not see the truth").format(
                                 truth_out=truth_out, out=out))
    for folder in targets:
        if folder.exists() and not folder.is_dir():
            raise ValueError(_("{folder} is a file, not a folder").format(folder=folder))
        if folder.is_dir() and any(folder.iterdir()) and not force:
            raise ValueError(_("{folder} is not empty; pass force=True (--force) to write into "
                               "it (only the files of a dataset crmlab saved there are replaced)").format(
                                 folder=folder))
    data = case(student_id, scenario, n_problems, salt=salt)
    # no seed, and the number of customer records rather than the number asked for: the
    # difference would count the data-silo duplicates
    meta = {k: v for k, v in data.meta.items() if k != "seed"}
    meta["n_customers"] = len(data.tables["customers"])
    student = CRMData(tables=data.tables, truth=None, meta=meta)
    student.save(out, overwrite=force)
    write_text_atomic(out / "brief.md", case_brief(data))
    if truth_out is not None:
        data.save(truth_out, overwrite=force)
        found = data.truth.case_problems
        write_text_atomic(Path(truth_out) / "expected_findings.md",
                          f"# Expected findings for {data.meta['case']['student_id']}\n\n"
                          + _markdown_table(found.drop(columns=["planted"])) + "\n")
    return out


def write_class_cases(student_ids, out, truth_out, scenario: str = "retail",
                      n_problems: int = 3, salt: str = DEFAULT_SALT, force: bool = False,
                      progress=None) -> pd.DataFrame:
    """Write the capstone firms of a class (instructors): ``out/<id>/`` for each student
    (hand these out) and ``truth_out/<id>/`` with the truth, plus
    ``truth_out/expected_findings.csv``: one row per student and planted problem.

    Nothing is left half-written: if a firm fails, the folders this call created are
    removed again.  ``progress(label, fraction)`` is called after each student.

    Returns
    -------
    DataFrame
        The expected findings of every student (the CSV's content).
    """
    import shutil

    from crmlab._files import write_text_atomic
    from crmlab.seeds import validate_student_id

    ids = [validate_student_id(s) for s in student_ids]
    if not ids:
        raise ValueError(_("no students: give at least one student id"))
    if len(set(ids)) != len(ids):
        raise ValueError(_("a student id is listed twice"))
    _check(ids[0], scenario, n_problems)
    out, truth_out = Path(out), Path(truth_out)
    a, b = out.resolve(), truth_out.resolve()
    if a == b or a in b.parents or b in a.parents:
        raise ValueError(_("the truth folder {truth_out} must be outside the student folder "
                           "{out} (and not contain it): students must not see the truth").format(
                             truth_out=truth_out, out=out))
    made = [f for f in [out, truth_out, *(out / i for i in ids), *(truth_out / i for i in ids)]
            if not f.exists()]
    rows = []
    try:
        for n, sid in enumerate(ids, start=1):
            write_case(sid, out / sid, scenario, n_problems, force=force,
                       truth_out=truth_out / sid, salt=salt)
            found = pd.read_csv(truth_out / sid / "truth" / "case_problems.csv")
            rows.append(found.assign(student_id=sid))
            if progress is not None:
                progress(sid[:12], n / len(ids))
        table = pd.concat(rows, ignore_index=True)
        table = table[["student_id"] + [c for c in table.columns if c != "student_id"]]
        write_text_atomic(truth_out / "expected_findings.csv", table.to_csv(index=False))
    except BaseException:
        for folder in sorted(made, key=lambda f: len(f.parts)):
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return table

