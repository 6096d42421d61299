"""``crmlab.generate``: check the arguments, run the simulation steps, return
a :class:`~crmlab.data.io.CRMData`."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import numbers
from collections.abc import Callable

import numpy as np
import pandas as pd

from crmlab._version import __version__
from crmlab.data import activity, marketing, people, questionnaires, traces, world
from crmlab.data._dataset import CRMData, Truth
from crmlab.data.pools import check_locale, pools_for
from crmlab.data.scenarios import params_for
from crmlab.data.schema import tables_for
from crmlab.i18n import _

__all__ = ["generate", "DEFAULT_START", "DEFAULT_END", "MAX_CUSTOMERS", "MIN_CUSTOMERS",
           "min_customers"]

DEFAULT_START = "2022-01-01"
DEFAULT_END = "2024-12-31"
MAX_CUSTOMERS = 5_000_000
# Fewest customers that give every table at least one row, for the default
# three-year period (checked over a hundred seeds each; below about half of
# these, some seeds give an empty table). Shorter periods need proportionally
# more customers: see min_customers.
MIN_CUSTOMERS = {"retail": 30, "telecom": 30, "bank": 60, "b2b": 20}
DEFAULT_DAYS = 1096
STEPS = ("organisation", "customers", "lifetimes", "orders", "service", "surveys", "marketing",
         "kpi", "defects", "questionnaires", "traces")


def _as_day(value, name: str) -> np.datetime64:
    if isinstance(value, (_dt.date, np.datetime64, pd.Timestamp)):
        try:
            return np.datetime64(pd.Timestamp(value).date(), "D")
        except (ValueError, TypeError):
            pass
    elif isinstance(value, str):
        try:
            return np.datetime64(_dt.date.fromisoformat(value.strip()), "D")
        except ValueError:
            pass
    raise ValueError(_("{name} must be a date like '2022-01-01', got {value}").format(
                         name=name, value=repr(value)))


def check_size(n_customers) -> int:
    if isinstance(n_customers, bool) or not isinstance(n_customers, numbers.Integral):
        raise ValueError(_("n_customers must be a whole number, got {n_customers}").format(
                             n_customers=repr(n_customers)))
    if n_customers <= 0:
        raise ValueError(_("n_customers must be positive, got {n_customers}").format(
                             n_customers=n_customers))
    if n_customers > MAX_CUSTOMERS:
        raise ValueError(_("n_customers must be at most {max_customers}, got {n_customers}").format(
                             max_customers=format(MAX_CUSTOMERS, ","),
                             n_customers=format(n_customers, ",")))
    return int(n_customers)


def min_customers(scenario: str, days: int = DEFAULT_DAYS) -> int:
    """The fewest customers :func:`generate` accepts for ``scenario`` over ``days`` days.

    Examples
    --------
    >>> min_customers("bank"), min_customers("bank", days=548)
    (60, 120)
    """
    base = MIN_CUSTOMERS[scenario]
    return int(np.ceil(base * max(1.0, DEFAULT_DAYS / max(int(days), 1))))


def check_period(d0: np.datetime64, d1: np.datetime64) -> None:
    """The period must hold the pilot regions' CRM roll-out and two weeks of use after it."""
    if d1 <= d0 + 180:
        raise ValueError(_("end ({d1}) must be at least 180 days after start ({d0})").format(
                             d1=d1, d0=d0))
    rollout = (d0.astype("datetime64[M]") + 12).astype("datetime64[D]")
    earliest = rollout + 14
    if d1 < earliest:
        raise ValueError(_("end ({d1}) must be on or after {earliest}: the data needs the pilot "
                           "regions' CRM roll-out ({rollout}, 12 months after the start month) "
                           "and two weeks of use after it").format(
                             d1=d1, earliest=earliest, rollout=rollout))


def check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(_("seed must be a non-negative whole number, got {seed} (turn a "
                           "student id into a seed with crmlab.seed_for)").format(
                             seed=repr(seed)))
    return int(seed)


