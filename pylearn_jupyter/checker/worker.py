"""Child process of :mod:`.isolated`: run one check and write the result as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..exercise import Exercise
from .runner import run_tests


def main(job_path: str, result_path: str) -> int:
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    exercise = Exercise.from_dict(job["exercise"])
    try:
        result = run_tests(exercise, job["code"], include_hidden=job["include_hidden"])
    except MemoryError:
        return 3
    Path(result_path).write_text(json.dumps(result.to_dict()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
