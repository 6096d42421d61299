"""Answer kinds: how an answer is read, compared with the expected one, and
explained when it is wrong.

Each kind has ``check(answer, expected) -> Verdict``.  A kind never raises on
a student's answer: text where a number belongs, a list instead of a
DataFrame, a function that crashes — all become a friendly ``Verdict`` with
status ``"invalid"``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from crmlab.i18n import N_, _, get_language

__all__ = ["Verdict", "Number", "Choice", "MultiChoice", "Text", "Table", "Function",
           "Diagnosis", "same_place", "UNANSWERED", "is_unanswered"]

UNANSWERED = ...  # the student versions of notebooks leave `...` where an answer goes


def is_unanswered(answer) -> bool:
    return answer is ... or answer is None or (isinstance(answer, str) and not answer.strip())


@dataclass
class Verdict:
    """The result of one check: ``status`` is correct, wrong, invalid or unanswered."""

    status: str
    message: str
    details: list[str] = field(default_factory=list)

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def text(self) -> str:
        mark = {"correct": "✔ " + _("Correct"), "wrong": "✘ " + _("Not yet"),
                "invalid": "⚠ " + _("Check your answer"),
                "unanswered": "… " + _("Not answered yet")}[self.status]
        # the message of a common mistake or an explanation is kept in English (the grader
        # compares it): it is translated here, where it is shown
        message = _(self.message) if self.message else ""
        colon = "：" if get_language() == "zh" else ": "
        lines = [f"{mark}{colon}{message}" if message else mark]
        lines += [f"  - {_(d)}" for d in self.details]
        return "\n".join(lines)


def _fmt(x) -> str:
    if isinstance(x, (list, tuple)):
        inner = ", ".join(_fmt(v) for v in x[:4])
        more = ", ... " + _("({n} values)").format(n=len(x)) if len(x) > 4 else ""
        return f"[{inner}{more}]"
    if isinstance(x, (float, np.floating)):
        if x != 0 and (abs(x) >= 1e6 or abs(x) < 1e-3):
            return f"{x:.4g}"
        return f"{x:,.4f}".rstrip("0").rstrip(".")
    return _echo(x)


ECHO_LIMIT = 60  # an answer echoed back in feedback is cut to this many characters


def _echo(answer, limit: int = ECHO_LIMIT) -> str:
    """A student's answer as shown in feedback: stripped, one line, at most ``limit`` chars."""
    text = " ".join(str(answer).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- numbers
_NUMBER = re.compile(r"^\s*([-+]?(?:\d[\d,._]*|[.,]\d[\d_]*)(?:[eE][-+]?\d+)?)\s*(%?)\s*$")
_THOUSANDS = re.compile(r"^[-+]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$")  # 1,234,567 or 1,234.5
_DOT_THOUSANDS = re.compile(r"^[-+]?[1-9]\d{0,2}(?:\.\d{3})+,\d+$")  # 1.234,5 (European)
_AMBIGUOUS = re.compile(r"^[-+]?[1-9]\d{0,2},\d{3}$")  # 1,234: one group of exactly 3 digits


def _digits(text: str) -> str | None:
    """Normalise the separators of a number typed as text; ``None`` if they make no sense.

    * ``1,234,567`` and ``1,234.5``: commas are thousands separators;
    * ``1.234,5``: dots are thousands separators, the comma is the decimal mark;
    * ``0,6919``, ``0,123``, ``12,5``: a single comma is a decimal comma (a number
      never starts with ``0,`` before thousands);
    * ``1,234`` (one comma, then exactly three digits, no leading 0) is ambiguous:
      it is read as 1234, the way the workbook prints numbers, and
      :class:`Number` says so if 1.234 would have been right.
    """
    text = text.replace("_", "")
    mantissa, mark, exponent = text.replace("E", "e").partition("e")
    exponent = f"e{exponent}" if mark else ""
    if "," not in mantissa:
        return mantissa + exponent if mantissa.count(".") <= 1 else None
    if _THOUSANDS.match(mantissa):
        return mantissa.replace(",", "") + exponent
    if _DOT_THOUSANDS.match(mantissa):
        return mantissa.replace(".", "").replace(",", ".") + exponent
    if mantissa.count(",") == 1 and "." not in mantissa:
        return mantissa.replace(",", ".") + exponent
    return None


def parse_number(answer) -> tuple[float | None, bool, str]:
    """Read a number from a student's answer: (value, had_percent_sign, problem).

    Text may use a decimal comma (``"0,6919"`` is 0.6919) or thousands
    separators (``"1,234,567"``); see :func:`_digits` for ``"1,234"``.

    Examples
    --------
    >>> parse_number("0,6919")
    (0.6919, False, '')
    >>> parse_number("1,234,567")[0], parse_number("62 %")[:2]
    (1234567.0, (62.0, True))
    >>> parse_number(10**400)[2]
    'that number (401 digits) is too large: it is not a finite number'
    """
    if isinstance(answer, bool):
        return None, False, _("that is True/False, not a number")
    if isinstance(answer, (int, np.integer)) and not isinstance(answer, bool):
        try:
            return float(answer), False, ""
        except OverflowError:
            digits = len(str(abs(int(answer))))
            return None, False, _("that number ({digits} digits) is too large: it is not a "
                                  "finite number").format(digits=digits)
    if isinstance(answer, (float, np.floating)):
        value = float(answer)
        if math.isnan(value):
            return None, False, _("nan is not a finite number (it means \"not a number\"): "
                                  "check your calculation")
        if math.isinf(value):
            return None, False, _("{answer} is not a finite number: check your "
                                  "calculation").format(answer=answer)
        return value, False, ""
    if isinstance(answer, str):
        text = unicodedata.normalize("NFKC", answer).replace("％", "%")
        m = _NUMBER.match(text)
        if m and m.group(1) and any(ch.isdigit() for ch in m.group(1)):
            digits = _digits(m.group(1))
            if digits is not None:
                try:
                    value = float(digits)
                except ValueError:
                    value = None
                if value is not None and math.isinf(value):
                    return None, False, _("'{answer}' is too large: it is not a finite "
                                          "number").format(answer=_echo(answer.strip()))
                if value is not None:
                    return value, bool(m.group(2)), ""
        return None, False, _("'{answer}' is not a number; type digits only, e.g. "
                              "0.25").format(answer=_echo(answer.strip()))
    if hasattr(answer, "shape") and getattr(answer, "size", 2) == 1:
        return parse_number(np.asarray(answer).ravel()[0].item())
    if hasattr(answer, "__len__"):
        return None, False, _("expected a single number, got {type} with several "
                              "values").format(type=type(answer).__name__)
    return None, False, _("expected a single number, got {type}").format(
        type=type(answer).__name__)


def _decimal_reading(answer) -> float | None:
    """1.234 for an ambiguous ``"1,234"`` (read as 1234 by :func:`parse_number`)."""
    if isinstance(answer, str):
        text = unicodedata.normalize("NFKC", answer).strip().rstrip("%").strip()
        if _AMBIGUOUS.match(text):
            return float(text.replace(",", "."))
    return None


@dataclass
class Number:
    """A single number.

    ``rel_tol``/``abs_tol`` decide "close enough".  ``unit`` is ``"fraction"``
    (answer 0.62), ``"percent"`` (answer 62) or ``None``; an answer off by a
    factor of 100 is reported as a fraction/percent mix-up, and an explicit
    ``%`` sign is always understood.
    """

    rel_tol: float = 1e-3
    abs_tol: float = 0.0
    unit: str | None = None
    decimals: int | None = None  # only used to show the expected value

    name = "number"

    def close(self, value: float, expected: float) -> bool:
        return math.isclose(value, float(expected), rel_tol=self.rel_tol, abs_tol=self.abs_tol)

    def read(self, answer) -> tuple[float | None, str]:
        value, pct, problem = parse_number(answer)
        if value is None:
            return None, problem
        if pct and self.unit == "fraction":
            value = value / 100
        return value, ""

    def check(self, answer, expected) -> Verdict:
        if is_unanswered(answer):
            return Verdict("unanswered", _("replace ... with your answer"))
        value, problem = self.read(answer)
        if value is None:
            return Verdict("invalid", problem)
        if self.close(value, expected):
            return Verdict("correct", "")
        exp = float(expected)
        near = self.near
        had_pct = parse_number(answer)[1]
        if self.unit != "percent" and (self.unit == "fraction" or 0 < abs(exp) <= 1) \
                and not had_pct and near(value / 100, exp):
            return Verdict("wrong", _("{value} looks like a percentage; this answer is a "
                                      "fraction between 0 and 1 (write {fraction}, or "
                                      "{value}%)").format(value=_fmt(value),
                                                          fraction=_fmt(value / 100)))
        if self.unit is None and had_pct and not near(value, exp) and near(value / 100, exp):
            return Verdict("wrong", _("'{answer}' was read as {value}; write this answer as "
                                      "a fraction: {fraction}").format(
                answer=_echo(answer.strip()), value=_fmt(value), fraction=_fmt(value / 100)))
        if self.unit == "percent" and not had_pct and near(value * 100, exp):
            return Verdict("wrong", _("{value} looks like a fraction; this answer is in "
                                      "percent (write {percent})").format(
                value=_fmt(value), percent=_fmt(value * 100)))
        alt = _decimal_reading(answer)
        if alt is not None and near(alt / (100 if self.unit == "fraction" and "%" in answer
                                           else 1), exp):
            return Verdict("wrong", _("'{answer}' was read as {value} (a comma before three "
                                      "digits separates thousands); if you meant {alt}, write "
                                      "it with a point: {alt}").format(
                answer=_echo(answer.strip()), value=_fmt(value), alt=_fmt(alt)))
        if exp != 0 and math.isclose(value, -exp, rel_tol=self.rel_tol):
            return Verdict("wrong", _("right size, wrong sign"))
        if near(value, exp):
            return Verdict("wrong", _("{value} is close but not within the tolerance (check "
                                      "rounding and which rows you included)").format(
                value=_fmt(value)))
        return Verdict("wrong", _("{value} is not right").format(value=_fmt(value)))

    def near(self, value: float, expected: float) -> bool:
        """Within the tolerance or in the "close but not within the tolerance" band."""
        exp = float(expected)
        if self.close(value, exp):
            return True
        return exp != 0 and math.isclose(value, exp, rel_tol=max(0.05, 10 * self.rel_tol))


# ---------------------------------------------------------------- choices
def _key(text) -> str:
    return re.sub(r"[\s\W_]+", "", unicodedata.normalize("NFKC", str(text)).casefold())


@dataclass
class Choice:
    """One option out of several; options map a key to its label."""

    options: dict[str, str]
    feedback: dict[str, str] = field(default_factory=dict)  # option key -> why it is wrong

    name = "choice"

    def read(self, answer) -> tuple[str | None, str]:
        if not isinstance(answer, (str, int, np.integer)) or isinstance(answer, bool):
            return None, _("answer with one option, e.g. '{option}'").format(
                option=next(iter(self.options)))
        k = _key(answer)
        for key, label in self.options.items():
            if k in (_key(key), _key(label)):
                return key, ""
        return None, _("'{answer}' is not one of the options: {options}").format(
            answer=_echo(answer), options=", ".join(f"'{o}'" for o in self.options))

    def check(self, answer, expected) -> Verdict:
        if is_unanswered(answer):
            return Verdict("unanswered", _("choose one option"))
        key, problem = self.read(answer)
        if key is None:
            return Verdict("invalid", problem)
        if key == expected:
            return Verdict("correct", "")
        return Verdict("wrong", self.feedback.get(key) or _("'{option}' is not the best "
                                                            "answer").format(
            option=_(self.options[key])))


@dataclass
class MultiChoice:
    """Any number of options; every right one and no wrong one."""

    options: dict[str, str]
    feedback: dict[str, str] = field(default_factory=dict)

    name = "multichoice"

    def check(self, answer, expected) -> Verdict:
        if is_unanswered(answer) or (isinstance(answer, (list, tuple, set)) and not answer):
            return Verdict("unanswered", _("tick every option that applies"))
        if isinstance(answer, str):
            answer = [a for a in re.split(r"[,;，；]", answer) if a.strip()]
        if not isinstance(answer, (list, tuple, set, frozenset)):
            return Verdict("invalid", _("answer with a list of options, e.g. ['a', 'c']"))
        chosen = set()
        single = Choice(self.options)
        for a in answer:
            key, problem = single.read(a)
            if key is None:
                return Verdict("invalid", problem)
            chosen.add(key)
        expected = set(expected)
        if chosen == expected:
            return Verdict("correct", "")
        details = [self.feedback.get(k) or _("'{option}' does not belong").format(
                       option=_(self.options[k]))
                   for k in sorted(chosen - expected)]
        missing = len(expected - chosen)
        if missing:
            details.append(_("{n} right options are missing").format(n=missing) if missing > 1
                           else _("1 right option is missing"))
        return Verdict("wrong", _("{right} of your {n} choices are right").format(
            right=len(chosen & expected), n=len(chosen)), details)


@dataclass
class Text:
    """A short text matched to accepted forms (case, spaces and punctuation ignored)."""

    accepted: Sequence[str] = ()
    feedback: dict[str, str] = field(default_factory=dict)  # a wrong form -> message

    name = "text"

    def check(self, answer, expected) -> Verdict:
        if is_unanswered(answer):
            return Verdict("unanswered", _("type your answer"))
        if not isinstance(answer, str):
            return Verdict("invalid", _("answer with a short text in quotes"))
        forms = {_key(a) for a in [*self.accepted, *([expected] if isinstance(expected, str)
                                                      else expected)]}
        if _key(answer) in forms:
            return Verdict("correct", "")
        for wrong, message in self.feedback.items():
            if _key(answer) == _key(wrong):
                return Verdict("wrong", message)
        return Verdict("wrong", _("'{answer}' is not what we are looking for").format(
            answer=_echo(answer.strip())))


# ---------------------------------------------------------------- tables
@dataclass
class Table:
    """A pandas Series or DataFrame, compared label by label with a tolerance."""

    rel_tol: float = 1e-3
    abs_tol: float = 1e-9
    check_order: bool = False
    max_details: int = 5

    name = "table"

    def check(self, answer, expected) -> Verdict:
        import pandas as pd

        if is_unanswered(answer):
            return Verdict("unanswered", _("compute the table and pass it to crmlab.check"))
        want_series = isinstance(expected, pd.Series)
        if want_series and isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
            answer = answer.iloc[:, 0]
        if not isinstance(answer, (pd.Series, pd.DataFrame)):
            return Verdict("invalid", _("expected a pandas {want}, got {type}").format(
                want="Series" if want_series else "DataFrame", type=type(answer).__name__))
        if want_series and isinstance(answer, pd.DataFrame):
            return Verdict("invalid", _("expected a Series (one column), got a DataFrame with "
                                        "{n} columns").format(n=answer.shape[1]))
        if not want_series and isinstance(answer, pd.Series):
            return Verdict("invalid", _("expected a DataFrame, got a Series"))
        a = answer.to_frame("value") if want_series else answer
        e = expected.to_frame("value") if want_series else expected
        details = []
        missing_rows = [r for r in e.index if r not in a.index]
        extra_rows = [r for r in a.index if r not in e.index]
        if missing_rows:
            details.append((_("missing rows {rows}") if len(missing_rows) > 1
                            else _("missing row {rows}")).format(
                rows=", ".join(f"'{r}'" for r in missing_rows[:self.max_details])))
        if extra_rows:
            details.append((_("unexpected rows {rows}") if len(extra_rows) > 1
                            else _("unexpected row {rows}")).format(
                rows=", ".join(f"'{r}'" for r in extra_rows[:self.max_details])))
        if not want_series:
            missing_cols = [c for c in e.columns if c not in a.columns]
            if missing_cols:
                details.append(_("missing column(s) {columns}").format(
                    columns=", ".join(f"'{c}'" for c in missing_cols)))
        if a.index.has_duplicates:
            return Verdict("invalid", _("your table has repeated row labels; group or "
                                        "aggregate first"))
        diffs = 0
        for r in e.index:
            if r not in a.index:
                continue
            for col in e.columns:
                if col not in a.columns:
                    continue
                got, exp = a.at[r, col], e.at[r, col]
                if not self._equal(got, exp):
                    diffs += 1
                    if diffs <= self.max_details:
                        text = (_("row '{row}' is {got}, expected {expected}") if want_series
                                else _("row '{row}', column '{column}' is {got}, expected "
                                       "{expected}"))
                        details.append(text.format(row=r, column=col, got=_fmt(got),
                                                   expected=_fmt(exp)))
        if diffs > self.max_details:
            details.append(_("... and {n} more differences").format(n=diffs - self.max_details))
        if not details and self.check_order and list(a.index) != list(e.index):
            details.append(_("the rows are in the wrong order"))
        if not details:
            return Verdict("correct", "")
        return Verdict("wrong", _("the table differs from the expected one"), details)

    def _equal(self, got, exp) -> bool:
        try:
            g, x = float(got), float(exp)
        except (TypeError, ValueError):
            return str(got) == str(exp)
        if math.isnan(g) or math.isnan(x):
            return math.isnan(g) and math.isnan(x)
        return math.isclose(g, x, rel_tol=self.rel_tol, abs_tol=self.abs_tol)


# ---------------------------------------------------------------- functions
@dataclass
class Function:
    """A student's function, called on hidden cases made from the data.

    The expected "answer" is a list of ``(args, expected_result)`` cases.
    """

    rel_tol: float = 1e-6
    abs_tol: float = 1e-9
    show: int = 3

    name = "function"

    def check(self, answer, expected: list[tuple[tuple, Any]]) -> Verdict:
        if is_unanswered(answer):
            return Verdict("unanswered", _("write the function and pass it (without calling "
                                           "it)"))
        if not callable(answer):
            return Verdict("invalid", _("pass the function itself (e.g. check(..., my_func)), "
                                        "not {type}").format(type=type(answer).__name__))
        inner = Number(rel_tol=self.rel_tol, abs_tol=self.abs_tol)
        failed = []
        returned_none = 0
        for args, want in expected:
            shown = ", ".join(_fmt(a) for a in args)
            try:
                got = answer(*args)
            except Exception as exc:  # a student's bug is feedback, not a crash
                failed.append(_("{call} raised {error}").format(
                    call=f"{getattr(answer, '__name__', 'function')}({shown})",
                    error=f"{type(exc).__name__}: {_echo(exc, 200)}"))
                continue
            returned_none += got is None
            value, problem = inner.read(got)
            if value is None:
                failed.append(_("({args}) returned {got}: {problem}").format(
                    args=shown, got=_echo(repr(got)), problem=problem))
            elif not inner.close(value, want):
                failed.append(_("({args}) returned {got}, expected {expected}").format(
                    args=shown, got=_fmt(value), expected=_fmt(float(want))))
        if not failed:
            return Verdict("correct", _("passed all {n} hidden cases.").format(n=len(expected)))
        if returned_none == len(expected):
            return Verdict("unanswered", _("your function returns nothing yet: write its body "
                                           "and return the result"))
        return Verdict("wrong", _("{failed} of {n} hidden cases fail").format(
            failed=len(failed), n=len(expected)),
                       failed[: self.show])


# ---------------------------------------------------------------- findings (the capstone)
_ABSENT = {"none", "no", "nothing", "absent", "无", "没有", "不存在"}


def same_place(where: str, got, want) -> bool:
    """Whether a finding's place is the planted one.

    Regions and campaigns must be the same id (case and spaces ignored); a period
    (``"2023-04"`` or ``"2023-04..2023-06"``) is right if its first month is within
    one month of the planted first month.

    >>> same_place("region", " r03", "R03"), same_place("period", "2023-05", "2023-04..2023-06")
    (True, True)
    """
    if where != "period":
        return str(got).strip().upper() == str(want).strip().upper()
    import pandas as pd

    try:
        g = pd.Period(str(got).split("..")[0].strip(), freq="M")
        w = pd.Period(str(want).split("..")[0].strip(), freq="M")
    except (ValueError, TypeError):
        return False
    return abs((g - w).n) <= 1


@dataclass
class Diagnosis:
    """A diagnosis of one problem: ``"none"`` if the firm does not have it, else
    where it is and how large, as ``("R03", 0.52)`` (or ``{"where": ..., "size": ...}``).

    The expected answer is ``None`` (no such problem) or ``(where, size)``.  The place
    is compared with :func:`same_place`; the size within ``tolerance`` (a fraction of
    the expected size if ``relative``).  ``size_name`` says what the size measures.
    """

    where: str = "region"  # "region", "campaign" or "period"
    tolerance: float = 0.1
    relative: bool = False
    size_name: str = "size"
    example: tuple = ("R03", 0.5)

    name = "finding"

    def read(self, answer) -> tuple[tuple | None, str]:
        """``((where, size), '')``, ``(None, '')`` for "none", or ``(None, problem)``."""
        how = _("answer \"none\" if your firm does not have this problem, else where and how "
                "large, e.g. {example}").format(example=repr(self.example))
        if isinstance(answer, str) and _key(answer) in {_key(a) for a in _ABSENT}:
            return None, ""
        if isinstance(answer, dict):
            if not {"where", "size"} <= set(answer):
                return None, how + " " + _("(a dict needs the keys 'where' and 'size')")
            answer = (answer["where"], answer["size"])
        if not isinstance(answer, (list, tuple)) or len(answer) != 2:
            return None, how
        place, size = answer
        if not isinstance(place, str) and not hasattr(place, "strftime") \
                and type(place).__name__ != "Period":
            return None, _("the place comes first, as text (e.g. {place}); {how}").format(
                place=repr(self.example[0]), how=how)
        value, _pct, problem = parse_number(size)
        if value is None:
            return None, _("the size: {problem}").format(problem=problem)
        return (str(place).strip(), value), ""

    def check(self, answer, expected) -> Verdict:
        if is_unanswered(answer):
            return Verdict("unanswered", _('give where and how large, or "none"'))
        got, problem = self.read(answer)
        if problem:
            return Verdict("invalid", problem)
        if expected is None:
            if got is None:
                return Verdict("correct", "")
            return Verdict("wrong", _("your firm does not have this problem: what you see is "
                                      "within the usual variation (compare it with the "
                                      "other {places})").format(places=self._places()))
        if got is None:
            return Verdict("wrong", _("your firm does have this problem: look again, comparing "
                                      "every {place} with the others").format(
                place=self._places(one=True)))
        place, size = got
        want_place, want_size = expected
        if not same_place(self.where, place, want_place):
            return Verdict("wrong", _("not in {place}: the problem is elsewhere").format(
                place=_echo(place)))
        limit = self.tolerance * abs(float(want_size)) if self.relative else self.tolerance
        if abs(size - float(want_size)) <= limit:
            return Verdict("correct", "")
        band = (_("{share} of it").format(share=f"{self.tolerance:.0%}") if self.relative
                else _fmt(self.tolerance))
        return Verdict("wrong", _("the place is right, but {size} is too far from the {measure} "
                                  "(an estimate must be within {band}); check how you "
                                  "measured").format(size=_fmt(size), measure=_(self.size_name),
                                                     band=band))

    def _places(self, one: bool = False) -> str:
        names = {"period": (N_("month"), N_("months")), "region": (N_("region"), N_("regions")),
                 "campaign": (N_("campaign"), N_("campaigns"))}
        single, plural = names.get(self.where, (self.where, self.where + "s"))
        return _(single if one else plural)


Kind = Number | Choice | MultiChoice | Text | Table | Function | Diagnosis
Checker = Callable[[Any, Any], Verdict]
