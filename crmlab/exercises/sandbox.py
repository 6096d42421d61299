"""Running submitted code safely: a policy check, then separate worker processes.

A hand-in may contain code: the source of a function a student wrote for a
:class:`~crmlab.exercises.kinds.Function` exercise.  The grader never runs that
code in its own process.  Instead:

1. :func:`check_policy` reads the source with :mod:`ast` and refuses anything
   outside a small teaching subset: imports other than ``math``, ``numpy`` and
   ``pandas`` (plus ``statistics``, ``itertools``, ``functools``,
   ``collections``), the built-ins that reach files, code or the interpreter
   (``open``, ``exec``, ``eval``, ``compile``, ``__import__``, ``getattr``,
   ``globals``, ...), any attribute or name with a leading double underscore
   (``x.__class__``), and the numpy/pandas functions that read or write files
   (``np.load``, ``pd.read_csv``, ``df.to_csv``, ...).
2. Code that passes the policy runs in a *worker process*, one per answer.
   Workers are forked from a small server process (``python -m
   crmlab.exercises.sandbox``) that the grader starts with a scrubbed
   environment in an empty temporary folder; it has imported numpy and pandas
   (so a worker starts in milliseconds) and never holds the grader's data, the
   expected answers or other hand-ins.  Before running anything a worker
   closes its standard streams, and sets resource limits: CPU seconds, address
   space (memory), no file may grow beyond 0 bytes (nothing can be written to
   disk), no child processes, no core dumps.  The server enforces a wall-clock
   limit per answer and kills a worker that exceeds it.  One answer cannot
   change what another answer's worker sees.
3. Only JSON crosses between the processes (the cases' arguments one way;
   numbers, short texts and error names back); nothing is unpickled.  The
   grader compares the results with the expected values itself, so submitted
   code cannot reach the checking code, the expected answers, the grade file
   or other students' results.

What this does **not** give: it is not a container.  A worker runs as the same
operating-system user as the grader, on the same machine, and a determined
attacker who escapes the policy (an unknown hole in numpy, say) could read
files that user can read.  For high-stakes grading run ``crmlab grade`` in a
throw-away container or as an unprivileged account that can read only the
hand-ins (see the README's "Grading" section).  On Windows (no ``fork``, no
``resource``) the server runs the answers itself, only the wall-clock limit
applies, and a time-out fails the rest of that hand-in's function answers.
"""

from __future__ import annotations

import ast
import json
import math
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from crmlab.i18n import _, get_language

__all__ = ["Limits", "PolicyError", "check_policy", "Sandbox", "FunctionResult", "Replay",
           "ALLOWED_IMPORTS"]

ALLOWED_IMPORTS = frozenset({"math", "numpy", "pandas", "statistics", "itertools", "functools",
                             "collections"})

# built-ins that reach files, code objects, the interpreter or other modules
FORBIDDEN_NAMES = frozenset({
    "open", "exec", "eval", "compile", "__import__", "globals", "locals", "vars", "getattr",
    "setattr", "delattr", "input", "breakpoint", "help", "exit", "quit", "memoryview",
    "classmethod", "staticmethod", "super", "type", "object", "property", "dir", "id",
    "__builtins__", "copyright", "credits", "license",
})
# attributes of numpy/pandas objects that read or write files or reach the system
FORBIDDEN_ATTRIBUTES = frozenset({
    "os", "sys", "subprocess", "ctypes", "builtins", "importlib", "io", "pickle", "shutil",
    "socket", "lib", "testing", "compat", "core", "f2py", "distutils", "ctypeslib",
    "load", "loads", "save", "savez", "savez_compressed", "savetxt", "loadtxt", "genfromtxt",
    "fromfile", "tofile", "memmap", "DataSource", "fromregex", "open_memmap", "show_config",
    "to_csv", "to_pickle", "to_json", "to_excel", "to_parquet", "to_sql", "to_hdf",
    "to_feather", "to_html", "to_latex", "to_markdown", "to_stata", "to_clipboard", "to_xml",
    "to_orc", "HDFStore", "ExcelWriter", "eval", "query", "pipe", "system",
})


