"""Customers: observed attributes and latent traits, then their lifetimes.

The latent traits (parameters in ``crmlab/data/scenarios.py``): purchase rate lambda
(gamma), drop-out probability p (beta), spend (gamma-gamma), satisfaction s
(standard normal, partly from SERVQUAL gaps), price sensitivity, willingness
to adapt, membership of the two-way care programme and a value tier.

Lifetimes come from five competing churn hazards, one per lost-customer type
(Griffin & Lowenstein 2001); satisfaction acts on them through Jones &
Sasser's (1995) zones (:func:`loyalty_zones`).  Contractual scenarios draw the
churn time from the piecewise-constant total hazard; non-contractual ones
follow the BG/NBD story (Fader, Hardie & Lee 2005): at each purchase
opportunity the customer either buys or silently drops out, with probability p
scaled by the same hazards on that day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crmlab.data.world import World, month_day

__all__ = ["Customers", "draw_customers", "hazards", "draw_lifetimes", "CHURN_TYPES"]

# Griffin & Lowenstein's five lost-customer types (五类流失客户)
CHURN_TYPES = ("intentionally_pushed_away", "unintentionally_pushed_away",
               "pulled_away_by_competitor", "bought_away_by_price", "moved_away")
OUTCOMES = ("resolved_fast", "resolved_slow", "unresolved")
TIERS = ("platinum", "gold", "iron", "lead")  # customer pyramid, Zeithaml, Rust & Lemon 2001


@dataclass
class Customers:
    n: int
    region: np.ndarray
    signup: np.ndarray  # day
    female: np.ndarray
    s: np.ndarray  # latent satisfaction
    gaps: np.ndarray  # (n, 5) SERVQUAL perception - expectation
    lam: np.ndarray  # purchases per year
    p: np.ndarray  # drop-out probability after a purchase
    nu: np.ndarray  # gamma-gamma rate: mean order value = spend_p / nu
    price_sens: np.ndarray
    adapt: np.ndarray  # willingness to adapt to the firm's process
    care: np.ndarray  # in the two-way care programme
    tier: np.ndarray  # 0 platinum .. 3 lead
    potential: np.ndarray  # registered, never buys
    plan: np.ndarray  # telecom plan index (-1 otherwise)
    # complaint event
    complaint_day: np.ndarray  # inf: none
    outcome: np.ndarray  # index into OUTCOMES, -1: no complaint
    # lifetime
    death: np.ndarray = None  # day of churn / drop-out (inf: alive at the end)
    churn_type: np.ndarray = None  # index into CHURN_TYPES, -1: alive
    # service faults (telecom, crmlab/data/traces.py): (n, fault_max) days, inf-padded
    fault_days: np.ndarray = None
    fault_norm: float = 1.0  # average fault multiplier, so the hazard's level is kept

    @property
    def mean_spend(self) -> np.ndarray:
        return self._spend_p / self.nu

    def end_of_life(self, horizon: float) -> np.ndarray:
        return np.minimum(self.death, horizon)


def draw_customers(w: World, n: int, rng: np.random.Generator) -> Customers:
    p = w.params
    R = len(w.region_ids)
    region = rng.choice(R, n, p=w.region_weight)
    span = w.horizon  # sign-ups on every day up to the end date
    signup = np.sort(np.floor(span * rng.random(n) ** (1 / p.signup_growth)))
    # SERVQUAL gaps and the satisfaction they drive
    gaps = (np.asarray(p.servqual_mean_gap) + w.region_quality[region]
            + rng.normal(0, 0.8, (n, len(p.servqual_dims))))
    weighted = gaps @ np.asarray(p.servqual_weights)
    z = (weighted - weighted.mean()) / (weighted.std() or 1.0)
    s = np.sqrt(p.servqual_share) * z + np.sqrt(1 - p.servqual_share) * rng.normal(0, 1, n)
    # the customer's potential: purchase rate and spend before satisfaction acts
    lam0 = rng.gamma(p.purchase_shape, p.purchase_rate_mean / p.purchase_shape, n)
    drop = rng.beta(p.dropout_a, p.dropout_b, n)
    gg_scale = p.spend_mean * (p.spend_q - 1) / p.spend_p  # mean of spend_p / nu = spend_mean
    nu0 = rng.gamma(p.spend_q, 1 / gg_scale, n)
    # satisfaction raises the purchase rate and the order value of every customer,
    # whatever their value tier (means kept at purchase_rate_mean and spend_mean)
    b, g = p.s_on_purchase_rate, p.s_on_spend
    lam = lam0 * np.exp(b * s - b * b / 2)
    nu = nu0 * np.exp(-(g * s - g * g / 2))
    # value tiers rank the potential value, so that inside a tier satisfied and
    # dissatisfied customers are alike except for what satisfaction does
    value = lam0 * p.spend_p / nu0
    plan = np.full(n, -1)
    if p.plans:
        # bigger spenders choose bigger plans
        rank = np.argsort(np.argsort(1 / nu0 + rng.normal(0, 0.5 * np.std(1 / nu0), n))) / n
        plan = np.minimum((rank * len(p.plans)).astype(int), len(p.plans) - 1)
        value = np.asarray(p.plan_fee)[plan] * 12 + value * 0.1  # plan plus add-ons
    # pyramid by rank: top 20% platinum, next 30% gold, next 30% iron, last 20% lead
    rank = np.argsort(np.argsort(-value, kind="stable"), kind="stable") / n
    tier = np.searchsorted([0.2, 0.5, 0.8], rank, side="right")
    c = Customers(
        n=n, region=region, signup=signup, female=rng.random(n) < 0.52, s=s, gaps=gaps,
        lam=lam, p=drop, nu=nu, price_sens=rng.beta(2, 3, n), adapt=rng.beta(2, 2, n),
        care=rng.random(n) < p.care_share, tier=tier,
        potential=rng.random(n) < p.potential_share, plan=plan,
        complaint_day=np.full(n, np.inf), outcome=np.full(n, -1),
    )
    c._spend_p = p.spend_p
    _draw_complaints(w, c, rng)
    return c


def _draw_complaints(w: World, c: Customers, rng: np.random.Generator) -> None:
    """First complaint of each customer and how it was handled.

    The rate rises where the region's reliability and responsiveness are poor
    and for less satisfied customers; handling is faster where the CRM is live
    and used.  Only complaints before the customer leaves are kept (later).
    """
    p = w.params
    q = w.region_quality[c.region]
    dims = list(p.servqual_dims)
    service = q[:, dims.index("reliability")] + q[:, dims.index("responsiveness")]
    rate = p.complaint_rate * np.exp(-p.s_on_complaint * c.s - 0.5 * service)
    day = c.signup + rng.exponential(365 / rate)
    has = (day < w.horizon) & ~c.potential
    c.complaint_day = np.where(has, day, np.inf)
    live = has & (day >= w.rollout_day[c.region])
    fast = np.clip(p.outcome_probs[0] + live * p.crm_fast_resolution_gain * w.adoption[c.region],
                   0, 0.95)
    rest = 1 - fast
    slow_share = p.outcome_probs[1] / (p.outcome_probs[1] + p.outcome_probs[2])
    u = rng.random(c.n)
    outcome = np.where(u < fast, 0, np.where(u < fast + rest * slow_share, 1, 2))
    if p.case_recovery_failure is not None:  # capstone: one region's recovery fails
        r, q = p.case_recovery_failure
        here = c.region == int(r)
        fast_given_resolved = fast / (fast + rest * slow_share)
        v = u / (1 - q)  # uniform on [0, 1) given u < 1 - q (resolved)
        failed = np.where(u >= 1 - q, 2, np.where(v < fast_given_resolved, 0, 1))
        outcome = np.where(here, failed, outcome)
    c.outcome = np.where(has, outcome, -1)


def competitor_wave_days(w: World) -> tuple[float, float]:
    """First and end day of the capstone's competitor wave (``case_competitor_wave``)."""
    m0, months, _ = w.params.case_competitor_wave
    return month_day(w.start, int(m0)), month_day(w.start, int(m0) + int(months))


