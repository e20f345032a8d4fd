"""Which exercises this kernel knows: those a learner notebook loaded, then the installed course."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from .exercise import Exercise

__all__ = ["encode_exercises", "decode_exercises", "register", "find_exercise"]

_registered: dict[str, Exercise] = {}
_course_cache: dict[str, Exercise] | None = None


def encode_exercises(exercises: list[Exercise]) -> str:
    """Pack exercises (without hidden tests) into the text a learner notebook carries.

    Compressed and base64-encoded so that hints and solutions are not read by accident;
    this is not a secret and is documented as such.
    """
    payload = {"format": 1, "exercises": [ex.to_dict(learner=True) for ex in exercises]}
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def decode_exercises(blob: str) -> list[Exercise]:
    try:
        payload: dict[str, Any] = json.loads(zlib.decompress(base64.b64decode(blob)))
    except (ValueError, zlib.error) as exc:
        raise ValueError(
            "this notebook's exercise data is damaged; download the exercise again"
        ) from exc
    return [Exercise.from_dict(item) for item in payload.get("exercises", [])]


def register(exercises: list[Exercise]) -> None:
    for exercise in exercises:
        _registered[exercise.id] = exercise


def find_exercise(exercise_id: str) -> Exercise | None:
    """The exercise a notebook loaded, else the installed course's (if the course is there)."""
    global _course_cache
    if exercise_id in _registered:
        return _registered[exercise_id]
    if _course_cache is None:
        try:
            from .course import load_course

            _course_cache = {ex.id: ex for ex in load_course().exercises}
        except Exception:
            _course_cache = {}
    return _course_cache.get(exercise_id)
