"""Record linkage (记录链接) and de-duplication (去重): one customer, one record.

Merged silos enter the same customer more than once, each time a little
differently ("THOMAS EATON", "Eaton, Thomas"; "(214) 765-3274", "+1-214-765-3274").
Finding those records and merging them is **record linkage**.  The steps:

1. **standardisation** (标准化): write every value the same way
   (:func:`standardise`, :func:`normalise_name`, :func:`normalise_email`,
   :func:`normalise_phone`, :func:`normalise_city`, :func:`parse_dates`);
2. **blocking** (分块): compare only pairs that share a key, not all
   n(n-1)/2 pairs (:func:`candidate_pairs`, :func:`blocking_report`);
3. **comparison vectors** (比较向量): per pair and field a level
   "exact / close / different / missing" (:func:`compare`, :func:`jaro_winkler`);
4. **Fellegi-Sunter scoring** (概率匹配): a match weight log2(m/u) per level,
   m and u estimated by EM without labelled pairs (:func:`fit_em`);
5. a **threshold** (阈值) from the precision-recall curve
   (:func:`precision_recall_curve`, :func:`best_threshold`);
6. **clusters** and **golden records** (黄金记录) with survivorship rules
   (存活规则) (:func:`clusters`, :func:`golden_records`, :func:`golden_id_map`,
   :func:`rekey`);
7. **evaluation** against known duplicates (:func:`evaluate`).

:func:`link` runs them all.  References: Fellegi & Sunter (1969), JASA 64(328),
1183-1210; Jaro (1989), JASA 84(406), 414-420; Winkler (1988, 1990), Proceedings
of the Section on Survey Research Methods, American Statistical Association;
Christen (2012), *Data Matching*, Springer (blocking, reduction ratio, pair
completeness).

>>> import crmlab
>>> data = crmlab.load("retail_dirty")
>>> result = link(data.customers, truth=data.truth.extra["duplicates"])
>>> round(result.metrics["f1"], 3) >= 0.95
True
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab import cleaning
from crmlab.i18n import _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "CITY_ALIASES", "COUNTRY_CODES", "DEFAULT_BLOCKS", "FIELDS", "SURVIVORSHIP",
    "FellegiSunter", "LinkResult", "best_threshold", "blocking_report", "candidate_pairs",
    "clusters", "compare", "evaluate", "fit_em", "golden_id_map", "golden_records", "jaro",
    "jaro_winkler", "jaro_winkler_many", "link", "normalise_city", "normalise_email", "normalise_name",
    "normalise_phone", "parse_dates", "plot_precision_recall", "plot_scores",
    "precision_recall_curve", "rekey", "standardise", "truth_pairs",
]

# ---------------------------------------------------------------- 1. standardisation

# country calling code -> length of the national number after it
COUNTRY_CODES = {"1": 10, "86": 11}
# well-known short forms of city names (a reference table, like a postal authority's list)
CITY_ALIASES = {"nyc": "new york", "la": "los angeles", "sf": "san francisco",
                "philly": "philadelphia"}

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
_SPACE_NEAR_CJK = re.compile(f"(?<=[{_CJK}])\\s+|\\s+(?=[{_CJK}])")
_PUNCT = re.compile(r"[.,;:'\"`·•()\[\]_\-]+")


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


def _text(value) -> str | None:
    """NFKC (full-width -> half-width), case-folded, whitespace collapsed; None if blank."""
    if _missing(value):
        return None
    s = " ".join(unicodedata.normalize("NFKC", str(value)).casefold().split())
    return s or None


def normalise_name(name) -> str | None:
    """A person's name written one way: the key for comparing names.

    NFKC turns full-width letters and spaces (``"Ｔｏｍ"``, U+3000) into normal ones; the name
    is case-folded; an inverted ``"Last, First"`` becomes ``"first last"``; punctuation goes;
    runs of spaces become one, and spaces next to a Chinese character are removed
    (``"张 伟"`` -> ``"张伟"``).  Missing or blank: None.

    >>> normalise_name("Eaton, Thomas"), normalise_name("THOMAS  EATON "), normalise_name("张 伟")
    ('thomas eaton', 'thomas eaton', '张伟')
    >>> normalise_name("ＭＡＲＹ　Ｏ'Ｂｒｉｅｎ"), normalise_name("  ")
    ('mary obrien', None)
    """
    s = _text(name)
    if s is None:
        return None
    if s.count(",") == 1:
        last, first = (p.strip() for p in s.split(","))
        s = f"{first} {last}"
    s = _PUNCT.sub(lambda m: " " if m.group() in {"-", "_"} else "", s)
    s = _SPACE_NEAR_CJK.sub("", " ".join(s.split()))
    return s or None


def normalise_email(email) -> str | None:
    """E-mail address trimmed, NFKC-normalised and lower-case (addresses are case-blind in
    practice); None if missing or without ``@``.

    >>> normalise_email(" HeathDouglas836@Hotmail.COM "), normalise_email("no-at-sign")
    ('heathdouglas836@hotmail.com', None)
    """
    s = _text(email)
    if s is None or "@" not in s:
        return None
    return s.replace(" ", "")


def normalise_phone(phone, country_codes: dict | None = None) -> str | None:
    """Digits only, without the country code: the national number.

    Non-digits go (``"(214) 765-3274"`` -> ``"2147653274"``); a leading ``00`` or ``+``
    international prefix and the country code after it (from ``country_codes``, default
    :data:`COUNTRY_CODES`: ``{"1": 10, "86": 11}``, code -> length of the national number)
    are dropped when the digits left have exactly that length.  Without ``+`` or ``00`` a
    number that already has the length of a national number is kept as it is:
    ``17763568100`` is a Chinese mobile number, not +1 776...; ``8613899428318`` (13 digits)
    can only be +86.  None if there are no digits.

    >>> normalise_phone("+1-801-264-4027"), normalise_phone("(801) 264-4027")
    ('8012644027', '8012644027')
    >>> normalise_phone("+86 138 0013 8000"), normalise_phone("0086-13800138000"), normalise_phone("")
    ('13800138000', '13800138000', None)
    >>> normalise_phone("177-6356-8100"), normalise_phone("861 3899 428318")
    ('17763568100', '13899428318')

    """
    codes = COUNTRY_CODES if country_codes is None else country_codes
    if not isinstance(codes, dict):
        raise ValueError(_("country_codes must be a dict like {{'1': 10}}, got {codes}").format(
                             codes=repr(codes)))
    if _missing(phone):
        return None
    text = unicodedata.normalize("NFKC", str(phone)).strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits:
        return None
    international = text.startswith("+") or digits.startswith("00")
    if not international and len(digits) in set(codes.values()):
        return digits  # "17763568100" is a Chinese mobile number, not +1 776...
    if digits.startswith("00"):
        digits = digits[2:]
    for code, length in codes.items():
        if digits.startswith(code) and len(digits) == len(code) + length:
            return digits[len(code):]
    return digits


def normalise_city(city, aliases: dict | None = None) -> str | None:
    """City name case-folded and NFKC-normalised, a trailing 市 ("city") dropped, and a known
    short form (:data:`CITY_ALIASES`: NYC, LA, SF, Philly) written out.

    >>> normalise_city("NYC"), normalise_city("北京市 "), normalise_city("St. Louis")
    ('new york', '北京', 'st. louis')
    """
    s = _text(city)
    if s is None:
        return None
    if len(s) > 2 and s.endswith("市"):
        s = s[:-1].strip()
    return (CITY_ALIASES if aliases is None else aliases).get(s, s)


def parse_dates(values) -> pd.Series:
    """Dates written in mixed formats -> datetime64 (NaT if missing or unreadable).

    The rule is :func:`crmlab.cleaning.parse_dates` (year first: year-month-day; a slash
    with the year last: month/day/year, the US way; a dot or dash with the year last:
    day.month.year; ``04/05/2022`` cannot be told apart from the 4th of May), applied once
    per distinct value.

    >>> parse_dates(["2022-03-15", "2022/03/15", "20220315", "15.03.2022", "03/15/2022", None]
    ...             ).dt.strftime("%Y-%m-%d").tolist()
    ['2022-03-15', '2022-03-15', '2022-03-15', '2022-03-15', '2022-03-15', nan]
    """
    s = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.astype("datetime64[s]")
    keys = s.astype(object).where(s.notna(), None)
    distinct = pd.Series(pd.unique(keys), dtype=object)
    read = dict(zip(distinct, cleaning.parse_dates(distinct)["date"]))
    return pd.Series([read[k] for k in keys], index=s.index,
                     dtype="datetime64[ns]").astype("datetime64[s]")


def _map_unique(series: pd.Series, fn) -> pd.Series:
    """Apply ``fn`` once per distinct value (fast on large tables with repeats)."""
    values = series.astype(object).where(series.notna(), None)
    uniq = pd.unique(values)
    table = {u: fn(u) for u in uniq}
    return pd.Series([table[v] for v in values], index=series.index, dtype=object)


STANDARD_COLUMNS = ("name_key", "email", "email_local", "phone", "phone_last4", "city",
                    "signup_date", "age", "gender", "name_initial", "is_cjk")


def standardise(customers: pd.DataFrame) -> pd.DataFrame:
    """The customers table with every field used for linking written one way.

    Returns a DataFrame indexed by ``customer_id`` with ``name_key``
    (:func:`normalise_name`), ``email`` (:func:`normalise_email`), ``email_local`` (the part
    before ``@``), ``phone`` (:func:`normalise_phone`), ``phone_last4``, ``city``
    (:func:`normalise_city`), ``signup_date`` (:func:`parse_dates`), ``age``, ``gender``
    (lower-case), ``name_initial`` (first character of ``name_key``) and ``is_cjk`` (the name
    is written in Chinese characters).  Columns the table lacks are left empty.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"customer_id": ["C1", "C2"], "name": ["Eaton, Thomas", "宿 丹"],
    ...                   "email": ["A@B.COM", None], "phone": ["+1 (214) 765-3274", "177-6356-8100"]})
    >>> s = standardise(t)
    >>> s[["name_key", "email", "phone", "phone_last4", "is_cjk"]].rename_axis(None)
            name_key    email        phone phone_last4  is_cjk
    C1  thomas eaton  a@b.com   2147653274        3274   False
    C2            宿丹     None  17763568100        8100    True
    """
    _require_customers(customers, "customers")
    if customers["customer_id"].duplicated().any():
        dup = customers["customer_id"][customers["customer_id"].duplicated()].iloc[0]
        raise ValueError(_("customers.customer_id must be unique, but {dup} occurs more than "
                           "once (a duplicated customer gets its own id)").format(dup=repr(dup)))
    c = customers.set_index(customers["customer_id"].astype(str))
    n = len(c)
    empty = pd.Series([None] * n, index=c.index, dtype=object)
    out = pd.DataFrame(index=c.index)
    out.index.name = "customer_id"
    out["name_key"] = _map_unique(c["name"], normalise_name)
    out["email"] = _map_unique(c["email"], normalise_email) if "email" in c else empty
    out["email_local"] = out["email"].map(lambda e: None if e is None else e.split("@")[0])
    out["phone"] = _map_unique(c["phone"], normalise_phone) if "phone" in c else empty
    out["phone_last4"] = out["phone"].map(lambda p: None if p is None or len(p) < 4 else p[-4:])
    out["city"] = _map_unique(c["city"], normalise_city) if "city" in c else empty
    out["signup_date"] = (parse_dates(c["signup_date"]).to_numpy() if "signup_date" in c
                          else pd.Series(pd.NaT, index=c.index, dtype="datetime64[s]"))
    out["age"] = (pd.to_numeric(c["age"], errors="coerce").astype("Float64") if "age" in c
                  else pd.Series(np.nan, index=c.index, dtype="Float64"))
    out["gender"] = _map_unique(c["gender"], _text) if "gender" in c else empty
    out["name_initial"] = out["name_key"].map(lambda s: None if s is None else s[0])
    out["is_cjk"] = out["name_key"].map(lambda s: s is not None and bool(_CJK_RE.search(s)))
    return out


def _require_customers(df, name: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise ValueError(_("{name} must be a pandas DataFrame (the customers table), got {type}").format(
                             name=name, type=type(df).__name__))
    miss = [c for c in ("customer_id", "name") if c not in df.columns]
    if miss:
        raise ValueError(_("{name} is missing column(s) {miss} (expected: customer_id, name, "
                           "and any of email, phone, city, signup_date, age, gender)").format(
                             name=name, miss=', '.join(map(repr, miss))))


def _std(df: pd.DataFrame) -> pd.DataFrame:
    """A standardised table as it is, a raw customers table standardised."""
    if isinstance(df, pd.DataFrame) and set(STANDARD_COLUMNS) <= set(df.columns):
        return df
    return standardise(df)


# ---------------------------------------------------------------- 2. blocking

DEFAULT_BLOCKS = ("phone", "email_local", "name_key")
MAX_PAIRS = 20_000_000


def _pair_codes(pos_l: np.ndarray, pos_r: np.ndarray, n: int) -> np.ndarray:
    lo, hi = np.minimum(pos_l, pos_r), np.maximum(pos_l, pos_r)
    return lo.astype(np.int64) * n + hi


def _block_pairs(std: pd.DataFrame, block, max_pairs: int) -> np.ndarray:
    """Pair codes (i * n + j, i < j) of the rows sharing the key ``block``."""
    cols = [block] if isinstance(block, str) else list(block)
    bad = [c for c in cols if c not in std.columns]
    if bad or not cols:
        raise ValueError(_("blocking key {block} is not a column of the standardised table "
                           "(choose from {items}, or a tuple of them such as ('name_initial', "
                           "'city'))").format(
                             block=repr(block),
                             items=', '.join(c for c in std.columns if c != 'is_cjk')))
    keys = std[cols].astype(object)
    ok = keys.notna().all(axis=1).to_numpy()
    pos = np.flatnonzero(ok)
    if not pos.size:
        return np.array([], np.int64)
    codes = pd.MultiIndex.from_frame(keys[ok]).factorize()[0] if len(cols) > 1 else \
        pd.factorize(keys[cols[0]][ok])[0]
    order = np.argsort(codes, kind="stable")
    codes, pos = codes[order], pos[order]
    sizes = np.bincount(codes)
    n_pairs = int((sizes * (sizes - 1) // 2).sum())
    if n_pairs > max_pairs:
        raise ValueError(_("blocking key {block} gives {n_pairs} pairs (largest block {max} "
                           "records), more than max_pairs={max_pairs}; choose a more selective "
                           "key").format(
                             block=repr(block), n_pairs=format(n_pairs, ","),
                             max=format(sizes.max(), ","), max_pairs=format(max_pairs, ",")))
    left, right = _group_pairs(codes, pos)
    return _pair_codes(left, right, len(std))


def truth_pairs(duplicates) -> pd.DataFrame:
    """The true duplicate pairs, every pair inside a true cluster (transitive closure).

    ``duplicates`` is a table of two id columns (``duplicate_id``, ``original_id`` as in
    ``data.truth.extra["duplicates"]``) or a list of id pairs.  Returns ``id_l``, ``id_r``
    with ``id_l < id_r``, sorted.

    >>> truth_pairs([("C3", "C1"), ("C2", "C1")]).values.tolist()
    [['C1', 'C2'], ['C1', 'C3'], ['C2', 'C3']]
    """
    if isinstance(duplicates, pd.DataFrame):
        if duplicates.shape[1] < 2:
            raise ValueError(_("truth must have two id columns (duplicate_id, original_id)"))
        a, b = duplicates.iloc[:, 0].astype(str), duplicates.iloc[:, 1].astype(str)
    else:
        try:
            a, b = zip(*duplicates) if len(duplicates) else ((), ())
        except (TypeError, ValueError):
            raise ValueError(_("truth must be a DataFrame (duplicate_id, original_id) or a list "
                               "of id pairs, got {type}").format(type=type(duplicates).__name__)) from None
        a, b = pd.Series(a, dtype=str), pd.Series(b, dtype=str)
    ids = pd.Index(pd.unique(np.r_[a.to_numpy(object), b.to_numpy(object)]))
    lab = _components(ids.get_indexer(a), ids.get_indexer(b), len(ids))
    return _within_pairs(pd.Series(lab, index=ids))


def _group_pairs(codes: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (pos[a], pos[b]), a before b, of the entries with equal ``codes``; entries
    already sorted by code, so a pair keeps the order of ``pos`` inside its group."""
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else \
        np.array([], np.int64)
    sizes = np.diff(np.r_[starts, len(codes)])
    left, right = [np.array([], np.int64)], [np.array([], np.int64)]
    for size in np.unique(sizes[sizes > 1]):
        first = starts[sizes == size]
        i, j = np.triu_indices(size, 1)
        left.append(pos[(first[:, None] + i[None, :]).ravel()])
        right.append(pos[(first[:, None] + j[None, :]).ravel()])
    return np.concatenate(left), np.concatenate(right)


