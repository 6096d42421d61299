"""Data-quality defects on demand, for the data-integration chapter.

``generate(..., defects=True)`` (or a dict of rates) damages the observed
tables the way merged silos do: duplicated customers with name, phone and
e-mail variants; missing values; inconsistent date, phone and city formats;
orders that point to no customer.  Defects arise mostly in regions with low
CRM adoption ([S1] and [S4]: data silos and poor data quality).  Every
defect is listed in ``data.truth`` (``duplicates``, ``missing``, ``formats``,
``orphans``) so that cleaning can be scored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["DEFAULT_RATES", "check_rates", "inject"]

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
        raise ValueError("defects must be None, True or a dict like {'duplicates': 0.05}, "
                         f"got {defects!r}")
    unknown = sorted(set(defects) - set(DEFAULT_RATES))
    if unknown:
        raise ValueError(f"unknown defect kind(s) {', '.join(map(repr, unknown))}; "
                         f"known: {', '.join(DEFAULT_RATES)}")
    out = {}
    for k, v in defects.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 0.5:
            raise ValueError(f"defect rate {k!r} must be a number between 0 and 0.5, got {v!r}")
        out[k] = float(v)
    return out


def _silo_weights(region_ids, w) -> np.ndarray:
    """Per-row weight, mean 1: low CRM adoption in the row's region -> more defects."""
    adoption = dict(zip(w.region_ids, w.adoption))
    weight = 1.6 - pd.Series(region_ids).map(adoption).to_numpy(dtype=float)
    return weight / np.nanmean(weight)


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
    cust = data.tables["customers"].copy()
    orders = data.tables["orders"].copy()
    locale = data.meta["locale"]
    n = len(cust)
    weights = _silo_weights(cust["region_id"], w)
    weights = weights / weights.sum()
    cust["signup_date"] = pd.to_datetime(cust["signup_date"]).dt.strftime("%Y-%m-%d").astype(object)
    truth = {}

    # --- duplicates: the same person entered again by another silo --------
    k = int(round(rates.get("duplicates", 0) * n))
    orig = np.sort(rng.choice(n, k, replace=False, p=weights)) if k else np.array([], int)
    dups = cust.iloc[orig].copy()
    new_ids = np.char.add("C", np.char.zfill(np.arange(n + 1, n + k + 1).astype(str),
                                             len(cust["customer_id"].iloc[0]) - 1))
    dups["customer_id"] = new_ids
    change = rng.random((k, 3)) < [0.7, 0.6, 0.4]  # name, phone, e-mail differ
    dups.loc[change[:, 0], "name"] = _name_variant(dups["name"].to_numpy()[change[:, 0]], rng,
                                                   locale)
    dups.loc[change[:, 1], "phone"] = _phone_variant(dups["phone"].to_numpy()[change[:, 1]], rng,
                                                     locale)
    dups.loc[change[:, 2], "email"] = dups["email"].to_numpy()[change[:, 2]].astype(str)
    dups.loc[change[:, 2], "email"] = dups.loc[change[:, 2], "email"].str.upper()
    shift = pd.to_timedelta(rng.integers(0, 40, k), unit="D")
    dups["signup_date"] = (pd.to_datetime(dups["signup_date"]) + shift).dt.strftime("%Y-%m-%d")
    # some of the original's orders were recorded against the duplicate
    orig_ids = cust["customer_id"].to_numpy()[orig]
    remap = dict(zip(orig_ids, new_ids))
    moved = orders["customer_id"].isin(remap) & (rng.random(len(orders)) < 0.3)
    orders.loc[moved, "customer_id"] = orders.loc[moved, "customer_id"].map(remap)
    cust = pd.concat([cust, dups], ignore_index=True)
    truth["duplicates"] = pd.DataFrame({"duplicate_id": new_ids, "original_id": orig_ids})

    # --- orphan orders: their customer is in no customers table -----------
    o = int(round(rates.get("orphans", 0) * len(orders)))
    if o:
        src = np.sort(rng.choice(len(orders), o, replace=False))
        orders = _add_orphans(orders, orders.iloc[src].copy(), len(cust), rng)
    added = orders.iloc[len(orders) - o:] if o else orders.iloc[:0]
    truth["orphans"] = pd.DataFrame({"table": "orders", "row_id": added["order_id"].to_numpy(),
                                     "customer_id": added["customer_id"].to_numpy()})

    # --- missing values ------------------------------------------------------
    miss = []
    region_of = dict(zip(cust["customer_id"], cust["region_id"]))
    for tname, frame in (("customers", cust), ("orders", orders)):
        key = "customer_id" if tname == "customers" else "order_id"
        silo = _silo_weights(frame["customer_id"].map(region_of), w)
        silo = np.nan_to_num(silo, nan=1.0)  # orphan orders have no region
        for colname in MISSING_COLUMNS[tname]:
            hit = np.flatnonzero(rng.random(len(frame)) < rates.get("missing", 0) * silo)
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
    silo = _silo_weights(cust["region_id"], w)
    rows = (np.sort(rng.choice(m, f, replace=False, p=silo / silo.sum())) if f
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

    data.tables["customers"] = cust
    data.tables["orders"] = orders
    data.truth.extra.update(truth)


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