def generate(
    scenario: str = "retail",
    n_customers: int = 5000,
    seed: int = 0,
    locale: str = "en_US",
    start: str | _dt.date = DEFAULT_START,
    end: str | _dt.date = DEFAULT_END,
    defects: dict | bool | None = None,
    diverging_region: bool = False,
    progress: Callable[[str, float], None] | None = None,
    case_problems: dict | None = None,
) -> CRMData:
    """Simulate a CRM dataset for one scenario.

    Parameters
    ----------
    scenario : {"retail", "telecom", "bank", "b2b"}
        Industry; decides which tables exist and whether churn is observed.
    n_customers : int
        Number of customers (accounts for b2b): at least ``MIN_CUSTOMERS[scenario]``
        (retail 30, telecom 30, bank 60, b2b 20) for a three-year period, more for
        a shorter one (see :func:`min_customers`).
    seed : int
        Random seed; the same arguments give byte-identical saved files.
    locale : {"en_US", "zh_CN"}
        Language of names, cities and phone formats.
    start, end : str or date
        First and last day of the data; ``end`` is the "as-of" date, at least
        12 months and two weeks after the start month (the pilots' CRM roll-out).
    defects : dict, True or None
        Data-quality defects to inject (see :mod:`crmlab.data.defects`);
        ``True`` uses the default rates.
    diverging_region : bool
        If True, one comparison region (the one whose CRM is not live in the
        data) gets a clearly different trend in ``kpi_monthly.satisfaction_index``
        (extra slope ``diverging_extra_slope`` in scenarios.py): parallel trends
        (平行趋势) fail and a DiD against it is biased.  Which region, its extra
        slope and the bias per wave are in ``data.truth.diverging_region``.
    progress : callable, optional
        Called as ``progress(step, fraction_done)``.
    case_problems : dict, optional
        Problems of the capstone firm to plant, ``{field: value}`` for the
        ``case_*`` fields of ``ScenarioParams`` (scenarios.py); made by
        :func:`crmlab.capstone.case`, which records what was planted.  Not
        written into ``data.meta`` (students see the metadata).  None: none.

    Returns
    -------
    CRMData
        ``data.tables`` (observed), ``data.truth`` (latent) and ``data.meta``.

    Examples
    --------
    >>> import crmlab
    >>> data = crmlab.generate("telecom", n_customers=200, seed=1)
    >>> sorted(data.tables)[:3]
    ['address_changes', 'campaign_contacts', 'campaigns']
    >>> data.meta["scenario"], data.meta["n_customers"]
    ('telecom', 200)
    """
    p = _with_case_problems(params_for(scenario), case_problems)
    check_locale(locale)
    n = check_size(n_customers)
    seed = check_seed(seed)
    d0, d1 = _as_day(start, "start"), _as_day(end, "end")
    check_period(d0, d1)
    least = min_customers(scenario, int((d1 - d0).astype(int)) + 1)
    if n < least:
        period = "" if least == MIN_CUSTOMERS[scenario] else f" over {d0} to {d1}"
        raise ValueError(_("the {scenario} scenario needs at least {least} customers{period} "
                           "(got {n}): with fewer, some tables come out empty").format(
                             scenario=scenario, least=least, period=period, n=n))
    from crmlab.data import defects as defects_mod

    defect_rates = defects_mod.check_rates(defects)
    if not isinstance(diverging_region, (bool, np.bool_)):
        raise ValueError(_("diverging_region must be True or False, got {diverging_region}").format(
                             diverging_region=repr(diverging_region)))
    diverging_region = bool(diverging_region)
    report = progress or (lambda step, frac: None)
    # one independent random stream per step: changing one step's draws
    # leaves every other step's data unchanged
    rngs = dict(zip(STEPS, (np.random.default_rng(s)
                            for s in np.random.SeedSequence(seed).spawn(len(STEPS)))))

    def step(name):
        report(name, STEPS.index(name) / len(STEPS))
        return rngs[name]

    pools = pools_for(locale, seed % 1000, p.n_regions)
    w = world.make_world(scenario, p, pools, d0, d1, n, step("organisation"))
    w.n_customers = n
    w.diverging_region = diverging_region
    w.customer_ids = world.id_array("C", n)
    world.organisation_tables(w, rngs["organisation"])
    c = people.draw_customers(w, n, step("customers"))
    activity.customers_table(w, c, rngs["customers"])
    trng = traces.streams(rngs["traces"])  # traces of the lost-customer types, proxies
    traces.draw_faults(w, c, trng["faults"])  # service faults enter the churn hazard
    purchases = people.draw_lifetimes(w, c, step("lifetimes"))
    traces.draw_plan_changes(w, c, trng["plans"])  # before the bills that follow the plan
    activity.orders_tables(w, c, purchases, step("orders"))
    traces.order_discounts(w, c, trng["discounts"])
    activity.service_tables(w, c, step("service"))
    traces.trace_tables(w, c, trng)
    activity.survey_table(w, c, step("surveys"))
    mrng = step("marketing")
    if p.n_campaigns:
        marketing.campaign_tables(w, c, mrng)
    if p.leads_per_customer:
        marketing.pipeline_tables(w, c, mrng)
    marketing.kpi_table(w, c, step("kpi"))
    qrng = step("questionnaires")
    questionnaires.servqual_items_table(w, c, qrng)
    questionnaires.kano_table(w, c, qrng)
    w.tables["orders"] = w.tables["orders"].drop(columns="_day")

    tables = {t.name: _rounded(w.tables[t.name][t.column_names(scenario)], t)
              for t in tables_for(scenario)}
    truth = Truth(
        customers=activity.truth_customers(w, c).assign(**traces.truth_columns(w, c)),
        regions=w.truth["regions"],
        employees=w.truth["employees"],
        scalars=_truth_scalars(w) | traces.truth_scalars(w, c),
        extra={k: v for k, v in w.truth.items() if isinstance(v, pd.DataFrame)
               and k not in ("regions", "employees")},
    )
    meta = {
        "scenario": scenario, "n_customers": n, "seed": seed, "locale": locale,
        "start": str(d0), "end": str(d1), "defects": defect_rates,
        "diverging_region": diverging_region,
        "crmlab_version": __version__,
    }
    data = CRMData(tables=tables, truth=truth, meta=meta)
    if defect_rates:
        defects_mod.inject(data, defect_rates, step("defects"), w)
    data.meta["rows"] = {k: len(v) for k, v in data.tables.items()}
    report("done", 1.0)
    return data


