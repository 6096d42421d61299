"""Observable traces of the lost-customer types, and proxies of hidden traits.

Griffin & Lowenstein's five lost-customer types (五类流失客户, ``CHURN_TYPES``)
each leave noisy evidence in the observed tables before the customer leaves
(parameters in ``crmlab/data/scenarios.py``):

* moved away (迁移/不再符合): an address change shortly before leaving
  (``address_changes``; customers who stay move too);
* bought away by price (被价格买走): a plan downgrade (``plan_changes``) and
  billing questions (``interactions.purpose == 'billing'``) before leaving;
  price-sensitive customers trade down and ask after the price rise anyway;
* pulled away by a competitor (被竞争者吸引): porting / retention-offer
  requests (``purpose == 'porting'``), price seekers ask too;
* intentionally pushed away (有意推开): the firm's own notice (``purpose ==
  'notice'``) and no more care calls to the lowest value tier after the
  low-value policy date;
* unintentionally pushed away (无意推开): service faults (``service_faults``,
  telecom), which raise that hazard for a while after each fault (causal: drawn
  before the lifetimes), besides unresolved complaints and low satisfaction.

Proxies of hidden traits: coupon discounts on orders (``orders.discount``)
depend on price sensitivity (价格敏感度); personalisation settings and accepted
customised offers (``customers.settings_personalised``, ``custom_offers``,
``custom_offers_accepted``) on willingness to adapt (适应意愿).

The telecom bills (``orders``) follow the plan in force on the bill date, so a
customer's monthly cost is the sum of their orders in a month: the plan fee
(after the price rise: times 1 + ``price_rise_pct``) plus data and roaming
add-ons.  ``contracts.plan`` and ``contracts.monthly_fee`` stay the plan at
signing.

Every draw here comes from the ``traces`` random stream (split into one child
per part), so the other steps' data stay as they were.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.data.people import CHURN_TYPES, Customers
from crmlab.data.pools import GEOGRAPHY
from crmlab.data.world import World, id_array, ids, month_day, take_str, to_dates, to_datetimes

__all__ = ["streams", "draw_faults", "draw_plan_changes", "plan_at", "order_discounts",
           "trace_tables", "truth_columns", "truth_scalars", "FAULT_TYPES", "TRACE_PURPOSES"]

PARTS = ("faults", "plans", "discounts", "moves", "contacts", "proxies")
FAULT_TYPES = ("no_signal", "slow_data", "dropped_calls", "outage")
FAULT_TYPE_PROBS = (0.3, 0.35, 0.25, 0.1)
# interaction purposes added by this module (after the five of activity.service_tables)
TRACE_PURPOSES = ("billing", "porting", "notice")
PRICE, COMPETITOR, MOVED, INTENTIONAL = (CHURN_TYPES.index(t) for t in (
    "bought_away_by_price", "pulled_away_by_competitor", "moved_away",
    "intentionally_pushed_away"))


def streams(rng: np.random.Generator) -> dict[str, np.random.Generator]:
    """One independent child stream per part of this module."""
    return dict(zip(PARTS, rng.spawn(len(PARTS))))


def _repeat_uniform(rng, counts, lo, hi):
    idx = np.repeat(np.arange(len(counts)), counts)
    return idx, lo[idx] + rng.random(idx.size) * (hi[idx] - lo[idx])


def _rank_in_group(group: np.ndarray) -> np.ndarray:
    """0, 1, 2 ... within runs of equal (sorted) ``group`` values."""
    if not group.size:
        return group.astype(int)
    start = np.r_[True, group[1:] != group[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(group.size), 0))
    return np.arange(group.size) - first


# ------------------------------------------------------------------ service faults
def draw_faults(w: World, c: Customers, rng: np.random.Generator) -> None:
    """Service faults of every customer up to the end date (before the lifetimes).

    Rate: ``fault_rate`` x exp(-``fault_on_reliability`` x the region's
    reliability shift) x a gamma line-quality factor (mean 1); at most
    ``fault_max`` per customer.  Sets ``c.fault_days`` and ``c.fault_norm`` (the
    average hazard multiplier over customer-time, so that dividing by it keeps
    the overall level of unintentional churn).
    """
    p = w.params
    if p.fault_rate <= 0:
        return
    n, H = c.n, w.horizon
    dims = list(p.servqual_dims)
    q = w.region_quality[c.region, dims.index("reliability")]
    line = rng.gamma(p.fault_rate_shape, 1 / p.fault_rate_shape, n)
    rate = p.fault_rate * np.exp(-p.fault_on_reliability * q) * line * ~c.potential
    span = np.maximum(H - c.signup, 0)
    k = np.minimum(rng.poisson(rate * span / 365), p.fault_max)
    i, d = _repeat_uniform(rng, k, c.signup.astype(float), np.full(n, H))
    order = np.lexsort((d, i))
    i, d = i[order], d[order]
    days = np.full((n, p.fault_max), np.inf)
    days[i, _rank_in_group(i)] = d
    c.fault_days = days
    # share of each customer's time within fault_effect_days of a fault
    nxt = np.column_stack([days[:, 1:], np.full(n, np.inf)])
    with np.errstate(invalid="ignore"):
        cover = np.minimum(np.minimum(nxt - days, H - days), p.fault_effect_days)
    cover = np.where(np.isfinite(days), cover, 0.0).sum(axis=1)
    share = cover.sum() / max(span.sum(), 1.0)
    c.fault_norm = 1.0 + (p.fault_hazard_mult - 1.0) * share
    w.fault_rate = rate


def _fault_table(w: World, c: Customers, rng: np.random.Generator) -> None:
    end = c.end_of_life(w.horizon)
    i, j = np.nonzero(c.fault_days < end[:, None])
    d = c.fault_days[i, j]
    kind = rng.choice(len(FAULT_TYPES), i.size, p=FAULT_TYPE_PROBS)
    hours = np.where(kind == FAULT_TYPES.index("outage"), rng.gamma(2.0, 6.0, i.size),
                     rng.gamma(1.5, 2.0, i.size))
    order = np.lexsort((i, d))
    w.tables["service_faults"] = pd.DataFrame({
        "fault_id": ids("F", i.size),
        "customer_id": take_str(w.customer_ids, i[order]),
        "fault_date": to_dates(w.start, d[order]),
        "fault_type": take_str(FAULT_TYPES, kind[order]),
        "outage_hours": np.round(0.5 + hours[order], 1),
    })


# ------------------------------------------------------------------ plan changes
def draw_plan_changes(w: World, c: Customers, rng: np.random.Generator) -> None:
    """Telecom plan changes before the bills are drawn (``w.plan_events``).

    Background changes (``plan_change_rate``, upgrades with share
    ``plan_upgrade_share``), downgrades after the price rise at
    ``downgrade_after_rise_rate`` x 2.5 x price sensitivity, and a downgrade
    20-150 days before leaving for ``price_trace_downgrade`` of the price
    churners.  One step up or down; changes beyond the smallest/largest plan
    are not made.
    """
    p = w.params
    w.plan_events = None
    if not p.plans or p.plan_change_rate <= 0:
        return
    n = c.n
    end = c.end_of_life(w.horizon)
    start = c.signup.astype(float)
    rise = month_day(w.start, p.price_rise_month)
    k = rng.poisson(p.plan_change_rate * np.maximum(end - start, 0) / 365)
    ia, da = _repeat_uniform(rng, k, start, end)
    sa = np.where(rng.random(ia.size) < p.plan_upgrade_share, 1, -1)
    lo = np.maximum(start, rise)
    k = rng.poisson(p.downgrade_after_rise_rate * 2.5 * c.price_sens
                    * np.maximum(end - lo, 0) / 365)
    ib, db = _repeat_uniform(rng, k, lo, np.maximum(end, lo))
    pre = c.death - rng.uniform(20, 150, n)
    sel = ((c.churn_type == PRICE) & (rng.random(n) < p.price_trace_downgrade)
           & (pre > start + 30))
    ic = np.flatnonzero(sel)
    cust = np.concatenate([ia, ib, ic])
    day = np.concatenate([da, db, pre[ic]])
    step = np.concatenate([sa, -np.ones(ib.size, int), -np.ones(ic.size, int)])
    order = np.lexsort((day, cust))
    cust, day, step = cust[order], day[order], step[order]
    rank = _rank_in_group(cust)
    current = c.plan.copy()
    old = np.empty(cust.size, int)
    new = np.empty(cust.size, int)
    for r in range(int(rank.max()) + 1 if rank.size else 0):
        at = np.flatnonzero(rank == r)
        old[at] = current[cust[at]]
        new[at] = np.clip(old[at] + step[at], 0, len(p.plans) - 1)
        current[cust[at]] = new[at]
    made = new != old
    w.plan_events = (cust[made], day[made], old[made], new[made])


def plan_at(w: World, c: Customers, cust: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The plan in force for customers ``cust`` on days ``day``."""
    ev = getattr(w, "plan_events", None)
    if ev is None or not ev[0].size:
        return c.plan[cust]
    e_cust, e_day, _, e_new = ev
    scale = w.horizon + 1.0
    pos = np.searchsorted(e_cust * scale + e_day, cust * scale + day, side="right") - 1
    ok = (pos >= 0) & (e_cust[np.maximum(pos, 0)] == cust)
    return np.where(ok, e_new[np.maximum(pos, 0)], c.plan[cust])


