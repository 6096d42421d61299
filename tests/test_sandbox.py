"""Submitted code: the policy, and the worker processes that run it with limits."""

import os
import re

import pytest

from crmlab.exercises import kinds, sandbox
from crmlab.exercises.sandbox import Limits, PolicyError, Replay, Sandbox, check_policy

CASES = [([1.0, 2.0],), ([],)]
AOV = "def aov(a):\n    return sum(a) / len(a) if len(a) else 0.0\n"


@pytest.fixture(scope="module")
def box():
    with Sandbox(Limits(seconds=2, cpu_seconds=2, memory_mb=256)) as b:
        yield b


ALLOWED = [
    "def f(x):\n    import numpy as np\n    return float(np.mean(x))",
    "def f(x):\n    import math\n    return math.log(x)",
    "def f(x):\n    from collections import Counter\n    return Counter(x).most_common(1)",
    "def f(values):\n    import pandas as pd\n    s = pd.Series(values)\n    return s.sum()",
    "def f(flows):\n    total = 0\n    for t, v in enumerate(flows):\n        total += v\n"
    "    return total",
]
REFUSED = [
    ("def f(x):\n    return open('g.csv').read()", "open() is not allowed"),
    ("def f(x):\n    import os\n    return os.getcwd()", "import of 'os' is not allowed"),
    ("def f(x):\n    import subprocess", "import of 'subprocess' is not allowed"),
    ("import crmlab\ndef f(x):\n    return 1", "import of 'crmlab' is not allowed"),
    ("def f(x):\n    return eval('1+1')", "eval() is not allowed"),
    ("def f(x):\n    exec('x=1')", "exec() is not allowed"),
    ("def f(x):\n    return __import__('os')", "__import__() is not allowed"),
    ("def f(x):\n    return getattr(x, 'y')", "getattr() is not allowed"),
    ("def f(x):\n    return ().__class__", "attribute .__class__ is not allowed"),
    ("def f(x):\n    return x._secret", "attribute ._secret is not allowed"),
    ("def f(x):\n    import numpy as np\n    return np.load('a.npy')", ".load is not allowed"),
    ("def f(x):\n    import pandas as pd\n    return pd.read_csv('a.csv')",
     ".read_csv is not allowed"),
    ("def f(x):\n    import pandas as pd\n    pd.Series(x).to_csv('a')", ".to_csv is not allowed"),
    ("def f(x):\n    import numpy as np\n    np.mean = len\n    return 1",
     "changing np.mean is not allowed"),
    ("def f(x):\n    import numpy\n    return numpy.os.getcwd()", ".os is not allowed"),
    ("def f(x):\n    from numpy import lib", "importing 'lib' is not allowed"),
    ("def f(x):\n    from numpy import *", "importing '*' is not allowed"),
    ("def f(x):\n    global y\n    y = 1", "'global' is not allowed"),
    ("def f(x):\n    return globals()", "globals() is not allowed"),
    ("def f(x):\n    return '__class__'", "double underscores are not allowed"),
    ("def f(x):\n    return (", "does not parse"),
]


@pytest.mark.parametrize("source", ALLOWED)
def test_ordinary_answers_pass_the_policy(source):
    check_policy(source)


@pytest.mark.parametrize("source, message", REFUSED, ids=[m for _, m in REFUSED])
def test_the_policy_refuses_what_reaches_outside(source, message):
    with pytest.raises(PolicyError, match=re.escape(message)):
        check_policy(source)


def test_a_right_function_runs_and_is_replayed(box):
    [res] = box.run([("aov", AOV, CASES)])
    assert res.status == "ran"
    fake = Replay(res)
    assert fake([1.0, 2.0]) == 1.5 and fake([]) == 0.0
    verdict = kinds.Function().check(fake, [(([1.0, 2.0],), 1.5), (([],), 0.0)])
    assert verdict.correct


def test_errors_of_a_students_function_are_feedback(box):
    [res] = box.run([("aov", "def aov(a):\n    return sum(a) / len(a)\n", CASES)])
    verdict = kinds.Function().check(Replay(res), [(([1.0, 2.0],), 1.5), (([],), 0.0)])
    assert verdict.status == "wrong"
    assert "ZeroDivisionError: division by zero" in verdict.details[0]


@pytest.mark.parametrize("source, status, reason", [
    ("def aov(a):\n    while True:\n        pass\n", {"timeout", "cpu"}, "time limit"),
    ("def aov(a):\n    x = bytearray(2 * 10**9)\n    return 1\n", {"memory"},
     "memory limit of 256 MB exceeded"),
    ("def other(a):\n    return 1\n", {"missing"}, "does not define aov()"),
    ("raise SystemExit(3)\n", {"crash"}, "SystemExit"),
], ids=["endless-loop", "memory", "no-such-function", "exit"])
def test_limits_make_one_answer_wrong_and_the_rest_is_graded(box, source, status, reason):
    results = box.run([("aov", source, CASES), ("aov", AOV, CASES)])
    assert results[0].status in status and reason in results[0].failure
    assert results[1].status == "ran" and Replay(results[1])([1.0, 2.0]) == 1.5