def _with_case_problems(p, case_problems: dict | None):
    """``p`` with the capstone's ``case_*`` fields set (ValueError for other keys)."""
    if case_problems is None:
        return p
    known = sorted(f.name for f in dataclasses.fields(p) if f.name.startswith("case_"))
    if not isinstance(case_problems, dict):
        raise ValueError(_("case_problems must be a dict like {{'case_unused_crm': (0, 0.05)}}, "
                           "got {case_problems}").format(case_problems=repr(case_problems)))
    unknown = sorted(set(case_problems) - set(known))
    if unknown:
        raise ValueError(_("unknown case problem field(s) {unknown}; known: {known}").format(
                             unknown=', '.join(map(repr, unknown)), known=', '.join(known)))
    return dataclasses.replace(p, **case_problems)


def _rounded(df: pd.DataFrame, tab) -> pd.DataFrame:
    """Round float columns as they will be saved, so memory and disk agree."""
    for col in tab.columns:
        if col.name not in df:
            continue
        if col.dtype == "float":
            df[col.name] = df[col.name].astype(float).round(col.decimals)
        elif col.dtype in ("date", "datetime"):
            df[col.name] = df[col.name].astype("datetime64[s]")
        elif col.dtype in ("id", "str"):
            df[col.name] = df[col.name].astype("str")  # missing stays missing (NaN)
    return df.reset_index(drop=True)


def _truth_scalars(w) -> dict:
    p = w.params
    out = {
        "contractual": p.contractual,
        "servqual_weights": dict(zip(p.servqual_dims, p.servqual_weights)),
        "servqual_mean_gap": dict(zip(p.servqual_dims, p.servqual_mean_gap)),
        "recovery_hazard_mult": dict(zip(people.OUTCOMES, p.recovery_hazard_mult)),
        "recovery_satisfaction_shift": dict(zip(people.OUTCOMES, p.recovery_s_shift)),
        "care_hazard_mult": p.care_hazard_mult,
        "s_on_hazard": p.s_on_hazard,
        "s_on_competitor": p.s_on_competitor,
        "s_on_purchase_rate": p.s_on_purchase_rate,
        "s_on_spend": p.s_on_spend,
        # Jones & Sasser zones: hazard multipliers below/above these latent satisfactions
        "loyalty_zones": {"bottom_threshold": p.bottom_threshold, "bottom_slope": p.bottom_slope,
                          "top_threshold": p.top_threshold, "top_slope": p.top_slope},
        "referral_weight": {"s": p.referral_s, "top": p.referral_top},
        "crm_hazard_cut_at_full_use": p.crm_hazard_cut,
        "crm_fast_resolution_gain_at_full_use": p.crm_fast_resolution_gain,
        "crm_sat_index_gain_at_full_use": p.crm_sat_index_gain,
        "sat_index_trend_per_year": p.sat_index_trend_per_year,
        "price_rise_date": str(world.to_dates(w.start, [world.month_day(w.start,
                                                                        p.price_rise_month)])[0]),
        "price_rise_pct": p.price_rise_pct,
        "low_value_policy_date": str(world.to_dates(w.start, [world.month_day(w.start,
                                                                              p.policy_month)])[0]),
    }
    for key in ("campaign_uplift", "sales", "diverging_region"):
        if key in w.truth:
            out[key] = w.truth[key]
    return out
