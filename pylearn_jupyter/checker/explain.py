"""One plain sentence for the errors beginners meet most, under the learner's traceback.

Python's messages are precise but written for programmers: "can only concatenate str (not
"int") to str" does not say what to do. This module keeps a small table of our own: for
each error a beginner is likely to meet, a sentence in everyday words that says what went
wrong and what to try. It has no dependencies beyond the standard library (``re`` and
``difflib``), because it runs wherever the checker runs: the kernel, ``pylearn check``,
grading, and Pyodide in the browser.

:func:`explain` is for an exception raised while the learner's code ran (a NameError gets
"did you mean" from the names that were in scope where it happened); :func:`explain_syntax`
for code Python could not read (IndentationError and the usual syntax slips). Both answer
``None`` when the table has nothing better than Python's own message, and never raise.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from types import FrameType

__all__ = ["PREFIX", "explain", "explain_syntax"]

PREFIX = "What it means: "

# modules a beginner uses without importing them first
_COMMON_MODULES = frozenset({
    "math", "random", "string", "time", "datetime", "os", "sys", "re", "json", "statistics",
    "collections", "itertools", "functools", "fractions", "decimal", "turtle", "copy",
})
_TYPE_WORDS = {
    "str": "text (a str)", "int": "a whole number (an int)", "float": "a number (a float)",
    "list": "a list", "dict": "a dictionary (a dict)", "tuple": "a tuple", "set": "a set",
    "bool": "True or False (a bool)", "NoneType": "None",
}


def _words(type_name: str) -> str:
    return _TYPE_WORDS.get(type_name, f"a value of type {type_name}")


# --- names in scope, for "did you mean" ------------------------------------------------------

def _innermost_frame(exc: BaseException) -> FrameType | None:
    tb = exc.__traceback__
    if tb is None:
        return None
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame


def _names_in_scope(exc: BaseException) -> list[str]:
    frame = _innermost_frame(exc)
    if frame is None:
        return []
    names: list[str] = []
    for scope in (frame.f_locals, frame.f_globals, frame.f_builtins):
        names.extend(name for name in list(scope) if isinstance(name, str))
    return names


def _closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``name`` was most likely meant to be: same letters in another case
    first, then the closest spelling."""
    pool = sorted({c for c in candidates if c != name and not c.startswith("_")})
    for candidate in pool:
        if candidate.lower() == name.lower():
            return candidate
    matches = difflib.get_close_matches(name, pool, n=1, cutoff=0.75)
    return matches[0] if matches else None


def _shadowed_functions(exc: BaseException, kind: str) -> list[str]:
    """Built-in functions whose names the learner's code gave a value of type ``kind``
    (``sum = 0``, ``list = [1, 2]``), as seen where the error happened."""
    frame = _innermost_frame(exc)
    if frame is None:
        return []
    found = set()
    for scope in (frame.f_locals, frame.f_globals):
        for name in list(scope):
            value = scope[name]
            builtin = frame.f_builtins.get(name) if isinstance(name, str) else None
            if (builtin is not None and callable(builtin) and not callable(value)
                    and type(value).__name__ == kind):
                found.add(name)
    return sorted(found)


def _quoted(match: re.Match[str] | None, group: int = 1) -> str | None:
    return match.group(group) if match else None


# --- the table ---------------------------------------------------------------------------------

def _unbound_local(exc: BaseException, message: str) -> str | None:
    name = getattr(exc, "name", None) or _quoted(re.search(r"variable '(\w+)'", message))
    if not name:
        return None
    return (f"Your function gives '{name}' a value somewhere, which makes '{name}' a variable "
            "of the function itself, and this line uses it before that has happened: give "
            "it a value first inside the function, or pass the value in as a parameter.")


def _name_error(exc: BaseException, message: str) -> str | None:
    name = getattr(exc, "name", None) or _quoted(re.search(r"name '(\w+)' is not", message))
    if not name:
        return None
    suggestion = _closest(name, _names_in_scope(exc))
    if suggestion:
        return f"Python does not know the name '{name}' — did you mean '{suggestion}'?"
    if name in _COMMON_MODULES:
        return (f"'{name}' is a module that has to be imported before you use it: add "
                f"'import {name}' at the top of your code.")
    return (f"Python does not know the name '{name}' here: give it a value (or define it) "
            f"before this line, and put it in quotes if you meant the text \"{name}\".")