def _within_pairs(cluster: pd.Series) -> pd.DataFrame:
    """All pairs of ids in the same cluster (``cluster``: id -> label), ``id_l < id_r``."""
    s = cluster[cluster.duplicated(keep=False)]
    ids = s.index.to_numpy(str)
    lab = pd.factorize(s.to_numpy())[0]
    order = np.lexsort((ids, lab))
    a, b = _group_pairs(lab[order], order)
    out = pd.DataFrame({"id_l": ids[a], "id_r": ids[b]}) if len(a) else pd.DataFrame(
        {"id_l": pd.Series(dtype=str), "id_r": pd.Series(dtype=str)})
    return out.sort_values(["id_l", "id_r"], ignore_index=True)


def _truth_codes(truth, index: pd.Index) -> np.ndarray:
    tp = truth if isinstance(truth, pd.DataFrame) and list(truth.columns[:2]) == ["id_l", "id_r"] \
        else truth_pairs(truth)
    li, ri = index.get_indexer(tp["id_l"]), index.get_indexer(tp["id_r"])
    if (li < 0).any() or (ri < 0).any():
        raise ValueError(_("truth names ids that are not in the customers table, e.g. {value}").format(
                             value=repr((tp['id_l'][li < 0].tolist() + tp['id_r'][ri < 0].tolist())[0])))
    return np.unique(_pair_codes(li, ri, len(index)))


