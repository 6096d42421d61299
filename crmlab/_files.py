"""Writing files safely: whole or not at all, never a half-written file on disk."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from crmlab.i18n import _

__all__ = ["write_text_atomic", "first_missing"]


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to a temporary file beside ``path``, then rename it into place.

    A crash or a full disk leaves the old file (or none), never a part of the new one.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> write_text_atomic(p, "hello").read_text()
    'hello'
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(21, _("Is a directory"), str(path))
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise NotADirectoryError(20, _("Not a directory"), str(parent))
    if not parent.is_dir():
        raise FileNotFoundError(2, _("No such file or directory"), str(parent))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:  # name the file asked for, not the temporary one
        raise type(exc)(exc.errno, exc.strerror, str(path)) from None
    try:
        with open(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        Path(tmp).chmod(0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def first_missing(folder: Path) -> Path | None:
    """The outermost of ``folder`` and its parents that does not exist yet (None if it does).

    What a command that creates ``folder`` must remove again when it fails.
    """
    missing = None
    for p in [Path(folder), *Path(folder).parents]:
        if p.exists():
            break
        missing = p
    return missing