def _plan_table(w: World) -> None:
    p = w.params
    cust, day, old, new = w.plan_events
    order = np.lexsort((cust, day))
    fee = np.asarray(p.plan_fee)
    w.tables["plan_changes"] = pd.DataFrame({
        "change_id": ids("PC", cust.size),
        "customer_id": take_str(w.customer_ids, cust[order]),
        "change_date": to_dates(w.start, day[order]),
        "old_plan": take_str(p.plans, old[order]),
        "new_plan": take_str(p.plans, new[order]),
        "old_fee": fee[old[order]],
        "new_fee": fee[new[order]],
    })


# ------------------------------------------------------------------ coupons
def order_discounts(w: World, c: Customers, rng: np.random.Generator) -> None:
    """``orders.discount``: the coupon value taken off an order (empty: no coupon).

    P(coupon) = ``coupon_base`` + ``coupon_on_price_sens`` x price sensitivity;
    the coupon takes 5-25% off the list price.  Telecom: add-on purchases only
    (plan-fee bills never have one).
    """
    p = w.params
    if p.coupon_base <= 0:
        return
    df = w.tables["orders"]
    cust = w.order_customer
    m = cust.size
    eligible = (df["category"] != "plan_fee").to_numpy() if p.plans else np.ones(m, bool)
    prob = np.clip(p.coupon_base + p.coupon_on_price_sens * c.price_sens[cust], 0, 1)
    used = eligible & (rng.random(m) < prob)
    rate = rng.uniform(0.05, 0.25, m)
    amount = df["amount"].to_numpy(float)
    df["discount"] = np.where(used, np.round(amount * rate / (1 - rate), 2), np.nan)


