"""The assertions exercise tests are written with.

Authors may also write plain ``assert result == expected``: the checker rewrites such
statements into :func:`assert_equal` so the learner sees the expected and the actual
value and where they differ. Everything here also works when an author runs a tests
cell by hand in JupyterLab (``from pylearn_jupyter.testing import *``).
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Iterable
from typing import Any

from .diff import describe_difference, items_difference, short_repr, type_name, values_equal

__all__ = ["TestFailure", "assert_equal", "assert_close", "assert_raises", "assert_same_items",
           "parametrize", "names_used", "calls_itself", "rewrite_asserts", "ASSERT_EQUAL_NAME",
           "PARAMETERS"]

ASSERT_EQUAL_NAME = "__pylearn_assert_equal__"


class TestFailure(AssertionError):
    """A failed expectation, carrying both values for the result display."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        message: str,
        *,
        expected: Any = None,
        actual: Any = None,
        difference: str | None = None,
        has_values: bool = True,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.expected_repr = short_repr(expected) if has_values else None
        self.actual_repr = short_repr(actual) if has_values else None
        self.difference = difference

    def __str__(self) -> str:
        lines = [self.message]
        if self.expected_repr is not None:
            lines.append(f"expected: {self.expected_repr}")
            lines.append(f"got:      {self.actual_repr}")
        if self.difference:
            lines.append(self.difference)
        return "\n".join(lines)


def _none_hint(expected: Any, actual: Any) -> str | None:
    if actual is None and expected is not None:
        return (
            "your code gave back None: did you print the result instead of "
            "returning it, or forget a return statement?"
        )
    return None


def assert_equal(actual: Any, expected: Any, message: str | None = None) -> None:
    """Fail unless ``actual`` equals ``expected`` and has a matching type.

    An object whose ``==`` always says yes, or a string where a number is expected,
    does not pass.
    """
    if values_equal(expected, actual):
        return
    difference = _none_hint(expected, actual) or describe_difference(expected, actual)
    raise TestFailure(
        message or "the result is not what was expected",
        expected=expected,
        actual=actual,
        difference=difference,
    )


def assert_close(
    actual: Any, expected: float, message: str | None = None, *,
    abs: float | None = None,  # noqa: A002 - the word authors know from pytest.approx
    rel: float | None = None, places: int | None = None, tolerance: float | None = None,
) -> None:
    """Fail unless ``actual`` is a number close to ``expected``.

    ``places=2``: equal once rounded to 2 decimal places ("to the cent"). ``abs`` and
    ``rel``: an absolute and a relative tolerance, either enough. With none of them,
    ``1e-9`` of both (``tolerance`` sets both, as before).
    """
    if isinstance(actual, (int, float)) and not isinstance(actual, bool):
        if places is not None:
            close = round(actual - expected, places) == 0
            what = f"to {places} decimal place{'s' if places != 1 else ''}"
        else:
            default = 1e-9 if tolerance is None else tolerance
            abs_tol = default if abs is None and rel is None else (abs or 0.0)
            rel_tol = default if abs is None and rel is None else (rel or 0.0)
            close = math.isclose(actual, expected, rel_tol=rel_tol, abs_tol=abs_tol)
            what = " or ".join(part for part in (
                f"within {abs_tol:g}" if abs_tol else "",
                f"within {rel_tol:.3g} of its size" if rel_tol else "") if part)
        if close:
            return
        difference = f"the numbers differ by {actual - expected:.6g}; they must agree {what}"
    else:
        difference = _none_hint(expected, actual) or (
            f"expected a number, but got {type_name(actual)}"
        )
    raise TestFailure(
        message or "the number is not what was expected",
        expected=expected,
        actual=actual,
        difference=difference,
    )


def assert_same_items(actual: Any, expected: Iterable[Any], message: str | None = None) -> None:
    """Fail unless ``actual`` holds the same items as ``expected``, in any order.

    Counts matter (``[1, 1, 2]`` is not ``[1, 2]``); the container may be a list, a tuple
    or a set.
    """
    wanted = list(expected)
    if not isinstance(actual, (list, tuple, set, frozenset)):
        raise TestFailure(
            message or "the result is not a collection of items",
            expected=wanted, actual=actual,
            difference=_none_hint(wanted, actual)
            or f"expected a list (in any order), but got {type_name(actual)}")
    missing, unexpected = items_difference(wanted, list(actual))
    if not missing and not unexpected:
        return
    parts = []
    if missing:
        parts.append("missing: " + ", ".join(short_repr(m, 60) for m in missing[:5]))
    if unexpected:
        parts.append("unexpected: " + ", ".join(short_repr(u, 60) for u in unexpected[:5]))
    raise TestFailure(message or "the items are not the expected ones (order does not matter)",
                      expected=wanted, actual=actual, difference="; ".join(parts))


