"""The progress file under concurrency and crashes: several processes recording at
once lose nothing, a writer killed at any moment (kill -9) leaves a valid file
with every confirmed answer, and the next write removes the temporary files a
killed writer left behind."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import sys
import time
from pathlib import Path

import pytest

from crmlab.exercises import store
from crmlab.exercises.kinds import Verdict

POSIX = os.name == "posix"
STATUSES = ("wrong", "correct", "invalid")


def _context():
    """Children forked from a small server process, not from the (large) pytest process."""
    if not POSIX:
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    # what a child would import otherwise (about 0.1 s each): pytest's main and this module
    ctx.set_forkserver_preload(["__main__", "pytest", "pandas", "crmlab.exercises.store",
                                __name__])
    return ctx


def _no_fsync() -> None:
    """fsync guards against a power cut, not against what these tests are about
    (processes racing and being killed), and it is slow: the children skip it."""
    os.fsync = lambda fd: None


def _record_many(path: str, worker: int, n: int) -> None:
    """Record ``n`` answers: even ones to this worker's own ids, odd ones to shared ids."""
    _no_fsync()
    for i in range(n):
        ex_id = f"ch00.w{worker}-{i % 5}" if i % 2 == 0 else f"ch00.shared-{i % 3}"
        store.record(ex_id, i, Verdict(STATUSES[i % 3], ""), f"student-{worker}",
                     seed=worker, path=Path(path), timeout=30)


def _record_forever(path: str, log: str) -> None:
    """Record answers until killed; after each record returns, append its id and answer to log.

    The answers are long lists, so that a good share of the time goes into writing the
    file and the kills often land mid-write.
    """
    _no_fsync()
    store.encode([0])  # its imports are done before the parent starts the clock
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.write(fd, b"ready\n")
    i = 0
    while True:
        ex_id = f"ch00.kill-{i % 7}"
        store.record(ex_id, [i] * 2000, Verdict(STATUSES[i % 3], ""), None, path=Path(path))
        os.write(fd, f"{ex_id} {i}\n".encode())  # one small write: a whole line or none
        i += 1