_NONE_RESULT = ("a function without a return statement gives back None (so does one that "
                "prints its result instead of returning it), and so do list methods such "
                "as sort() and append()")


def _type_error(exc: BaseException, message: str) -> str | None:
    if "NoneType" in message:
        return (f"One of the values here is None: {_NONE_RESULT}; check where that value "
                "comes from.")
    concat = re.search(r'can only concatenate str \(not "(\w+)"\) to str', message)
    if concat:
        other = concat.group(1)
        if other in {"int", "float", "bool"}:
            return (f"You are joining text (a str) and {_words(other)} with +: turn the "
                    "number into text first with str(...), or write an f-string such as "
                    "f\"Total: {total}\".")
        return (f"Only text can be joined to text with +, and this is {_words(other)}: turn "
                "it into text with str(...) first.")
    operands = re.search(r"unsupported operand type\(s\) for (\S+): '(\w+)' and '(\w+)'",
                         message)
    if operands:
        operator, left, right = operands.groups()
        if "str" in (left, right) and {left, right} & {"int", "float"}:
            return (f"You are using {operator} on a number and text (a str): input() always "
                    "gives text, so turn the text into a number with int(...) or float(...) "
                    "first, or the number into text with str(...).")
        return (f"{operator} does not work between {_words(left)} and {_words(right)}: "
                "check what each value really is, for example with print(type(value)).")
    compare = re.search(r"'(\S+)' not supported between instances of '(\w+)' and '(\w+)'",
                        message)
    if compare:
        _, left, right = compare.groups()
        if "str" in (left, right) and {left, right} & {"int", "float"}:
            return ("You are comparing text (a str) with a number: input() always gives "
                    "text, so turn it into a number with int(...) or float(...) first.")
        return (f"Python cannot tell which is bigger, {_words(left)} or {_words(right)}: "
                "compare values of the same kind.")
    if re.search(r"can't multiply sequence by non-int of type '(str|float)'", message):
        return ("Text and lists can only be repeated a whole number of times (text * 3): "
                "to multiply numbers that are still text, turn them into numbers with "
                "int(...) or float(...) first.")
    not_callable = re.search(r"'(\w+)' object is not callable", message)
    if not_callable:
        kind = not_callable.group(1)
        shadowed = _shadowed_functions(exc, kind)
        if len(shadowed) == 1:
            name = shadowed[0]
            return (f"'{name}' is now {_words(kind)}, because your code gave that name a "
                    f"value ({name} = ...), so {name}(...) no longer calls the function: "
                    "choose another name for your variable.")
        return (f"You put parentheses after {_words(kind)} as if it were a function: look "
                "for a missing * (2(x + 1) must be 2 * (x + 1)), or for a variable that "
                "took the name of a function, such as sum = 0 before sum(...).")
    missing = re.search(r"(\w+)\(\) missing (\d+) required (?:positional |keyword-only )?"
                        r"arguments?", message)
    if missing:
        return (f"This call gives {missing.group(1)}() fewer values than it has parameters: "
                "pass one value for each parameter in the def line, in the same order.")
    extra = re.search(r"(\w+)\(\) takes (\d+) positional arguments? but (\d+) (?:were|was) "
                      r"given", message)
    if extra:
        function, takes, given = extra.groups()
        hint = (" (a method also gets self first: did you forget self in its def line?)"
                if int(given) == int(takes) + 1 else "")
        return (f"This call gives {function}() {given} value(s), but its def line has "
                f"{takes} parameter(s){hint}.")
    if re.search(r"'(int|float)' object is not iterable", message):
        return ("A number cannot be looped over or unpacked: to repeat something n times, "
                "loop over range(n).")
    if re.search(r"'(int|float|bool)' object is not subscriptable", message):
        return ("You used [...] on a number, which has no items or positions: check that "
                "the value is the list or text you meant.")
    if "'str' object does not support item assignment" in message:
        return ("Text (a str) cannot be changed in place: build a new string instead, for "
                "example with +, replace(...) or ''.join(...).")
    indices = re.search(r"(list|tuple|string) indices must be integers", message)
    if indices:
        return ("Positions are whole numbers (0, 1, 2, ...): turn the position into an int "
                "first, for example int(text) or len(items) // 2 instead of len(items) / 2.")
    no_len = re.search(r"object of type '(\w+)' has no len\(\)", message)
    if no_len:
        return (f"len() counts the items of a list, text or dictionary, and "
                f"{_words(no_len.group(1))} has no items.")
    return None