def hazards(w: World, c: Customers, idx: np.ndarray, t: np.ndarray,
            wave: bool = True) -> np.ndarray:
    """Yearly hazard of each lost-customer type for customers ``idx`` at days ``t``.

    Returns an array (len(idx), 5) in the order of :data:`CHURN_TYPES`.
    ``wave=False`` leaves out the capstone's competitor wave (if any).
    """
    p = w.params
    r = c.region[idx]
    s = c.s[idx]
    care = np.where(c.care[idx], p.care_hazard_mult, 1.0)
    crm = 1 - p.crm_hazard_cut * w.adoption[r] * (t >= w.rollout_day[r])
    after = t >= c.complaint_day[idx]
    recovery = np.where(after, np.asarray(p.recovery_hazard_mult)[np.maximum(c.outcome[idx], 0)], 1)
    price_rise = t >= month_day(w.start, p.price_rise_month)
    policy = t >= month_day(w.start, p.policy_month)
    out = np.empty((len(idx), 5))
    out[:, 0] = p.hazard_intentional * (c.tier[idx] == 3) * policy
    zones = loyalty_zones(p, s)
    top = loyalty_zones(p, s, defection=False)
    out[:, 1] = p.hazard_unintentional * np.exp(-p.s_on_hazard * s) * zones * recovery * crm * care
    out[:, 2] = p.hazard_competitor * np.exp(-p.s_on_competitor * s) * top * care
    if wave and p.case_competitor_wave is not None:  # capstone: a competitor's price war
        w0, w1 = competitor_wave_days(w)
        out[:, 2] *= np.where((t >= w0) & (t < w1), p.case_competitor_wave[2], 1.0)
    out[:, 3] = p.hazard_price * 2.5 * c.price_sens[idx] * top * np.where(
        price_rise, p.price_rise_hazard_mult, p.price_hazard_before_rise)
    out[:, 4] = p.hazard_moved
    out[:, 1] *= _fault_mult(w, c, idx, t)
    return out


