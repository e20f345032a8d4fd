"""Errors of the server extension, each with the HTTP status it becomes.

Raised anywhere below the handlers; ``base.PyLearnHandler`` turns them into
``{"message": ...}`` answers in one place.
"""

from __future__ import annotations

__all__ = [
    "PyLearnError",
    "InvalidId",
    "NotInCatalog",
    "OutsideWorkspace",
    "ApiUnreachable",
    "ApiTimeout",
    "ApiBadAnswer",
]


class PyLearnError(Exception):
    """A problem the user can act on; ``str(error)`` is the sentence they see."""

    status = 500


class InvalidId(PyLearnError):
    status = 400


class NotInCatalog(PyLearnError):
    status = 404


class OutsideWorkspace(PyLearnError):
    status = 400


class ApiUnreachable(PyLearnError):
    status = 502


class ApiBadAnswer(PyLearnError):
    status = 502


class ApiTimeout(PyLearnError):
    status = 504
