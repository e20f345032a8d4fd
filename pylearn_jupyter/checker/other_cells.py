"""Names defined in another cell: the checked cell must stand on its own, and the verdict says so.

A check runs the exercise cell alone (in the notebook, in ``pylearn check`` and in
grading alike), so a helper function written in another cell is a common reason for a
right answer to fail. Instead of a bare ``NameError``, the learner reads where the name
is and what to do.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable

from .result import CheckResult

__all__ = ["names_defined_in", "point_to_other_cells"]

_NAME_ERROR = re.compile(r"NameError: name '([A-Za-z_]\w*)' is not defined")
_TEST_USES = re.compile(r"^the test uses '([A-Za-z_]\w*)', but your code does not define it")
_MEANS = "What it means: "


def names_defined_in(sources: Iterable[str]) -> set[str]:
    """The names the top level of these cells defines (functions, classes, assignments)."""
    names: set[str] = set()
    for source in sources:
        lines = [line for line in source.splitlines()
                 if not line.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except (SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def _sentence(name: str) -> str:
    return (f"'{name}' is defined in another cell of your notebook, but only this cell is "
            f"checked: put '{name}' in this cell too.")


def _rewrite(text: str, elsewhere: Callable[[str], bool]) -> str:
    match = _NAME_ERROR.search(text)
    if not match or not elsewhere(match.group(1)):
        return text
    lines = text.split("\n")
    lines = [line for line in lines if not line.startswith(_MEANS)]
    return "\n".join([*lines, _MEANS + _sentence(match.group(1))])


def point_to_other_cells(result: CheckResult, elsewhere: Callable[[str], bool]) -> None:
    """Rewrite the verdict where a name the check missed is defined in another cell."""
    if result.error is not None:
        result.error.details = _rewrite(result.error.details, elsewhere)
    for test in result.tests:
        if test.traceback:
            test.traceback = _rewrite(test.traceback, elsewhere)
        match = _TEST_USES.match(test.message)
        if match and elsewhere(match.group(1)):
            test.message = f"the test uses '{match.group(1)}': " + _sentence(match.group(1))
