"""How fast is sealed grading? ``pylearn grade`` in the sandbox against nbgrader's way.

A class returns 32 learner notebooks of the built-in course's "Strings" chapter: each
answer right, wrong, broken (a syntax error) or an endless loop, mixed per learner. The
same notebooks are graded twice in this run:

- ``pylearn grade`` with the sandbox on (bubblewrap unless ``--sandbox`` says otherwise);
- ``jupyter nbconvert --execute``, one kernel per notebook, which is what nbgrader's
  autograde does (in one nbconvert process, which only helps it).

It prints notebooks per second for both and the ratio (goal: at least 20×), once with
the endless loops and once without (an endless loop costs its whole time limit in both
graders, which puts a floor under any grader's wall time), then the wall
time of checking one answer the way ``pylearn check`` did before sealed checking (a
child process running the in-process checker) and the way it does now (in the sandbox).

    python bench/grade_speed.py [--learners 32] [--sandbox bwrap]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pylearn_jupyter.course import load_course  # noqa: E402
from pylearn_jupyter.release import learner_notebook  # noqa: E402
from pylearn_jupyter.sealed import SealedChecker  # noqa: E402

CHAPTER = "strings"
BROKEN = "def oops(:\n    pass\n"
ENDLESS = "while True:\n    pass\n"


def returned_notebooks(folder: Path, learners: int, endless: bool = True
                       ) -> tuple[Path, int, dict[str, int]]:
    """Write the class's notebooks; returns the chapter's source, the answer count and the
    mix of kinds."""
    chapter = next(ch for ch in load_course().chapters if ch.id == CHAPTER)
    kinds = {"right": 0, "wrong": 0, "broken": 0, "endless": 0}
    answers = 0
    for learner in range(learners):
        notebook = learner_notebook(chapter)
        for cell in notebook["cells"]:
            exercise_id = cell.get("metadata", {}).get("pylearn", {}).get("exercise")
            if cell["cell_type"] != "code" or exercise_id is None:
                continue
            exercise = next(ex for ex in chapter.exercises if ex.id == exercise_id)
            answers += 1
            roll = (learner * 7 + answers) % 20
            kind = ("endless" if endless and roll == 0 and learner % 4 == 0 else "broken"
                    if roll < 3
                    else "wrong" if roll < 8 else "right")
            kinds[kind] += 1
            code = {"right": exercise.solution, "wrong": exercise.starter, "broken": BROKEN,
                    "endless": ENDLESS}[kind]
            cell["source"] = f"%%exercise {exercise_id}\n{code}\n"
        (folder / f"learner{learner:02d}.ipynb").write_text(json.dumps(notebook),
                                                           encoding="utf-8")
    return Path(chapter.path), answers, kinds


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{command[:4]} failed:\n{proc.stderr[-2000:]}")
    return elapsed


_BEFORE = (
    "import sys, json; from pylearn_jupyter.course import load_course; "
    "from pylearn_jupyter.checker import run_tests; "
    "ex = load_course().find(sys.argv[1]); "
    "print(json.dumps(run_tests(ex, ex.solution, include_hidden=True).to_json()))"
)


def check_times(repeat: int, sandbox: str) -> tuple[float, float]:
    """Median wall time of one answer: a child process (before) and the sandbox (now)."""
    exercise = load_course().find("strings.reverse-words")
    before, now = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", _BEFORE, exercise.id], capture_output=True,
                       check=True, cwd=REPO)
        before.append(time.perf_counter() - started)
        started = time.perf_counter()
        with SealedChecker(sandbox) as checker:
            assert checker.check(exercise, exercise.solution, include_hidden=True).passed
        now.append(time.perf_counter() - started)
    return statistics.median(before), statistics.median(now)


def compare(learners: int, sandbox: str, endless: bool, jobs: int | None) -> None:
    with tempfile.TemporaryDirectory(prefix="pylearn-bench-") as tmp:
        root = Path(tmp)
        returned = root / "returned"
        returned.mkdir()
        source, answers, kinds = returned_notebooks(returned, learners, endless)
        notebooks = sorted(str(p) for p in returned.glob("*.ipynb"))
        print(f"{len(notebooks)} notebooks, {answers} answers: "
              + ", ".join(f"{n} {kind}" for kind, n in kinds.items() if n))
        pylearn_s = timed([sys.executable, "-m", "pylearn_jupyter.cli", "grade", str(source),
                           str(returned), "--out", str(root / "grades"), "--sandbox", sandbox,
                           *(["--jobs", str(jobs)] if jobs else [])])
        nbconvert_s = timed([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
                             "--execute", "--allow-errors", "--output-dir",
                             str(root / "executed"), *notebooks])
    pylearn_rate = len(notebooks) / pylearn_s
    nbconvert_rate = len(notebooks) / nbconvert_s
    print(f"  pylearn grade ({sandbox} sandbox{f', {jobs} jobs' if jobs else ''}): "
          f"{pylearn_s:7.2f} s  {pylearn_rate:6.2f} notebooks/s")
    print(f"  nbconvert --execute (one kernel each): {nbconvert_s:7.2f} s  "
          f"{nbconvert_rate:6.2f} notebooks/s")
    print(f"  ratio: pylearn grade is {pylearn_rate / nbconvert_rate:.1f}× nbconvert "
          "(goal: at least 20×)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=32)
    parser.add_argument("--sandbox", default="bwrap")
    parser.add_argument("--jobs", type=int, default=None, help="pylearn grade --jobs")
    parser.add_argument("--repeat", type=int, default=10, help="runs of the check timing")
    args = parser.parse_args()
    print("With endless loops (each one waits out its 3 s time limit, in both graders):")
    compare(args.learners, args.sandbox, True, args.jobs)
    print("The same class without endless loops:")
    compare(args.learners, args.sandbox, False, args.jobs)
    before, now = check_times(args.repeat, args.sandbox)
    print(f"one answer checked in its own process, median of {args.repeat}: "
          f"before (child process, no sandbox) {before * 1000:.0f} ms; "
          f"now (sealed, {args.sandbox} sandbox) {now * 1000:.0f} ms")


if __name__ == "__main__":
    main()
