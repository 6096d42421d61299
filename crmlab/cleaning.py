"""Cleaning and standardisation (数据清洗与标准化) of customer master data.

When the records of several source systems are merged, the same fact is written
in different ways: ``(303) 545-1866`` and ``+1-303-545-1866``, ``LA`` and
``Los Angeles``, ``25.09.2022`` and ``2022-09-25``.  Standardisation
(标准化) rewrites every value in one agreed form, so that values can be
compared, counted and matched (record linkage, 记录链接, needs it first).

Each rule is a small function on a pandas Series; :func:`clean` applies them
to a dataset and returns a cleaned copy plus a log of every change:

==================  ==========================================  ===========================
column              standard form                               function
==================  ==========================================  ===========================
phone               E.164-like digits ``+12147653274``,         :func:`standardise_phones`
                    ``+8613812341234``
email               trimmed, lower case, known domain typos     :func:`standardise_emails`
name                NFKC, single spaces, Chinese without        :func:`standardise_names`
                    spaces, Western names in title case
city                NFKC, reference list of abbreviations,      :func:`standardise_cities`
                    no 市 suffix, title case
dates               ISO 8601 ``YYYY-MM-DD``                     :func:`parse_dates`,
                                                                :func:`standardise_dates`
==================  ==========================================  ===========================

What cleaning does *not* do: it does not fill missing values (a blank stays
blank: guessing a customer's age is not cleaning), it does not merge
duplicate customers (record linkage), and it does not delete orders whose
customer is unknown (:func:`crmlab.integration.key_breaks` lists them).  The
datasets have no unit problems (all amounts are in one currency), so there is
no unit rule.

References
----------
ITU-T Recommendation E.164 (2010). *The international public telecommunication
numbering plan* (country code + national number, at most 15 digits).
ISO 8601-1:2019. *Date and time — Representations for information interchange*.
Unicode Standard Annex #15 (Davis & Dürst). *Unicode Normalization Forms* (NFKC).
Rahm, E. & Do, H. H. (2000). Data cleaning: problems and current approaches.
*IEEE Data Engineering Bulletin* 23(4), 3-13.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlab.i18n import _

__all__ = ["CITY_REFERENCE", "DATE_RULES", "EMAIL_DOMAIN_TYPOS", "CleanResult", "clean",
           "parse_dates", "standardise_cities", "standardise_dates", "standardise_emails",
           "standardise_names", "standardise_phones"]

COUNTRIES = {"US": "1", "CN": "86"}
LOCALE_COUNTRY = {"en_US": "US", "zh_CN": "CN"}

# reference list (参照表) of city abbreviations and official long forms -> the standard name
CITY_REFERENCE = {
    "NYC": "New York", "New York City": "New York", "LA": "Los Angeles", "L.A.": "Los Angeles",
    "SF": "San Francisco", "Philly": "Philadelphia", "DC": "Washington", "Vegas": "Las Vegas",
    "北京市": "北京", "上海市": "上海", "天津市": "天津", "重庆市": "重庆",
}

# common misspellings of the big mail domains (only whole domains are replaced)
EMAIL_DOMAIN_TYPOS = {
    "gmial.com": "gmail.com", "gmai.com": "gmail.com", "gmail.con": "gmail.com",
    "gamil.com": "gmail.com", "hotmial.com": "hotmail.com", "hotmail.con": "hotmail.com",
    "yaho.com": "yahoo.com", "yahoo.con": "yahoo.com", "outlok.com": "outlook.com",
    "163.con": "163.com", "qq.con": "qq.com",
}

# the date formats the rule reads, in the order they are tried; the first that matches wins
DATE_RULES = (
    ("iso", re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$"), "ymd"),
    ("ymd_slash", re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), "ymd"),
    ("ymd_compact", re.compile(r"^(\d{4})(\d{2})(\d{2})$"), "ymd"),
    ("mdy_slash", re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), "mdy"),
    ("dmy_dot", re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), "dmy"),
    ("dmy_dash", re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$"), "dmy"),
)


def _series(values, name: str) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, str) or not hasattr(values, "__iter__"):
        raise ValueError(_("{name} must be a pandas Series or a list of values, got {type}").format(
                             name=name, type=type(values).__name__))
    return pd.Series(list(values), dtype=object)


def _map_text(s: pd.Series, fn) -> pd.Series:
    """Apply ``fn`` to the non-missing values; missing values stay missing."""
    out = s.astype(object).copy()
    mask = s.notna().to_numpy()
    out[mask] = [fn(str(v)) for v in s[mask]]
    return out


# ---------------------------------------------------------------- phones
def _phone(text: str, country: str) -> str | None:
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())
    plus = unicodedata.normalize("NFKC", text).strip().startswith(("+", "00"))
    if text.strip().startswith("00"):
        digits = digits[2:]
    if country == "CN":
        if plus and digits.startswith("86"):
            digits = digits[2:]
        elif not plus and len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        if re.fullmatch(r"1[3-9]\d{9}", digits):  # a mainland mobile number
            return "+86" + digits
        return None
    if plus and digits.startswith("1") and len(digits) == 11:
        digits = digits[1:]
    elif not plus and len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if re.fullmatch(r"[2-9]\d{2}[2-9]\d{6}", digits):  # NANP: area code + number
        return "+1" + digits
    return None


def standardise_phones(phones, country: str = "US") -> pd.Series:
    """Phone numbers in the E.164-like form ``+<country code><national number>``.

    Separators, brackets and spaces are dropped; a national number gets the
    country code of ``country``.  US (North American Numbering Plan): ten
    digits, area code and exchange not starting with 0 or 1, optionally with
    the leading 1.  China (``"CN"``): mainland mobile numbers, eleven digits
    starting 13-19, optionally written with +86.  A value that is not such a
    number is returned as ``None`` (listed as ``unresolved`` by :func:`clean`).

    Parameters
    ----------
    phones : pandas.Series or list of str
    country : {"US", "CN"}
        The country of numbers written without a country code.

    Examples
    --------
    >>> standardise_phones(["(303) 545-1866", "303.545.1866", "+1-303-545-1866"]).tolist()
    ['+13035451866', '+13035451866', '+13035451866']
    >>> standardise_phones(["138-1234-1234", "+86 13812341234", "138 1234 1234"], "CN").tolist()
    ['+8613812341234', '+8613812341234', '+8613812341234']
    >>> standardise_phones(["12345"]).tolist()
    [None]
    """
    if country not in COUNTRIES:
        raise ValueError(_("country must be one of {countries}, got {country}").format(
                             countries=', '.join(COUNTRIES), country=repr(country)))
    s = _series(phones, "phones")
    return _map_text(s, lambda t: _phone(t, country))


# ---------------------------------------------------------------- e-mails
def _email(text: str) -> str:
    e = unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")
    local, at, domain = e.rpartition("@")
    if at and domain in EMAIL_DOMAIN_TYPOS:
        e = f"{local}@{EMAIL_DOMAIN_TYPOS[domain]}"
    return e


def standardise_emails(emails) -> pd.Series:
    """E-mail addresses trimmed, in lower case, with known domain typos corrected.

    Lower-casing is safe in practice: mail providers treat the local part
    case-insensitively although RFC 5321 allows them not to.  Only whole
    domains listed in :data:`EMAIL_DOMAIN_TYPOS` are corrected; nothing is guessed.

    Examples
    --------
    >>> standardise_emails([" Zhang.Wei@163.COM ", "li@gmial.com", None]).tolist()
    ['zhang.wei@163.com', 'li@gmail.com', None]
    """
    return _map_text(_series(emails, "emails"), _email)


# ---------------------------------------------------------------- names
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _name(text: str, person: bool) -> str:
    t = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()
    if _CJK.search(t) and not re.search(r"[A-Za-z]", t):
        return t.replace(" ", "")  # Chinese names are written without spaces
    if person and t.count(",") == 1:
        last, first = (p.strip() for p in t.split(","))
        if last and first:
            t = f"{first} {last}"
    if person and (t.isupper() or t.islower()):
        t = " ".join(w[:1].upper() + w[1:].lower() for w in t.split(" "))
    return t


def standardise_names(names, person: bool = True) -> pd.Series:
    """Names in one form: NFKC, single spaces, Chinese names without spaces.

    NFKC turns full-width letters and digits into ordinary ones (``Ｌｉ`` ->
    ``Li``).  For people (``person=True``) a name written ``"Last, First"`` is
    turned round and a name written all in capitals or all in lower case is
    put in title case (a mixed-case name such as ``McDonald`` is left as
    written, because title case would spoil it).  Company names
    (``person=False``, the b2b accounts) only get the spacing rules.

    Examples
    --------
    >>> standardise_names(["THOMAS EATON", "Eaton, Thomas", "thomas  eaton ", "张 伟", "Ｌｉ Ｌｅｉ"]).tolist()
    ['Thomas Eaton', 'Thomas Eaton', 'Thomas Eaton', '张伟', 'Li Lei']
    """
    return _map_text(_series(names, "names"), lambda t: _name(t, person))


# ---------------------------------------------------------------- cities
def _city(text: str, reference: Mapping[str, str]) -> str:
    t = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()
    if t in reference:
        return reference[t]
    if _CJK.search(t):
        t = t.replace(" ", "")
        if t.endswith("市") and len(t) > 2:  # 广州市 -> 广州: the city, without the word "city"
            t = t[:-1]
        return reference.get(t, t)
    if t.isupper() and len(t) > 3:  # "SAN ANTONIO"; short upper-case forms are abbreviations
        t = " ".join(w[:1] + w[1:].lower() for w in t.split(" "))
    return reference.get(t, t)


def standardise_cities(cities, reference: Mapping[str, str] | None = None) -> pd.Series:
    """City names in one form, with a reference list (参照表) for abbreviations.

    NFKC and single spaces; an entry of ``reference`` (default
    :data:`CITY_REFERENCE`: ``NYC``, ``LA``, ``Philly``, ``北京市`` ...) is
    replaced by its standard name; Chinese names lose a trailing 市 ("city");
    names in capitals get title case.  An abbreviation not in the list is left
    as it is: a rule cannot know that ``SF`` is San Francisco.

    Examples
    --------
    >>> standardise_cities(["NYC", "SAN ANTONIO", " Boston", "广州市", "深圳 "]).tolist()
    ['New York', 'San Antonio', 'Boston', '广州', '深圳']
    """
    ref = CITY_REFERENCE if reference is None else reference
    if not isinstance(ref, Mapping):
        raise ValueError(_("reference must be a dict like {{'NYC': 'New York'}}, got {type}").format(
                             type=type(ref).__name__))
    return _map_text(_series(cities, "cities"), lambda t: _city(t, ref))


# ---------------------------------------------------------------- dates
def parse_dates(values) -> pd.DataFrame:
    """Read dates written in mixed formats, with a documented rule for day and month.

    The rule (tried in this order, the first pattern that matches wins):

    * year first (``2022-09-25``, ``2022/09/25``, ``20220925``): year, month, day;
    * slashes with the year last (``09/25/2022``): month first, the US convention;
    * dots or dashes with the year last (``25.09.2022``): day first, the
      European and international convention.

    The separator decides, because in the data the US systems write slashes
    and the European-style systems write dots; that is an assumption about the
    source systems, true of the simulated data by construction.  A date with the
    year last whose day and month are both 12 or less (``03/04/2022``) is
    marked ``ambiguous``: the rule reads it, but the other reading is also a
    valid date, so only the source system can confirm it.

    Returns
    -------
    pandas.DataFrame
        ``date`` (datetime, NaT where unreadable or impossible such as
        ``31.02.2022``), ``rule`` (the pattern used, or ``unparsed``) and
        ``ambiguous`` (bool), on the index of ``values``.

    Examples
    --------
    >>> p = parse_dates(["2022-09-25", "09/25/2022", "25.09.2022", "03/04/2022", "soon"])
    >>> p["date"].dt.strftime("%Y-%m-%d").tolist()
    ['2022-09-25', '2022-09-25', '2022-09-25', '2022-03-04', nan]
    >>> p["rule"].tolist(), p["ambiguous"].tolist()
    (['iso', 'mdy_slash', 'dmy_dot', 'mdy_slash', 'unparsed'], [False, False, False, True, False])
    """
    s = _series(values, "values")
    if pd.api.types.is_datetime64_any_dtype(s):
        return pd.DataFrame({"date": s, "rule": np.where(s.notna(), "iso", "unparsed"),
                             "ambiguous": False}, index=s.index)
    dates, rules, amb = [], [], []
    for v in s:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            dates.append(pd.NaT)
            rules.append("missing")
            amb.append(False)
            continue
        text = unicodedata.normalize("NFKC", str(v)).strip()
        for rule, pattern, order in DATE_RULES:
            m = pattern.match(text)
            if m:
                a, b, c = (int(x) for x in m.groups())
                y, mo, d = {"ymd": (a, b, c), "mdy": (c, a, b), "dmy": (c, b, a)}[order]
                try:
                    day = pd.Timestamp(year=y, month=mo, day=d)
                    dates.append(pd.Timestamp(text) if rule == "iso" and ":" in text else day)
                    rules.append(rule)
                except ValueError:
                    dates.append(pd.NaT)
                    rules.append("unparsed")
                amb.append(order != "ymd" and a <= 12 and b <= 12 and a != b)
                break
        else:
            dates.append(pd.NaT)
            rules.append("unparsed")
            amb.append(False)
    return pd.DataFrame({"date": pd.to_datetime(pd.Series(dates, index=s.index, dtype=object)),
                         "rule": rules, "ambiguous": amb}, index=s.index)


def standardise_dates(values) -> pd.Series:
    """Dates as ISO 8601 text ``YYYY-MM-DD`` by the rule of :func:`parse_dates`.

    Unreadable values become ``None``.  A date with a time keeps the time
    (``2022-09-25 14:03:00``).

    Examples
    --------
    >>> standardise_dates(["2022/09/25", "25.09.2022", "20220925", "x"]).tolist()
    ['2022-09-25', '2022-09-25', '2022-09-25', None]
    """
    s = _series(values, "values")
    p = parse_dates(s)
    has_time = s.astype(str).str.contains(":", regex=False) & p["rule"].eq("iso")
    out = pd.Series([None] * len(s), index=s.index, dtype=object)
    ok = p["date"].notna()
    out[ok & ~has_time] = p["date"][ok & ~has_time].dt.strftime("%Y-%m-%d")
    out[ok & has_time] = p["date"][ok & has_time].dt.strftime("%Y-%m-%d %H:%M:%S")
    return out


# ---------------------------------------------------------------- a dataset
@dataclass
class CleanResult:
    """A cleaned copy of a dataset and the log of every change.

    ``log`` has one row per changed cell: ``table``, ``row_id`` (the row's
    primary key), ``column``, ``before``, ``after`` and ``rule``; a cell the
    rules could not read is logged with ``after`` empty and rule
    ``unresolved`` (its value is left as written); a date's rule is the pattern
    that read it (``dmy_dot`` ...), with `` (ambiguous)`` when the other reading
    of day and month is also a date.
    """

    data: object
    log: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Number of changed and unresolved cells per table, column and rule."""
        return (self.log.groupby(["table", "column", "rule"]).size().rename("cells")
                .reset_index())


