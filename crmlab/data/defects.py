"""Data-quality defects on demand, for the data-integration chapter.

``generate(..., defects=True)`` (or a dict of rates) damages the observed
tables the way merged silos do: duplicated customers with name, phone and
e-mail variants; missing values; inconsistent date, phone and city formats;
orders that point to no customer.

Data quality improves with CRM use (数据质量随CRM使用而改善, [S1] and [S4]):
before a region's CRM goes live every record has the same chance of a
defect; from its go-live (``regions.crm_rollout_date``) the chance falls by
``defect_cut_at_full_use`` (scenarios.py, 0.8) times the region's usage
(adoption 采用率, the level the observed ``crm_usage`` logins measure; ramping
up over the first eight weeks like the logins do).  A region whose CRM is
not live in the data does not improve.  The date that decides before/after
is the record's own: a duplicate's entry date (its ``signup_date``), a blank
cell's record date (the customer's sign-up, the order's date), a format
variant's customer record, an orphan order's date.  The rates given are the
overall shares; they are redistributed over the records by that rule.

Every defect is listed in ``data.truth`` (``duplicates``, ``missing``,
``formats``, ``orphans``) so that cleaning can be scored, and
``data.truth.defect_rates`` gives the expected rate per region and kind
before and after the go-live.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.i18n import _

__all__ = ["DEFAULT_RATES", "check_rates", "inject", "usage_factor"]

DEFAULT_RATES = {
    "duplicates": 0.05,  # share of customers entered a second time
    "missing": 0.03,  # share of cells blanked in the columns listed in MISSING_COLUMNS
    "formats": 0.10,  # share of customers whose date/phone/city is written differently
    "orphans": 0.01,  # orders (as a share of all orders) whose customer does not exist
}
MISSING_COLUMNS = {"customers": ("gender", "age", "city", "email", "phone"),
                   "orders": ("category", "channel")}
CITY_ALIASES = {"New York": "NYC", "Los Angeles": "LA", "San Francisco": "SF",
                "Philadelphia": "Philly", "北京": "北京市", "上海": "上海市", "广州": "广州市",
                "深圳": "深圳市", "成都": "成都市", "武汉": "武汉市"}


def check_rates(defects) -> dict:
    """Normalise the ``defects`` argument to a dict of rates (empty: none)."""
    if defects is None or defects is False:
        return {}
    if defects is True:
        return dict(DEFAULT_RATES)
    if not isinstance(defects, dict):
        raise ValueError(_("defects must be None, True or a dict like {{'duplicates': 0.05}}, "
                           "got {defects}").format(defects=repr(defects)))
    unknown = sorted(set(defects) - set(DEFAULT_RATES))
    if unknown:
        raise ValueError(_("unknown defect kind(s) {unknown}; known: {default_rates}").format(
                             unknown=', '.join(map(repr, unknown)),
                             default_rates=', '.join(DEFAULT_RATES)))
    out = {}
    for k, v in defects.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 0.5:
            raise ValueError(_("defect rate {k} must be a number between 0 and 0.5, got {v}").format(
                                 k=repr(k), v=repr(v)))
        out[k] = float(v)
    return out


def usage_factor(region: np.ndarray, day: np.ndarray, w, cut: float) -> np.ndarray:
    """Relative defect chance of records (1 before the region's go-live).

    From the go-live on: ``1 - cut * adoption * ramp``, the ramp rising over the
    first eight weeks as the logins in ``crm_usage`` do.  ``region`` holds
    region indices (-1: unknown, factor 1), ``day`` the record's day since the start.
    """
    region = np.asarray(region, dtype=np.int64)
    day = np.asarray(day, dtype=float)
    known = region >= 0
    r = np.where(known, region, 0)
    since = (day - w.rollout_day[r]) / 7
    ramp = np.where(since >= 0, np.clip((np.floor(since) + 1) / 8, 0.0, 1.0), 0.0)
    return np.where(known, 1.0 - cut * w.adoption[r] * ramp, 1.0)


def _days(dates, start: np.datetime64) -> np.ndarray:
    """Dates -> whole days since ``start``."""
    d = pd.to_datetime(pd.Series(dates)).to_numpy().astype("datetime64[D]")
    return (d - start).astype(np.int64)


def _name_variant(names: np.ndarray, rng, locale: str) -> np.ndarray:
    out = names.astype(object).copy()
    kind = rng.integers(0, 3, len(out))
    for i, (name, k) in enumerate(zip(out, kind)):
        if locale == "zh_CN":
            out[i] = [name[:1] + " " + name[1:], name + " ", " " + name][k]
        else:
            parts = name.split(" ")
            out[i] = [name.upper(), f"{parts[-1]}, {' '.join(parts[:-1])}",
                      name.lower() + " "][k]
    return out


def _phone_variant(phones: np.ndarray, rng, locale: str) -> np.ndarray:
    out = phones.astype(object).copy()
    kind = rng.integers(0, 3, len(out))
    for i, (ph, k) in enumerate(zip(out, kind)):
        digits = "".join(ch for ch in ph if ch.isdigit())
        if locale == "zh_CN":
            out[i] = ["+86 " + digits, f"{digits[:3]}-{digits[3:7]}-{digits[7:]}",
                      f"{digits[:3]} {digits[3:7]} {digits[7:]}"][k]
        else:
            d = digits[-10:]
            out[i] = [f"({d[:3]}) {d[3:6]}-{d[6:]}", d, f"{d[:3]}.{d[3:6]}.{d[6:]}"][k]
    return out


def _date_variant(dates: pd.Series, rng) -> np.ndarray:
    fmts = np.array(["%Y/%m/%d", "%m/%d/%Y", "%d.%m.%Y", "%Y%m%d"])
    pick = fmts[rng.integers(0, len(fmts), len(dates))]
    return np.array([d.strftime(f) for d, f in zip(pd.to_datetime(dates), pick)], dtype=object)


def inject(data, rates: dict, rng: np.random.Generator, w) -> None:
    """Damage ``data.tables`` in place and record every defect in ``data.truth``."""
    from crmlab.data.world import to_dates

    cust = data.tables["customers"].copy()
    orders = data.tables["orders"].copy()
    locale = data.meta["locale"]
    cut = w.params.defect_cut_at_full_use
    n = len(cust)
    region_index = {r: i for i, r in enumerate(w.region_ids)}
    cust_region = cust["region_id"].map(region_index).to_numpy(dtype=np.int64)
    cust_day = _days(cust["signup_date"], w.start)
    cust["signup_date"] = pd.to_datetime(cust["signup_date"]).dt.strftime("%Y-%m-%d").astype(object)
    truth = {}
    norms = {}  # kind -> mean factor of the records it falls on

    # --- duplicates: the same person entered again by another silo --------
    # the entry date decides whether the region's CRM was live at the time
    shift = rng.integers(0, 40, n)
    entry = np.minimum(cust_day + shift, int(w.horizon) - 1)
    f_dup = usage_factor(cust_region, entry, w, cut)
    norms["duplicates"] = f_dup.mean() if n else 1.0
    k = int(round(rates.get("duplicates", 0) * n))
    orig = (np.sort(rng.choice(n, k, replace=False, p=f_dup / f_dup.sum())) if k
            else np.array([], int))
    dups = cust.iloc[orig].copy()
    width = len(cust["customer_id"].iloc[0]) - 1
    new_ids = np.array([f"C{i:0{width}d}" for i in range(n + 1, n + k + 1)], dtype=object)
    dups["customer_id"] = new_ids
    change = rng.random((k, 3)) < [0.7, 0.6, 0.4]  # name, phone, e-mail differ
    dups.loc[change[:, 0], "name"] = _name_variant(dups["name"].to_numpy()[change[:, 0]], rng,
                                                   locale)
    dups.loc[change[:, 1], "phone"] = _phone_variant(dups["phone"].to_numpy()[change[:, 1]], rng,
                                                     locale)
    dups.loc[change[:, 2], "email"] = dups["email"].to_numpy()[change[:, 2]].astype(str)
    dups.loc[change[:, 2], "email"] = dups.loc[change[:, 2], "email"].str.upper()
    dups["signup_date"] = pd.Series(to_dates(w.start, entry[orig]),
                                    index=dups.index).dt.strftime("%Y-%m-%d")
    # rows of the customers table from here on: region and record day of each
    row_region = np.concatenate([cust_region, cust_region[orig]])
    row_day = np.concatenate([cust_day, entry[orig]])
    # some of the original's orders were recorded against the duplicate
    orig_ids = cust["customer_id"].to_numpy()[orig]
    order_region = orders["customer_id"].map(dict(zip(cust["customer_id"], cust_region))
                                             ).to_numpy(dtype=np.int64)
    order_day = _days(orders["order_date"], w.start)
    remap = dict(zip(orig_ids, new_ids))
    moved = orders["customer_id"].isin(remap) & (rng.random(len(orders)) < 0.3)
    orders.loc[moved, "customer_id"] = orders.loc[moved, "customer_id"].map(remap)
    cust = pd.concat([cust, dups], ignore_index=True)
    truth["duplicates"] = pd.DataFrame({"duplicate_id": new_ids, "original_id": orig_ids})

    # --- orphan orders: their customer is in no customers table -----------
    f_ord = usage_factor(order_region, order_day, w, cut)
    norms["orphans"] = f_ord.mean() if len(f_ord) else 1.0
    o = int(round(rates.get("orphans", 0) * len(orders)))
    if o:
        src = np.sort(rng.choice(len(orders), o, replace=False, p=f_ord / f_ord.sum()))
        orders = _add_orphans(orders, orders.iloc[src].copy(), len(cust), rng)
        order_region = np.concatenate([order_region, order_region[src]])
        order_day = np.concatenate([order_day, order_day[src]])
    added = orders.iloc[len(orders) - o:] if o else orders.iloc[:0]
    truth["orphans"] = pd.DataFrame({"table": "orders", "row_id": added["order_id"].to_numpy(),
                                     "customer_id": added["customer_id"].to_numpy()})

    # --- missing values ------------------------------------------------------
    miss = []
    for tname, frame, region, day in (("customers", cust, row_region, row_day),
                                      ("orders", orders, order_region, order_day)):
        key = "customer_id" if tname == "customers" else "order_id"
        f = usage_factor(region, day, w, cut)
        norms[f"missing_{tname}"] = f.mean() if len(f) else 1.0
        weight = f / norms[f"missing_{tname}"]
        for colname in MISSING_COLUMNS[tname]:
            if colname not in frame:  # e.g. b2b accounts have no gender
                continue
            hit = np.flatnonzero(rng.random(len(frame)) < rates.get("missing", 0) * weight)
            if not hit.size:
                continue
            if frame[colname].dtype.kind in "iu":
                frame[colname] = frame[colname].astype("Int64")
            frame.loc[hit, colname] = None
            miss.append(pd.DataFrame({"table": tname, "row_id": frame[key].to_numpy()[hit],
                                      "column": colname}))
    truth["missing"] = (pd.concat(miss, ignore_index=True) if miss
                        else pd.DataFrame(columns=["table", "row_id", "column"]))

    # --- inconsistent formats ---------------------------------------------
    m = len(cust)
    f = int(round(rates.get("formats", 0) * m))
    f_rows = usage_factor(row_region, row_day, w, cut)
    norms["formats"] = f_rows.mean() if m else 1.0
    rows = (np.sort(rng.choice(m, f, replace=False, p=f_rows / f_rows.sum())) if f
            else np.array([], int))
    col = rng.integers(0, 3, f)
    records = []
    for c_idx, name in enumerate(("signup_date", "phone", "city")):
        r = rows[col == c_idx]
        r = r[cust[name].notna().to_numpy()[r]]  # a blank cell has no format to spoil
        before = cust[name].to_numpy()[r].astype(object)
        if name == "signup_date":
            after = _date_variant(pd.Series(before), rng)
        elif name == "phone":
            after = _phone_variant(before, rng, locale)
        else:
            after = np.array([CITY_ALIASES.get(x, x.upper() if x.isascii() else x + " ")
                              for x in before], dtype=object)
        changed = after != before  # a variant can equal the value it replaces
        r, before, after = r[changed], before[changed], after[changed]
        cust.loc[r, name] = after
        records.append(pd.DataFrame({"table": "customers", "row_id": cust["customer_id"].to_numpy()[r],
                                     "column": name, "original": before, "written": after}))
    truth["formats"] = pd.concat(records, ignore_index=True)
    truth["defect_rates"] = _rate_table(rates, norms, w, cut)

    data.tables["customers"] = cust
    data.tables["orders"] = orders
    data.truth.extra.update(truth)
    data.truth.scalars["defect_cut_at_full_use"] = cut


KIND_RATE = {"duplicates": "duplicates", "missing_customers": "missing",
             "missing_orders": "missing", "formats": "formats", "orphans": "orphans"}


def _rate_table(rates: dict, norms: dict, w, cut: float) -> pd.DataFrame:
    """Expected defect rate per region and kind, before and (fully ramped) after go-live.

    ``rate_before`` / ``rate_after`` are the chance that a record (a customer
    for duplicates, a cell for missing values, a customer row for formats, an
    order for orphans) dated before / after the region's go-live has the
    defect; ``rate_after`` is empty for a region whose CRM is not live in the data.
    """
    from crmlab.data.world import to_dates

    R = len(w.region_ids)
    live = w.rollout_day < w.horizon
    relative_cut = np.where(live, cut * w.adoption, 0.0)
    frames = []
    for kind, rate_key in KIND_RATE.items():
        before = np.full(R, rates.get(rate_key, 0.0) / norms[kind])
        frames.append(pd.DataFrame({
            "region_id": w.region_ids, "kind": kind,
            "crm_rollout_date": to_dates(w.start, w.rollout_day),
            "relative_cut": np.round(relative_cut, 4),
            "rate_before": np.round(before, 5),
            "rate_after": np.where(live, np.round(before * (1 - relative_cut), 5), np.nan),
        }))
    return pd.concat(frames, ignore_index=True)


def _add_orphans(orders: pd.DataFrame, orphans: pd.DataFrame, n_customers: int, rng):
    """Copies of some orders, re-pointed at well-formed customer ids that exist nowhere."""
    o = len(orphans)
    width = len(orders["customer_id"].iloc[0]) - 1
    ghost = n_customers + 1 + rng.choice(max(10 * o, 1000), o, replace=False)
    orphans["customer_id"] = [f"C{g:0{width}d}" for g in ghost]
    last = int(orders["order_id"].str[1:].astype(int).max())
    ow = len(orders["order_id"].iloc[0]) - 1
    orphans["order_id"] = [f"O{i:0{ow}d}" for i in range(last + 1, last + o + 1)]
    return pd.concat([orders, orphans], ignore_index=True)
