"""Names and places per locale.

Faker builds *pools* (a few hundred first names, surnames, user names,
company names) from a local, seeded instance; numpy then draws from the pools
for every row.  That keeps generation vectorised: faker is called a few
thousand times, not once per row.  Regions and their cities are real places,
fixed here so that a region always contains the same cities.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np

from crmlab.i18n import _

__all__ = ["LOCALES", "Pools", "pools_for", "check_locale"]

LOCALES = ("en_US", "zh_CN")

# region name -> cities (the first is the regional office)
GEOGRAPHY = {
    "en_US": {
        "Northeast": ("New York", "Boston", "Philadelphia", "Pittsburgh", "Buffalo"),
        "Southeast": ("Atlanta", "Miami", "Charlotte", "Orlando", "Nashville"),
        "Midwest": ("Chicago", "Detroit", "Minneapolis", "Columbus", "St. Louis"),
        "Southwest": ("Houston", "Dallas", "Phoenix", "San Antonio", "Austin"),
        "West": ("Los Angeles", "San Francisco", "San Diego", "Las Vegas", "Sacramento"),
        "Northwest": ("Seattle", "Portland", "Boise", "Spokane", "Tacoma"),
        "Mountain": ("Denver", "Salt Lake City", "Albuquerque", "Colorado Springs", "Tucson"),
    },
    "zh_CN": {
        "华北": ("北京", "天津", "石家庄", "太原", "呼和浩特"),
        "华东": ("上海", "杭州", "南京", "苏州", "合肥"),
        "华南": ("广州", "深圳", "厦门", "南宁", "海口"),
        "华中": ("武汉", "长沙", "郑州", "南昌", "宜昌"),
        "西南": ("成都", "重庆", "昆明", "贵阳", "拉萨"),
        "东北": ("沈阳", "大连", "哈尔滨", "长春", "吉林"),
        "西北": ("西安", "兰州", "乌鲁木齐", "银川", "西宁"),
    },
}

INDUSTRIES = {
    "en_US": ("manufacturing", "retail", "healthcare", "finance", "logistics", "education",
              "technology", "energy"),
    "zh_CN": ("制造业", "零售业", "医疗健康", "金融业", "物流", "教育", "信息技术", "能源"),
}

EMAIL_DOMAINS = {
    "en_US": ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com"),
    "zh_CN": ("qq.com", "163.com", "126.com", "sina.com", "gmail.com"),
}

# Mobile prefixes (zh_CN) and area codes per region (en_US), for phone numbers.
ZH_MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151",
                      "152", "158", "159", "176", "177", "180", "181", "186", "187", "188", "189")
EN_AREA_CODES = ("212", "617", "215", "404", "305", "704", "312", "313", "612", "713", "214",
                 "602", "213", "415", "619", "206", "503", "208", "303", "801", "505")


@dataclass(frozen=True)
class Pools:
    locale: str
    first_female: np.ndarray
    first_male: np.ndarray
    last: np.ndarray
    user_names: np.ndarray
    regions: tuple[str, ...]
    cities: tuple[tuple[str, ...], ...]
    industries: tuple[str, ...]
    email_domains: tuple[str, ...]
    _draw_companies: Callable[[], np.ndarray] = field(repr=False, compare=False)

    @cached_property
    def companies(self) -> np.ndarray:
        """Company names, drawn the first time a scenario needs them (b2b accounts, leads).

        They come last from the same faker instance, so they are the same as if they
        had been drawn with the other pools; retail and telecom never pay for them.
        """
        return self._draw_companies()

    def person_names(self, rng: np.random.Generator, female: np.ndarray) -> np.ndarray:
        n = len(female)
        first = np.where(
            female,
            self.first_female[rng.integers(0, len(self.first_female), n)],
            self.first_male[rng.integers(0, len(self.first_male), n)],
        )
        last = self.last[rng.integers(0, len(self.last), n)]
        if self.locale == "zh_CN":
            return np.char.add(last, first)
        return np.char.add(np.char.add(first, " "), last)

    def emails(self, rng: np.random.Generator, n: int) -> np.ndarray:
        user = self.user_names[rng.integers(0, len(self.user_names), n)]
        digits = rng.integers(0, 1000, n).astype(str)
        domain = np.asarray(self.email_domains)[rng.integers(0, len(self.email_domains), n)]
        emails = np.char.add(np.char.add(np.char.add(user, digits), "@"), domain)
        return unique_strings(emails, _another_email)

    def phones(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.locale == "zh_CN":
            prefix = np.asarray(ZH_MOBILE_PREFIXES)[rng.integers(0, len(ZH_MOBILE_PREFIXES), n)]
            rest = np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8)
            return unique_strings(np.char.add(prefix, rest), _another_phone)
        area = np.asarray(EN_AREA_CODES)[rng.integers(0, len(EN_AREA_CODES), n)]
        mid = rng.integers(200, 1000, n).astype(str)
        end = np.char.zfill(rng.integers(0, 10000, n).astype(str), 4)
        phones = np.char.add(np.char.add(np.char.add(np.char.add("+1-", area), "-"),
                                         np.char.add(mid, "-")), end)
        return unique_strings(phones, _another_phone)


def unique_strings(values: np.ndarray, another) -> np.ndarray:
    """``values`` with every repeat (after its first occurrence) changed until it is unique.

    ``another(value, k)`` gives the k-th alternative of a value.  Identifiers of real
    customers do not repeat (a repeat in a CRM is a duplicate record, which the defects
    add on purpose); no random number is drawn here, so the rest of a dataset is the
    same as without the repair.

    >>> unique_strings(np.array(["a@x", "b@x", "a@x"]), _another_email).tolist()
    ['a@x', 'b@x', 'a1@x']
    """
    import pandas as pd

    repeats = np.flatnonzero(pd.Series(values).duplicated().to_numpy())
    if not len(repeats):
        return values
    seen = set(values.tolist())
    out = values.copy()
    for i in repeats:
        k = 1
        while (candidate := another(str(values[i]), k)) in seen:
            k += 1
        if len(candidate) > out.itemsize // np.dtype("U1").itemsize:
            out = out.astype(f"U{len(candidate) + 4}")
        out[i] = candidate
        seen.add(candidate)
    return out


def _another_email(email: str, k: int) -> str:
    user, _, domain = email.partition("@")
    return f"{user}{k}@{domain}"


def _another_phone(phone: str, k: int) -> str:
    """The same number with its last four digits moved on by ``k`` (same format)."""
    head, tail = phone[:-4], phone[-4:]
    return f"{head}{(int(tail) + k) % 10000:04d}"


def check_locale(locale: str) -> None:
    if locale not in LOCALES:
        raise ValueError(_("unknown locale {locale}; choose one of: {locales}").format(
                             locale=repr(locale), locales=', '.join(LOCALES)))


@lru_cache(maxsize=8)
def pools_for(locale: str, seed: int, n_regions: int, pool_size: int = 400) -> Pools:
    """Build the name pools for a locale from a local faker seeded by ``seed``."""
    check_locale(locale)
    from faker import Faker  # imported lazily: faker is slow to import

    fake = Faker(locale)
    fake.seed_instance(seed)

    def pool(method, size=pool_size):
        # unique and sorted, so the pool does not depend on set ordering
        return np.array(sorted({method() for _ in range(size)}))

    regions = tuple(GEOGRAPHY[locale])[:n_regions]
    if len(regions) < n_regions:
        raise ValueError(_("locale {locale} has only {n} regions").format(
                             locale=repr(locale), n=len(GEOGRAPHY[locale])))
    return Pools(
        locale=locale,
        first_female=pool(fake.first_name_female),
        first_male=pool(fake.first_name_male),
        last=pool(fake.last_name),
        user_names=pool(fake.user_name, 2 * pool_size),
        regions=regions,
        cities=tuple(GEOGRAPHY[locale][r] for r in regions),
        industries=INDUSTRIES[locale],
        email_domains=EMAIL_DOMAINS[locale],
        _draw_companies=lambda: pool(fake.company, 2 * pool_size),
    )