def _key(df: pd.DataFrame, name: str) -> pd.Series:
    from crmlab.data.schema import table as schema_table

    pk = [c for c in schema_table(name).primary_key if c in df.columns]
    if not pk:
        return pd.Series(df.index.astype(str), index=df.index)
    if len(pk) == 1:
        return df[pk[0]].astype(str)
    return df[pk].astype(str).agg("|".join, axis=1)


def clean(data, country: str | None = None) -> CleanResult:
    """Standardise a dataset's customer master data and every date column.

    Customers: ``name``, ``email``, ``phone``, ``city`` by the rules of this
    module; every table: its date columns (schema type date or datetime) to
    ISO text.  Nothing else is touched: missing values stay missing,
    duplicates and orphan orders stay (see the module docstring).  The input
    is not modified.

    Parameters
    ----------
    data : CRMData
        From :func:`crmlab.load` or :func:`crmlab.generate`.
    country : {"US", "CN"}, optional
        The country of phone numbers without a country code; by default the
        dataset's locale (``zh_CN``: China).

    Returns
    -------
    CleanResult
        ``.data`` (the cleaned copy, a CRMData) and ``.log`` (one row per change).

    Examples
    --------
    >>> import crmlab
    >>> res = clean(crmlab.load("retail_dirty"))
    >>> res.summary().query("column == 'signup_date'").set_index("rule")["cells"].to_dict()
    {'dmy_dot': 10, 'dmy_dot (ambiguous)': 4, 'mdy_slash': 9, 'mdy_slash (ambiguous)': 6, 'ymd_compact': 12, 'ymd_slash': 9}
    """
    from crmlab.data.io import CRMData
    from crmlab.data.schema import table as schema_table

    if not isinstance(data, CRMData):
        raise ValueError(_("clean needs a dataset from crmlab.load or crmlab.generate, got "
                           "{type}").format(type=type(data).__name__))
    if "customers" not in data.tables:
        raise ValueError(_("clean needs a customers table; tables: {tables}").format(
                             tables=', '.join(data.tables)))
    meta = data.meta or {}
    country = country or LOCALE_COUNTRY.get(meta.get("locale", "en_US"), "US")
    if country not in COUNTRIES:
        raise ValueError(_("country must be one of {countries}, got {country}").format(
                             countries=', '.join(COUNTRIES), country=repr(country)))
    person = meta.get("scenario") != "b2b"
    rules = {
        "name": ("name", lambda s: standardise_names(s, person=person)),
        "email": ("email", standardise_emails),
        "phone": ("phone", lambda s: standardise_phones(s, country)),
        "city": ("city", standardise_cities),
    }
    tables, logs = {}, []
    for name, df in data.tables.items():
        out = df.copy()
        key = _key(df, name)
        cols = {}
        if name == "customers":
            cols.update({c: rules[c] for c in rules if c in df.columns})
        try:
            tab = schema_table(name)
            date_cols = [c.name for c in tab.columns if c.dtype in ("date", "datetime")]
        except ValueError:
            date_cols = []
        for c in date_cols:
            if c in df.columns and not pd.api.types.is_datetime64_any_dtype(df[c]):
                cols[c] = ("date", standardise_dates)
        for c, (kind, fn) in cols.items():
            before = df[c]
            after = fn(before)
            filled = before.notna()
            unresolved = filled & after.isna()
            after = after.where(~unresolved, before)  # an unreadable value is left as written
            changed = filled & ~unresolved & (after.astype(str) != before.astype(str))
            rule = pd.Series(f"standardise {kind}", index=df.index)
            if kind == "date":
                p = parse_dates(before)
                rule = p["rule"].where(~p["ambiguous"], p["rule"] + " (ambiguous)")
            after = after.astype(object).where(filled, before)
            out[c] = after.astype(before.dtype) if pd.api.types.is_string_dtype(before) else after
            for mask, label in ((changed, rule), (unresolved, None)):
                if mask.any():
                    logs.append(pd.DataFrame({
                        "table": name, "row_id": key[mask].to_numpy(), "column": c,
                        "before": before[mask].astype(str).to_numpy(),
                        "after": None if label is None else after[mask].astype(str).to_numpy(),
                        "rule": "unresolved" if label is None else label[mask].to_numpy()}))
        tables[name] = out
    log = (pd.concat(logs, ignore_index=True) if logs else
           pd.DataFrame(columns=["table", "row_id", "column", "before", "after", "rule"]))
    cleaned = CRMData(tables=tables, truth=data.truth, meta={**meta, "cleaned": True})
    return CleanResult(data=cleaned, log=log)