def _temp_files(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("workers", [2, 4])
def test_concurrent_processes_lose_no_answer(tmp_path, workers):
    path = tmp_path / "crmlab-progress.json"
    per = 1000 // workers
    ctx = _context()
    procs = [ctx.Process(target=_record_many, args=(str(path), w, per)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    answers = json.loads(path.read_text(encoding="utf-8"))["answers"]
    assert sum(e["attempts"] for e in answers.values()) == 1000  # no lost update
    for w in range(workers):
        for j in range(5):  # each own id holds that worker's last answer to it
            entry = answers[f"ch00.w{w}-{j}"]
            mine = [i for i in range(per) if i % 2 == 0 and i % 5 == j]
            assert entry["attempts"] == len(mine) and entry["answer"] == mine[-1]
            assert entry["student_id"] == f"student-{w}" and entry["seed"] == w
    shared = [i for i in range(per) if i % 2 == 1]
    for j in range(3):
        assert answers[f"ch00.shared-{j}"]["attempts"] == workers * sum(i % 3 == j
                                                                        for i in shared)
    assert _temp_files(path) == []


@pytest.mark.skipif(not POSIX, reason="kill -9 is POSIX")
def test_a_writer_killed_at_any_moment_loses_no_confirmed_answer(tmp_path):
    path = tmp_path / "crmlab-progress.json"
    ctx = _context()
    rng = random.Random(12)
    confirmed_total, left_behind = 0, 0
    for k in range(40):
        log = tmp_path / f"confirmed-{k}.log"
        child = ctx.Process(target=_record_forever, args=(str(path), str(log)))
        child.start()
        deadline = time.monotonic() + 30
        while not (log.exists() and log.read_bytes().startswith(b"ready\n")):
            assert time.monotonic() < deadline and child.is_alive()
            time.sleep(0.001)
        time.sleep(rng.uniform(0.0, 0.05))
        os.kill(child.pid, signal.SIGKILL)
        child.join(10)
        assert child.exitcode == -signal.SIGKILL
        lines = log.read_text().splitlines()[1:]
        last = {}
        for line in lines:
            ex_id, i = line.split()
            last[ex_id] = int(i)
        confirmed_total += len(lines)
        left_behind += len(_temp_files(path))
        if not path.exists():  # killed before its first write
            assert not lines
            continue
        state = json.loads(path.read_text(encoding="utf-8"))  # always a valid file
        answers = state["answers"]
        attempts = sum(e["attempts"] for e in answers.values())
        # every confirmed record is there; at most one more finished unconfirmed
        assert confirmed_total <= attempts <= confirmed_total + 1
        confirmed_total = attempts
        for ex_id, i in last.items():
            assert answers[ex_id]["answer"][0] >= i
    # the next write cleans up whatever a killed writer left
    store.record("ch00.after", 1, Verdict("correct", ""), None, path=path)
    assert confirmed_total >= 10  # the children did write between the kills
    assert left_behind > 0  # some kills landed mid-write (about half of them do)
    assert _temp_files(path) == []
    answers = json.loads(path.read_text(encoding="utf-8"))["answers"]
    assert sum(e["attempts"] for e in answers.values()) == confirmed_total + 1


def test_stale_temporary_files_are_removed_live_ones_kept(tmp_path):
    path = tmp_path / "crmlab-progress.json"
    dead = _context().Process(target=int)
    dead.start()
    dead.join()
    prefix = f".{path.name}."
    gone = tmp_path / f"{prefix}{dead.pid}.abc.tmp"  # its writer is gone
    old = tmp_path / f"{prefix}{os.getpid()}.old.tmp"  # alive, but a minute old
    live = tmp_path / f"{prefix}{os.getpid()}.new.tmp"  # being written right now
    other = tmp_path / "notes.tmp"  # not ours
    for p in (gone, old, live, other):
        p.write_text("{")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    os.utime(other, (an_hour_ago, an_hour_ago))
    store.record("ch00.n-customers", 5000, Verdict("correct", ""), None, path=path)
    expected = [live.name, other.name]
    if not POSIX:  # only the age counts there
        expected.insert(0, gone.name)
    assert _temp_files(path) == sorted(expected)


def test_a_held_lock_times_out_with_a_clear_message(tmp_path):
    path = tmp_path / "crmlab-progress.json"
    store.record("ch00.n-customers", 5000, Verdict("correct", ""), None, path=path)
    before = path.read_text(encoding="utf-8")
    with store.locked(path):
        start = time.monotonic()
        with pytest.raises(store.ProgressLockTimeout,
                           match=r"still locked by another notebook after 0.2 s.*not saved"):
            store.record("ch00.n-customers", 1, Verdict("wrong", ""), None, path=path,
                         timeout=0.2)
        assert 0.2 <= time.monotonic() - start < 2
    assert path.read_text(encoding="utf-8") == before
    assert issubclass(store.ProgressLockTimeout, OSError)  # run_check reports it, no traceback
    store.record("ch00.n-customers", 1, Verdict("wrong", ""), None, path=path, timeout=0.2)
    assert store.lock_path(path).name == ".crmlab-progress.json.lock"


def test_best_and_latest_are_both_kept(tmp_path):
    path = tmp_path / "crmlab-progress.json"

    def rec(answer, status, sid=None, seed=2024):
        store.record("ch00.x", answer, Verdict(status, ""), sid, seed=seed, path=path)
        return store.saved_entry("ch00.x", path)[0]

    e = rec("abc", "invalid")
    assert e["best"]["status"] == "invalid" and e["attempts"] == 1
    e = rec(1, "wrong")
    assert (e["best"]["answer"], e["best"]["attempt"]) == (1, 2)
    e = rec("x", "invalid")  # worse: best stays
    assert e["best"]["answer"] == 1 and (e["status"], e["answer"]) == ("invalid", "x")
    e = rec(2, "wrong")  # a tie: the latest wins
    assert e["best"]["answer"] == 2
    e = rec(5000, "correct", "2023000001", 77)
    e = rec(3, "wrong")
    assert e["best"] == {"answer": 5000, "status": "correct", "time": e["best"]["time"],
                         "student_id": "2023000001", "seed": 77, "attempt": 5}
    assert (e["attempts"], e["status"], e["student_id"], e["seed"]) == (6, "wrong", None, 2024)
    assert store.record("ch00.x", ..., Verdict("unanswered", ""), None, path=path) == ""
    assert store.saved_entry("ch00.x", path)[0] == e  # a placeholder changes nothing
    store.record("ch00.quiz", 1, Verdict("recorded", ""), None, path=path)  # an assessment's
    store.record("ch00.quiz", 2, Verdict("recorded", ""), None, path=path)
    quiz = store.read_state(path)[0]["answers"]["ch00.quiz"]  # read back, kept
    assert (quiz["attempts"], quiz["status"], quiz["best"]["answer"]) == (2, "recorded", 2)


def test_an_older_file_is_read_and_its_unanswered_entries_dropped(tmp_path):
    path = tmp_path / "crmlab-progress.json"
    path.write_text(json.dumps({"format": "crmlab-progress/1", "student_id": "2023000001",
                                "answers": {
                                    "ch00.a": {"answer": 5, "status": "wrong", "attempts": 2,
                                               "time": "t"},
                                    "ch00.b": {"answer": {"__unanswered__": True},
                                               "status": "unanswered", "attempts": 3,
                                               "time": "t"}}}))
    state, notice = store.read_state(path)
    assert notice == "" and list(state["answers"]) == ["ch00.a"]
    assert state["answers"]["ch00.a"]["best"] == {"answer": 5, "status": "wrong", "time": "t",
                                                  "student_id": "2023000001", "seed": None,
                                                  "attempt": 2}
    store.record("ch00.a", 6, Verdict("wrong", ""), None, path=path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["format"] == "crmlab-progress/2"
    assert saved["answers"]["ch00.a"]["attempts"] == 3
    assert saved["answers"]["ch00.a"]["best"]["answer"] == 6


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