# ------------------------------------------------------------------ address changes
def _address_table(w: World, c: Customers, rng: np.random.Generator) -> None:
    """Moves: background moves of everyone, and the moved-away churners' last move."""
    p = w.params
    n = c.n
    R = len(w.region_ids)
    cities = np.asarray(w.pools.cities)  # (R, 5)
    per = cities.shape[1]
    outside = [x for r, cs in GEOGRAPHY[w.pools.locale].items() if r not in w.pools.regions
               for x in cs][:per]
    names = np.concatenate([cities.ravel(), outside])
    home = pd.Series(np.arange(R * per), index=cities.ravel())
    where = home.reindex(w.tables["customers"]["city"].to_numpy()).to_numpy()
    where = np.where(np.isnan(where), c.region * per, where).astype(int)
    end = c.end_of_life(w.horizon)
    start = c.signup.astype(float)
    span = np.maximum(end - start, 0)
    bg = ~c.potential & (rng.random(n) < 1 - np.exp(-p.move_rate * span / 365))
    bg_day = start + rng.random(n) * span
    bg_far = rng.random(n) < 0.3  # to another region (else another city of the same one)
    tr = ((c.churn_type == MOVED) & (rng.random(n) < p.move_trace_share))
    tr_day = np.maximum(c.death - rng.uniform(0, p.move_trace_days, n), start)
    tr_out = rng.random(n) < p.move_out_of_area_share
    cust = np.r_[np.flatnonzero(bg), np.flatnonzero(tr)]
    day = np.r_[bg_day[bg], tr_day[tr]]
    kind = np.r_[np.where(bg_far[bg], 1, 0), np.where(tr_out[tr], 2, 1)]  # 0 city 1 region 2 out
    order = np.lexsort((day, cust))
    cust, day, kind = cust[order], day[order], kind[order]
    u1 = rng.integers(1, per, cust.size)
    u2 = rng.integers(1, max(R, 2), cust.size)
    u3 = rng.integers(0, per, cust.size)
    rank = _rank_in_group(cust)
    current = where.copy()
    old = np.empty(cust.size, int)
    new = np.empty(cust.size, int)
    for r in range(int(rank.max()) + 1 if rank.size else 0):
        at = np.flatnonzero(rank == r)
        o = current[cust[at]]
        reg, col = o // per, o % per
        far = np.where(reg >= R, reg, (reg + u2[at]) % R) * per + u3[at]
        near = reg * per + (col + u1[at]) % per
        out = R * per + u3[at] % len(outside)
        old[at] = o
        new[at] = np.select([kind[at] == 0, (kind[at] == 1) & (reg < R)], [near, far], out)
        current[cust[at]] = new[at]
    order = np.lexsort((cust, day))
    old, new, cust, day = old[order], new[order], cust[order], day[order]
    reg_ids = np.asarray(w.region_ids)
    w.tables["address_changes"] = pd.DataFrame({
        "change_id": ids("A", cust.size),
        "customer_id": take_str(w.customer_ids, cust),
        "change_date": to_dates(w.start, day),
        "old_city": take_str(names, old),
        "new_city": take_str(names, new),
        "old_region_id": take_str(reg_ids, np.minimum(old // per, R - 1), missing=old // per >= R),
        "new_region_id": take_str(reg_ids, np.minimum(new // per, R - 1), missing=new // per >= R),
    })


# ------------------------------------------------------------------ contacts
def _contacts(w: World, c: Customers, rng: np.random.Generator) -> None:
    """The low-value policy ends care calls; billing, porting and notice contacts."""
    p = w.params
    cust, day, purpose, direction = w.interaction_rows
    df = w.tables["interactions"]
    policy = month_day(w.start, p.policy_month)
    CARE, OUT = 1, 1
    keep = np.ones(cust.size, bool)
    if p.policy_stops_care:
        keep = ~((purpose == CARE) & (direction == OUT) & (c.tier[cust] == 3) & (day >= policy))
    parts = []
    if p.trace_contacts:
        n = c.n
        end = c.end_of_life(w.horizon)
        start = c.signup.astype(float)
        active = ~c.potential
        rise = month_day(w.start, p.price_rise_month)
        gone = np.isfinite(c.death)
        kind = np.maximum(c.churn_type, 0)
        # billing questions: background (more after the rise for price-sensitive
        # customers) and price churners shortly before leaving
        mid = np.clip(rise, start, end)
        k = rng.poisson(p.billing_query_rate * (mid - start) / 365 * active)
        i1, d1 = _repeat_uniform(rng, k, start, mid)
        k = rng.poisson((p.billing_query_rate + p.billing_query_rise_rate * 2.5 * c.price_sens)
                        * (end - mid) / 365 * active)
        i2, d2 = _repeat_uniform(rng, k, mid, end)
        sel = np.flatnonzero(gone & (c.churn_type == PRICE)
                             & (rng.random(n) < p.price_trace_billing))
        d3 = np.maximum(c.death[sel] - rng.uniform(3, 60, sel.size), start[sel])
        parts.append((np.r_[i1, i2, sel], np.r_[d1, d2, d3], 0, True))
        # porting / retention-offer requests
        k = rng.poisson(p.porting_rate * (end - start) / 365 * active * ~gone)
        i1, d1 = _repeat_uniform(rng, k, start, end)
        sel = np.flatnonzero(gone & (rng.random(n) < np.asarray(p.porting_trace)[kind]))
        d3 = np.maximum(c.death[sel] - rng.uniform(1, 30, sel.size), start[sel])
        parts.append((np.r_[i1, sel], np.r_[d1, d3], 1, True))
        # the firm's notice to lowest-tier customers after the policy date
        lo = np.clip(policy, start, end)
        k = rng.poisson(p.notice_rate * (end - lo) / 365 * active * (c.tier == 3)
                        * (c.churn_type != INTENTIONAL))
        i1, d1 = _repeat_uniform(rng, k, lo, end)
        sel = np.flatnonzero(gone & (c.churn_type == INTENTIONAL)
                             & (rng.random(n) < p.notice_trace))
        d3 = np.maximum(c.death[sel] - rng.uniform(14, 60, sel.size), np.maximum(start[sel],
                                                                                  policy))
        d3 = np.minimum(d3, c.death[sel])
        parts.append((np.r_[i1, sel], np.r_[d1, d3], 2, False))
    if not parts and keep.all():
        return
    old = df[keep]
    if parts:
        ncust = np.concatenate([x[0] for x in parts])
        nday = np.concatenate([x[1] for x in parts])
        nday = np.floor(nday) + rng.uniform(8, 20, nday.size) / 24
        which = np.concatenate([np.full(len(x[0]), x[2]) for x in parts])
        staffed = np.concatenate([np.full(len(x[0]), x[3]) for x in parts])
        chans = list(p.contact_channels)
        inbound_ch = np.array([chans.index(x) for x in ("phone", "app")] + [len(chans) - 1])
        ch = np.where(which == 2, rng.choice([chans.index("email"), chans.index("sms")],
                                             which.size),
                      inbound_ch[rng.integers(0, 3, which.size)])
        emp = w.staff_index("service_agent", c.region[ncust], rng)
        new = pd.DataFrame({
            "interaction_id": pd.array(np.full(ncust.size, ""), dtype="str"),
            "customer_id": take_str(w.customer_ids, ncust),
            "interaction_time": to_datetimes(w.start, nday),
            "channel": take_str(chans, ch),
            "direction": take_str(("inbound", "outbound"), (which == 2).astype(int)),
            "purpose": take_str(TRACE_PURPOSES, which),
            "employee_id": take_str(w.employee_ids, emp, missing=~staffed),
        })
        all_cust = np.r_[cust[keep], ncust]
        all_day = np.r_[day[keep], nday]
        out = pd.concat([old, new], ignore_index=True)
        out = out.iloc[np.lexsort((all_cust, all_day))].reset_index(drop=True)
    else:
        out = old.reset_index(drop=True)
    out["interaction_id"] = pd.array(id_array("I", len(out), 7), dtype="str")
    w.tables["interactions"] = out


# ------------------------------------------------------------------ willingness to adapt
def _adapt_proxies(w: World, c: Customers, rng: np.random.Generator) -> None:
    """customers.settings_personalised, custom_offers, custom_offers_accepted."""
    p = w.params
    end = c.end_of_life(w.horizon)
    span = np.maximum(end - c.signup, 0)
    firm_span = span if p.contractual else np.maximum(w.horizon - c.signup, 0)
    q = c.adapt * (1 - np.exp(-span / p.settings_days))
    cust = w.tables["customers"]
    consent = cust["marketing_consent"].to_numpy(bool)
    offers = rng.poisson(p.custom_offer_rate * firm_span / 365 * consent * ~c.potential)
    accept = np.clip(p.offer_accept_base + p.offer_accept_on_adapt * c.adapt, 0, 1)
    cust["settings_personalised"] = rng.binomial(p.personalisation_settings, q)
    cust["custom_offers"] = offers
    cust["custom_offers_accepted"] = rng.binomial(offers, accept)


def trace_tables(w: World, c: Customers, rngs: dict[str, np.random.Generator]) -> None:
    """The observed tables and columns of this module (after the service step)."""
    p = w.params
    if c.fault_days is not None:
        _fault_table(w, c, rngs["faults"])
    if getattr(w, "plan_events", None) is not None:
        _plan_table(w)
    if w.scenario != "b2b":
        _address_table(w, c, rngs["moves"])
    _contacts(w, c, rngs["contacts"])
    _adapt_proxies(w, c, rngs["proxies"])
    del p


def truth_columns(w: World, c: Customers) -> dict[str, np.ndarray]:
    """Per-customer truth of this module (added to ``truth.customers``)."""
    out = {}
    if c.fault_days is not None:
        out["service_fault_rate"] = w.fault_rate
    return out


def truth_scalars(w: World, c: Customers) -> dict:
    p = w.params
    out = {
        "coupon_prob": {"base": p.coupon_base, "per_price_sensitivity": p.coupon_on_price_sens},
        "custom_offer_accept_prob": {"base": p.offer_accept_base,
                                     "per_willingness": p.offer_accept_on_adapt},
        "settings_prob": "willingness_to_adapt x (1 - exp(-days as customer / "
                         f"{p.settings_days:g}))",
        "policy_stops_care": p.policy_stops_care,
    }
    if c.fault_days is not None:
        out |= {"fault_hazard_mult": p.fault_hazard_mult,
                "fault_effect_days": p.fault_effect_days,
                "fault_hazard_norm": float(c.fault_norm),
                "fault_on_reliability": p.fault_on_reliability}
    if p.trace_contacts:
        out["porting_trace_by_type"] = dict(zip(CHURN_TYPES, p.porting_trace))
    return out
