"""The progress file: every check's answer and verdict, saved next to the notebooks.

``crmlab-progress.json`` in the working folder (the notebook's folder in
Jupyter: chapter notebooks and homework keep separate files), or the file named
by the ``CRMLAB_PROGRESS`` environment variable.  ``CRMLAB_PROGRESS_DIR`` moves
the per-folder files elsewhere (``DIR/<folder name>/crmlab-progress.json``, and
``DIR/notebooks-zh/`` for ``notebooks/zh/``):
the test suite uses it so that running the notebooks writes nothing into the
repository.

What an entry holds (one per exercise, under ``"answers"``)::

    {"attempts": 3, "practice": false,
     "answer": ..., "status": "wrong", "time": "2026-...", "student_id": "2023...", "seed": 7,
     "best": {"answer": ..., "status": "correct", "time": "...", "student_id": "2023...",
              "seed": 7, "attempt": 2}}

The flat ``answer``/``status``/``time``/``student_id``/``seed`` are the latest
check; ``best`` is the best one (correct > wrong > invalid; of equals, the
latest; ``attempt`` is its number).  ``student_id`` is ``None`` for a check in
practice mode (no student id), ``seed`` is the seed of the dataset the answer
was checked on, and ``practice`` says whether the exercise is a practice one
(in a chapter notebook, not graded).  A check of an unanswered placeholder
(``...``) is never saved, so re-running a notebook never erases an answer.

Every update is a read-modify-write under a lock (:func:`locked`: ``flock`` on
``.crmlab-progress.json.lock`` beside the file on POSIX, ``msvcrt.locking`` on
Windows), so several notebooks open on the same folder never lose each other's
answers.  The file is written atomically (a temporary file
``.crmlab-progress.json.<pid>.<random>.tmp``, then a rename), so a crash
mid-write leaves the previous version; temporary files left by a killed writer
are removed by the next write.  A file that cannot be read is moved aside to
``crmlab-progress.corrupt-N.json`` and reported, never silently lost.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import os
import random
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from crmlab.i18n import _

__all__ = ["progress_path", "read_state", "write_state", "record", "saved_entry", "locked",
           "ProgressLockTimeout", "encode", "decode", "PROGRESS_FILE", "RANK"]

PROGRESS_FILE = "crmlab-progress.json"
FORMAT = "crmlab-progress/2"
LOCK_TIMEOUT = 10.0  # seconds a check waits for another notebook's write
STALE_AFTER = 60.0  # seconds after which a leftover temporary file is removed
RANK = {"correct": 3, "wrong": 2, "invalid": 1}  # which saved verdict is "best"
UNANSWERED = "unanswered"  # never saved; any other status (e.g. "recorded") is, ranked 0


class ProgressLockTimeout(TimeoutError):
    """The progress file stayed locked by another process for too long."""


def progress_path() -> Path:
    """Where this folder's progress file is (see the module docstring)."""
    if os.environ.get("CRMLAB_PROGRESS"):
        return Path(os.environ["CRMLAB_PROGRESS"])
    if os.environ.get("CRMLAB_PROGRESS_DIR"):
        here = Path.cwd()
        # notebooks/zh and exercises/zh (the Chinese edition) keep files of their own too
        name = f"{here.parent.name}-{here.name}" if here.name == "zh" else here.name
        return Path(os.environ["CRMLAB_PROGRESS_DIR"]) / name / PROGRESS_FILE
    return Path.cwd() / PROGRESS_FILE


def _fresh() -> dict:
    return {"format": FORMAT, "student_id": None, "answers": {}}


# ---------------------------------------------------------------- locking
def lock_path(path: Path) -> Path:
    """The lock file beside a progress file (hidden, never removed)."""
    return path.with_name(f".{path.name}.lock")


def _try_lock(fd: int) -> bool:
    if os.name == "nt":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    if os.name == "nt":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def locked(path: Path | None = None, timeout: float | None = None) -> Iterator[Path]:
    """Hold the progress file's lock (across processes) for a read-modify-write.

    Parameters
    ----------
    path : Path, optional
        The progress file; :func:`progress_path` by default.
    timeout : float, optional
        Seconds to wait for another process's lock (``LOCK_TIMEOUT`` by default).

    Yields
    ------
    Path
        The progress file.

    Raises
    ------
    ProgressLockTimeout
        If the lock is still held by someone else after ``timeout`` seconds.
    """
    path = path or progress_path()
    timeout = LOCK_TIMEOUT if timeout is None else timeout
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = lock_path(path)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        deadline = time.monotonic() + timeout
        delay = 0.002
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise ProgressLockTimeout(
                    _("your progress file {name} was still locked by another notebook after "
                      "{timeout} s (lock file {lock}); this answer was not saved, run the cell "
                      "again").format(name=path.name, timeout=format(timeout, "g"), lock=lock))
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.01)
        try:
            yield path
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


