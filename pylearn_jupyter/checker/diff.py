"""Explain how an actual value differs from the expected one, in words a beginner reads.

Long values are shortened, and every shortening says so, so that a learner never
compares two truncated strings and wonders why they look equal.
"""

from __future__ import annotations

import reprlib
from collections import Counter, OrderedDict, defaultdict
from typing import Any

__all__ = ["short_repr", "describe_difference", "type_name", "values_equal",
           "items_difference"]

MAX_REPR = 200

_TYPE_WORDS = {
    "str": "a string (str)",
    "int": "a whole number (int)",
    "float": "a decimal number (float)",
    "bool": "True or False (bool)",
    "list": "a list",
    "tuple": "a tuple",
    "dict": "a dictionary (dict)",
    "set": "a set",
    "frozenset": "a frozenset",
    "NoneType": "None",
}


def type_name(value: Any) -> str:
    """'a list', 'a string (str)', 'None': the type of a value in words."""
    name = type(value).__name__
    return _TYPE_WORDS.get(name, f"an object of type {name}")


def short_repr(value: Any, limit: int = MAX_REPR) -> str:
    """repr() of a value, shortened to about ``limit`` characters with a visible notice."""
    try:
        text = repr(value)
    except BaseException as exc:  # a learner's __repr__ may raise anything
        return f"<an object whose repr() raised {type(exc).__name__}>"
    if len(text) <= limit:
        return text
    shortened = reprlib.Repr()
    shortened.maxstring = shortened.maxother = limit // 2
    shortened.maxlist = shortened.maxtuple = shortened.maxset = 12
    shortened.maxdict = 8
    try:
        text2 = shortened.repr(value)
    except BaseException:
        text2 = text[:limit]
    if len(text2) > limit:
        text2 = text2[:limit]
    return f"{text2} … (shortened: {len(text):,} characters in full)"


def _string_difference(expected: str, actual: str) -> str:
    for index, (e, a) in enumerate(zip(expected, actual, strict=False)):
        if e != a:
            where = _context(actual, index)
            return (
                f"first difference at index {index}: expected {e!r}, got {a!r}"
                f" (your text around there: {where})"
            )
    if len(actual) < len(expected):
        missing = expected[len(actual):]
        return (
            f"your text is {len(expected) - len(actual)} character(s) too short; "
            f"it is missing {short_repr(missing, 60)} at the end"
        )
    extra = actual[len(expected):]
    hint = ""
    if extra.strip() == "":
        hint = " (only spaces or line breaks: check for an extra space or newline)"
    return (
        f"your text is {len(actual) - len(expected)} character(s) too long; "
        f"it has {short_repr(extra, 60)} extra at the end{hint}"
    )


def _context(text: str, index: int, radius: int = 15) -> str:
    start = max(0, index - radius)
    end = min(len(text), index + radius)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return f"{prefix}{text[start:end]!r}{suffix}"


def _sequence_difference(expected: list | tuple, actual: list | tuple) -> str:
    kind = "list" if isinstance(expected, list) else "tuple"
    for index, (e, a) in enumerate(zip(expected, actual, strict=False)):
        if not _same(e, a):
            return (
                f"first difference at index {index}: expected {short_repr(e, 80)}, "
                f"got {short_repr(a, 80)}"
            )
    if len(actual) < len(expected):
        return (
            f"your {kind} has {len(actual)} item(s) but {len(expected)} were expected; "
            f"the first missing one is {short_repr(expected[len(actual)], 80)}"
        )
    return (
        f"your {kind} has {len(actual)} item(s) but only {len(expected)} were expected; "
        f"the first extra one is {short_repr(actual[len(expected)], 80)}"
    )


def _dict_difference(expected: dict, actual: dict) -> str:
    parts = []
    missing = [k for k in expected if k not in actual]
    extra = [k for k in actual if k not in expected]
    changed = [k for k in expected if k in actual and not _same(expected[k], actual[k])]
    if missing:
        parts.append(f"missing key(s): {_list_keys(missing)}")
    if extra:
        parts.append(f"unexpected key(s): {_list_keys(extra)}")
    if changed:
        key = changed[0]
        parts.append(
            f"for key {short_repr(key, 40)} expected {short_repr(expected[key], 60)}, "
            f"got {short_repr(actual[key], 60)}"
            + (f" (and {len(changed) - 1} more key(s) differ)" if len(changed) > 1 else "")
        )
    return "; ".join(parts) or "the dictionaries differ"


def _set_difference(expected: set | frozenset, actual: set | frozenset) -> str:
    parts = []
    missing = expected - actual
    extra = actual - expected
    if missing:
        parts.append(f"missing: {_list_keys(sorted(missing, key=repr))}")
    if extra:
        parts.append(f"unexpected: {_list_keys(sorted(extra, key=repr))}")
    return "; ".join(parts) or "the sets differ"


def _list_keys(keys: list, limit: int = 5) -> str:
    shown = ", ".join(short_repr(k, 40) for k in keys[:limit])
    if len(keys) > limit:
        shown += f" … and {len(keys) - limit} more"
    return shown


_NUMBERS = (int, float)
_DICT_SUBCLASSES = (Counter, defaultdict, OrderedDict)


def types_compatible(expected: Any, actual: Any) -> bool:
    """Whether ``actual`` has the kind of type ``expected`` asks for.

    Numbers mix (1 == 1.0 is fine), but a bool is not a number here, and for
    built-in types an object of another type is refused even if its ``==`` says
    yes: that is how an always-equal object is caught.
    """
    te, ta = type(expected), type(actual)
    if te is ta:
        return True
    if te in _NUMBERS and ta in _NUMBERS:
        return True
    if te is dict and ta in _DICT_SUBCLASSES:
        return True  # a Counter or a defaultdict counts as the dict it holds
    if te.__module__ == "builtins":
        return False
    return isinstance(actual, te)


def _same(expected: Any, actual: Any) -> bool:
    if not types_compatible(expected, actual):
        return False
    try:
        return bool(expected == actual)
    except BaseException:
        return False


def values_equal(expected: Any, actual: Any) -> bool:
    """Strict equality for checking answers (see :func:`types_compatible`)."""
    if isinstance(expected, (list, tuple)) and types_compatible(expected, actual):
        return len(expected) == len(actual) and all(
            values_equal(e, a) for e, a in zip(expected, actual, strict=True)
        )
    if isinstance(expected, dict) and types_compatible(expected, actual):
        return expected.keys() == actual.keys() and all(
            values_equal(expected[k], actual[k]) for k in expected
        )
    return _same(expected, actual)


def describe_difference(expected: Any, actual: Any) -> str | None:
    """A sentence locating the first difference, or None when there is nothing to add."""
    if not types_compatible(expected, actual):
        return f"expected {type_name(expected)}, but got {type_name(actual)}"
    if isinstance(expected, str) and isinstance(actual, str):
        return _string_difference(expected, actual)
    if isinstance(expected, (list, tuple)):
        return _sequence_difference(expected, actual)
    if isinstance(expected, dict):
        return _dict_difference(expected, actual)
    if isinstance(expected, (set, frozenset)):
        return _set_difference(expected, actual)
    return None


def items_difference(expected: list, actual: list) -> tuple[list, list]:
    """(missing, unexpected): the items of ``expected`` that ``actual`` lacks, and the rest.

    Counted like a multiset, compared with :func:`values_equal`, order ignored.
    """
    unmatched = list(actual)
    missing = []
    for item in expected:
        for index, candidate in enumerate(unmatched):
            if values_equal(item, candidate):
                del unmatched[index]
                break
        else:
            missing.append(item)
    return missing, unmatched