def _index_error(exc: BaseException, message: str) -> str | None:
    if "pop from empty" in message:
        return ("You took an item out of an empty list: check that it still has items "
                "first, for example with 'if items:'.")
    kind = re.search(r"(list|string|tuple|range)(?: assignment)? index out of range", message)
    if kind:
        what = {"string": "text"}.get(kind.group(1), kind.group(1))
        return (f"You asked for a position the {what} does not have: with n items the "
                "positions go from 0 to n - 1, so the last item is at [len(x) - 1], or [-1].")
    return None


def _dictionary_keys(exc: BaseException) -> list[str]:
    """The text keys of the dictionaries in scope where ``exc`` happened."""
    frame = _innermost_frame(exc)
    if frame is None:
        return []
    keys: list[str] = []
    for scope in (frame.f_locals, frame.f_globals):
        for value in list(scope.values()):
            if type(value) is dict and len(value) <= 1000:
                keys.extend(key for key in value if isinstance(key, str))
    return keys


def _key_error(exc: BaseException, message: str) -> str | None:
    if "pop from an empty set" in message:
        return ("You took an item out of an empty set: check that it still has items "
                "first, for example with 'if items:'.")
    missing = exc.args[0] if exc.args else None
    key = repr(missing) if exc.args else message
    if len(key) > 60:
        key = f"{key[:57]}..."
    if isinstance(missing, str):
        suggestion = _closest(missing, _dictionary_keys(exc))
        if suggestion:
            return f"The dictionary has no key {key} — did you mean {suggestion!r}?"
    return (f"The dictionary has no key {key}: check its spelling and capitals, or look it "
            "up safely with .get(key) or 'if key in d:'.")


def _zero_division(exc: BaseException, message: str) -> str | None:
    return ("You divided by zero (with /, // or %), which has no answer: check that the "
            "number you divide by is not 0 before dividing.")


def _attribute_error(exc: BaseException, message: str) -> str | None:
    on_none = re.search(r"'NoneType' object has no attribute '(\w+)'", message)
    if on_none:
        return (f"This value is None, so it has no .{on_none.group(1)}: {_NONE_RESULT}, so "
                "the variable may hold such a result instead of the value you meant.")
    other = re.search(r"'(\w+)' object has no attribute '(\w+)'", message)
    module = re.search(r"module '([\w.]+)' has no attribute '(\w+)'", message)
    if not (other or module):
        return None
    owner, attribute = (other or module).groups()  # type: ignore[union-attr]
    obj = getattr(exc, "obj", None)
    suggestion = _closest(attribute, dir(obj)) if obj is not None else None
    what = f"the module {owner}" if module else _words(owner)
    if suggestion:
        return f"{what[0].upper()}{what[1:]} has no '{attribute}' — did you mean '{suggestion}'?"
    return (f"{what[0].upper()}{what[1:]} has no '{attribute}': check the spelling, and "
            "what the value really is (print(type(value)) shows it).")


def _recursion_error(exc: BaseException, message: str) -> str | None:
    return ("Your function kept calling itself and never stopped: it needs a case that "
            "returns without calling itself, and each call must get closer to that case.")


