"""Campaigns with randomised control groups, the sales pipeline, and the
regional KPI panel."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.data.people import Customers
from crmlab.data.world import World, ids, month_day, take_str, to_dates

__all__ = ["campaign_tables", "pipeline_tables", "kpi_table", "diverging_region_index",
           "SEGMENTS", "STAGES"]

SEGMENTS = ("new", "active", "lapsing", "dormant")
STAGES = ("qualified", "proposal", "negotiation", "won")


def _segment_at(w: World, c: Customers, day: float) -> np.ndarray:
    """Recency segment of every customer on ``day`` from what the firm observes:
    new (signed up < 90 days ago), active (last discretionary purchase < 90 days),
    lapsing (90-364 days), dormant (365+ days or never); -1: not yet a customer."""
    last = np.full(c.n, -np.inf)
    od = w.order_day
    oc = w.order_customer
    mask = od < day
    if w.scenario == "telecom":  # monthly plan fees are not a choice to buy
        mask &= w.tables["orders"]["category"].to_numpy() != w.params.categories[0]
    np.maximum.at(last, oc[mask], od[mask])
    since = day - last
    seg = np.select([day - c.signup < 90, since < 90, since < 365], [0, 1, 2], 3)
    seg[c.signup >= day] = -1
    if w.params.contractual:  # the firm knows who has left
        seg[c.death < day] = -1
    return seg


def campaign_tables(w: World, c: Customers, rng: np.random.Generator) -> None:
    p = w.params
    k = p.n_campaigns
    months = np.linspace(3, (w.horizon - 60) / 30.44, k).astype(int)
    days = np.array([month_day(w.start, int(m)) + 14 for m in months])
    target = np.array([SEGMENTS[i % 4] for i in rng.permutation(k)])
    cannibal = p.case_cannibal_campaign  # capstone: (campaign index, uplift) or None
    if cannibal is not None:
        target[int(cannibal[0])] = "active"
    chans = np.array(["email", "sms", "app_push", "phone"])
    channel = chans[rng.integers(0, len(chans), k)]
    cost = np.select([channel == "phone", channel == "email"], [1.5, 0.05], 0.1)
    consent = w.tables["customers"]["marketing_consent"].to_numpy()
    alive_end = c.end_of_life(w.horizon)
    rows = []
    spend = w.params.spend_p / c.nu
    for j in range(k):
        seg_code = SEGMENTS.index(target[j])
        seg = _segment_at(w, c, days[j])
        who = np.flatnonzero((seg == seg_code) & consent)
        planted = cannibal is not None and j == int(cannibal[0])
        sample, share = (1.0, 0.5) if planted else (p.campaign_sample, p.treatment_share)
        who = who[rng.random(who.size) < sample]
        treat = rng.random(who.size) < share
        alive = alive_end[who] > days[j]  # the truly gone never respond
        base = p.base_response[target[j]] * np.exp(0.3 * c.s[who])
        uplift = float(cannibal[1]) if planted else p.true_uplift[target[j]]
        prob = np.clip(base + treat * uplift, 0, 1) * alive
        if planted:  # the uplift it really has on these customers (the clip at 0 included)
            effect = (np.clip(base + uplift, 0, 1) - base) * alive
            w.truth["case_cannibal_campaign"] = pd.DataFrame({
                "campaign_id": [f"M{j + 1:03d}"], "planted_uplift": [uplift],
                "expected_uplift": [round(float(effect.mean()), 4) if who.size else np.nan],
                "contacts": [int(who.size)]})
        resp = rng.random(who.size) < prob
        revenue = np.where(resp, rng.gamma(p.spend_p, spend[who] / p.spend_p), 0.0)
        rows.append(pd.DataFrame({
            "campaign_id": np.full(who.size, f"M{j + 1:03d}"),
            "customer_id": who, "group": np.where(treat, "treatment", "control"),
            "responded": resp, "revenue": np.round(revenue, 2),
        }))
    w.tables["campaigns"] = pd.DataFrame({
        "campaign_id": [f"M{j + 1:03d}" for j in range(k)],
        "campaign_name": [f"{t.capitalize()} {ch.replace('_', ' ')} {str(d)[:7]}" for t, ch, d in
                          zip(target, channel, to_dates(w.start, days))],
        "start_date": to_dates(w.start, days),
        "channel": channel,
        "target_segment": target,
        "cost_per_contact": cost,
    })
    cc = pd.concat(rows, ignore_index=True)
    cc = cc.sort_values(["campaign_id", "customer_id"], kind="stable").reset_index(drop=True)
    cc["customer_id"] = take_str(w.customer_ids, cc["customer_id"].to_numpy())
    w.tables["campaign_contacts"] = cc
    w.truth["campaign_uplift"] = dict(p.true_uplift)


def pipeline_tables(w: World, c: Customers, rng: np.random.Generator) -> None:
    """Leads -> opportunities -> won/lost, with source quality and rep skill."""
    p = w.params
    n = int(round(p.leads_per_customer * c.n))
    created = np.sort(rng.uniform(0, w.horizon, n))
    src = rng.choice(len(p.lead_sources), n, p=[0.3, 0.15, 0.2, 0.2, 0.15])
    region = rng.choice(len(w.region_ids), n, p=w.region_weight)
    rep = w.staff("sales_rep", region, rng)
    reps = np.unique(w.employee_ids[w.employee_role == "sales_rep"])
    skill_of = dict(zip(reps, rng.normal(0, 0.5, reps.size)))
    skill = np.array([skill_of.get(r, 0.0) for r in rep])
    qualified = rng.random(n) < np.asarray(p.source_qualify)[src]
    qualified_day = created + rng.exponential(7, n)
    qualified &= qualified_day < w.horizon
    w.tables["leads"] = pd.DataFrame({
        "lead_id": ids("L", n),
        "company": w.pools.companies[rng.integers(0, len(w.pools.companies), n)],
        "source": np.asarray(p.lead_sources)[src],
        "created_date": to_dates(w.start, created),
        "region_id": w.region_ids[region],
        "employee_id": rep,
        "qualified": qualified,
    })
    o = np.flatnonzero(qualified)
    m = o.size
    stage_day = np.full((m, 4), np.nan)  # proposal, negotiation, won, (lost)
    cur = qualified_day[o].copy()
    alive = np.ones(m, bool)  # still moving through the funnel
    lost_day = np.full(m, np.nan)
    reached = np.zeros(m, int)  # 0 qualified .. 3 won
    for k, base in enumerate(p.stage_pass):
        logit = np.log(base / (1 - base)) + skill[o]
        prob = 1 / (1 + np.exp(-logit))
        nxt = cur + rng.exponential(p.stage_days_mean * (1 + 0.3 * k), m)
        open_ = alive & (nxt >= w.horizon)  # still deciding at the end date
        passed = alive & ~open_ & (rng.random(m) < prob)
        failed = alive & ~open_ & ~passed
        lost_day[failed] = nxt[failed]
        stage_day[passed, k] = nxt[passed]
        reached[passed] = k + 1
        alive = passed
        cur = np.where(passed, nxt, cur)
    closed = np.where(reached == 3, stage_day[:, 2], lost_day)
    stage = np.where(np.isfinite(lost_day), "lost", np.asarray(STAGES)[reached])
    value = np.exp(rng.normal(np.log(p.deal_value_median * np.asarray(p.source_value)[src[o]]),
                              p.deal_value_sigma))
    w.tables["opportunities"] = pd.DataFrame({
        "opportunity_id": ids("P", m),
        "lead_id": ids("L", n)[o],
        "employee_id": rep[o],
        "value": np.round(value, 2),
        "qualified_date": to_dates(w.start, qualified_day[o]),
        "proposal_date": to_dates(w.start, stage_day[:, 0]),
        "negotiation_date": to_dates(w.start, stage_day[:, 1]),
        "closed_date": to_dates(w.start, closed),
        "stage": stage,
    })
    w.truth["sales"] = {
        "source_qualify": dict(zip(p.lead_sources, p.source_qualify)),
        "source_value": dict(zip(p.lead_sources, p.source_value)),
        "stage_pass": dict(zip(("qualified_to_proposal", "proposal_to_negotiation",
                                "negotiation_to_won"), p.stage_pass)),
    }
    w.truth["rep_skill"] = pd.DataFrame({"employee_id": reps,
                                         "skill_logit": [skill_of[r] for r in reps]})


def kpi_table(w: World, c: Customers, rng: np.random.Generator) -> None:
    """Monthly panel per region: counts from the observed tables, plus the
    regional satisfaction index whose CRM effect is known exactly."""
    p = w.params
    R = len(w.region_ids)
    month0 = w.start.astype("datetime64[M]")
    last_day = w.start + int(w.horizon) - 1
    n_months = int((last_day.astype("datetime64[M]") - month0).astype(int)) + 1
    month_start = np.array([month_day(w.start, m) for m in range(n_months + 1)])
    grid = np.zeros((R, n_months))

    def count(region, day, weights=None):
        m = np.searchsorted(month_start, day, side="right") - 1
        ok = (m >= 0) & (m < n_months)
        out = np.zeros(R * n_months)
        np.add.at(out, region[ok] * n_months + m[ok], 1 if weights is None else weights[ok])
        return out.reshape(R, n_months)

    new = count(c.region, c.signup)
    oc, od = w.order_customer, w.order_day
    orders = count(c.region[oc], od)
    revenue = count(c.region[oc], od, w.tables["orders"]["amount"].to_numpy())
    if p.contractual:
        alive_end = c.end_of_life(w.horizon)
        active = np.zeros((R, n_months))
        for m in range(n_months):
            a = (c.signup < month_start[m + 1]) & (alive_end >= month_start[m])
            active[:, m] = np.bincount(c.region[a], minlength=R)
    else:
        m_idx = np.searchsorted(month_start, od, side="right") - 1
        key = np.sort(oc.astype(np.int64) * n_months + m_idx)
        key = key[np.r_[True, key[1:] != key[:-1]]] if key.size else key  # unique, sorted
        cust, mm = key // n_months, key % n_months
        active = np.zeros(R * n_months)
        np.add.at(active, c.region[cust] * n_months + mm, 1)
        active = active.reshape(R, n_months)
    cc, cday = w.complaints
    tk = w.tables["tickets"]
    fast = (tk["outcome"].to_numpy() == "resolved_fast")[tk["ticket_type"].to_numpy() == "complaint"]
    complaints = count(c.region[cc], cday)
    fast_n = count(c.region[cc], cday, fast.astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        fast_pct = np.where(complaints > 0, 100 * fast_n / np.maximum(complaints, 1), np.nan)
    # satisfaction index: region level + the region's own trend and season
    # + CRM effect + noise.  The trend is the common one plus a region
    # deviation, the season a yearly wave with the region's own amplitude and
    # phase, so parallel trends (平行趋势) hold only roughly; with
    # diverging_region one comparison region's trend differs clearly.
    mid = month_start[:-1] + 15
    base = 70 + 8 * (w.region_quality @ np.asarray(p.servqual_weights))
    post = mid[None, :] >= w.rollout_day[:, None]
    effect = p.crm_sat_index_gain * w.adoption
    noise = rng.normal(0, 0.8, grid.shape)
    slope_dev = rng.normal(0, p.sat_index_slope_sd, R)
    slope_dev -= slope_dev.mean()  # the common trend stays the regions' mean slope
    amp = np.maximum(p.sat_index_season_amp + rng.normal(0, p.sat_index_season_amp_sd, R), 0.0)
    phase = rng.normal(0, p.sat_index_season_phase_sd, R)
    extra = np.zeros(R)
    diverging = diverging_region_index(w) if getattr(w, "diverging_region", False) else None
    if diverging is not None:
        extra[diverging] = p.diverging_extra_slope
    slope = p.sat_index_trend_per_year + slope_dev + extra
    season = amp[:, None] * np.sin(2 * np.pi * np.arange(n_months)[None, :] / 12 + phase[:, None])
    sat = (base[:, None] + slope[:, None] * mid[None, :] / 365 + season
           + effect[:, None] * post + noise)
    tr = w.truth["regions"]
    tr["sat_index_slope"] = np.round(slope, 4)  # points per year, the extra slope included
    tr["sat_index_season_amp"] = np.round(amp, 4)
    tr["sat_index_season_phase"] = np.round(phase, 4)
    w.truth["diverging_region"] = (None if diverging is None else {
        "region_id": str(w.region_ids[diverging]),
        "extra_slope_per_year": p.diverging_extra_slope,
        "did_bias": _did_bias(w, mid, extra),
    })
    usage = w.tables["crm_usage"]
    emp_region = dict(zip(w.employee_ids, w.employee_region))
    u_region = usage["employee_id"].map(emp_region).to_numpy()
    u_day = (usage["week_start"].to_numpy().astype("datetime64[D]") - w.start).astype(int)
    logins = count(u_region, u_day, usage["logins"].to_numpy().astype(float))
    weeks = count(u_region, u_day)  # employee-weeks
    staff = np.bincount(w.employee_region, minlength=R)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_emp = np.where(weeks > 0, logins / np.maximum(weeks, 1), 0.0)
    del staff
    rr, mm = np.meshgrid(np.arange(R), np.arange(n_months), indexing="ij")
    w.tables["kpi_monthly"] = pd.DataFrame({
        "region_id": w.region_ids[rr.ravel()],
        "month": to_dates(w.start, month_start[mm.ravel()]),
        "new_customers": new.ravel().astype(int),
        "active_customers": active.ravel().astype(int),
        "orders": orders.ravel().astype(int),
        "revenue": np.round(revenue.ravel(), 2),
        "complaints": complaints.ravel().astype(int),
        "resolved_fast_pct": np.round(fast_pct.ravel(), 1),
        "satisfaction_index": np.round(sat.ravel(), 1),
        "crm_logins_per_employee": np.round(per_emp.ravel(), 1),
    })


def diverging_region_index(w: World) -> int:
    """The comparison region whose trend diverges with ``diverging_region=True``:
    the region whose CRM is not live in the data (the comparison of every
    wave), or, if every region rolls out, the last to do so."""
    late = np.flatnonzero(w.rollout_day >= w.horizon)
    if late.size:
        return int(late[0])
    return int(np.lexsort((np.arange(len(w.rollout_day)), w.rollout_day))[-1])


def _did_bias(w: World, mid: np.ndarray, extra: np.ndarray) -> dict:
    """What the extra trend adds to each wave's DiD against its clean comparison
    (crmlab.did.did_rollout): treated minus comparison change of the extra trend
    between the pre- and post-period means (the two-way fixed-effects estimate
    in a balanced panel is that difference of means)."""
    waves = np.unique(w.rollout_day[w.rollout_day < w.horizon])
    out = {}
    for k, day in enumerate(waves, start=1):
        later = w.rollout_day[w.rollout_day > day]
        end = min(later.min(), w.horizon) if later.size else w.horizon
        months = mid - 15  # month starts
        pre, postm = months < day, (months >= day) & (months < end)
        if not pre.any() or not postm.any():
            continue
        dt = (mid[postm].mean() - mid[pre].mean()) / 365
        treated = w.rollout_day == day
        comparison = w.rollout_day >= end
        out[f"wave_{k}"] = round(float((extra[treated].mean() - extra[comparison].mean()) * dt), 4)
    return out
