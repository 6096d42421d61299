"""The shared state of one simulation: time axis, regions, employees.

A :class:`World` is built once per :func:`crmlab.generate` call and passed to
the steps that draw customers, their lifetimes and their activity.  Time is
kept as float days since ``start``; dates are made only when tables are built.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crmlab.data.pools import Pools
from crmlab.data.scenarios import ScenarioParams

__all__ = ["World", "make_world", "to_dates", "to_datetimes", "ids", "id_array", "take_str",
           "month_day"]

MAX_EMPLOYEES = 2000


def ids(prefix: str, n: int, width: int | None = None) -> np.ndarray:
    """``ids("C", 3)`` -> ``['C000001', 'C000002', 'C000003']``."""
    width = width or max(6, len(str(n)))
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width))


def id_array(prefix: str, n: int, width: int | None = None):
    """Like :func:`ids`, as an arrow string array (fast and compact for millions of rows)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    width = width or max(6, len(str(n)))
    digits = pc.utf8_lpad(pa.array(np.arange(1, n + 1)).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def take_str(values, codes: np.ndarray, missing: np.ndarray | None = None) -> pd.api.extensions.ExtensionArray:
    """``values[codes]`` as a pandas ``str`` array, missing where ``missing`` is True.

    Low-cardinality columns (channels, purposes, ids of a few thousand staff)
    are kept as integer codes while simulating and turned into strings only
    here, without building a numpy array of Python-sized strings.
    """
    import pyarrow as pa

    if not isinstance(values, pa.Array):
        values = pa.array(np.asarray(values).tolist(), type=pa.string())
    index = pa.array(np.asarray(codes, dtype=np.int64), mask=missing)
    return pd.array(values.take(index), dtype="str")


@dataclass
class World:
    scenario: str
    params: ScenarioParams
    pools: Pools
    start: np.datetime64  # day 0
    horizon: float  # days from the start to the end of the end date (the "as-of" date)
    # regions
    region_ids: np.ndarray
    region_weight: np.ndarray
    region_quality: np.ndarray  # (R, 5) shift of the SERVQUAL gaps
    rollout_day: np.ndarray  # day the CRM went live (> horizon: not yet)
    is_pilot: np.ndarray
    adoption: np.ndarray  # realised mean CRM usage of the region's employees (0-1)
    # employees
    employee_ids: np.ndarray
    employee_region: np.ndarray
    employee_role: np.ndarray
    employee_adoption: np.ndarray
    employee_hire_day: np.ndarray
    employee_names: np.ndarray
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    truth: dict = field(default_factory=dict)
    # periodic respondents' latent SERVQUAL levels (customer index, expectation, gap)
    survey_latent: dict = field(default_factory=dict)

    def staff(self, role: str, region: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Pick an employee of ``role`` in each given region (any region if it has none)."""
        return self.employee_ids[self.staff_index(role, region, rng)]

    def staff_index(self, role: str, region: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Like :meth:`staff`, as indices into ``employee_ids``."""
        out = np.zeros(len(region), dtype=np.int64)
        for r in range(len(self.region_ids)):
            mask = region == r
            if not mask.any():
                continue
            pool = np.flatnonzero((self.employee_role == role) & (self.employee_region == r))
            if pool.size == 0:
                pool = np.flatnonzero(self.employee_role == role)
            if pool.size == 0:
                pool = np.arange(len(self.employee_ids))
            out[mask] = pool[rng.integers(0, pool.size, mask.sum())]
        return out


def month_day(start: np.datetime64, months: int) -> float:
    """Day offset of the first day of the month ``months`` after ``start``'s month."""
    first = (start.astype("datetime64[M]") + months).astype("datetime64[D]")
    return float((first - start).astype(int))


def to_dates(start: np.datetime64, days: np.ndarray) -> np.ndarray:
    """Float days -> datetime64[D] (NaN -> NaT)."""
    days = np.asarray(days, dtype=float)
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    ok = np.isfinite(days)
    out[ok] = start + np.floor(days[ok]).astype("timedelta64[D]")
    return out


def to_datetimes(start: np.datetime64, days: np.ndarray) -> np.ndarray:
    """Float days -> datetime64[s], to the second (NaN -> NaT)."""
    days = np.asarray(days, dtype=float)
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[s]")
    ok = np.isfinite(days)
    out[ok] = start.astype("datetime64[s]") + np.floor(days[ok] * 86400).astype("timedelta64[s]")
    return out


ROLE_MIX = {
    "retail": {"sales_rep": 0.3, "service_agent": 0.7},
    "telecom": {"sales_rep": 0.3, "service_agent": 0.7},
    "bank": {"sales_rep": 0.3, "service_agent": 0.4, "account_manager": 0.3},
    "b2b": {"sales_rep": 0.4, "service_agent": 0.3, "account_manager": 0.3},
}


def make_world(scenario, params, pools, start, end, n_customers, rng) -> World:
    p = params
    horizon = float((end - start).astype(int)) + 1  # the end date is inside the data
    R = p.n_regions
    region_weight = rng.dirichlet(np.full(R, 8.0))
    region_quality = rng.normal(0.0, p.region_quality_sd, (R, len(p.servqual_dims)))
    order = rng.permutation(R)
    is_pilot = np.zeros(R, bool)
    is_pilot[order[: p.pilot_regions]] = True
    late = order[R - p.late_regions:] if p.late_regions else np.array([], int)
    rollout = np.full(R, month_day(start, p.rollout_wave2_month))
    rollout[is_pilot] = month_day(start, 12)
    # "not yet": planned for the first day of the seventh month after the end date
    rollout[late] = float(((end.astype("datetime64[M]") + 7).astype("datetime64[D]") - start
                           ).astype(int))
    # Adoption levels evenly spread over the range, shuffled: among the pilots
    # and among the others there are both keen and reluctant regions.
    target_adoption = rng.permutation(np.linspace(*p.adoption_range, R))

    n_emp = int(min(MAX_EMPLOYEES, max(R * p.min_employees_per_region,
                                       round(n_customers * p.employees_per_1000_customers / 1000))))
    # every region gets min_employees first, the rest by region size
    emp_region = np.concatenate([
        np.repeat(np.arange(R), p.min_employees_per_region),
        rng.choice(R, n_emp - R * p.min_employees_per_region, p=region_weight),
    ])
    emp_region.sort(kind="stable")
    mix = ROLE_MIX[scenario]
    roles = np.array(list(mix))
    emp_role = roles[rng.choice(len(roles), n_emp, p=list(mix.values()))]
    # each region has at least one of each role
    for r in range(R):
        idx = np.flatnonzero(emp_region == r)
        emp_role[idx[: len(roles)]] = roles[: len(idx[: len(roles)])]
    emp_adoption = np.clip(target_adoption[emp_region] + rng.normal(0, 0.12, n_emp), 0.02, 1.0)
    if p.case_unused_crm is not None:  # capstone: a region whose CRM is live but unused
        k, level = p.case_unused_crm
        live = np.flatnonzero(rollout < horizon)
        emp_adoption[emp_region == live[int(k) % live.size]] = float(level)
    adoption = np.array([emp_adoption[emp_region == r].mean() for r in range(R)])
    hire = rng.uniform(-3 * 365, horizon * 0.6, n_emp)
    female = rng.random(n_emp) < 0.5
    return World(
        scenario=scenario, params=p, pools=pools, start=start, horizon=horizon,
        region_ids=ids("R", R, 2), region_weight=region_weight, region_quality=region_quality,
        rollout_day=rollout, is_pilot=is_pilot, adoption=adoption,
        employee_ids=ids("E", n_emp, 4), employee_region=emp_region, employee_role=emp_role,
        employee_adoption=emp_adoption, employee_hire_day=np.floor(hire),
        employee_names=pools.person_names(rng, female),
    )


def organisation_tables(w: World, rng: np.random.Generator) -> None:
    """regions, employees and weekly crm_usage."""
    R = len(w.region_ids)
    w.tables["regions"] = pd.DataFrame({
        "region_id": w.region_ids,
        "region_name": np.array(w.pools.regions),
        "hq_city": np.array([c[0] for c in w.pools.cities]),
        "is_pilot": w.is_pilot,
        "crm_rollout_date": to_dates(w.start, w.rollout_day),
    })
    w.tables["employees"] = pd.DataFrame({
        "employee_id": w.employee_ids,
        "name": w.employee_names,
        "role": w.employee_role,
        "region_id": w.region_ids[w.employee_region],
        "hire_date": to_dates(w.start, w.employee_hire_day),
    })
    # Weekly usage from the roll-out (or the hire date) to the end date.
    # Usage ramps up over the first eight weeks, to a level set by the
    # employee's adoption.
    start_dow = int((w.start.astype("datetime64[D]").view("int64") + 3) % 7)  # 0 = Monday
    first_monday = (7 - start_dow) % 7
    weeks = np.arange(first_monday, w.horizon - 6, 7.0)
    begin = np.maximum(w.rollout_day[w.employee_region], w.employee_hire_day)
    e_idx, wk = np.nonzero(weeks[None, :] >= begin[:, None])
    since = (weeks[wk] - w.rollout_day[w.employee_region[e_idx]]) / 7
    ramp = np.minimum(1.0, (since + 1) / 8)
    a = w.employee_adoption[e_idx] * ramp
    w.tables["crm_usage"] = pd.DataFrame({
        "employee_id": w.employee_ids[e_idx],
        "week_start": to_dates(w.start, weeks[wk]),
        "logins": rng.poisson(20 * a),
        "records_entered": rng.poisson(60 * a),
    })
    w.truth["regions"] = pd.DataFrame({
        "region_id": w.region_ids,
        "adoption": w.adoption,
        "rollout_day": w.rollout_day,
        "crm_hazard_cut": w.params.crm_hazard_cut * w.adoption,
        "crm_fast_resolution_gain": w.params.crm_fast_resolution_gain * w.adoption,
        "crm_sat_index_effect": w.params.crm_sat_index_gain * w.adoption,
        **{f"quality_{d}": w.region_quality[:, i] for i, d in enumerate(w.params.servqual_dims)},
    })
    w.truth["employees"] = pd.DataFrame({
        "employee_id": w.employee_ids, "adoption": w.employee_adoption})
    assert len(w.tables["regions"]) == R