def _value_error(exc: BaseException, message: str) -> str | None:
    literal = re.search(r"invalid literal for int\(\) with base \d+: (.*)$", message, re.S)
    if literal:
        text = literal.group(1)
        if text in {"''", '""'}:
            return ("int() got empty text, which is not a number: check that there is "
                    "something to convert (an empty answer to input(), or an empty piece "
                    "left by split()).")
        if re.fullmatch(r"""(['"])\s*[-+]?\d*\.\d*\s*\1""", text):
            return (f"int() cannot read a number with a decimal point such as {text}: use "
                    "float(...) for it, or int(float(...)) to drop the decimals.")
        return (f"int() can only turn text made of digits (like '42') into a number, and "
                f"{text} is not: check what the text really contains before converting it.")
    if re.search(r"could not convert string to float: ", message):
        return ("float() can only turn text that looks like a number (like '3.5') into a "
                "number: check what the text really contains before converting it.")
    unpack = re.search(r"(too many|not enough) values to unpack \(expected (\d+)", message)
    if unpack:
        return (f"There are {'more' if unpack.group(1) == 'too many' else 'fewer'} values "
                f"than the {unpack.group(2)} names on the left of =: give as many names as "
                "there are values.")
    return None


_Rule = Callable[[BaseException, str], "str | None"]  # (exception, its message) -> sentence
# subclasses before their base classes: the first matching type decides
_RULES: list[tuple[type[BaseException], _Rule]] = [
    (UnboundLocalError, _unbound_local),
    (NameError, _name_error),
    (TypeError, _type_error),
    (IndexError, _index_error),
    (KeyError, _key_error),
    (ZeroDivisionError, _zero_division),
    (AttributeError, _attribute_error),
    (RecursionError, _recursion_error),
    (ValueError, _value_error),
]


def _message(exc: BaseException) -> str:
    try:
        return str(exc)
    except BaseException:  # noqa: BLE001 - a learner's exception with a broken __str__
        return ""


def explain(exc: BaseException) -> str | None:
    """One plain sentence about ``exc`` (raised by the learner's code), or None."""
    if isinstance(exc, SyntaxError):
        return explain_syntax(exc)
    try:
        for kind, rule in _RULES:
            if isinstance(exc, kind):
                return rule(exc, _message(exc))
    except Exception:  # an explanation must never hide the error itself
        return None
    return None


# --- code Python could not read ---------------------------------------------------------------

_SYNTAX: list[tuple[str, str]] = [
    (r"expected an indented block",
     "A line ending with a colon (:) must be followed by at least one indented line: indent "
     "the body of the if, for, while or def with 4 spaces."),
    (r"unexpected indent",
     "This line starts further right than the line before it, but nothing asks for a block "
     "here: remove the extra spaces at its start (only the lines after a line ending with a "
     "colon are indented)."),
    (r"unindent does not match any outer indentation level",
     "This line's indentation does not line up with any line above it: start it at exactly "
     "the same column as the other lines of its block."),
    (r"expected ':'",
     "A line that starts a block (if, elif, else, for, while, def) must end with a colon (:)."),
    (r"was never closed|unexpected EOF while parsing",
     "A bracket opened here is never closed: add the missing ), ] or }."),
    (r"unterminated (triple-quoted )?string literal|EOL while scanning string literal",
     "A piece of text (a string) starts with a quote here but never ends: close it with the "
     "same kind of quote."),
    (r"Missing parentheses in call to 'print'",
     "print is a function: put what to print in parentheses, like print(\"hello\")."),
    (r"Maybe you meant '==' or ':=' instead of '='|cannot assign to .*Maybe you meant '=='",
     "To compare two values write == (two equal signs); a single = gives a name a value."),
    (r"Perhaps you forgot a comma",
     "Python expected a comma here: separate the items of a list, or the values of a call, "
     "with commas."),
]


def explain_syntax(exc: SyntaxError) -> str | None:
    """One plain sentence about code Python could not read, or None."""
    try:
        if isinstance(exc, TabError):
            return ("This code mixes tabs and spaces at the start of its lines: indent with "
                    "spaces only (4 per level).")
        message = exc.msg or ""
        for pattern, sentence in _SYNTAX:
            if re.search(pattern, message):
                return sentence
        if isinstance(exc, IndentationError):
            return ("The spaces at the start of this line do not fit: the lines of one block "
                    "start at the same column, and the block after a line ending with a colon "
                    "is indented 4 spaces more.")
    except Exception:
        return None
    return None

