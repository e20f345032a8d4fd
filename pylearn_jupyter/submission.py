"""The record of one check that progress is built from (docs/api.md ``Submission``).

Defined once here: the widget sends it to the front end, which keeps it for guests and
syncs it to the PyLearn API for learners with an account.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

__all__ = ["SUBMISSION_MIME_TYPE", "make_submission"]

# The front end's renderer for this MIME type records the submission; it renders nothing.
SUBMISSION_MIME_TYPE = "application/vnd.pylearn.submission+json"


def make_submission(
    exercise_id: str,
    code: str,
    passed: bool,
    *,
    exercise_version: str | None = None,
    solution_viewed: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A new submission with a fresh client id, so re-sending it is never counted twice."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    record: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "exercise_id": exercise_id,
        "code": code,
        "passed": bool(passed),
        "submitted_at": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "solution_viewed": bool(solution_viewed),
    }
    if exercise_version is not None:
        record["exercise_version"] = str(exercise_version)[:64]
    return record