def test_recursion_and_exit_in_a_case_are_that_cases_error(box):
    [res] = box.run([("aov", "def aov(a):\n    return aov(a)\n", CASES[:1])])
    assert Replay(res).result.outputs["([1.0, 2.0],)"]["error"] == "RecursionError"
    [res] = box.run([("aov", "def aov(a):\n    raise SystemExit(3)\n", CASES[:1])])
    assert res.outputs["([1.0, 2.0],)"]["error"] == "SystemExit"


def test_a_policy_violation_never_reaches_a_worker(box):
    [res] = box.run([("aov", "def aov(a):\n    return open('x').read()", CASES)])
    assert res.status == "policy" and "open() is not allowed" in res.failure


# The layers below the policy, tested on their own: code that got past the policy
# (an unknown hole) still cannot touch the grader's process, files or environment.
def _in_worker(source, cases=((1,),), memory_mb=256):
    limits = {"seconds": 5.0, "cpu_seconds": 5, "memory_mb": memory_mb,
              "max_result_chars": 200}
    return sandbox._serve_batch([{"name": "f", "source": source, "cases": list(cases)}],
                                limits)[0]


def test_worker_cannot_write_files(tmp_path):
    target = tmp_path / "stolen.txt"
    # numpy's savetxt gets past the worker's built-ins (not past the policy): the file
    # size limit of 0 bytes stops the write itself
    out = _in_worker(f"def f(x):\n    np.savetxt({str(target)!r}, [1.0] * 1000)\n"
                     "    return 1\n")
    assert not target.exists() or target.stat().st_size == 0
    assert out["status"] == "ran" and "error" in out["outputs"][0]


def test_worker_builtins_have_no_open():
    out = _in_worker("def f(x):\n    return open('/etc/hostname').read()\n")
    assert out["outputs"][0]["error"] == "NameError"


def test_worker_environment_is_scrubbed_and_state_stays_in_the_worker(monkeypatch):
    monkeypatch.setenv("CRMLAB_SECRET_TOKEN", "s3cret")
    source = ("def f(x):\n    import os\n    import crmlab.exercises.kinds as k\n"
              "    k.Function.check = lambda *a: 'all correct'\n"
              "    return ','.join(sorted(os.environ))\n")
    with Sandbox() as box:
        box._start()  # the server starts with its own environment
        out = box._ask([{"name": "f", "source": source, "cases": [[1]]}])[0]
    # the builtins of a worker have no __import__ of os: even past the policy it fails
    assert out["status"] == "ran" and "not allowed" in out["outputs"][0]["message"]
    assert kinds.Function.check.__name__ == "check"  # the grader's checker is untouched


def test_server_environment_has_no_secrets(monkeypatch):
    monkeypatch.setenv("CRMLAB_SECRET_TOKEN", "s3cret")
    with Sandbox() as box:
        proc = box._start()
        env = open(f"/proc/{proc.pid}/environ", "rb").read().split(b"\0")
        cwd = os.readlink(f"/proc/{proc.pid}/cwd")
    assert not any(e.startswith(b"CRMLAB_SECRET_TOKEN") for e in env)
    assert "crmlab-sandbox-" in cwd and not os.path.exists(cwd)  # removed on close


def test_limits_must_be_positive():
    with pytest.raises(ValueError, match="must be positive"):
        Limits(seconds=0)


def test_decoding_a_saved_function_never_runs_it(monkeypatch):
    from crmlab.exercises import store

    monkeypatch.delenv("CRMLAB_RAN", raising=False)
    spec = {"__function__": {"name": "f", "source": "import os\nos.environ['CRMLAB_RAN'] = '1'"
                                                    "\ndef f(x):\n    return x\n"}}
    value = store.decode(spec)
    assert isinstance(value, store.SubmittedFunction) and not callable(value)
    assert value.name == "f" and "def f" in value.source
    assert "CRMLAB_RAN" not in os.environ


def test_the_sandbox_speaks_the_graders_language(zh):
    """A grader working in Chinese gets the sandbox's findings in Chinese: the server starts in
    the grader's language and reads the catalogue before it forks a worker."""
    with Sandbox(Limits(seconds=1.0, cpu_seconds=1)) as chinese:
        loop, missing, crash = chinese.run([
            ("aov", "def aov(a):\n    while True:\n        pass\n", CASES),
            ("aov", "def other(a):\n    return 1\n", CASES),
            ("aov", "raise SystemExit(3)\n", CASES)])
    assert loop.failure in ("超出时间上限 1 秒", "超出 CPU 时间上限 1 秒")
    assert missing.failure == "代码中没有定义 aov()"
    assert crash.failure.startswith("代码无法运行（SystemExit: ")
    [none] = Sandbox().submit([("aov", None, CASES)])()
    assert none.failure == "提交文件中没有 aov() 的源代码"
