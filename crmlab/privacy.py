"""Customer privacy (客户隐私保护): masking, pseudonyms, minimisation, consent, k-anonymity.

China's Personal Information Protection Law (《个人信息保护法》, PIPL, in force
since 1 November 2021) sets the rules a CRM must follow with customer data:

* purpose limitation and minimisation (目的限定、最小必要, Art. 6): collect and
  use only what a clear purpose needs; :data:`PURPOSES`, :func:`minimise`;
* consent (同意, Art. 13-14): marketing needs the customer's agreement, and
  silence is not agreement; :func:`campaign_audience`;
* de-identification (去标识化, Art. 73): data that identify no one *without
  additional information* (a key, a lookup table): still personal
  information; :func:`mask_phone`, :func:`mask_email`, :func:`mask_name`,
  :func:`pseudonymise`;
* anonymisation (匿名化, Art. 4 and 73): data from which no one can be
  identified and which cannot be restored: no longer personal information.
  k-anonymity (Sweeney 2002) is one test of it: every combination of
  quasi-identifiers (准标识符: age, gender, city ...) is shared by at least
  k people; :func:`k_anonymity`, :func:`generalise`, :func:`plot_class_sizes`.

The functions are teaching tools, not a legal assessment: meeting k = 5 does
not by itself make data anonymous in the sense of the law.

References
----------
Personal Information Protection Law of the People's Republic of China (2021),
Articles 4, 6, 13, 14, 51 and 73.
Sweeney, L. (2002). k-anonymity: a model for protecting privacy. *International
Journal of Uncertainty, Fuzziness and Knowledge-Based Systems* 10(5), 557-570.
Samarati, P. (2001). Protecting respondents' identities in microdata release.
*IEEE Transactions on Knowledge and Data Engineering* 13(6), 1010-1027.
Krawczyk, H., Bellare, M. & Canetti, R. (1997). HMAC: keyed-hashing for message
authentication. RFC 2104.
GB/T 35273-2020 *Information security technology — Personal information security
specification* (display masking of phone numbers and names).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab.i18n import N_, _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["PURPOSES", "KAnonymity", "Generalised", "campaign_audience", "generalise",
           "k_anonymity", "mask_email", "mask_name", "mask_phone", "minimise",
           "plot_class_sizes", "pseudonymise"]


def _each(values, fn, name: str):
    """Apply ``fn`` to one string or to every non-missing value of a Series/list."""
    if isinstance(values, str):
        return fn(values)
    if isinstance(values, (pd.Series, list, tuple, np.ndarray)):
        s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
        out = s.astype(object).copy()
        mask = s.notna().to_numpy()
        out[mask] = [fn(str(v)) for v in s[mask]]
        return out
    raise ValueError(_("{name} needs a text value or a pandas Series of them, got {type}").format(
                         name=name, type=type(values).__name__))


# ---------------------------------------------------------------- masking
def _mask_phone(text: str) -> str:
    t = text.strip()
    prefix = ""
    m = re.match(r"^(\+(?:86|1))[\s-]?", t)
    if m:
        prefix, t = t[:m.end()], t[m.end():]
    positions = [i for i, ch in enumerate(t) if ch.isdigit()]
    if len(positions) < 8:
        raise ValueError(_("{text} is not a phone number (fewer than 8 digits)").format(
                             text=repr(text)))
    hide = set(positions[3:-4])  # keep the first three and the last four digits
    return prefix + "".join("*" if i in hide else ch for i, ch in enumerate(t))


def mask_phone(phones):
    """Mask a phone number for display: the first three and last four digits stay.

    The usual display masking in China (GB/T 35273): ``138****1234``.  A
    country code (+86, +1) and the separators are kept, so the format shows.
    Masking is for display (a service agent confirming a number); it is not
    anonymisation: seven digits are still visible.

    Examples
    --------
    >>> mask_phone("13812341234")
    '138****1234'
    >>> mask_phone(["+86 13812341234", "+1-303-545-1866", None]).tolist()
    ['+86 138****1234', '+1-303-***-1866', None]
    """
    return _each(phones, _mask_phone, "mask_phone")


def _mask_email(text: str) -> str:
    local, at, domain = text.strip().rpartition("@")
    if not at or not local or not domain:
        raise ValueError(_("{text} is not an e-mail address (expected name@domain)").format(
                             text=repr(text)))
    return f"{local[0]}***@{domain}"


def mask_email(emails):
    """Mask an e-mail address: the first letter and the domain stay, ``z***@163.com``.

    Always three stars, so the length of the name is not shown either.

    Examples
    --------
    >>> mask_email("zhang.wei@163.com")
    'z***@163.com'
    """
    return _each(emails, _mask_email, "mask_email")


_CJK = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff·]+$")


def _mask_name(text: str) -> str:
    t = text.strip()
    if not t:
        raise ValueError(_("an empty name cannot be masked"))
    if _CJK.match(t.replace(" ", "")):
        t = t.replace(" ", "")
        return t[0] + "*" * (len(t) - 1)  # the surname stays: 张**
    return " ".join(w[0] + "." for w in t.split())


def mask_name(names):
    """Mask a name: a Chinese name keeps the surname (``张**``), others the initials (``T. E.``).

    Examples
    --------
    >>> mask_name(["张小明", "Thomas Eaton"]).tolist()
    ['张**', 'T. E.']
    """
    return _each(names, _mask_name, "mask_name")


# ---------------------------------------------------------------- pseudonyms
def pseudonymise(values, key: str | bytes, length: int = 16) -> pd.Series:
    """Replace identifiers by keyed pseudonyms (假名化): HMAC-SHA256, truncated.

    The pseudonym of a value is the first ``length`` hexadecimal characters of
    HMAC-SHA256(key, value) (RFC 2104).  The same value and key always give the
    same pseudonym, so tables pseudonymised with one key still join; without the
    key nobody can compute it from a guessed phone number or id (a plain hash
    could be: there are only 10^10 US phone numbers to try).  The key is used,
    never returned or stored: keep it apart from the data.  With the key the
    firm can re-link, so the result is de-identified (去标识化) data, still
    personal information under the PIPL, not anonymised.

    Sixteen hex characters are 64 bits: among a million customers the chance
    that two get the same pseudonym is about n^2 / 2^65 = 3e-8.

    Parameters
    ----------
    values : pandas.Series or list
        Ids, phone numbers, e-mails ... (missing values stay missing).
    key : str or bytes
        The secret, at least 16 characters.
    length : int
        Hex characters kept, 8 to 64.

    Examples
    --------
    >>> pseudonymise(["C000001", "C000002", "C000001"], key="course-secret-2024").tolist()
    ['e34cbd13c84636ab', '15673a7ac84dd516', 'e34cbd13c84636ab']
    """
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, bytes) or len(key) < 16:
        raise ValueError(_("key must be a secret text of at least 16 characters (kept apart "
                           "from the data), e.g. a random string from secrets.token_hex(16)"))
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) \
            or not 8 <= length <= 64:
        raise ValueError(_("length must be a whole number from 8 to 64, got {length}").format(
                             length=repr(length)))
    if isinstance(values, str):
        raise ValueError(_("pseudonymise needs a pandas Series or a list of values, got one "
                           "text; wrap it in a list"))

    def one(v: str) -> str:
        return hmac.new(key, v.encode("utf-8"), hashlib.sha256).hexdigest()[:length]

    return _each(values, one, "pseudonymise")


# ---------------------------------------------------------------- minimisation
# purpose -> the columns of the customers table it needs (目的限定、最小必要)
PURPOSES: dict[str, tuple[str, ...]] = {
    # send a campaign: who may be contacted, and how
    "marketing": ("customer_id", "name", "email", "phone", "marketing_consent",
                  "membership_tier", "region_id"),
    # answer a service request: identify and reach the customer
    "service": ("customer_id", "name", "phone", "email", "region_id", "account_manager_id"),
    # analyse segments: no direct identifier, no contact details
    "analytics": ("customer_id", "gender", "age", "industry", "company_size", "city",
                  "region_id", "signup_date", "acquisition_channel", "membership_tier",
                  "points"),
    # deliver an order: where to and whom to call
    "delivery": ("customer_id", "name", "phone", "city"),
}


def minimise(table: pd.DataFrame, purpose: str) -> pd.DataFrame:
    """Keep only the columns a purpose needs (数据最小化, PIPL Art. 6).

    :data:`PURPOSES` lists the columns per purpose; the columns of the list
    that the table has are kept, in the table's order.  ``analytics`` keeps
    ``customer_id`` for joins: pseudonymise it before the data leave the
    team (:func:`pseudonymise`).

    Examples
    --------
    >>> import crmlab
    >>> list(minimise(crmlab.load("retail").customers, "delivery").columns)
    ['customer_id', 'name', 'city', 'phone']
    """
    if not isinstance(table, pd.DataFrame):
        raise ValueError(_("table must be a pandas DataFrame, got {type}").format(
                             type=type(table).__name__))
    if purpose not in PURPOSES:
        raise ValueError(_("unknown purpose {purpose}; known purposes: {purposes}").format(
                             purpose=repr(purpose), purposes=', '.join(PURPOSES)))
    keep = [c for c in table.columns if c in PURPOSES[purpose]]
    if not keep:
        raise ValueError(_("the table has none of the columns the purpose {purpose} uses "
                           "({purposes})").format(
                             purpose=repr(purpose), purposes=', '.join(PURPOSES[purpose])))
    return table[keep].copy()


CONTACT_COLUMN = {"email": "email", "sms": "phone", "phone": "phone"}


def campaign_audience(customers: pd.DataFrame, channel: str = "email",
                      exclude=None) -> pd.DataFrame:
    """The customers a marketing campaign may contact, with the columns it needs.

    Kept: customers with ``marketing_consent`` True (opt-in: a missing answer
    counts as no, PIPL Art. 14 asks for a clear, informed consent) and a
    filled contact field for the channel (``email``; ``sms`` and ``phone``:
    the phone), not in ``exclude`` (ids, e.g. those who withdrew consent or a
    control group).  Columns: :data:`PURPOSES` ``["marketing"]``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"customer_id": ["C1", "C2", "C3", "C4"],
    ...                   "email": ["a@x.cn", "b@x.cn", None, "d@x.cn"],
    ...                   "phone": ["1", "2", "3", "4"],
    ...                   "marketing_consent": [True, False, True, None]})
    >>> campaign_audience(c)["customer_id"].tolist()
    ['C1']
    >>> campaign_audience(c, "sms")["customer_id"].tolist()
    ['C1', 'C3']
    """
    from crmlab._checks import require_columns

    if channel not in CONTACT_COLUMN:
        raise ValueError(_("channel must be one of {contact_column}, got {channel}").format(
                             contact_column=', '.join(CONTACT_COLUMN), channel=repr(channel)))
    contact = CONTACT_COLUMN[channel]
    require_columns(customers, "customers", ["customer_id", "marketing_consent", contact])
    consent = customers["marketing_consent"].astype("boolean").fillna(False).astype(bool)
    ok = consent & customers[contact].notna()
    if exclude is not None:
        if isinstance(exclude, str):
            raise ValueError(_("exclude must be a list of customer ids, got one text"))
        ok &= ~customers["customer_id"].isin(set(exclude))
    return minimise(customers[ok.to_numpy()], "marketing")


# ---------------------------------------------------------------- k-anonymity
@dataclass
class KAnonymity:
    """The k of a table: the size of its smallest equivalence class (等价类).

    ``classes`` has one row per combination of the quasi-identifiers and its
    ``size``; ``unique`` is the share of records alone in their class (the
    people a linkage with another data source would identify for sure).
    """

    k: int
    classes: pd.DataFrame
    quasi_identifiers: tuple[str, ...]

    @property
    def unique(self) -> float:
        n = self.classes["size"].sum()
        return float(self.classes.loc[self.classes["size"] == 1, "size"].sum() / n) if n else 0.0

    def records_below(self, k: int) -> int:
        """How many records are in classes smaller than ``k``."""
        return int(self.classes.loc[self.classes["size"] < k, "size"].sum())


def _qi_frame(table: pd.DataFrame, quasi_identifiers) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise ValueError(_("table must be a pandas DataFrame, got {type}").format(
                             type=type(table).__name__))
    if isinstance(quasi_identifiers, str) or not quasi_identifiers:
        raise ValueError(_("quasi_identifiers must be a non-empty list of column names, e.g. "
                           "['age', 'gender', 'city']"))
    qi = list(quasi_identifiers)
    missing = [c for c in qi if c not in table.columns]
    if missing:
        raise ValueError(_("table is missing column(s) {missing} (expected: {qi})").format(
                             missing=', '.join(map(repr, missing)), qi=', '.join(qi)))
    if table.empty:
        raise ValueError(_("table is empty (0 rows): no k to compute"))
    # a missing value is a value of its own: it is what a linker would see
    return table[qi].astype(object).where(table[qi].notna(), "<missing>")


def k_anonymity(table: pd.DataFrame, quasi_identifiers) -> KAnonymity:
    """k-anonymity of a table (Sweeney 2002): the smallest equivalence-class size.

    Records with the same values of all quasi-identifiers form an equivalence
    class; the table is k-anonymous for the k of its smallest class: each
    person hides among at least k - 1 others.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"age": [30, 30, 30, 41, 41], "city": ["京", "京", "京", "沪", "沪"]})
    >>> r = k_anonymity(t, ["age", "city"])
    >>> r.k, r.classes["size"].tolist()
    (2, [3, 2])
    """
    frame = _qi_frame(table, quasi_identifiers)
    classes = (frame.groupby(list(frame.columns), sort=False, dropna=False).size()
               .rename("size").reset_index().sort_values("size", ascending=False,
                                                         kind="stable").reset_index(drop=True))
    return KAnonymity(int(classes["size"].min()), classes, tuple(frame.columns))


@dataclass
class Generalised:
    """The result of :func:`generalise`: the released table and how it was made."""

    table: pd.DataFrame
    k: int
    steps: list[str]
    suppressed: int
    before: KAnonymity
    after: KAnonymity


AGE_BANDS = (5, 10, 20)


def _band(age: pd.Series, width: int) -> pd.Series:
    a = pd.to_numeric(age, errors="coerce")
    lo = (a // width) * width
    return (lo.astype("Int64").astype(str) + "-" + (lo + width - 1).astype("Int64").astype(str)
            ).where(a.notna(), None)


def generalise(table: pd.DataFrame, quasi_identifiers, k: int = 5,
               max_suppression: float = 0.0, city_to: str = "region_id") -> Generalised:
    """Generalise quasi-identifiers until the table is k-anonymous (泛化).

    The steps, one at a time (Samarati 2001), each making values coarser:

    * ``age``: exact -> 5-year bands -> 10-year bands -> 20-year bands -> ``*``;
    * ``city``: city -> the region it belongs to (column ``city_to``) -> ``*``;
    * any other quasi-identifier: value -> ``*`` (suppressed).

    Each round takes the step that leaves the fewest records in classes
    smaller than k (ties: the first quasi-identifier in the list), a greedy
    search: it finds a k-anonymous table, not always the one that keeps the
    most detail.  Before another step, up to
    ``max_suppression`` (a share) of the records may be dropped instead: the
    records in classes smaller than k, if they are that few.

    Returns
    -------
    Generalised
        ``table`` (the generalised copy, suppressed rows dropped), its ``k``,
        the ``steps`` taken, ``suppressed`` (records dropped), and the
        k-anonymity ``before`` and ``after``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"age": [31, 33, 36, 38, 52, 57], "gender": list("FFMMFF"),
    ...                   "city": ["A", "B", "A", "B", "C", "C"], "region_id": list("RRRRSS")})
    >>> g = generalise(t, ["age", "gender", "city"], k=2)
    >>> g.steps, g.k
    (['age -> 5-year bands', 'city -> region_id', 'age -> 10-year bands'], 2)
    """
    before = k_anonymity(table, quasi_identifiers)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
        raise ValueError(_("k must be a whole number of at least 2, got {k}").format(k=repr(k)))
    if k > len(table):
        raise ValueError(_("k = {k} is more than the {n} records of the table").format(
                             k=k, n=len(table)))
    if not isinstance(max_suppression, (int, float)) or not 0 <= max_suppression < 1:
        raise ValueError(_("max_suppression must be a share from 0 to below 1, got "
                           "{max_suppression}").format(max_suppression=repr(max_suppression)))
    qi = list(quasi_identifiers)
    if "city" in qi and city_to not in table.columns:
        raise ValueError(_("to generalise city the table needs the column {city_to} (the region "
                           "of each city)").format(city_to=repr(city_to)))
    out = table.copy()
    level = {c: 0 for c in qi}

    def ladder(col: str) -> list:
        if col == "age":
            return [*(f"{w}-year bands" for w in AGE_BANDS), "*"]
        if col == "city":
            return [city_to, "*"]
        return ["*"]

    def apply(frame: pd.DataFrame, col: str, step: str) -> pd.Series:
        if step == "*":
            return pd.Series("*", index=frame.index)
        if col == "age":
            return _band(table.loc[frame.index, "age"], int(step.split("-")[0]))
        return frame[city_to].astype(object)

    steps, suppressed = [], 0
    while True:
        current = k_anonymity(out, qi)
        if current.k >= k:
            break
        below = current.records_below(k)
        if below <= max_suppression * len(table):
            frame = _qi_frame(out, qi)
            size = frame.groupby(qi, dropna=False)[qi[0]].transform("size")
            out = out[(size >= k).to_numpy()]
            suppressed += below
            steps.append(f"suppress {below} records")
            continue
        options = []
        for col in qi:
            lad = ladder(col)
            if level[col] < len(lad):
                trial = out.copy()
                trial[col] = apply(out, col, lad[level[col]])
                options.append((k_anonymity(trial, qi).records_below(k), col, trial))
        if not options:  # pragma: no cover - everything '*' is one class of all records
            break
        best = min(options, key=lambda o: o[0])  # min keeps the first of equal ones
        _unused, col, out = best
        steps.append(f"{col} -> {ladder(col)[level[col]]}")
        level[col] += 1
    after = k_anonymity(out, qi)
    return Generalised(out, after.k, steps, suppressed, before, after)


SIZE_BINS = ((1, 1, "1"), (2, 2, "2"), (3, 4, "3-4"), (5, 9, "5-9"), (10, 49, "10-49"),
             (50, np.inf, "50+"))


def plot_class_sizes(before: KAnonymity, after: KAnonymity | None = None,
                     ax: Axes | None = None) -> Axes:
    """Share of records by the size of their equivalence class, before and after.

    Records in classes of size 1 are unique: the ones a linkage could
    re-identify for sure.  Generalisation moves the mass to the right.
    """
    from crmlab._plots import _ax

    parts = [(N_("before"), before)] + ([(N_("after"), after)] if after is not None else [])
    for label, r in parts:
        if not isinstance(r, KAnonymity):
            raise ValueError(_("plot_class_sizes needs results of k_anonymity(...) ({label} is "
                               "{type})").format(label=label, type=type(r).__name__))
    ax = _ax(ax)
    x = np.arange(len(SIZE_BINS))
    width = 0.8 / len(parts)
    for j, (label, r) in enumerate(parts):
        sizes = r.classes["size"]
        share = [sizes[(sizes >= lo) & (sizes <= hi)].sum() / sizes.sum()
                 for lo, hi, _ in SIZE_BINS]
        ax.bar(x + (j - (len(parts) - 1) / 2) * width, share, width,
               label=f"{plot_text(label)} (k = {r.k})")
    ax.set_xticks(x, [b[2] for b in SIZE_BINS])
    ax.set_xlabel(plot_text("size of the equivalence class"))
    ax.set_ylabel(plot_text("share of records"))
    ax.set_title(plot_text("k-anonymity: how many records share their quasi-identifiers"))
    ax.legend()
    return ax