def loyalty_zones(p, s: np.ndarray, defection: bool = True) -> np.ndarray:
    """Hazard multiplier of Jones & Sasser's (1995) zones of satisfaction.

    Zone of defection (s below ``p.bottom_threshold``): the hazard rises steeply,
    ``exp(p.bottom_slope * (threshold - s))``; zone of indifference (between the
    thresholds): 1, satisfaction buys little loyalty there beyond the gentle
    ``exp(-s_on_hazard * s)`` of :func:`hazards`; zone of affection (above
    ``p.top_threshold``, the completely satisfied): the hazard falls steeply,
    ``exp(-p.top_slope * (s - threshold))``.  The service hazard has all three
    zones; competitor and price offers tempt every customer except the
    completely satisfied (``defection=False``: no zone of defection).
    """
    bottom = p.bottom_slope * np.maximum(p.bottom_threshold - s, 0.0) if defection else 0.0
    return np.exp(bottom - p.top_slope * np.maximum(s - p.top_threshold, 0.0))


def _fault_mult(w: World, c: Customers, idx: np.ndarray, t: np.ndarray):
    """Service faults (服务故障) raise the unintentional hazard: ``fault_hazard_mult``
    for ``fault_effect_days`` after each fault, divided by the average multiplier."""
    if c.fault_days is None:
        return 1.0
    p = w.params
    with np.errstate(invalid="ignore"):  # inf - inf: a segment that never starts
        since = t[:, None] - c.fault_days[idx]
    recent = ((since >= 0) & (since < p.fault_effect_days)).any(axis=1)
    return np.where(recent, p.fault_hazard_mult, 1.0) / c.fault_norm