# ---------------------------------------------------------------- reading and writing
def _migrate(state: dict) -> dict:
    """Bring an older file's entries to the current form (in memory).

    Entries of ``crmlab-progress/1`` had only the latest check; that check
    becomes the best one too.  Their "unanswered" entries held no answer (the
    placeholder overwrote it) and are dropped.
    """
    answers = {}
    for ex_id, entry in state["answers"].items():
        if not isinstance(entry, dict) or entry.get("status") in (None, UNANSWERED):
            continue
        if not isinstance(entry.get("best"), dict):
            entry = {"attempts": 1, "practice": False, **entry,
                     "student_id": entry.get("student_id", state.get("student_id")),
                     "seed": entry.get("seed")}
            entry["best"] = {k: entry.get(k) for k in
                             ("answer", "status", "time", "student_id", "seed")}
            entry["best"]["attempt"] = entry.get("attempts", 1)
        answers[ex_id] = entry
    return {**state, "format": FORMAT, "answers": answers}


def read_state(path: Path | None = None) -> tuple[dict, str]:
    """The saved state and a notice ('' unless a corrupt file was moved aside)."""
    path = path or progress_path()
    if not path.exists():
        return _fresh(), ""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(state, dict) or not isinstance(state.get("answers"), dict):
            raise ValueError(_("not a progress file"))
        return _migrate(state), ""
    except (ValueError, UnicodeDecodeError) as exc:
        n = 1
        while (aside := path.with_name(f"{path.stem}.corrupt-{n}{path.suffix}")).exists():
            n += 1
        os.replace(path, aside)
        return _fresh(), _("Your progress file {name} could not be read ({error}); it was kept "
                           "as {aside} and a new one was started.").format(
            name=path.name, error=exc.__class__.__name__, aside=aside.name)


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill would end the process there: rely on the age alone
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: it exists, under another user
        return True
    return True


