"""Observed activity: customers table, orders, contracts/holdings, tickets,
interactions and surveys, all drawn from the latent traits and lifetimes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.data.people import CHURN_TYPES, OUTCOMES, TIERS, Customers
from crmlab.data.traces import plan_at
from crmlab.data.world import World, id_array, ids, month_day, take_str, to_dates, to_datetimes

__all__ = ["customers_table", "orders_tables", "service_tables", "survey_table", "EXIT_REASONS"]

EXIT_REASONS = ("firm_ended_service", "poor_service", "competitor_offer", "price_too_high",
                "moved_or_no_longer_needed")  # one per CHURN_TYPES entry, same order


def _repeat_uniform(rng, counts, lo, hi):
    """For each row i, ``counts[i]`` uniform draws in [lo[i], hi[i])."""
    idx = np.repeat(np.arange(len(counts)), counts)
    return idx, lo[idx] + rng.random(idx.size) * (hi[idx] - lo[idx])


def referral_weight(p, s: np.ndarray) -> np.ndarray:
    """Relative chance of being named as referrer: rises with satisfaction s,
    steeply above ``p.top_threshold`` (the completely satisfied)."""
    return np.exp(p.referral_s * s + p.referral_top * np.maximum(s - p.top_threshold, 0.0))


def customers_table(w: World, c: Customers, rng: np.random.Generator) -> None:
    p = w.params
    n = c.n
    pools = w.pools
    city_w = np.array([0.4, 0.2, 0.15, 0.15, 0.1])
    city_i = rng.choice(5, n, p=city_w)
    cities = np.array(pools.cities)[c.region, city_i]
    chan = rng.choice(len(p.acquisition_channels), n, p=p.acquisition_mix)
    cost = rng.gamma(4.0, np.asarray(p.acquisition_cost_mean)[chan] / 4.0)
    # Referrals: satisfied customers refer more, steeply so at the top of the
    # scale (Jones & Sasser).  A referred customer's referrer is drawn among
    # customers who signed up before, weighted by referral_weight(s).
    referral = np.asarray(p.acquisition_channels)[chan] == "referral"
    referral[0] = False
    weight = referral_weight(p, c.s) * ~c.potential
    cw = np.cumsum(weight)
    ref_idx = np.flatnonzero(referral)
    earlier = np.searchsorted(c.signup, c.signup[ref_idx], side="left")  # customers strictly before
    ok = earlier > 0
    referral[ref_idx[~ok]] = False
    chan = np.where(referral | (np.asarray(p.acquisition_channels)[chan] != "referral"), chan,
                    0)
    ref_idx = ref_idx[ok]
    u = rng.random(ref_idx.size) * cw[earlier[ok] - 1]
    referrer = np.searchsorted(cw, u, side="right")
    ids_ = ids("C", n)
    referred_by = np.full(n, None, dtype=object)
    referred_by[ref_idx] = ids_[referrer]
    w.truth["referrer_index"] = (ref_idx, referrer)

    cols = {
        "customer_id": ids_,
        "name": (pools.companies[rng.integers(0, len(pools.companies), n)] if w.scenario == "b2b"
                 else pools.person_names(rng, c.female)),
    }
    if w.scenario != "b2b":
        mean_age = 42 if w.scenario == "bank" else 35
        cols["gender"] = np.where(c.female, "F", "M")
        cols["age"] = np.clip(np.round(18 + rng.gamma(3.0, (mean_age - 18) / 3.0, n)), 18, 85
                              ).astype(int)
    else:
        cols["industry"] = np.asarray(pools.industries)[rng.integers(0, len(pools.industries), n)]
        cols["company_size"] = np.round(np.exp(rng.normal(5.0, 1.3, n))).astype(int) + 5
    cols |= {
        "city": cities,
        "region_id": w.region_ids[c.region],
        "signup_date": to_dates(w.start, c.signup),
        "acquisition_channel": np.asarray(p.acquisition_channels)[chan],
        "acquisition_cost": cost,
        "referred_by": referred_by,
    }
    if w.scenario in ("bank", "b2b"):
        role = "account_manager"
        cols["account_manager_id"] = w.staff(role, c.region, rng)
    cols |= {
        "email": pools.emails(rng, n),
        "phone": pools.phones(rng, n),
        "marketing_consent": rng.random(n) < p.consent_rate,
    }
    w.tables["customers"] = pd.DataFrame(cols)


def _membership(w: World, orders: pd.DataFrame, cust_index: np.ndarray, n: int) -> None:
    """Points = whole currency units spent in the last 12 months; tier from points."""
    p = w.params
    last_year = orders["_day"].to_numpy() > w.horizon - 365
    points = np.bincount(cust_index[last_year], weights=orders["amount"].to_numpy()[last_year],
                         minlength=n)
    points = np.floor(points).astype(int)
    names = np.array([t for t, _ in p.tier_points])
    cuts = np.array([v for _, v in p.tier_points])
    tier = names[np.searchsorted(cuts, points, side="right") - 1]
    w.tables["customers"]["membership_tier"] = tier
    w.tables["customers"]["points"] = points
    cols = w.tables["customers"].columns.tolist()
    # keep the schema's column order: tier and points come after referred_by
    at = cols.index("referred_by") + 1
    cols = cols[:at] + ["membership_tier", "points"] + [
        x for x in cols[at:] if x not in ("membership_tier", "points")]
    w.tables["customers"] = w.tables["customers"][cols]


def _finish_orders(w, cust, day, amount, margin, category, channel):
    """Sort orders by date and build the table; ``category`` and ``channel`` are
    ``(codes, names)`` pairs."""
    order = np.lexsort((cust, day))
    cust, day = cust[order], day[order]
    df = pd.DataFrame({
        "order_id": pd.array(id_array("O", len(order), 7), dtype="str"),
        "customer_id": take_str(w.customer_ids, cust),
        "order_date": to_dates(w.start, day),
        "amount": amount[order],
        "margin": margin[order],
        "category": take_str(category[1], category[0][order]),
        "channel": take_str(channel[1], channel[0][order]),
    })
    return df, cust, day


def _order_categories(w: World, n: int, cust: np.ndarray, rng: np.random.Generator
                      ) -> np.ndarray:
    """Category of each order from the customer's shopping mission (购物任务/客户画像).

    Each customer gets one persona (``category_personas``, drawn with
    ``persona_share``).  An order is, with probability ``persona_focus``, one of
    the persona's complementary categories (互补品; equally likely), otherwise a
    category drawn by ``category_popularity``.  So the categories one customer buys
    cluster (planted complements have a lift above 1) while popular categories
    stay popular.  The persona of every customer and each persona's category
    probabilities go to the truth (``persona``, ``category_personas``).
    """
    p = w.params
    cats = list(p.categories)
    k = len(cats)
    names = [name for name, _ in p.category_personas]
    mission = np.zeros((len(names), k))
    for i, (_, members) in enumerate(p.category_personas):
        mission[i, [cats.index(x) for x in members]] = 1 / len(members)
    pop = np.asarray(p.category_popularity, float)
    prob = p.persona_focus * mission + (1 - p.persona_focus) * pop  # persona x category
    persona = rng.choice(len(names), n, p=np.asarray(p.persona_share, float))
    # one uniform draw per order, inverted through the persona's cumulative
    # probabilities: persona i's row shifted to (i, i + 1], all rows in one sorted array
    cum = np.cumsum(prob, axis=1)
    cum[:, -1] = 1.0
    flat = (cum + np.arange(len(names))[:, None]).ravel()
    who = persona[cust]
    cat = np.searchsorted(flat, who + rng.random(cust.size), side="right") - who * k
    cat = np.minimum(cat, k - 1)  # guards against u + i rounding up to i + 1
    w.truth["persona_index"] = persona
    w.truth["category_personas"] = pd.DataFrame({
        "persona": np.repeat(names, k),
        "persona_share": np.repeat(np.asarray(p.persona_share, float), k),
        "category": np.tile(cats, len(names)),
        "in_mission": mission.ravel() > 0,
        "probability": prob.ravel(),
    })
    return cat


def orders_tables(w: World, c: Customers, purchases, rng: np.random.Generator) -> None:
    p = w.params
    n = c.n
    rise = month_day(w.start, p.price_rise_month)
    cats = np.asarray(p.categories)
    chans = np.asarray(p.sales_channels)
    fav_chan = rng.integers(0, len(chans), n)
    if not p.contractual:
        cust, day = purchases
        m = cust.size
        amount = rng.gamma(p.spend_p, 1 / c.nu[cust]) * (1 + p.price_rise_pct * (day >= rise))
        cat = _order_categories(w, n, cust, rng)
        margin_rate = np.asarray(p.category_margin)[cat] + rng.normal(0, 0.03, m)
        chan = np.where(rng.random(m) < 0.7, fav_chan[cust], rng.integers(0, len(chans), m))
        df, cust, day = _finish_orders(w, cust, day, amount, amount * margin_rate, (cat, cats),
                                       (chan, chans))
    elif w.scenario == "telecom":
        df, cust, day = _telecom(w, c, rng, fav_chan)
    else:
        df, cust, day = _bank(w, c, rng, fav_chan)
    df["amount"] = df["amount"].round(2)
    df["margin"] = df["margin"].round(2)
    df["_day"] = day
    if p.tier_points:
        _membership(w, df, cust, n)
    w.order_customer = cust
    w.order_day = day
    w.tables["orders"] = df


def _telecom(w, c, rng, fav_chan):
    p = w.params
    end = c.end_of_life(w.horizon)
    first = c.signup
    # one bill per started month of the contract, all before the contract's end
    months = np.maximum(1, np.ceil((end - first) / 30.4375)).astype(int)
    cust = np.repeat(np.arange(c.n), months)
    k = np.arange(cust.size) - np.repeat(np.cumsum(months) - months, months)
    day = first[cust] + k * 30.4375
    rise = month_day(w.start, p.price_rise_month)
    # the plan in force on the bill date (plan changes: crmlab/data/traces.py)
    fee = np.asarray(p.plan_fee)[plan_at(w, c, cust, day)] * (
        1 + p.price_rise_pct * (day >= rise))
    # add-ons: data and roaming purchases, more for heavier users
    n_add = rng.poisson(c.lam * (end - first) / 365 * 0.5)
    add_cust, add_day = _repeat_uniform(rng, n_add, first, end)
    add_kind = rng.choice([1, 2], add_cust.size, p=[0.75, 0.25])
    add_amount = rng.gamma(p.spend_p, 1 / c.nu[add_cust]) * 0.2
    cust = np.concatenate([cust, add_cust])
    day = np.concatenate([day, add_day])
    amount = np.concatenate([fee, add_amount])
    cat = np.concatenate([np.zeros(fee.size, int), add_kind])
    chans = np.asarray(p.sales_channels)
    chan = np.concatenate([np.zeros(fee.size, int), 1 + rng.integers(0, 2, add_cust.size)])
    margin = amount * np.where(cat == 0, 0.45, 0.6)
    df, cust2, day2 = _finish_orders(w, cust, day, amount, margin, (cat, p.categories),
                                     (chan, chans))
    del fav_chan
    w.tables["contracts"] = pd.DataFrame({
        "contract_id": ids("K", c.n),
        "customer_id": ids("C", c.n),
        "plan": np.asarray(p.plans)[c.plan],
        "monthly_fee": np.asarray(p.plan_fee)[c.plan],
        "start_date": to_dates(w.start, c.signup),
        "end_date": to_dates(w.start, c.death),
        "status": np.where(np.isfinite(c.death), "churned", "active"),
    })
    return df, cust2, day2


def _bank(w, c, rng, fav_chan):
    p = w.params
    end = c.end_of_life(w.horizon)
    prods = np.asarray(p.products)
    # first product at sign-up: mostly savings or a card
    first_p = rng.choice(len(prods), c.n, p=[0.55, 0.3, 0.05, 0.05, 0.05])
    # cross-sell: more products for satisfied customers, over their tenure
    extra = rng.poisson(p.cross_sell_rate * np.exp(0.4 * c.s) * (end - c.signup) / 365)
    ex_cust, ex_day = _repeat_uniform(rng, extra, c.signup, end)
    ex_prod = rng.choice(len(prods), ex_cust.size, p=[0.15, 0.3, 0.1, 0.3, 0.15])
    cust = np.concatenate([np.arange(c.n), ex_cust])
    day = np.concatenate([c.signup, ex_day])
    prod = np.concatenate([first_p, ex_prod])
    wealth = (1 / c.nu[cust]) / np.mean(1 / c.nu)
    amount = np.asarray(p.product_value)[prod] * wealth * np.exp(rng.normal(0, 0.4, cust.size))
    margin = amount * np.asarray(p.product_margin)[prod]
    chans = np.asarray(p.sales_channels)
    chan = np.where(rng.random(cust.size) < 0.7, fav_chan[cust],
                    rng.integers(0, len(chans), cust.size))
    df, cust2, day2 = _finish_orders(w, cust, day, amount, margin, (prod, prods), (chan, chans))
    closed = np.isfinite(c.death[cust2])
    growth = np.exp(rng.normal(0.03, 0.2, cust2.size))
    w.tables["holdings"] = pd.DataFrame({
        "holding_id": df["order_id"].to_numpy(),
        "customer_id": df["customer_id"].to_numpy(),
        "product": df["category"].to_numpy(),
        "opened_date": df["order_date"].to_numpy(),
        "closed_date": to_dates(w.start, c.death[cust2]),
        "balance": np.where(closed, 0.0, np.round(df["amount"].to_numpy() * growth, 2)),
    })
    return df, cust2, day2


def service_tables(w: World, c: Customers, rng: np.random.Generator) -> None:
    """tickets and interactions."""
    p = w.params
    n = c.n
    alive_end = c.end_of_life(w.horizon)
    # The firm only knows a contractual customer has gone; silent customers
    # keep receiving promotions and care calls until the end date.
    firm_end = alive_end if p.contractual else np.full(n, w.horizon)
    active = ~c.potential
    # ---- tickets: the first complaint (if before leaving) + neutral requests
    has_c = (c.complaint_day < alive_end) & (c.outcome >= 0)
    comp_i = np.flatnonzero(has_c)
    n_req = rng.poisson(p.request_rate * np.maximum(alive_end - c.signup, 0) / 365 * active)
    req_i, req_day = _repeat_uniform(rng, n_req, c.signup, alive_end)
    cust = np.concatenate([comp_i, req_i])
    opened = np.concatenate([c.complaint_day[comp_i], req_day])
    is_comp = np.r_[np.ones(comp_i.size, bool), np.zeros(req_i.size, bool)]
    # requests are almost always handled fast
    req_outcome = rng.choice(3, req_i.size, p=[0.85, 0.13, 0.02])
    outcome = np.concatenate([c.outcome[comp_i], req_outcome])
    m = cust.size
    hours = np.select(
        [outcome == 0, outcome == 1],
        [rng.uniform(0.5, 24, m), 24 + rng.gamma(2.0, 72, m)], np.nan)
    resolved = opened + hours / 24
    sat_mean = np.array([4.4, 2.9, 1.5])[outcome] + 0.3 * c.s[cust]
    sat_after = np.clip(np.round(sat_mean + rng.normal(0, 0.6, m)), 1, 5)
    sat_after[rng.random(m) < 0.3] = np.nan  # not everyone answers
    sev = rng.choice(["low", "medium", "high"], m, p=[0.5, 0.35, 0.15])
    ccat = np.asarray(p.complaint_categories)
    rcat = np.asarray(p.request_categories)
    category = np.where(is_comp, ccat[rng.integers(0, len(ccat), m)],
                        rcat[rng.integers(0, len(rcat), m)])
    agent = w.staff("service_agent", c.region[cust], rng)
    order = np.lexsort((cust, opened))
    t = pd.DataFrame({
        "ticket_id": ids("T", m),
        "customer_id": take_str(w.customer_ids, cust[order]),
        "employee_id": agent[order],
        "ticket_type": np.where(is_comp, "complaint", "request")[order],
        "category": category[order],
        "severity": sev[order],
        "opened_at": to_datetimes(w.start, opened[order]),
        "resolved_at": to_datetimes(w.start, resolved[order]),
        "outcome": np.asarray(OUTCOMES)[outcome[order]],
        "satisfaction_after": pd.array(sat_after[order], dtype="Int64"),
    })
    w.tables["tickets"] = t
    w.complaints = (cust[order][is_comp[order]], opened[order][is_comp[order]])

    # ---- interactions
    years_alive = np.maximum(alive_end - c.signup, 0) / 365
    years_firm = np.maximum(firm_end - c.signup, 0) / 365
    consent = w.tables["customers"]["marketing_consent"].to_numpy()
    parts = []  # (customer, day, channel code, direction code, purpose code, staffed)
    chans = np.asarray(p.contact_channels)
    directions = ("inbound", "outbound")
    purposes = ("inquiry", "care", "promotion", "complaint", "feedback")
    IN, OUT = 0, 1
    INQUIRY, CARE, PROMOTION, COMPLAINT, FEEDBACK = range(5)
    # onboarding care call within three weeks of sign-up, then periodic care calls
    onb = np.flatnonzero(c.care & active)
    onb_day = c.signup[onb] + rng.uniform(3, 21, onb.size)
    keep = onb_day < firm_end[onb]
    parts.append((onb[keep], onb_day[keep], np.zeros(keep.sum(), int), OUT, CARE, True))
    k = rng.poisson(p.care_rate * years_firm * (c.care & active))
    i, d = _repeat_uniform(rng, k, c.signup, firm_end)
    parts.append((i, d, rng.choice([0, 1, 2], i.size, p=[0.6, 0.2, 0.2]), OUT, CARE, True))
    k = rng.poisson(p.feedback_rate * years_alive * (c.care & active))
    i, d = _repeat_uniform(rng, k, c.signup, alive_end)
    parts.append((i, d, rng.choice([0, 1, 2], i.size), IN, FEEDBACK, True))
    k = rng.poisson(p.promo_rate * years_firm * consent)
    i, d = _repeat_uniform(rng, k, c.signup, firm_end)
    parts.append((i, d, rng.choice([1, 2, 3], i.size), OUT, PROMOTION, False))
    k = rng.poisson(p.inquiry_rate * years_alive * active)
    i, d = _repeat_uniform(rng, k, c.signup, alive_end)
    parts.append((i, d, rng.choice(len(chans), i.size), IN, INQUIRY, True))
    ci, cd = w.complaints
    parts.append((ci, cd, rng.choice([0, 1, 2], ci.size), IN, COMPLAINT, True))
    cust = np.concatenate([x[0] for x in parts])
    day = np.concatenate([x[1] for x in parts])
    # times in office hours: 08:00 to 20:00
    day = np.floor(day) + rng.uniform(8, 20, day.size) / 24
    chan = np.concatenate([x[2] for x in parts])
    direction = np.concatenate([np.full(len(x[0]), x[3], np.int8) for x in parts])
    purpose = np.concatenate([np.full(len(x[0]), x[4], np.int8) for x in parts])
    staffed = np.concatenate([np.full(len(x[0]), x[5]) for x in parts])
    del parts
    emp = w.staff_index("service_agent", c.region[cust], rng)
    order = np.lexsort((cust, day))
    w.tables["interactions"] = pd.DataFrame({
        "interaction_id": pd.array(id_array("I", cust.size, 7), dtype="str"),
        "customer_id": take_str(w.customer_ids, cust[order]),
        "interaction_time": to_datetimes(w.start, day[order]),
        "channel": take_str(chans, chan[order]),
        "direction": take_str(directions, direction[order]),
        "purpose": take_str(purposes, purpose[order]),
        "employee_id": take_str(w.employee_ids, emp[order], missing=~staffed[order]),
    })
    # for crmlab/data/traces.py (the low-value policy and the traces' contacts)
    w.interaction_rows = (cust[order], day[order], purpose[order], direction[order])


def survey_table(w: World, c: Customers, rng: np.random.Generator) -> None:
    p = w.params
    alive_end = c.end_of_life(w.horizon)
    eligible = np.flatnonzero(~c.potential & (alive_end > c.signup + 7))
    who = eligible[rng.random(eligible.size) < p.survey_share]
    day = c.signup[who] + 7 + rng.random(who.size) * (alive_end[who] - c.signup[who] - 7)
    s_t = _satisfaction_at(w, c, who, day)
    k = len(p.servqual_dims)
    m = who.size
    crm = (day >= w.rollout_day[c.region[who]]) * w.adoption[c.region[who]]
    exp_latent = 5.5 + rng.normal(0, 0.9, (m, k))
    exp_ = np.clip(np.round(exp_latent), 1, 7)
    gaps = c.gaps[who] + 0.3 * crm[:, None]
    # the respondents' latent levels, for the 22-item SERVQUAL questionnaire
    w.survey_latent = {"customer": who, "expectation": exp_latent, "gap": gaps}
    perc = np.clip(np.round(exp_ + gaps + rng.normal(0, 0.5, (m, k))), 1, 7)
    imp = np.clip(np.round(4.5 + 8 * np.asarray(p.servqual_weights) + rng.normal(0, 0.9, (m, k))),
                  1, 7)
    cols = {
        "customer_id": who, "survey_date": day, "survey_type": np.full(m, "periodic"),
        "csat": _likert(3.3 + 0.9 * s_t + rng.normal(0, 0.5, m), 1, 5),
        "nps": _likert(7.0 + 1.7 * s_t + rng.normal(0, 1.0, m), 0, 10),
    }
    for j, dim in enumerate(p.servqual_dims):
        cols[f"exp_{dim}"] = exp_[:, j]
        cols[f"perc_{dim}"] = perc[:, j]
        cols[f"imp_{dim}"] = imp[:, j]
    cols["repurchase_intent"] = _likert(3.2 + 0.9 * s_t + rng.normal(0, 0.6, m), 1, 5)
    cols["exit_reason"] = np.full(m, None, dtype=object)
    frames = [pd.DataFrame(cols)]
    if p.contractual:
        gone = np.flatnonzero(np.isfinite(c.death))
        gone = gone[rng.random(gone.size) < p.exit_survey_share]
        eday = c.death[gone] + rng.uniform(0, 7, gone.size)
        keep = eday < w.horizon
        gone, eday = gone[keep], eday[keep]
        g = gone.size
        s_t = _satisfaction_at(w, c, gone, eday)
        true_reason = c.churn_type[gone]
        other = (true_reason + rng.integers(1, len(EXIT_REASONS), g)) % len(EXIT_REASONS)
        reason = np.where(rng.random(g) < p.exit_reason_accuracy, true_reason, other)
        frames.append(pd.DataFrame({
            "customer_id": gone, "survey_date": eday, "survey_type": np.full(g, "exit"),
            "csat": _likert(3.3 + 0.9 * s_t + rng.normal(0, 0.5, g), 1, 5),
            "nps": _likert(7.0 + 1.7 * s_t + rng.normal(0, 1.0, g), 0, 10),
            "exit_reason": np.asarray(EXIT_REASONS)[reason],
        }))
    df = pd.concat(frames, ignore_index=True)
    df = df.sort_values(["survey_date", "customer_id"], kind="stable").reset_index(drop=True)
    df.insert(0, "survey_id", ids("S", len(df)))
    df["customer_id"] = take_str(w.customer_ids, df["customer_id"].to_numpy())
    df["survey_date"] = to_dates(w.start, df["survey_date"].to_numpy())
    for col in df.columns:
        if col not in ("survey_id", "customer_id", "survey_date", "survey_type", "exit_reason"):
            df[col] = pd.array(df[col].to_numpy(dtype=float), dtype="Int64")
    w.tables["surveys"] = df


def _likert(x, lo, hi):
    return np.clip(np.round(x), lo, hi)


def _satisfaction_at(w: World, c: Customers, idx: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Latent satisfaction on a given day: after a complaint it shifts by the
    handling outcome (service recovery); the CRM lifts it where it is used."""
    p = w.params
    shift = np.where(day >= c.complaint_day[idx],
                     np.asarray(p.recovery_s_shift)[np.maximum(c.outcome[idx], 0)], 0.0)
    r = c.region[idx]
    crm = 0.3 * w.adoption[r] * (day >= w.rollout_day[r])
    return c.s[idx] + shift + crm


