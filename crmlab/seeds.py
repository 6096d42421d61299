"""Stable seeds from student ids, and the form a student id must have."""

from __future__ import annotations

import hashlib
import re

from crmlab.i18n import _

__all__ = ["seed_for", "validate_student_id", "STUDENT_ID_CHARS", "STUDENT_ID_MAX"]

STUDENT_ID_CHARS = "letters, digits, '-', '_' and '.'"
STUDENT_ID_MAX = 40
_STUDENT_ID = re.compile(r"[A-Za-z0-9._-]+")


def seed_for(student_id: str | int, salt: str = "crmlab") -> int:
    """Turn a student id into a stable seed in ``[0, 2**31)``.

    A real hash (SHA-256 of the trimmed id), not Python's ``hash()``, which
    changes between runs.  ``salt`` lets an instructor give a class a fresh
    set of datasets next term.

    >>> seed_for("2023012345") == seed_for(" 2023012345 ")
    True
    >>> seed_for("2023012345") != seed_for("2023012346")
    True
    """
    if isinstance(student_id, bool) or not isinstance(student_id, (str, int)):
        raise ValueError(_("student id must be text or a whole number, got {student_id}").format(
                             student_id=repr(student_id)))
    text = str(student_id).strip()
    if not text:
        raise ValueError(_("student id is empty"))
    digest = hashlib.sha256(f"{salt}:{text}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % (2**31)


def validate_student_id(student_id: str | int) -> str:
    """Return the student id, trimmed, or raise ``ValueError`` saying what is wrong with it.

    A student id is 1 to 40 letters (A-Z, a-z), digits, ``-``, ``_`` or ``.``,
    starting with a letter or a digit (so it is also a safe folder name), for example ``2023012345`` or ``s-2023.17``.  A whole number is accepted
    and turned into text.

    Parameters
    ----------
    student_id : str or int
        The id as typed.

    Returns
    -------
    str
        The id without surrounding spaces.

    Raises
    ------
    ValueError
        If the id is not text or a whole number, is empty, too long, or has
        other characters (the message names them).

    >>> validate_student_id(" 2023012345 ")
    '2023012345'
    >>> validate_student_id("2023 012345")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: student id '2023 012345' has ' ' (a space): use only letters, digits, ...
    """
    if isinstance(student_id, bool) or not isinstance(student_id, (str, int)):
        raise ValueError(_("student id must be text or a whole number, got {student_id}").format(
                             student_id=repr(student_id)))
    text = str(student_id).strip()
    example = 'e.g. "2023012345"'
    if not text:
        raise ValueError(_("student id is empty: give your student id as text, {example}").format(
                             example=example))
    if len(text) > STUDENT_ID_MAX:
        raise ValueError(_("student id {text}... is {n} characters long: at most "
                           "{student_id_max} are allowed").format(
                             text=repr(text[:20]), n=len(text), student_id_max=STUDENT_ID_MAX))
    if not _STUDENT_ID.fullmatch(text):
        bad = sorted({c for c in text if not _STUDENT_ID.fullmatch(c)}, key=text.index)
        named = ", ".join(f"{c!r} (a space)" if c == " " else repr(c) for c in bad)
        raise ValueError(_("student id {text} has {named}: use only {student_id_chars}, "
                           "{example}").format(
                             text=repr(text), named=named, student_id_chars=STUDENT_ID_CHARS,
                             example=example))
    if not text[0].isalnum():
        raise ValueError(_("student id {text} must start with a letter or a digit, {example}").format(
                             text=repr(text), example=example))
    return text