def clean_stale_temp_files(path: Path, max_age: float = STALE_AFTER) -> list[Path]:
    """Remove the temporary files that killed writers left beside ``path``.

    A temporary file is stale when its writer (the pid in its name) is gone,
    or when it is older than ``max_age`` seconds.  Call it holding the lock.

    Returns
    -------
    list of Path
        The files removed.
    """
    prefix = _temp_prefix(path)
    removed = []
    now = time.time()
    for tmp in path.parent.glob(f"{prefix}*.tmp"):
        pid_text = tmp.name[len(prefix):].split(".", 1)[0]
        try:
            old = now - tmp.stat().st_mtime > max_age
        except FileNotFoundError:
            continue
        gone = pid_text.isdigit() and not _pid_alive(int(pid_text))
        if old or gone:
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def _write(state: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temp_files(path)
    fd, tmp = tempfile.mkstemp(prefix=f"{_temp_prefix(path)}{os.getpid()}.", suffix=".tmp",
                               dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(state, indent=1, ensure_ascii=False))  # one write: faster
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_state(state: dict, path: Path | None = None, timeout: float | None = None) -> None:
    """Replace the whole progress file with ``state`` (atomically, under the lock)."""
    with locked(path, timeout) as target:
        _write(state, target)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def record(exercise_id: str, answer, verdict, student_id: str | None = None, *,
           seed: int | None = None, practice: bool = False, path: Path | None = None,
           timeout: float | None = None) -> str:
    """Save one check, keeping the best and the latest answer.

    Parameters
    ----------
    exercise_id : str
        The exercise checked.
    answer
        The student's answer (saved with :func:`encode`).
    verdict : Verdict
        Its verdict.  An ``"unanswered"`` verdict is not saved: the saved
        answer, if any, stays as it is.  Statuses other than those of
        :data:`RANK` (e.g. an assessment's "recorded") rank below them.
    student_id : str or None
        Who checked it (``None`` in practice mode).
    seed : int, optional
        The seed of the dataset the answer was checked on.
    practice : bool
        Whether the exercise is a practice exercise (not graded).
    path : Path, optional
        The progress file; :func:`progress_path` by default.
    timeout : float, optional
        Seconds to wait for another process's lock.

    Returns
    -------
    str
        A notice if the old file was corrupt and moved aside, else ``''``.

    Raises
    ------
    ProgressLockTimeout
        If another process holds the lock for longer than ``timeout``.
    """
    if verdict.status == UNANSWERED:
        return ""
    with locked(path, timeout) as target:
        state, notice = read_state(target)
        state["student_id"] = student_id
        old = state["answers"].get(exercise_id, {})
        attempts = old.get("attempts", 0) + 1
        latest = {"answer": encode(answer), "status": verdict.status, "time": _now(),
                  "student_id": student_id, "seed": seed}
        best = old.get("best")
        if not best or RANK.get(verdict.status, 0) >= RANK.get(best.get("status"), 0):
            best = {**latest, "attempt": attempts}
        state["answers"][exercise_id] = {"attempts": attempts, "practice": bool(practice),
                                         **latest, "best": best}
        _write(state, target)
    return notice


def remember(key: str, value, path: Path | None = None, timeout: float | None = None) -> str:
    """Save ``value`` under ``key`` at the top of the progress file (e.g. which capstone
    firm the answers are about), keeping every answer; returns a notice as :func:`record`."""
    if key in ("format", "answers", "student_id"):
        raise ValueError(_("{key} is kept by the progress file itself").format(key=repr(key)))
    with locked(path, timeout) as target:
        state, notice = read_state(target)
        state[key] = value
        _write(state, target)
    return notice


def saved_entry(exercise_id: str, path: Path | None = None) -> tuple[dict | None, str]:
    """The saved entry of one exercise (``None`` if never answered) and a notice."""
    state, notice = read_state(path)
    return state["answers"].get(exercise_id), notice


# ---------------------------------------------------------------- answers <-> JSON
def encode(answer):
    """A JSON-able form of an answer (numbers, text, lists, tables, functions)."""
    import pandas as pd

    if answer is ...:
        return {"__unanswered__": True}
    if isinstance(answer, (np.integer, np.floating, np.bool_)):
        return answer.item()
    if isinstance(answer, float) and not np.isfinite(answer):
        return {"__float__": str(answer)}
    if isinstance(answer, (str, int, float, bool)) or answer is None:
        return answer
    if isinstance(answer, (list, tuple, set, frozenset)):
        items = sorted(answer, key=str) if isinstance(answer, (set, frozenset)) else answer
        return [encode(a) for a in items]
    if isinstance(answer, pd.Series):
        return {"__series__": {"name": encode(answer.name),
                               "index": [encode(i) for i in answer.index],
                               "values": [encode(v) for v in answer.tolist()]}}
    if isinstance(answer, pd.DataFrame):
        split = answer.to_dict(orient="split")
        return {"__frame__": {k: encode(v) for k, v in split.items()}}
    if callable(answer):
        try:
            source = textwrap.dedent(inspect.getsource(answer))
        except (OSError, TypeError):
            source = None
        return {"__function__": {"name": getattr(answer, "__name__", "f"), "source": source}}
    return {"__repr__": repr(answer)}


def decode(value):
    """Inverse of :func:`encode`.  Functions come back as :class:`SubmittedFunction`
    (name and source): decoding never runs code."""
    import pandas as pd

    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__unanswered__" in value:
        return ...
    if "__float__" in value:
        return float(value["__float__"])
    if "__series__" in value:
        s = value["__series__"]
        return pd.Series([decode(v) for v in s["values"]], index=[decode(i) for i in s["index"]],
                         name=decode(s["name"]))
    if "__frame__" in value:
        f = value["__frame__"]
        return pd.DataFrame(decode(f["data"]), index=decode(f["index"]),
                            columns=decode(f["columns"]))
    if "__function__" in value:
        return SubmittedFunction(value["__function__"])
    if "__repr__" in value:
        return value["__repr__"]
    return {k: decode(v) for k, v in value.items()}


class SubmittedFunction:
    """A function saved in a progress or hand-in file: its name and source, never run here.

    Decoding a saved answer never executes it; the grader runs submitted code
    only in the sandbox (:mod:`crmlab.exercises.sandbox`).
    """

    def __init__(self, spec: dict):
        self.name = str(spec.get("name") or "f")
        self.source = spec.get("source") if isinstance(spec.get("source"), str) else None

    def __repr__(self) -> str:
        return f"<submitted function {self.name}()>"

