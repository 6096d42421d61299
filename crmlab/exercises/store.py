"""The progress file: every check's answer and verdict, saved next to the notebooks.

``crmlab-progress.json`` in the working folder (the notebook's folder in
Jupyter: chapter notebooks and homework keep separate files), or the file named
by the ``CRMLAB_PROGRESS`` environment variable.  ``CRMLAB_PROGRESS_DIR`` moves
the per-folder files elsewhere (``DIR/<folder name>/crmlab-progress.json``):
the test suite uses it so that running the notebooks writes nothing into the
repository.  It is
written atomically (a temporary file, then a rename), so a crash mid-write
leaves the previous version; a file that cannot be read is moved aside to
``crmlab-progress.corrupt-N.json`` and reported, never silently lost.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import os
import tempfile
import textwrap
from pathlib import Path

import numpy as np

__all__ = ["progress_path", "read_state", "write_state", "record", "encode", "decode",
           "PROGRESS_FILE"]

PROGRESS_FILE = "crmlab-progress.json"
FORMAT = "crmlab-progress/1"


def progress_path() -> Path:
    if os.environ.get("CRMLAB_PROGRESS"):
        return Path(os.environ["CRMLAB_PROGRESS"])
    if os.environ.get("CRMLAB_PROGRESS_DIR"):
        return Path(os.environ["CRMLAB_PROGRESS_DIR"]) / Path.cwd().name / PROGRESS_FILE
    return Path.cwd() / PROGRESS_FILE


def _fresh() -> dict:
    return {"format": FORMAT, "student_id": None, "answers": {}}


def read_state(path: Path | None = None) -> tuple[dict, str]:
    """The saved state and a notice ('' unless a corrupt file was moved aside)."""
    path = path or progress_path()
    if not path.exists():
        return _fresh(), ""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(state, dict) or not isinstance(state.get("answers"), dict):
            raise ValueError("not a progress file")
        return state, ""
    except (ValueError, UnicodeDecodeError) as exc:
        n = 1
        while (aside := path.with_name(f"{path.stem}.corrupt-{n}{path.suffix}")).exists():
            n += 1
        os.replace(path, aside)
        return _fresh(), (f"Your progress file {path.name} could not be read ({exc.__class__.__name__}); "
                          f"it was kept as {aside.name} and a new one was started.")


def write_state(state: dict, path: Path | None = None) -> None:
    path = path or progress_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(state, f, indent=1, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def record(exercise_id: str, answer, verdict, student_id: str | None) -> str:
    """Save one check; returns a notice if the old file was corrupt."""
    state, notice = read_state()
    state["student_id"] = student_id
    entry = state["answers"].get(exercise_id, {"attempts": 0})
    entry.update({
        "answer": encode(answer),
        "status": verdict.status,
        "attempts": entry.get("attempts", 0) + 1,
        "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    })
    state["answers"][exercise_id] = entry
    write_state(state)
    return notice


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
    """Inverse of :func:`encode`.  Functions are rebuilt from their source."""
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
        return _rebuild_function(value["__function__"])
    if "__repr__" in value:
        return value["__repr__"]
    return {k: decode(v) for k, v in value.items()}


def _rebuild_function(spec: dict):
    """Re-create a submitted function from its source (grading runs it on hidden cases).

    Instructors: this executes the student's code, as any autograder does.
    """
    import math

    import pandas as pd

    source, name = spec.get("source"), spec.get("name", "f")
    if not source:
        return None
    namespace = {"np": np, "pd": pd, "math": math}
    try:
        exec(compile(source, f"<submitted {name}>", "exec"), namespace)  # noqa: S102
    except Exception:
        return None
    return namespace.get(name)
