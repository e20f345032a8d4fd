"""The assertions exercise tests are written with.

Authors may also write plain ``assert result == expected``: the checker rewrites such
statements into :func:`assert_equal` so the learner sees the expected and the actual
value and where they differ. Everything here also works when an author runs a tests
cell by hand in JupyterLab (``from pylearn_jupyter.testing import *``).
"""

from __future__ import annotations

import ast
import math
from typing import Any

from .diff import describe_difference, short_repr, type_name, values_equal

__all__ = ["TestFailure", "assert_equal", "assert_close", "names_used", "calls_itself",
           "rewrite_asserts", "ASSERT_EQUAL_NAME"]

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
    actual: Any, expected: float, message: str | None = None, *, tolerance: float = 1e-9
) -> None:
    """Fail unless ``actual`` is a number within ``tolerance`` (relative) of ``expected``."""
    if isinstance(actual, (int, float)) and not isinstance(actual, bool):
        if math.isclose(actual, expected, rel_tol=tolerance, abs_tol=tolerance):
            return
        difference = None
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