def candidate_pairs(customers: pd.DataFrame, blocks=DEFAULT_BLOCKS, truth=None, *,
                    max_pairs: int = MAX_PAIRS) -> pd.DataFrame:
    """Blocking: the pairs of records that share at least one blocking key.

    Comparing all n(n-1)/2 pairs is too slow (100,000 customers: 5 billion pairs), so only
    pairs that agree exactly on some key are compared.  ``blocks`` lists the keys: a column
    of :func:`standardise` (``"phone"``, ``"email_local"``, ``"name_key"``,
    ``"phone_last4"``...) or a tuple of them (``("name_initial", "city")``: same initial *and*
    city).  A pair is a candidate if it shares **any** key (the union of the blocks).

    Returns ``id_l``, ``id_r`` (row order, ``id_l`` first in the table); its ``attrs["report"]``
    is :func:`blocking_report` (per key and for the union: pairs, **reduction ratio**
    1 - pairs / (n(n-1)/2) and, with ``truth``, **pair completeness** = true pairs among the
    candidates / all true pairs; Christen 2012, ch. 4).

    >>> import pandas as pd
    >>> t = pd.DataFrame({"customer_id": ["A", "B", "C"], "name": ["Ann Lee", "LEE, ANN", "Bo Li"],
    ...                   "phone": ["555-0101", "555-0202", "5550101"]})
    >>> p = candidate_pairs(t, blocks=["name_key", "phone"], truth=[("B", "A")])
    >>> p.values.tolist()
    [['A', 'B'], ['A', 'C']]
    >>> p.attrs["report"][["pairs", "reduction_ratio", "pair_completeness"]
    ...                   ].round(3).rename_axis(None)
              pairs  reduction_ratio  pair_completeness
    name_key      1            0.667                1.0
    phone         1            0.667                0.0
    all           2            0.333                1.0
    """
    std = _std(customers)
    if isinstance(blocks, str) or not len(blocks):
        raise ValueError(_("blocks must be a non-empty list of keys, e.g. ['phone', "
                           "'email_local', ('name_initial', 'city')], got {blocks}").format(
                             blocks=repr(blocks)))
    if isinstance(max_pairs, bool) or not isinstance(max_pairs, int) or max_pairs < 1:
        raise ValueError(_("max_pairs must be a positive whole number, got {max_pairs}").format(
                             max_pairs=repr(max_pairs)))
    n = len(std)
    per = {_block_name(b): _block_pairs(std, b, max_pairs) for b in blocks}
    union = np.unique(np.concatenate(list(per.values())))
    if len(union) > max_pairs:
        raise ValueError(_("the blocks give {n} pairs together, more than "
                           "max_pairs={max_pairs}; choose more selective keys").format(
                             n=format(len(union), ","), max_pairs=format(max_pairs, ",")))
    ids = std.index.to_numpy(str)
    pairs = pd.DataFrame({"id_l": ids[union // n], "id_r": ids[union % n]})
    t = None if truth is None else _truth_codes(truth, std.index)
    rows = {name: codes for name, codes in per.items()}
    rows["all"] = union
    report = []
    total = n * (n - 1) / 2
    for name, codes in rows.items():
        codes = np.unique(codes)
        r = {"block": name, "pairs": len(codes),
             "reduction_ratio": 1 - len(codes) / total if total else np.nan}
        if t is not None:
            found = np.isin(t, codes).sum()
            r["true_pairs_found"] = int(found)
            r["pair_completeness"] = found / len(t) if len(t) else np.nan
        report.append(r)
    pairs.attrs["report"] = pd.DataFrame(report).set_index("block")
    pairs.attrs["n_records"] = n
    return pairs


def _block_name(block) -> str:
    return block if isinstance(block, str) else "+".join(block)


def blocking_report(customers: pd.DataFrame, blocks=DEFAULT_BLOCKS, truth=None) -> pd.DataFrame:
    """Per blocking key and for their union: pairs, reduction ratio, pair completeness.

    The same table as ``candidate_pairs(...).attrs["report"]`` (see :func:`candidate_pairs`).
    """
    return candidate_pairs(customers, blocks, truth).attrs["report"]


# ---------------------------------------------------------------- 3. comparison


def jaro(a: str, b: str) -> float:
    """Jaro similarity (Jaro 1989): (m/|a| + m/|b| + (m - t)/m) / 3.

    ``m`` counts the characters that agree within a window of max(|a|, |b|) // 2 - 1
    positions; ``t`` is half the number of those matched characters that are out of order.
    0 when nothing agrees, 1 for equal strings.

    >>> round(jaro("MARTHA", "MARHTA"), 4), round(jaro("DIXON", "DICKSONX"), 4)
    (0.9444, 0.7667)
    """
    if not isinstance(a, str) or not isinstance(b, str):
        raise ValueError(_("jaro compares two strings, got {type} and {type2}").format(
                             type=type(a).__name__, type2=type(b).__name__))
    if a == b:
        return 1.0
    la, lb = len(a), len(b)
    if not la or not lb:
        return 0.0
    window = max(max(la, lb) // 2 - 1, 0)
    b_used = [False] * lb
    a_match = []
    for i, ch in enumerate(a):
        for j in range(max(0, i - window), min(lb, i + window + 1)):
            if not b_used[j] and b[j] == ch:
                b_used[j] = True
                a_match.append(ch)
                break
    m = len(a_match)
    if not m:
        return 0.0
    b_match = [b[j] for j in range(lb) if b_used[j]]
    t = sum(x != y for x, y in zip(a_match, b_match)) / 2
    return (m / la + m / lb + (m - t) / m) / 3


def jaro_winkler(a: str, b: str, p: float = 0.1, max_prefix: int = 4,
                 boost_threshold: float = 0.7) -> float:
    """Jaro-Winkler similarity (Winkler 1990): jaro + l * p * (1 - jaro).

    ``l`` is the length of the common prefix (at most ``max_prefix`` = 4) and ``p`` = 0.1 the
    scaling factor; the prefix bonus applies only when the Jaro similarity exceeds
    ``boost_threshold`` = 0.7, as in Winkler's original.  Typing errors are rarer at the start
    of a name, so a shared start counts extra.  Published examples:

    >>> [round(jaro_winkler(a, b), 3) for a, b in
    ...  [("MARTHA", "MARHTA"), ("DWAYNE", "DUANE"), ("DIXON", "DICKSONX")]]
    [0.961, 0.84, 0.813]
    """
    if not 0 <= p <= 0.25:
        raise ValueError(_("p must be between 0 and 0.25 (so that the score stays <= 1), got {p}").format(
                             p=repr(p)))
    j = jaro(a, b)
    if j <= boost_threshold:
        return j
    prefix = 0
    for x, y in zip(a[:max_prefix], b[:max_prefix]):
        if x != y:
            break
        prefix += 1
    return j + prefix * p * (1 - j)


# field -> its levels, from least to most alike; -1 in a comparison vector means missing
FIELDS = {
    "name": ("different", "close", "exact"),
    "email": ("different", "close", "exact"),
    "phone": ("different", "close", "exact"),
    "city": ("different", "exact"),
    "signup_date": ("different", "close", "exact"),
    "age": ("different", "close", "exact"),
    "gender": ("different", "exact"),
}
NAME_CLOSE = 0.92  # Jaro-Winkler of two Latin-script names counted as "close"
EMAIL_CLOSE = 0.9  # Jaro-Winkler of the local parts (before @)
DAYS_CLOSE = 60  # sign-up dates within this many days
AGE_CLOSE = 2  # ages within this many years


def _cjk_close(a: str, b: str) -> bool:
    """Chinese names: same surname (first character), same length, one other character
    different (a homophone or a mistyped character: 王小明 / 王晓明)."""
    return len(a) == len(b) >= 2 and a[0] == b[0] and sum(x != y for x, y in zip(a, b)) == 1


def jaro_winkler_many(a, b, p: float = 0.1, max_prefix: int = 4,
                      boost_threshold: float = 0.7) -> np.ndarray:
    """:func:`jaro_winkler` of many pairs at once, vectorised with numpy (same results).

    The strings become rows of character codes; the matching characters are found one
    position of ``a`` at a time for all pairs together (the first unused agreeing character
    of ``b`` inside the window, as in the loop of :func:`jaro`).

    >>> jaro_winkler_many(["MARTHA", "DWAYNE", "DIXON"], ["MARHTA", "DUANE", "DICKSONX"]).round(3)
    array([0.961, 0.84 , 0.813])
    """
    a, b = list(a), list(b)
    if len(a) != len(b):
        raise ValueError(_("a and b must have the same length, got {n} and {n2}").format(
                             n=len(a), n2=len(b)))
    if not all(isinstance(x, str) for x in a + b):
        raise ValueError(_("jaro_winkler_many compares strings; found a value that is not one"))
    if not 0 <= p <= 0.25:
        raise ValueError(_("p must be between 0 and 0.25 (so that the score stays <= 1), got {p}").format(
                             p=repr(p)))
    return _jw_many(a, b, p, max_prefix, boost_threshold)


def _jw_many(a: list, b: list, p=0.1, max_prefix=4, boost_threshold=0.7) -> np.ndarray:
    out = np.empty(len(a))
    if not a:
        return out
    longest = np.maximum([len(x) for x in a], [len(y) for y in b])
    order = np.argsort(longest, kind="stable")  # similar lengths together: narrow blocks
    av, bv = np.array(a, dtype=object)[order], np.array(b, dtype=object)[order]
    start = 0
    while start < len(a):
        width = max(1, int(longest[order[start]]))
        stop = start + max(1, 2_000_000 // (width * width))
        width = max(1, int(longest[order[min(stop, len(a)) - 1]]))
        stop = min(len(a), start + max(1, 4_000_000 // (width * width)))
        width = max(1, int(longest[order[stop - 1]]))
        out[order[start:stop]] = _jw_block(av[start:stop].tolist(), bv[start:stop].tolist(),
                                           width, p, max_prefix, boost_threshold)
        start = stop
    return out


def _jw_block(a, b, width, p, max_prefix, boost):
    A = np.array(a, dtype=f"<U{width}").view(np.uint32).reshape(len(a), width)
    B = np.array(b, dtype=f"<U{width}").view(np.uint32).reshape(len(b), width)
    la, lb = (A != 0).sum(1), (B != 0).sum(1)
    window = np.maximum(np.maximum(la, lb) // 2 - 1, 0)
    pos = np.arange(width)
    near = np.abs(pos[:, None] - pos[None, :])[None, :, :] <= window[:, None, None]
    eq = (A[:, :, None] == B[:, None, :]) & (A[:, :, None] != 0) & near
    b_used = np.zeros(B.shape, bool)
    a_flag = np.zeros(A.shape, bool)
    rows = np.arange(len(a))
    for i in range(width):
        cand = eq[:, i, :] & ~b_used
        has = cand.any(1)
        j = cand.argmax(1)
        b_used[rows[has], j[has]] = True
        a_flag[:, i] = has
    m = a_flag.sum(1)
    a_comp = np.take_along_axis(A, np.argsort(~a_flag, axis=1, kind="stable"), 1)
    b_comp = np.take_along_axis(B, np.argsort(~b_used, axis=1, kind="stable"), 1)
    t = ((a_comp != b_comp) & (pos[None, :] < m[:, None])).sum(1) / 2
    safe = np.maximum(m, 1)
    jaro_ = np.where(m > 0, (m / np.maximum(la, 1) + m / np.maximum(lb, 1) + (m - t) / safe) / 3,
                     0.0)
    k = min(max_prefix, width)
    prefix = np.cumprod((A[:, :k] == B[:, :k]) & (A[:, :k] != 0), axis=1).sum(1)
    same = (A == B).all(1)
    jw = np.where(jaro_ > boost, jaro_ + prefix * p * (1 - jaro_), jaro_)
    return np.where(same, 1.0, jw)


def _string_levels(values: pd.Series, li: np.ndarray, ri: np.ndarray, close_many) -> np.ndarray:
    """Levels of the pairs (li, ri) of ``values``: -1 missing, 0 different, 1 close
    (``close_many(xs, ys)`` true), 2 exact; ``close_many`` gets each distinct pair of
    unequal values once (object arrays)."""
    codes, uniq = pd.factorize(values.to_numpy(object))  # None -> -1
    uniq = np.asarray(uniq, dtype=object)
    cl, cr = codes[li], codes[ri]
    out = np.full(len(li), -1, np.int8)
    known = (cl >= 0) & (cr >= 0)
    out[known] = 0
    out[known & (cl == cr)] = 2
    todo = np.flatnonzero(known & (cl != cr))
    if todo.size:
        k = max(len(uniq), 1)
        ukey, inv = np.unique(cl[todo].astype(np.int64) * k + cr[todo], return_inverse=True)
        hits = np.asarray(close_many(uniq[ukey // k], uniq[ukey % k]), bool)[inv]
        out[todo[hits]] = 1
    return out


def _could_reach(xs, ys, threshold: float, p: float = 0.1, max_prefix: int = 4) -> np.ndarray:
    """False where Jaro-Winkler cannot reach ``threshold`` whatever the characters: at most
    min(|x|, |y|) characters match, so jaro <= (min/|x| + min/|y| + 1) / 3, and the prefix
    adds at most max_prefix * p * (1 - jaro)."""
    lx = np.array([len(x) for x in xs], float)
    ly = np.array([len(y) for y in ys], float)
    short = np.minimum(lx, ly)
    bound = (short / np.maximum(lx, 1) + short / np.maximum(ly, 1) + 1) / 3
    return bound + max_prefix * p * (1 - bound) >= threshold


def _jw_at_least(xs, ys, threshold: float) -> np.ndarray:
    out = np.zeros(len(xs), bool)
    todo = np.flatnonzero(_could_reach(xs, ys, threshold))
    if todo.size:
        out[todo] = _jw_many(xs[todo].tolist(), ys[todo].tolist()) >= threshold
    return out


def _names_close(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    flag = {v: bool(_CJK_RE.search(v)) for v in {*xs, *ys}}
    cjk = np.array([flag[x] or flag[y] for x, y in zip(xs, ys)], bool)
    out = np.zeros(len(xs), bool)
    if cjk.any():
        out[cjk] = [_cjk_close(x, y) for x, y in zip(xs[cjk], ys[cjk])]
    if (~cjk).any():
        out[~cjk] = _jw_at_least(xs[~cjk], ys[~cjk], NAME_CLOSE)
    return out


def _emails_close(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    lx = np.array([x.split("@")[0] for x in xs], dtype=object)
    ly = np.array([y.split("@")[0] for y in ys], dtype=object)
    return _jw_at_least(lx, ly, EMAIL_CLOSE)


def _phones_close(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Same last 7 digits (the area code differs or is missing) or one digit mistyped."""
    x, y = pd.Series(xs, dtype=str), pd.Series(ys, dtype=str)
    lx, ly = x.str.len().to_numpy(), y.str.len().to_numpy()
    tail = ((lx >= 7) & (ly >= 7) & (x.str[-7:] == y.str[-7:]).to_numpy())
    width = int(max(lx.max(), ly.max(), 1))
    X = np.array(xs.tolist(), dtype=f"<U{width}").view(np.uint32).reshape(len(xs), width)
    Y = np.array(ys.tolist(), dtype=f"<U{width}").view(np.uint32).reshape(len(ys), width)
    one_off = (lx == ly) & ((X != Y).sum(1) == 1)
    return tail | one_off


def compare(customers: pd.DataFrame, pairs: pd.DataFrame, fields=None) -> pd.DataFrame:
    """Comparison vectors: per candidate pair and field, the level of agreement.

    Levels (:data:`FIELDS`), coded by their position in the field's list, -1 = missing on
    either side (no evidence either way):

    * ``name``: exact (same :func:`normalise_name`) / close (Jaro-Winkler >= 0.92; Chinese
      names: same surname and length, one other character different) / different;
    * ``email``: exact / close (Jaro-Winkler of the local parts >= 0.9) / different;
    * ``phone``: exact national number / close (same last 7 digits, or one digit off) / different;
    * ``signup_date``: same day / within 60 days / further apart;
    * ``age``: same / within 2 years / different; ``city``, ``gender``: exact / different.

    Returns ``pairs`` with one int8 column per field.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"customer_id": ["A", "B"], "name": ["Martha Ray", "MARHTA RAY"],
    ...                   "email": ["m@x.com", None], "city": ["NYC", "New York"]})
    >>> compare(t, pd.DataFrame({"id_l": ["A"], "id_r": ["B"]}), fields=["name", "email", "city"])
      id_l id_r  name  email  city
    0    A    B     1     -1     1
    """
    std = _std(customers)
    fields = list(FIELDS) if fields is None else list(fields)
    unknown = [f for f in fields if f not in FIELDS]
    if unknown or not fields:
        raise ValueError(_("unknown comparison field(s) {unknown}; known: {fields}").format(
                             unknown=repr(unknown), fields=', '.join(FIELDS)))
    if not isinstance(pairs, pd.DataFrame) or not {"id_l", "id_r"} <= set(pairs.columns):
        raise ValueError(_("pairs must be a DataFrame with columns id_l, id_r (from "
                           "candidate_pairs)"))
    li, ri = std.index.get_indexer(pairs["id_l"]), std.index.get_indexer(pairs["id_r"])
    if (li < 0).any() or (ri < 0).any():
        raise ValueError(_("pairs name ids that are not in the customers table"))
    out = pairs[["id_l", "id_r"]].reset_index(drop=True)
    for f in fields:
        if f in ("name", "email", "phone"):
            col = {"name": "name_key", "email": "email", "phone": "phone"}[f]
            close = {"name": _names_close, "phone": _phones_close, "email": _emails_close}[f]
            out[f] = _string_levels(std[col], li, ri, close)
        elif f in ("city", "gender"):
            v = std[f].to_numpy(object)
            a, b = v[li], v[ri]
            known = pd.notna(a) & pd.notna(b)
            out[f] = np.where(known, np.where(a == b, 1, 0), -1).astype(np.int8)
        else:
            if f == "signup_date":
                v = std[f].to_numpy("datetime64[D]").astype("float64")
                v[np.isnat(std[f].to_numpy("datetime64[D]"))] = np.nan
                close_at = DAYS_CLOSE
            else:
                v = std[f].to_numpy(dtype=float, na_value=np.nan)
                close_at = AGE_CLOSE
            d = np.abs(v[li] - v[ri])
            lev = np.where(d == 0, 2, np.where(d <= close_at, 1, 0))
            out[f] = np.where(np.isnan(d), -1, lev).astype(np.int8)
    return out


# ---------------------------------------------------------------- 4. Fellegi-Sunter + EM


@dataclass
class FellegiSunter:
    """A fitted Fellegi-Sunter model: m, u per field and level, and the match share.

    ``m[f][k]`` = P(level k on field f | the pair is a match), ``u[f][k]`` = P(level k |
    non-match), ``prior`` = P(match) among the candidate pairs.  The **match weight** of a
    level is log2(m/u); a pair's total score is the sum over its non-missing fields (missing:
    weight 0); its **match probability** is
    prior * prod m / (prior * prod m + (1 - prior) * prod u) (Fellegi & Sunter 1969;
    conditional independence of the fields given match status).  An m or u of 0 is clipped
    at 1e-6, so one level adds at most log2(1e6) = 19.9 to the score; a level never seen in
    either class has weight 0.
    """

    fields: dict
    m: dict
    u: dict
    prior: float
    n_iter: int = 0
    converged: bool = True
    loglik: float = np.nan
    history: list = field(default_factory=list, repr=False)

    def weight_table(self) -> pd.DataFrame:
        """field, level, m, u, match weight log2(m/u) (0 for a level never seen)."""
        rows = []
        for f, levels in self.fields.items():
            for k, name in enumerate(levels):
                rows.append({"field": f, "level": name, "m": self.m[f][k], "u": self.u[f][k],
                             "weight": self._w(f)[k]})
        return pd.DataFrame(rows)

    def _w(self, f: str) -> np.ndarray:
        m, u = np.asarray(self.m[f]), np.asarray(self.u[f])
        seen = (m > 0) | (u > 0)
        w = np.log2(np.clip(m, _EPS, None) / np.clip(u, _EPS, None))
        return np.where(seen, w, 0.0)

    def score(self, gamma: pd.DataFrame) -> np.ndarray:
        """Total match weight of each pair: the sum of log2(m/u) over its fields."""
        _check_gamma(gamma, self.fields)
        s = np.zeros(len(gamma))
        for f in self.fields:
            g = gamma[f].to_numpy()
            w = self._w(f)
            s += np.where(g >= 0, w[np.clip(g, 0, None)], 0.0)
        return s

    def probability(self, gamma: pd.DataFrame) -> np.ndarray:
        """Posterior match probability 1 / (1 + 2^-(score + log2(prior / (1 - prior))))."""
        return _posterior(self.score(gamma), self.prior)

    @property
    def threshold_at_half(self) -> float:
        """The score at which the match probability is 1/2: log2((1 - prior) / prior)."""
        return float(np.log2((1 - self.prior) / self.prior))


_EPS = 1e-6


def _posterior(score: np.ndarray, prior: float) -> np.ndarray:
    return 1 / (1 + np.exp2(-(score + np.log2(prior / (1 - prior)))))


def _check_gamma(gamma, fields: dict) -> None:
    if not isinstance(gamma, pd.DataFrame):
        raise ValueError(_("gamma must be a DataFrame of comparison levels (from compare), got "
                           "{type}").format(type=type(gamma).__name__))
    miss = [f for f in fields if f not in gamma.columns]
    if miss:
        raise ValueError(_("gamma is missing field column(s) {miss}").format(
                             miss=', '.join(map(repr, miss))))
    for f, levels in fields.items():
        g = gamma[f].to_numpy()
        if g.dtype.kind not in "iu" or (g < -1).any() or (g >= len(levels)).any():
            raise ValueError(_("gamma.{f} must hold level codes -1 (missing) to {value}").format(
                                 f=f, value=len(levels) - 1))


def fit_em(gamma: pd.DataFrame, fields: dict | None = None, *, prior: float = 0.1,
           max_iter: int = 500, tol: float = 1e-8) -> FellegiSunter:
    """Estimate m, u and the match share by EM, without labelled pairs (Winkler 1988; Jaro 1989).

    The candidate pairs are a mixture of matches (share p) and non-matches, each field's level
    independent of the others given the class.  EM alternates

    * E-step: g_i = p prod_f m_f(γ_if) / (p prod_f m_f(γ_if) + (1 - p) prod_f u_f(γ_if)),
      the probability that pair i is a match (a missing field drops out of both products);
    * M-step: p = mean g_i;  m_f(k) = Σ g_i [γ_if = k] / Σ g_i [γ_if observed];
      u_f(k) the same with 1 - g_i,

    until no parameter moves by more than ``tol``.  It runs on the distinct comparison
    vectors with their counts, so its cost does not grow with the number of pairs.  Start:
    m puts 0.9 on the most alike level, u the level frequencies of all pairs, p = ``prior``
    and the match shares in :data:`STARTS`; the run with the highest likelihood wins (EM
    finds a local maximum).  The two classes are then named so that the most alike level
    is more common among the matches (m > u summed over the fields), since the mixture
    alone cannot tell which class is which.

    ``gamma``: the output of :func:`compare` (a level column per field); ``fields``: field ->
    its levels (default: the :data:`FIELDS` present in ``gamma``).

    m and u are estimated among the *candidate* pairs, as Jaro (1989) did inside blocks, so
    they are conditional on the blocking: a field on which every candidate pair agrees (the
    name, when all candidates share it) gets u = m and weight 0 — it has already done its
    work in choosing the pairs.

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> match = rng.random(20_000) < 0.2
    >>> g = pd.DataFrame({f: np.where(match, rng.random(20_000) < 0.9, rng.random(20_000) < q)
    ...                   .astype("int8") for f, q in zip("abcd", [0.1, 0.2, 0.05, 0.3])})
    >>> model = fit_em(g, {f: ("different", "exact") for f in "abcd"})
    >>> round(model.prior, 2), round(float(model.m["a"][1]), 2), round(float(model.u["c"][1]), 2)
    (0.2, 0.9, 0.05)
    """
    if fields is None:
        if not isinstance(gamma, pd.DataFrame):
            _check_gamma(gamma, {})
        fields = {f: lv for f, lv in FIELDS.items() if f in gamma.columns}
    if not isinstance(fields, dict) or not fields:
        raise ValueError(_("fields must be a non-empty dict: field -> its levels, e.g. "
                           "{'email': ('different', 'exact')}"))
    _check_gamma(gamma, fields)
    if not 0 < prior < 1:
        raise ValueError(_("prior (the starting match share) must be between 0 and 1, got "
                           "{prior}").format(prior=repr(prior)))
    if len(gamma) < 2:
        raise ValueError(_("EM needs comparison vectors of at least 2 pairs, got {n}").format(
                             n=len(gamma)))
    names = list(fields)
    pats, counts = np.unique(gamma[names].to_numpy(np.int64), axis=0, return_counts=True)
    counts = counts.astype(float)
    m0, u0 = {}, {}
    for c, f in enumerate(names):
        L = len(fields[f])
        obs = pats[:, c] >= 0
        freq = np.bincount(pats[obs, c], weights=counts[obs], minlength=L)
        u0[f] = freq / freq.sum() if freq.sum() else np.full(L, 1 / L)
        m0[f] = np.where(np.arange(L) == L - 1, 0.9, 0.1 / max(L - 1, 1)) if L > 1 else np.ones(1)
    best = None
    for p0 in dict.fromkeys([prior, *STARTS]):
        run = _em(pats, counts, names, {f: v.copy() for f, v in m0.items()},
                  {f: v.copy() for f, v in u0.items()}, p0, max_iter, tol)
        if best is None or run[-1][-1] > best[-1][-1] + 1e-9:
            best = run
    m, u, p, it, converged, history = best
    # the match class is the one in which the most alike level is more common (m > u)
    if sum(m[f][-1] - u[f][-1] for f in names) < 0:
        m, u, p = u, m, 1 - p
    return FellegiSunter(fields={f: tuple(fields[f]) for f in names}, m=m, u=u, prior=p,
                         n_iter=it, converged=converged, loglik=history[-1], history=history)


STARTS = (0.01, 0.1, 0.5, 0.9)  # starting match shares tried by fit_em; the best likelihood wins


def _em(pats, counts, names, m, u, p, max_iter, tol):
    """One EM run from (m, u, p) on the distinct patterns ``pats`` with their ``counts``."""
    history = []
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        log_m = np.zeros(len(pats)) + np.log(p)
        log_u = np.zeros(len(pats)) + np.log(1 - p)
        for c, f in enumerate(names):
            g = pats[:, c]
            obs = g >= 0
            log_m[obs] += np.log(np.clip(m[f][g[obs]], 1e-300, None))
            log_u[obs] += np.log(np.clip(u[f][g[obs]], 1e-300, None))
        top = np.maximum(log_m, log_u)
        lik = np.exp(log_m - top) + np.exp(log_u - top)
        post = np.exp(log_m - top) / lik
        history.append(float((counts * (top + np.log(lik))).sum()))
        wm, wu = counts * post, counts * (1 - post)
        new_p = wm.sum() / counts.sum()
        change = abs(new_p - p)
        for c, f in enumerate(names):
            L = len(m[f])
            g = pats[:, c]
            obs = g >= 0
            for arr, w in ((m, wm), (u, wu)):
                tot = np.bincount(g[obs], weights=w[obs], minlength=L)
                new = tot / tot.sum() if tot.sum() > 0 else arr[f]
                change = max(change, float(np.abs(new - arr[f]).max()))
                arr[f] = new
        p = float(np.clip(new_p, 1e-9, 1 - 1e-9))
        if change < tol:
            converged = True
            break
    return m, u, p, it, converged, history


# ---------------------------------------------------------------- 5. threshold


def precision_recall_curve(pairs: pd.DataFrame, scores, truth) -> pd.DataFrame:
    """Precision, recall and F1 of "match if score >= threshold", for every threshold.

    At threshold t: precision = true pairs with score >= t / pairs with score >= t; recall =
    true pairs with score >= t / **all** true pairs (those lost in blocking count as missed);
    F1 = 2 PR / (P + R).  Pairwise, before clustering (:func:`evaluate` scores the clusters).

    Returns ``threshold`` (descending), ``pairs``, ``true_matches``, ``precision``, ``recall``,
    ``f1``.

    >>> import pandas as pd
    >>> p = pd.DataFrame({"id_l": ["A", "A", "B"], "id_r": ["B", "C", "C"]})
    >>> precision_recall_curve(p, [5.0, -1.0, 2.0], truth=[("A", "B"), ("D", "E")])
       threshold  pairs  true_matches  precision  recall        f1
    0        5.0      1             1   1.000000     0.5  0.666667
    1        2.0      2             1   0.500000     0.5  0.500000
    2       -1.0      3             1   0.333333     0.5  0.400000
    """
    if not isinstance(pairs, pd.DataFrame) or not {"id_l", "id_r"} <= set(pairs.columns):
        raise ValueError(_("pairs must be a DataFrame with columns id_l, id_r"))
    s = np.asarray(scores, dtype=float)
    if s.shape != (len(pairs),) or not np.isfinite(s).all():
        raise ValueError(_("scores must be {n} finite numbers, one per pair, got shape {shape}").format(
                             n=len(pairs), shape=s.shape))
    true = truth_pairs(truth)
    n_true = len(true)
    if not n_true:
        raise ValueError(_("truth holds no duplicate pairs: precision and recall need some"))
    key = pairs["id_l"].astype(str).where(pairs["id_l"].astype(str) < pairs["id_r"].astype(str),
                                          pairs["id_r"].astype(str))
    other = pairs["id_r"].astype(str).where(key == pairs["id_l"].astype(str),
                                            pairs["id_l"].astype(str))
    is_true = pd.MultiIndex.from_arrays([key, other]).isin(
        pd.MultiIndex.from_frame(true[["id_l", "id_r"]]))
    order = np.argsort(-s, kind="stable")
    s_sorted, hit = s[order], is_true[order]
    tp = np.cumsum(hit)
    k = np.arange(1, len(s) + 1)
    last = np.r_[s_sorted[1:] != s_sorted[:-1], True]  # the last pair of each tie group
    prec, rec = tp[last] / k[last], tp[last] / n_true
    f1 = np.where(prec + rec > 0, 2 * prec * rec / np.where(prec + rec > 0, prec + rec, 1), 0.0)
    return pd.DataFrame({"threshold": s_sorted[last], "pairs": k[last], "true_matches": tp[last],
                         "precision": prec, "recall": rec, "f1": f1})


def best_threshold(curve: pd.DataFrame) -> float:
    """The threshold with the highest F1 on a :func:`precision_recall_curve` (of equal F1, the
    highest threshold, i.e. the fewest pairs to merge).

    >>> import pandas as pd
    >>> best_threshold(pd.DataFrame({"threshold": [9.0, 4.0, 1.0], "f1": [0.5, 0.9, 0.9]}))
    4.0
    """
    if not isinstance(curve, pd.DataFrame) or not {"threshold", "f1"} <= set(curve.columns) \
            or curve.empty:
        raise ValueError(_("curve must be the DataFrame of precision_recall_curve (threshold, "
                           "f1)"))
    return float(curve["threshold"].iloc[int(np.argmax(curve["f1"].to_numpy()))])


def plot_precision_recall(curve: pd.DataFrame, threshold: float | None = None,
                          ax: Axes | None = None) -> Axes:
    """The precision-recall curve (精确率-召回率曲线), the chosen threshold marked (labels in
    English: the plot fonts have no Chinese characters)."""
    from crmlab._plots import _ax

    if not isinstance(curve, pd.DataFrame) or not {"precision", "recall"} <= set(curve.columns):
        raise ValueError(_("curve must be the DataFrame of precision_recall_curve"))
    ax = _ax(ax, (5, 4))
    ax.plot(curve["recall"], curve["precision"], marker=".", lw=1)
    if threshold is not None:
        row = curve.iloc[int(np.argmin(np.abs(curve["threshold"].to_numpy() - threshold)))]
        ax.plot(row["recall"], row["precision"], "o", color="C3", ms=9,
                label=plot_text("threshold {threshold:.1f}: P {p:.3f}, R {r:.3f}, F1 {f1:.3f}"
                                ).format(threshold=threshold, p=row["precision"],
                                         r=row["recall"], f1=row["f1"]))
        ax.legend(loc="lower left", fontsize=8)
    ax.set_xlabel(plot_text("recall"))
    ax.set_ylabel(plot_text("precision"))
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(plot_text("Precision-recall curve of the match score"))
    return ax


def plot_scores(scores, is_match=None, threshold: float | None = None,
                ax: Axes | None = None) -> Axes:
    """Histogram of the match scores (log scale), true matches and non-matches apart."""
    from crmlab._plots import _ax

    s = np.asarray(scores, dtype=float)
    if s.ndim != 1 or not len(s) or not np.isfinite(s).all():
        raise ValueError(_("scores must be a non-empty list of finite numbers"))
    ax = _ax(ax)
    bins = np.linspace(s.min(), s.max(), 41)
    if is_match is None:
        ax.hist(s, bins=bins, color="C0")
    else:
        y = np.asarray(is_match, dtype=bool)
        if y.shape != s.shape:
            raise ValueError(_("is_match must have one entry per score"))
        ax.hist(s[~y], bins=bins, color="C0", alpha=0.7, label=plot_text("not a duplicate"))
        ax.hist(s[y], bins=bins, color="C3", alpha=0.7, label=plot_text("true duplicate"))
        ax.legend()
    if threshold is not None:
        ax.axvline(threshold, color="k", ls="--", lw=1)
    ax.set_yscale("log")
    ax.set_xlabel(plot_text("match weight: sum of log2(m/u)"))
    ax.set_ylabel(plot_text("candidate pairs"))
    ax.set_title(plot_text("Distribution of the Fellegi-Sunter score"))
    return ax


# ---------------------------------------------------------------- 6. clusters, golden records


def _components(left: np.ndarray, right: np.ndarray, n: int) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    g = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    return connected_components(g, directed=False)[1]


def clusters(matches: pd.DataFrame, ids) -> pd.Series:
    """Connected components of the matched pairs: records linked directly or through others.

    If A matches B and B matches C, all three are one customer (transitive closure).
    ``matches``: ``id_l``, ``id_r`` of the pairs judged to match; ``ids``: all record ids.
    Returns a Series id -> cluster number (0, 1, ... in order of first appearance).

    >>> clusters(pd.DataFrame({"id_l": ["A", "C"], "id_r": ["B", "B"]}), ["A", "B", "C", "D"]).tolist()
    [0, 0, 0, 1]
    """
    index = pd.Index(ids.index if isinstance(ids, pd.DataFrame) else ids).astype(str)
    if index.has_duplicates:
        raise ValueError(_("ids must be unique"))
    if not isinstance(matches, pd.DataFrame) or not {"id_l", "id_r"} <= set(matches.columns):
        raise ValueError(_("matches must be a DataFrame with columns id_l, id_r"))
    li, ri = index.get_indexer(matches["id_l"].astype(str)), index.get_indexer(
        matches["id_r"].astype(str))
    if (li < 0).any() or (ri < 0).any():
        raise ValueError(_("matches name ids that are not in ids"))
    lab = _components(li, ri, len(index))
    _unused, first = np.unique(lab, return_index=True)
    rank = np.empty(len(first), np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    return pd.Series(rank[lab], index=index, name="cluster")


# column -> survivorship rule; other columns: "most_complete"
SURVIVORSHIP = {"customer_id": "earliest", "signup_date": "earliest", "points": "sum"}
RULES = ("earliest", "latest", "most_complete", "most_common", "min", "max", "sum")


def golden_records(customers: pd.DataFrame, cluster: pd.Series, rules: dict | None = None, *,
                   clean: bool = True, standardised: pd.DataFrame | None = None) -> pd.DataFrame:
    """One golden record (黄金记录) per cluster, built by survivorship rules (存活规则).

    Rules (``rules`` updates :data:`SURVIVORSHIP`; a value missing in the chosen record is
    taken from the next one in the same order):

    * ``"earliest"``: from the record that signed up first (ties: the smaller id), so the
      golden id is the id of the earliest record and ``signup_date`` the first sign-up;
    * ``"latest"``: from the most recent record (the newest information, e.g. an address);
    * ``"most_complete"`` (the default for other columns): from the record with the fewest
      missing fields, then the earliest;
    * ``"most_common"``: the value most records agree on (ties: as most_complete);
    * ``"min"``, ``"max"``, ``"sum"``: over the records (``points`` are summed: the customer
      earned them on both accounts).

    With ``clean`` (default) e-mail, phone and sign-up date are written in their standard form
    (:func:`standardise`; pass ``standardised`` to reuse one).  Adds ``golden_id``,
    ``source_ids`` (the merged ids, earliest first, joined by ", ") and ``n_records``; one row
    per cluster in the order of the cluster numbers.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "name": ["Ann Lee", "LEE, ANN", "Bo"],
    ...                   "email": [None, "ANN@X.COM", "b@y.com"],
    ...                   "signup_date": ["2022-05-01", "2022-04-20", "2022-01-01"],
    ...                   "points": [10, 5, 0]})
    >>> g = golden_records(t, pd.Series([0, 0, 1], index=["C1", "C2", "C3"]))
    >>> g[["golden_id", "name", "email", "signup_date", "points", "source_ids"]]
      golden_id      name      email signup_date  points source_ids
    0        C2  LEE, ANN  ann@x.com  2022-04-20      15     C2, C1
    1        C3        Bo    b@y.com  2022-01-01       0         C3
    """
    _require_customers(customers, "customers")
    rules = {**SURVIVORSHIP, **(rules or {})}
    bad = {c: r for c, r in rules.items() if r not in RULES}
    if bad:
        raise ValueError(_("unknown survivorship rule(s) {bad}; choose from {rules}").format(
                             bad=repr(bad), rules=', '.join(RULES)))
    if not isinstance(cluster, pd.Series):
        raise ValueError(_("cluster must be a Series id -> cluster (from clusters)"))
    std = standardise(customers) if standardised is None else standardised
    lab = cluster.reindex(std.index)
    if lab.isna().any():
        raise ValueError(_("cluster has no entry for id {index}").format(
                             index=repr(lab.index[lab.isna()][0])))
    df = customers.set_index(customers["customer_id"].astype(str))
    filled = df.notna().sum(axis=1).to_numpy()
    df = df.copy()
    if clean:
        for col in ("email", "phone"):
            if col in df:
                df[col] = std[col].to_numpy(object)
        if "signup_date" in df:
            df["signup_date"] = std["signup_date"].dt.strftime("%Y-%m-%d").to_numpy(object)
    cols = list(customers.columns)
    df["_cluster"] = lab.to_numpy()
    df["_day"] = std["signup_date"].to_numpy()
    df["_neg"] = -filled
    df["_id"] = df.index
    multi = df["_cluster"].duplicated(keep=False).to_numpy()
    # a record alone in its cluster is its own golden record; the rules act on the others
    single = df.loc[~multi, cols].copy()
    single.insert(0, "golden_id", df.index[~multi])
    single["source_ids"] = df.index[~multi]
    single["n_records"] = 1
    single["_cluster"] = df.loc[~multi, "_cluster"].to_numpy()
    m = df[multi]
    early = m.sort_values(["_cluster", "_day", "_id"], na_position="last")
    complete = m.sort_values(["_cluster", "_neg", "_day", "_id"], na_position="last")
    g_early = early.groupby("_cluster", sort=True)
    g_complete = complete.groupby("_cluster", sort=True)
    out = {}
    for c in cols:
        rule = rules.get(c, "most_complete")
        if rule == "earliest":
            out[c] = g_early[c].first()
        elif rule == "latest":
            out[c] = g_early[c].last()
        elif rule == "most_complete":
            out[c] = g_complete[c].first()
        elif rule == "most_common":
            out[c] = g_complete[c].agg(_most_common)
        else:
            out[c] = getattr(m.groupby("_cluster", sort=True)[c], rule)()
    merged = pd.DataFrame(out, columns=cols)
    merged.insert(0, "golden_id", g_early["_id"].first())
    merged["source_ids"] = g_early["_id"].agg(", ".join)
    merged["n_records"] = g_early.size()
    merged["_cluster"] = merged.index.to_numpy()
    golden = pd.concat([single, merged.reset_index(drop=True)], ignore_index=True)
    golden = golden.sort_values("_cluster", kind="stable").drop(columns="_cluster")
    for c in cols:  # keep the column types (a sum of Int64 points stays Int64, ...)
        if c in customers and golden[c].dtype != customers[c].dtype and not (
                clean and c in ("email", "phone", "signup_date")):
            try:
                golden[c] = golden[c].astype(customers[c].dtype)
            except (TypeError, ValueError):
                pass
    return golden.reset_index(drop=True)


def _most_common(s: pd.Series):
    """The value most records hold; of equal counts the first in ``s``'s order."""
    s = s.dropna()
    if s.empty:
        return None
    return s.iloc[int(np.argmax(s.map(s.value_counts()).to_numpy()))]


def golden_id_map(golden: pd.DataFrame) -> pd.Series:
    """Old id -> golden id, from :func:`golden_records` (every source id of every cluster).

    >>> golden_id_map(pd.DataFrame({"golden_id": ["C2", "C3"], "source_ids": ["C2, C1", "C3"]}))
    C2    C2
    C1    C2
    C3    C3
    Name: golden_id, dtype: str
    """
    if not isinstance(golden, pd.DataFrame) or not {"golden_id", "source_ids"} <= set(golden):
        raise ValueError(_("golden must be the DataFrame of golden_records (golden_id, "
                           "source_ids)"))
    ex = golden[["golden_id", "source_ids"]].assign(
        source_ids=golden["source_ids"].astype(str).str.split(", ")).explode("source_ids")
    return pd.Series(ex["golden_id"].to_numpy(str), index=ex["source_ids"].to_numpy(str),
                     name="golden_id", dtype=str)


def rekey(table: pd.DataFrame, id_map: pd.Series, column: str = "customer_id") -> pd.DataFrame:
    """A copy of ``table`` (orders, tickets, ...) with ``column`` re-pointed at golden ids.

    Ids not in ``id_map`` (e.g. orphan orders whose customer exists nowhere) stay as they are.

    >>> o = pd.DataFrame({"order_id": ["O1", "O2", "O3"], "customer_id": ["C1", "C2", "C9"]})
    >>> rekey(o, pd.Series({"C1": "C2", "C2": "C2"}))["customer_id"].tolist()
    ['C2', 'C2', 'C9']
    """
    if not isinstance(table, pd.DataFrame) or column not in table.columns:
        raise ValueError(_("table must be a DataFrame with a column {column}").format(
                             column=repr(column)))
    if not isinstance(id_map, pd.Series):
        raise ValueError(_("id_map must be a Series old id -> golden id (from golden_id_map)"))
    out = table.copy()
    old = out[column]
    out[column] = old.map(id_map).where(old.isin(id_map.index), old)
    return out


# ---------------------------------------------------------------- 7. evaluation


def evaluate(predicted, truth) -> dict:
    """Pairwise precision, recall and F1 after transitive closure (Christen 2012, ch. 7).

    Every pair of records in the same predicted cluster is a predicted match, every pair in
    the same true cluster a true match.  precision = correct predicted pairs / predicted
    pairs; recall = correct / true pairs; F1 = 2PR / (P + R).

    ``predicted``: a Series id -> cluster (:func:`clusters`) or a DataFrame of matched pairs
    (``id_l``, ``id_r``; then closed transitively); ``truth``: as for :func:`truth_pairs`.

    >>> evaluate(pd.DataFrame({"id_l": ["A", "C"], "id_r": ["B", "D"]}), [("A", "B"), ("A", "E")])
    {'precision': 0.5, 'recall': 0.3333333333333333, 'f1': 0.4, 'true_positives': 1, 'predicted_pairs': 2, 'true_pairs': 3}
    """
    if isinstance(predicted, pd.DataFrame):
        if not {"id_l", "id_r"} <= set(predicted.columns):
            raise ValueError(_("predicted pairs must have columns id_l, id_r"))
        ids_all = pd.unique(np.r_[predicted["id_l"].astype(str).to_numpy(object),
                                  predicted["id_r"].astype(str).to_numpy(object)])
        predicted = clusters(predicted, ids_all)
    elif not isinstance(predicted, pd.Series):
        raise ValueError(_("predicted must be a Series id -> cluster or a DataFrame of matched "
                           "pairs (id_l, id_r), got {type}").format(
                             type=type(predicted).__name__))
    pred = _within_pairs(predicted.rename(index=str))
    true = truth_pairs(truth)
    pk = set(zip(pred["id_l"], pred["id_r"]))
    tk = set(zip(true["id_l"], true["id_r"]))
    tp = len(pk & tk)
    p = tp / len(pk) if pk else 0.0
    r = tp / len(tk) if tk else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1, "true_positives": tp,
            "predicted_pairs": len(pk), "true_pairs": len(tk)}


# ---------------------------------------------------------------- the whole pipeline


@dataclass
class LinkResult:
    """Everything :func:`link` computed, step by step."""

    standardised: pd.DataFrame
    pairs: pd.DataFrame  # candidate pairs: levels, score, probability, match
    model: FellegiSunter
    threshold: float
    clusters: pd.Series
    golden: pd.DataFrame
    id_map: pd.Series
    blocking: pd.DataFrame
    curve: pd.DataFrame | None = None
    metrics: dict | None = None


def link(customers: pd.DataFrame, *, blocks=DEFAULT_BLOCKS, fields=None,
         threshold: float | None = None, truth=None, rules: dict | None = None) -> LinkResult:
    """De-duplicate a customers table: standardise, block, compare, EM, threshold, cluster,
    golden records.

    ``threshold`` on the total match weight: default the score at which the posterior match
    probability is 1/2 (:attr:`FellegiSunter.threshold_at_half`), which needs no labels.
    With ``truth`` (known duplicates) the result also holds the precision-recall curve and
    :func:`evaluate`'s figures for the clusters.
    """
    std = standardise(customers)
    pairs = candidate_pairs(std, blocks, truth)
    report = pairs.attrs["report"]
    fields = [f for f in FIELDS if f in customers.columns or f == "name"] if fields is None \
        else fields
    gamma = compare(std, pairs, fields)
    model = fit_em(gamma, {f: FIELDS[f] for f in fields})
    gamma["score"] = model.score(gamma)
    gamma["probability"] = _posterior(gamma["score"].to_numpy(), model.prior)
    cut = model.threshold_at_half if threshold is None else float(threshold)
    gamma["match"] = gamma["score"] >= cut
    cl = clusters(gamma.loc[gamma["match"], ["id_l", "id_r"]], std.index)
    golden = golden_records(customers, cl, rules, standardised=std)
    curve = metrics = None
    if truth is not None:
        curve = precision_recall_curve(gamma, gamma["score"], truth)
        metrics = evaluate(cl, truth)
    return LinkResult(std, gamma, model, cut, cl, golden, golden_id_map(golden), report, curve,
                      metrics)