def truth_customers(w: World, c: Customers) -> pd.DataFrame:
    """Per-customer latent values and the true state at the end date."""
    p = w.params
    H = w.horizon
    alive = ~np.isfinite(c.death)
    tenure = H - c.signup
    if p.contractual:
        loyal = alive & (tenure >= 365) & (c.s >= 0.5)
    else:
        loyal = alive & (tenure >= 365) & (c.lam >= np.quantile(c.lam, 2 / 3))
    stage = np.select(
        [c.potential, ~alive, tenure < 90, loyal],
        ["potential", "churned", "new", "loyal"], "active")
    return pd.DataFrame({
        "customer_id": ids("C", c.n),
        "purchase_rate": c.lam,
        "dropout_prob": np.where(p.contractual, np.nan, c.p),
        "mean_spend": p.spend_p / c.nu,
        "satisfaction": c.s,
        "price_sensitivity": c.price_sens,
        "willingness_to_adapt": c.adapt,
        "care_programme": c.care,
        "value_tier": np.asarray(TIERS)[c.tier],
        "complaint_outcome": np.where(c.outcome >= 0, np.asarray(OUTCOMES)[np.maximum(c.outcome, 0)],
                                      None),
        "alive_at_end": alive,
        "churn_date": to_dates(w.start, c.death),
        "churn_type": np.where(alive, None, np.asarray(CHURN_TYPES)[np.maximum(c.churn_type, 0)]),
        "lifecycle_stage": stage,
    } | ({"persona": np.asarray([x for x, _ in p.category_personas])[w.truth["persona_index"]]}
         if "persona_index" in w.truth else {}))