class PolicyError(ValueError):
    """The submitted source uses something graded answers may not use."""


def check_policy(source: str, allowed_imports: frozenset[str] = ALLOWED_IMPORTS) -> None:
    """Raise :class:`PolicyError` naming the first thing in ``source`` outside the policy.

    >>> check_policy("def f(x):\\n    return sum(x) / len(x)")
    >>> check_policy("def f(x):\\n    return open('grades.csv').read()")
    Traceback (most recent call last):
    ...
    crmlab.exercises.sandbox.PolicyError: line 2: open() is not allowed in a graded answer
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise PolicyError(_("line {lineno}: the code does not parse ({msg})").format(
                              lineno=exc.lineno, msg=exc.msg)) from None
    modules = {"np", "pd", "math"} | {
        (a.asname or a.name).split(".")[0] for n in ast.walk(tree)
        if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""])
            if isinstance(node, ast.ImportFrom) and node.level:
                raise _refused(node, _("relative imports are not allowed"))
            for name in names:
                if name.split(".")[0] not in allowed_imports:
                    raise _refused(node, _("import of {name} is not allowed (allowed: "
                                           "{allowed})").format(
                        name=repr(name), allowed=", ".join(sorted(allowed_imports))))
                if name.count(".") or isinstance(node, ast.ImportFrom):
                    parts = name.split(".")[1:]
                    if isinstance(node, ast.ImportFrom):
                        parts += [a.name for a in node.names]
                    bad = [p for p in parts if p in FORBIDDEN_ATTRIBUTES or p.startswith("_")
                           or p == "*"]
                    if bad:
                        raise _refused(node, _("importing {name} is not allowed").format(
                            name=repr(bad[0])))
        elif isinstance(node, ast.Name):
            if node.id in FORBIDDEN_NAMES:
                raise _refused(node, _("{name}() is not allowed in a graded answer").format(
                    name=node.id))
            if node.id.startswith("__"):
                raise _refused(node, _("the name {name} is not allowed").format(name=repr(node.id)))
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                raise _refused(node, _("access to the attribute .{name} is not allowed").format(
                    name=node.attr))
            if node.attr in FORBIDDEN_ATTRIBUTES or node.attr.startswith("read_"):
                raise _refused(node, _(".{name} is not allowed in a graded answer").format(
                    name=node.attr))
            root = node
            while isinstance(root, ast.Attribute):
                root = root.value
            if not isinstance(node.ctx, ast.Load) and isinstance(root, ast.Name) \
                    and root.id in modules:
                raise _refused(node, _("changing {module}.{name} is not allowed").format(
                    module=root.id, name=node.attr))
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            raise _refused(node, _("'{statement}' is not allowed").format(
                statement=type(node).__name__.lower()))
        elif isinstance(node, (ast.AsyncFunctionDef, ast.Await, ast.AsyncFor, ast.AsyncWith)):
            raise _refused(node, _("async code is not allowed"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and "__" in node.value and len(node.value) < 64:
            raise _refused(node, _("strings with double underscores are not allowed"))


def _refused(node: ast.AST, problem: str) -> PolicyError:
    """The refusal of a submitted answer: ``problem`` at ``node``'s line."""
    return PolicyError(_("line {line}: {problem}").format(line=getattr(node, "lineno", "?"),
                                                          problem=problem))


@dataclass(frozen=True)
class Limits:
    """Per-answer limits for submitted code."""

    seconds: float = 5.0       # wall-clock time for one answer (all its hidden cases)
    cpu_seconds: int = 5       # CPU time for one answer
    memory_mb: int = 512       # extra address space an answer may use
    max_result_chars: int = 200

    def __post_init__(self):
        if not (self.seconds > 0 and self.cpu_seconds > 0 and self.memory_mb > 0):
            raise ValueError(_("time and memory limits must be positive"))


@dataclass
class FunctionResult:
    """What one submitted function did on its cases (or why it did not run)."""

    name: str
    outputs: dict[str, dict] | None = None   # repr(args) -> {"value": ...} or {"error": ...}
    failure: str | None = None               # a reason the whole answer failed, in plain words
    status: str = "ran"                      # ran, policy, timeout, memory, cpu, crash, missing