class assert_raises:  # noqa: N801 - used like a function: ``with assert_raises(ValueError):``
    """Fail unless the block raises ``kind`` (with a message matching ``match``, a regex).

    ``with assert_raises(ValueError, match="negative"): withdraw(-5)``, or called:
    ``assert_raises(ValueError, withdraw, -5)``.
    """

    def __init__(self, kind: type[BaseException] | tuple[type[BaseException], ...],
                 func: Callable[..., Any] | None = None, *args: Any,
                 match: str | None = None, message: str | None = None, **kwargs: Any) -> None:
        self.kind = kind
        self.match = match
        self.message = message
        self.exception: BaseException | None = None
        if func is not None:
            with self:
                func(*args, **kwargs)

    def _name(self) -> str:
        kinds = self.kind if isinstance(self.kind, tuple) else (self.kind,)
        return " or ".join(k.__name__ for k in kinds)

    def __enter__(self) -> assert_raises:
        return self

    def __exit__(self, kind: Any, exc: BaseException | None, _tb: Any) -> bool:
        if exc is None:
            raise TestFailure(self.message or f"expected {self._name()} to be raised, "
                              "but your code raised nothing", has_values=False,
                              difference=f"raise {self._name()} in this case")
        if not isinstance(exc, self.kind) or isinstance(exc, TestFailure):
            if not isinstance(exc, Exception):
                return False  # the time limit and the like go on
            raised = getattr(exc, "remote_type", None) or type(exc).__name__
            raise TestFailure(self.message or f"expected {self._name()}, but your code raised "
                              f"{raised}: {exc}", has_values=False) from None
        text = str(exc)
        if self.match is not None and not re.search(self.match, text):
            raise TestFailure(self.message or f"{self._name()} was raised, but its message is "
                              "not the expected one", expected=self.match, actual=text,
                              difference=f"the message must match {self.match!r}") from None
        self.exception = exc
        return True


PARAMETERS = "__pylearn_parameters__"


def parametrize(names: str, rows: Iterable[Any]) -> Callable[[Any], Any]:
    """One test per row of a table: ``@parametrize("text, expected", [("a b", "b a"), ...])``.

    Each row runs as its own test, named after the test and the row's values.
    """
    fields = [n.strip() for n in names.split(",") if n.strip()]
    table = [(row,) if len(fields) == 1 else tuple(row) for row in rows]
    for row in table:
        if len(row) != len(fields):
            raise ValueError(f"parametrize: the row {row!r} does not have {len(fields)} "
                             f"values ({', '.join(fields)})")

    def mark(func: Any) -> Any:
        setattr(func, PARAMETERS, (fields, table))
        return func

    return mark


def expand_parameters(name: str, func: Any) -> list[tuple[str, Any]]:
    """A test and its rows: ``[("test_x[1, 2]", call with 1 and 2), ...]``, or itself."""
    marked = getattr(func, PARAMETERS, None)
    if marked is None:
        return [(name, func)]
    fields, table = marked
    cases = []
    for row in table:
        label = ", ".join(short_repr(value, 30) for value in row)

        def case(row: tuple = row) -> Any:
            return func(**dict(zip(fields, row, strict=True)))

        cases.append((f"{name}[{label}]", case))
    return cases


def names_used(source: str) -> set[str]:
    """Every name and attribute the learner's code mentions (``{"max", "append", ...}``).

    Lets a test insist on a way of solving: ``assert "max" not in names_used(), "..."``.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
    return found


def calls_itself(source: str, function: str) -> bool:
    """Whether the function ``function`` in the learner's code calls itself (recursion)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == function:
            return any(
                isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name)
                and inner.func.id == function
                for inner in ast.walk(node)
            )
    return False


class _AssertRewriter(ast.NodeTransformer):
    """``assert a == b, msg`` → ``__pylearn_assert_equal__(a, b, msg)``."""

    def visit_Assert(self, node: ast.Assert) -> ast.AST:
        test = node.test
        if (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)
        ):
            args = [test.left, test.comparators[0]]
            if node.msg is not None:
                args.append(node.msg)
            call = ast.Call(
                func=ast.Name(id=ASSERT_EQUAL_NAME, ctx=ast.Load()), args=args, keywords=[]
            )
            return ast.copy_location(ast.Expr(value=call), node)
        return node


def rewrite_asserts(source: str, filename: str) -> Any:
    """Compile tests source with ``==`` assertions turned into :func:`assert_equal` calls."""
    tree = ast.parse(source, filename=filename)
    tree = ast.fix_missing_locations(_AssertRewriter().visit(tree))
    return compile(tree, filename, "exec")