def _pick_type(h: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    cum = np.cumsum(h, axis=1)
    u = rng.random(len(h)) * cum[:, -1]
    return (u[:, None] > cum).sum(axis=1)


def draw_lifetimes(w: World, c: Customers, rng: np.random.Generator):
    """Set ``c.death`` and ``c.churn_type``; return purchase (customer, day) pairs
    for non-contractual scenarios (None for contractual ones)."""
    if w.params.contractual:
        _contract_lifetimes(w, c, rng)
        return None
    return _silent_lifetimes(w, c, rng)


def _contract_lifetimes(w: World, c: Customers, rng: np.random.Generator) -> None:
    p = w.params
    n = c.n
    # change points of the hazard: complaint, CRM roll-out, price rise, policy
    bps = np.column_stack([
        c.complaint_day, w.rollout_day[c.region],
        np.full(n, month_day(w.start, p.price_rise_month)),
        np.full(n, month_day(w.start, p.policy_month)),
    ])
    if c.fault_days is not None:  # each fault starts and ends a stretch of higher hazard
        bps = np.column_stack([bps, c.fault_days, c.fault_days + p.fault_effect_days])
    if p.case_competitor_wave is not None:  # the wave starts and ends a stretch too
        bps = np.column_stack([bps, np.tile(competitor_wave_days(w), (n, 1))])
    starts = np.sort(np.column_stack([c.signup, np.maximum(bps, c.signup[:, None])]), axis=1)
    ends = np.column_stack([starts[:, 1:], np.full(n, np.inf)])
    k = starts.shape[1]
    idx = np.repeat(np.arange(n), k)
    h = hazards(w, c, idx, (starts + 0.5).ravel()).reshape(n, k, 5)
    total = h.sum(axis=2) / 365  # per day
    finite = np.isfinite(ends)
    length = np.subtract(ends, starts, out=np.zeros_like(ends), where=finite)
    seg_h = np.where(finite, total * length, np.inf)
    cum = np.cumsum(seg_h, axis=1)
    e = rng.exponential(1.0, n)
    seg = (e[:, None] > cum).sum(axis=1)  # the segment the churn falls into
    before = np.where(seg > 0, cum[np.arange(n), np.maximum(seg - 1, 0)], 0.0)
    before = np.where(seg > 0, before, 0.0)
    rate = total[np.arange(n), seg]
    death = starts[np.arange(n), seg] + (e - before) / rate
    churned = death < w.horizon
    c.death = np.where(churned, death, np.inf)
    kind = _pick_type(h[np.arange(n), seg], rng)
    c.churn_type = np.where(churned, kind, -1)


def _silent_lifetimes(w: World, c: Customers, rng: np.random.Generator):
    """Non-contractual lifetimes: each purchase opportunity is a decision.

    The first purchase is at sign-up.  At each later purchase opportunity
    (a Poisson process with rate lambda) the customer either buys or silently
    drops out, with probability p scaled by their hazards *on that day*: what
    happened since the last order (a complaint and its handling, the CRM going
    live, the price rise, the low-value policy) counts.  So surveys, complaints
    and service contacts can precede a drop-out, and the drop-out day (the
    truth's churn date) is the day the customer would have bought next.  The
    observed orders follow the BG/NBD story (drop-out between purchases with
    probability p) exactly when the hazards do not change.
    """
    n = c.n
    buyers = np.flatnonzero(~c.potential)
    t = c.signup.astype(float).copy()
    # p is the drop-out probability at the population's average starting
    # hazard; a customer's own hazards (satisfaction, care programme, a
    # complaint, the roll-out, the price rise) scale it up or down.
    ref = (hazards(w, c, buyers, t[buyers], wave=False).sum(axis=1).mean() if buyers.size
           else 1.0)
    death = np.full(n, np.inf)
    kind = np.full(n, -1)
    cust = [buyers]
    days = [t[buyers]]
    active = buyers
    while active.size:
        t[active] += rng.exponential(365 / c.lam[active])  # the next opportunity
        active = active[t[active] < w.horizon]
        h = hazards(w, c, active, t[active])
        p_eff = np.clip(c.p[active] * h.sum(axis=1) / ref, 0, 0.95)
        dies = rng.random(active.size) < p_eff
        gone = active[dies]
        death[gone] = t[gone]
        kind[gone] = _pick_type(h[dies], rng)
        active = active[~dies]
        cust.append(active)
        days.append(t[active])
    c.death = death
    c.churn_type = kind
    return np.concatenate(cust), np.concatenate(days)