class Replay:
    """A stand-in for a submitted function: returns what the worker computed.

    The answer kinds call ``answer(*args)``; a Replay looks the arguments up in
    the worker's results, so the comparison with the expected values happens in
    the grader with the same code as in the notebook.
    """

    def __init__(self, result: FunctionResult):
        self.result = result
        self.__name__ = result.name

    def __call__(self, *args):
        out = (self.result.outputs or {}).get(case_key(args))
        if out is None:
            raise _ReplayError(_("this case was not run"))
        if "error" in out:
            raise _named_error(out["error"], out.get("message", ""))
        return out["value"]


class _ReplayError(Exception):
    pass


def _named_error(name: str, message: str) -> Exception:
    clean = "".join(ch for ch in str(name) if ch.isalnum() or ch == "_")[:40] or "Error"
    return type(clean, (Exception,), {})(message)


def case_key(args) -> str:
    """A stable text key for the arguments of one hidden case."""
    return repr(tuple(args))


# ---------------------------------------------------------------- the worker (in the server)
def _apply_limits(limits: dict) -> None:
    """Inside a forked worker: no streams, no files, bounded CPU and memory."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write then fails instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    except (ValueError, OSError):
        pass
    used = _address_space_bytes()
    if used:
        cap = used + int(limits["memory_mb"]) * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _address_space_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return 0


def _set_cpu_limit(seconds: int) -> None:
    try:
        import resource

        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = int(used.ru_utime + used.ru_stime) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (spent + seconds, spent + seconds + 1))
    except (ImportError, ValueError, OSError):
        pass


def _plain(value, max_chars: int):
    """A JSON-safe form of a returned value: a number, a bool, None or a short text."""
    import numpy as np

    try:
        if isinstance(value, np.generic):
            value = value.item()
        elif isinstance(value, np.ndarray) and value.size == 1:
            value = value.ravel()[0].item()
    except Exception:  # noqa: BLE001 - whatever a student returns, we describe it
        pass
    if value is None or isinstance(value, (bool, str)):
        return value if not isinstance(value, str) else value[:max_chars]
    if isinstance(value, int):
        return value if abs(value) < 2**63 else {"float": "inf" if value > 0 else "-inf"}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001
        text = f"<{type(value).__name__}>"
    return {"repr": text[:max_chars]}


def _unplain(value):
    if isinstance(value, dict) and "float" in value:
        return float(value["float"])
    if isinstance(value, dict) and "repr" in value:
        return _Returned(str(value["repr"]))
    return value


class _Returned(str):
    """A value a function returned that is not a number, by its repr."""

    def __repr__(self) -> str:
        return str(self)


def _safe_builtins() -> dict:
    import builtins

    def restricted_import(name, globals=None, locals=None, fromlist=(), level=0):
        if level or name.split(".")[0] not in ALLOWED_IMPORTS:
            raise ImportError(_("import of {name} is not allowed").format(name=repr(name)))
        return builtins.__import__(name, globals, locals, fromlist, level)

    return {k: getattr(builtins, k) for k in dir(builtins)
            if not k.startswith("_") and k not in FORBIDDEN_NAMES} | {
        "__build_class__": builtins.__build_class__, "__name__": "submitted",
        "__import__": restricted_import}


def _run_job(job: dict, limits: dict) -> dict:
    """Run one submitted function on its cases (in a worker)."""
    import numpy as np
    import pandas as pd

    name, max_chars = job["name"], int(limits["max_result_chars"])
    outputs: list[dict] = []
    try:
        namespace = {"np": np, "pd": pd, "math": math, "__builtins__": _safe_builtins()}
        exec(compile(job["source"], f"<submitted {name}>", "exec"), namespace)  # noqa: S102
        func = namespace.get(name)
        if not callable(func):
            return {"status": "missing", "failure": _("the code does not define {name}()").format(
                name=name)}
        for args in job["cases"]:
            try:
                outputs.append({"value": _plain(func(*args), max_chars)})
            except MemoryError:
                raise
            except BaseException as exc:  # noqa: BLE001 - a student's bug is feedback,
                # SystemExit and KeyboardInterrupt included
                outputs.append({"error": type(exc).__name__, "message": str(exc)[:max_chars]})
    except MemoryError:
        return {"status": "memory", "failure": _("memory limit of {mb} MB exceeded").format(
            mb=limits["memory_mb"])}
    except RecursionError:
        return {"status": "crash", "failure": _("the code recursed too deeply")}
    except BaseException as exc:  # noqa: BLE001
        return {"status": "crash", "failure": _("the code failed to run ({error}: {message})")
                .format(error=type(exc).__name__, message=str(exc)[:max_chars])}
    return {"status": "ran", "outputs": outputs}


def _serve_batch(jobs: list[dict], limits: dict) -> list[dict]:
    """Run each job of a hand-in in its own forked worker, within the limits."""
    if not hasattr(os, "fork"):  # Windows: run here; the grader's time-out is the guard
        return [_run_job(job, limits) for job in jobs]
    return [_serve_one(job, limits) for job in jobs]


def _serve_one(job: dict, limits: dict) -> dict:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        try:
            os.close(read_fd)
            _apply_limits(limits)
            _set_cpu_limit(int(limits["cpu_seconds"]))
            with os.fdopen(write_fd, "w", encoding="utf-8") as out:
                out.write(json.dumps(_run_job(job, limits)) + "\n")
        finally:
            os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "r", encoding="utf-8") as reader:
        line = _read_line(reader, float(limits["seconds"]))
        if line is None:
            os.kill(pid, signal.SIGKILL)
    _pid, status = os.waitpid(pid, 0)
    if line is None:
        return {"status": "timeout", "failure": _("time limit of {seconds} s exceeded").format(
            seconds=f"{float(limits['seconds']):g}")}
    try:
        return json.loads(line)
    except ValueError:
        return _death(status, limits)


def _read_line(reader, seconds: float) -> str | None:
    """One line from a worker within ``seconds`` ('' at end of file, None on time-out)."""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([reader], [], [], left)
        if ready:
            return reader.readline()


def _death(status: int, limits: dict) -> dict:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == getattr(signal, "SIGXCPU", None):
            return {"status": "cpu", "failure": _("CPU time limit of {seconds} s exceeded")
                    .format(seconds=limits["cpu_seconds"])}
        return {"status": "crash", "failure": _(
            "the code crashed its worker (signal {signal}); the memory limit is {mb} MB").format(
                signal=sig, mb=limits["memory_mb"])}
    return {"status": "crash", "failure": _("the code stopped its worker (exit status {status})")
            .format(status=os.WEXITSTATUS(status))}


def _serve() -> None:
    """The server loop: one JSON request per line on stdin, one answer per line on stdout."""
    import numpy  # noqa: F401 - imported once here, shared by every forked worker
    import pandas  # noqa: F401

    _("the code recursed too deeply")  # the message catalogue read here, before any worker

    out = sys.stdout
    sys.stdout = sys.stderr  # nothing but answers on the protocol stream
    for line in sys.stdin:
        try:
            request = json.loads(line)
            answer = _serve_batch(request["jobs"], request["limits"])
        except Exception as exc:  # noqa: BLE001 - a bad request must not stop the server
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(answer) + "\n")
        out.flush()


# ---------------------------------------------------------------- the grader's side
class Sandbox:
    """The grader's handle on the server process that runs submitted functions.

    >>> with Sandbox() as box:
    ...     [r] = box.run([("double", "def double(x):\\n    return 2 * x", [(1,), (2.5,)])])
    >>> r.status, [Replay(r)(1), Replay(r)(2.5)]
    ('ran', [2, 5.0])
    """

    def __init__(self, limits: Limits = Limits()):
        self.limits = limits
        self._proc: subprocess.Popen | None = None
        self._dir: str | None = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            self._dir = self._dir or tempfile.mkdtemp(prefix="crmlab-sandbox-")
            package_root = str(Path(__file__).resolve().parents[2])
            env = {"PATH": os.defpath, "HOME": self._dir, "TMPDIR": self._dir,
                   "LANG": "C.UTF-8", "PYTHONPATH": package_root, "PYTHONNOUSERSITE": "1",
                   "CRMLAB_LANG": get_language(),  # its messages in the grader's language
                   "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                   "MKL_NUM_THREADS": "1"}
            for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "SYSTEMROOT"):
                if key in os.environ:  # needed by numpy on some machines / by Windows
                    env[key] = os.environ[key]
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "crmlab.exercises.sandbox"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                cwd=self._dir, env=env, text=True, encoding="utf-8")
        return self._proc

    def run(self, jobs: Sequence[tuple[str, str | None, list]]) -> list[FunctionResult]:
        """Run one hand-in's functions: ``(name, source, [args, ...])`` each, in order."""
        return self.submit(jobs)()

    def submit(self, jobs: Sequence[tuple[str, str | None, list]]):
        """Start running one hand-in's functions; returns a callable that waits for them.

        The grader checks the other answers meanwhile (the server works on another core).
        """
        results: list[FunctionResult | None] = [None] * len(jobs)
        send, where = [], []
        for i, (name, source, cases) in enumerate(jobs):
            if not source:
                results[i] = FunctionResult(name, failure=_(
                    "the hand-in has no source code for {name}()").format(name=name),
                    status="missing")
                continue
            try:
                check_policy(source)
            except PolicyError as exc:
                results[i] = FunctionResult(name, failure=str(exc), status="policy")
                continue
            send.append({"name": name, "source": source,
                         "cases": [_jsonable(list(a)) for a in cases]})
            where.append(i)
        sent = self._send(send) if send else False

        def collect() -> list[FunctionResult]:
            answers = self._receive(len(send), sent) if send else []
            for i, ans in zip(where, answers):
                name = jobs[i][0]
                if ans.get("status") == "ran":
                    outputs = {case_key(args): _decode_output(o)
                               for args, o in zip(jobs[i][2], ans.get("outputs") or [])}
                    results[i] = FunctionResult(name, outputs, None, "ran")
                else:
                    results[i] = FunctionResult(name, None, str(ans.get("failure")),
                                                str(ans.get("status", "crash")))
            return results  # type: ignore[return-value]

        return collect

    def _ask(self, jobs: list[dict]) -> list[dict]:
        return self._receive(len(jobs), self._send(jobs))

    def _send(self, jobs: list[dict]) -> bool:
        proc = self._start()
        request = json.dumps({"jobs": jobs, "limits": asdict(self.limits)})
        try:
            proc.stdin.write(request + "\n")
            proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def _receive(self, n_jobs: int, sent: bool) -> list[dict]:
        budget = n_jobs * (self.limits.seconds + 2) + 30
        line = ""
        if sent and self._proc is not None:
            try:
                line = _read_line(self._proc.stdout, budget)
            except OSError:
                line = ""
        if not line:  # the server itself died or hung: restart it next time
            self._stop()
            why = _("time limit exceeded") if line is None else _("the sandbox stopped")
            return [{"status": "timeout" if line is None else "crash", "failure": why}
                    for _ in range(n_jobs)]
        answer = json.loads(line)
        if isinstance(answer, dict):
            raise RuntimeError(_("the sandbox refused the request: {get}").format(
                                   get=answer.get('error')))
        return answer

    def _stop(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait(5)
            for stream in (self._proc.stdin, self._proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self._proc = None

    def close(self) -> None:
        """Stop the server and remove its temporary folder."""
        self._stop()
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


def _decode_output(out: dict) -> dict:
    if "value" in out:
        return {"value": _unplain(out["value"])}
    return {"error": str(out.get("error", "Error")), "message": str(out.get("message", ""))}


def _jsonable(value):
    """Hidden-case arguments as JSON (lists of numbers and texts)."""
    import numpy as np

    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "tolist"):
        return _jsonable(value.tolist())
    return value


if __name__ == "__main__":
    _serve()
