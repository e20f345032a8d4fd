"""The protocol between the trusted process and the learner process (version 1).

Framing: each message is a 4-byte big-endian length and that many bytes of UTF-8 JSON
(an object). Nothing is ever unpickled: values cross as tagged JSON and are rebuilt from
a fixed set of plain types.

Values:
  ``None``, ``bool``, ``str`` and small ``int`` / finite ``float`` are JSON themselves;
  ``{"int": hex}``, ``{"float": "nan"|"inf"|"-inf"}``, ``{"complex": [re, im]}``,
  ``{"bytes": base64}``, ``{"list"|"tuple"|"set"|"frozenset": [...]}``,
  ``{"dict": [[key, value], ...], "kind"?: "Counter"|"OrderedDict"|"defaultdict"}``,
  ``{"range": [start, stop, step]}``;
  ``{"handle": n, "type": name, "builtin"?: name}``: an object of the sender, which the
  receiver may only use through requests (:class:`Remote`);
  ``{"ref": n}``: the receiver's own object number ``n``, sent back;
  ``{"arg": i}``: in an answer, the very object passed as argument ``i``.

Requests are ``{"id": n, "op": ..., ...}``; answers ``{"re": n, "value": v}`` or
``{"re": n, "raise": exception}``, with ``"out"``: what the learner's code printed, and
``"after"``: the new contents of mutable arguments (lists, dicts, sets), copied back.
While one side waits for an answer it serves the other side's requests (a learner
function calling a test's callback), so calls nest like ordinary calls.
"""

from __future__ import annotations

import base64
import builtins
import collections
import json
import math
import operator
import os
import select
import struct
import time
from collections.abc import Callable
from typing import Any

PROTOCOL_VERSION = 1
MAX_MESSAGE = 16 * 1024 * 1024
MAX_DEPTH = 100
MAX_ITEMS = 1_000_000
MAX_HANDLES = 100_000
_HEADER = struct.Struct(">I")
_SMALL_INT = 2**53

# Operations a request may ask for on an object; each is the operator on this side.
OPERATORS: dict[str, Callable[..., Any]] = {
    name: getattr(operator, name)
    for name in ("eq", "ne", "lt", "le", "gt", "ge", "add", "sub", "mul", "truediv",
                 "floordiv", "mod", "pow", "neg", "pos", "abs", "invert", "and_", "or_", "xor",
                 "lshift", "rshift", "matmul", "contains", "getitem", "setitem", "delitem",
                 "index", "length_hint")
}
OPERATORS.update({
    "len": len, "iter": iter, "next": next, "str": str, "repr": repr, "bool": bool,
    "hash": hash, "int": int, "float": float, "isinstance": isinstance,
    "issubclass": issubclass, "format": format,
})
# What the learner process may ask of the trusted process's objects (a test's callback,
# a file object passed to the learner's function): no attribute writes, no dunders.
TRUSTED_OPERATORS = frozenset({
    "eq", "ne", "lt", "le", "gt", "ge", "contains", "getitem", "len", "iter", "next",
    "str", "repr", "bool", "hash", "int", "float", "index", "format",
})

_DICT_KINDS: dict[str, type] = {
    "Counter": collections.Counter,
    "OrderedDict": collections.OrderedDict,
    "defaultdict": collections.defaultdict,
}
_DICT_KIND_OF = {cls: name for name, cls in _DICT_KINDS.items()}
_SEQUENCES = {list: "list", tuple: "tuple", set: "set", frozenset: "frozenset"}
MUTABLE = (list, dict, set, bytearray)

# Builtin types a handle may claim to be an instance of, so that a test's
# ``isinstance(gen, types.GeneratorType)`` sees the learner's object for what it is.
_BUILTIN_TYPES: dict[str, type] = {
    "generator": type(x for x in ()),
    "function": type(lambda: None),
    "builtin_function_or_method": type(len),
    "method": type(object().__init_subclass__),
    "type": type,
    "module": type(math),
}


class ProtocolError(Exception):
    """The other side sent something that does not follow the protocol."""


class PeerGone(Exception):
    """The other process ended (or closed its pipe) while an answer was awaited."""


class AnswerEnded(PeerGone):
    """The process of the answer ended; the learner process is ready for the next one."""

    def __init__(self, exit_code: Any) -> None:
        super().__init__("the answer's process ended")
        self.exit_code = exit_code if isinstance(exit_code, int) else None


class Deadline(Exception):
    """The time allowed for the whole check ran out while an answer was awaited."""


class EncodeError(Exception):
    """A value cannot be copied across (too deep, too big, refers to itself)."""


# --- framing ------------------------------------------------------------------------------


class Channel:
    """Length-prefixed JSON messages over a pair of file descriptors."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd
        self.deadline: float | None = None
        self._buffer = bytearray()

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode("utf-8")
        if len(data) > MAX_MESSAGE:
            raise EncodeError(f"a message of {len(data):,} bytes is over the limit")
        payload = memoryview(_HEADER.pack(len(data)) + data)
        try:
            while payload:
                written = os.write(self.write_fd, payload)
                payload = payload[written:]
        except (BrokenPipeError, OSError) as exc:
            raise PeerGone(str(exc)) from None

    def _fill(self, size: int) -> None:
        while len(self._buffer) < size:
            if self.deadline is not None:
                remaining = self.deadline - time.monotonic()
                if remaining <= 0:
                    raise Deadline()
                ready, _, _ = select.select([self.read_fd], [], [], remaining)
                if not ready:
                    raise Deadline()
            try:
                chunk = os.read(self.read_fd, max(65536, size - len(self._buffer)))
            except OSError as exc:
                raise PeerGone(str(exc)) from None
            if not chunk:
                raise PeerGone("the other process closed the connection")
            self._buffer += chunk

    def receive(self) -> dict[str, Any]:
        self._fill(_HEADER.size)
        (size,) = _HEADER.unpack(self._buffer[:_HEADER.size])
        if size > MAX_MESSAGE:
            raise ProtocolError(f"a message of {size:,} bytes is over the limit")
        self._fill(_HEADER.size + size)
        data = bytes(self._buffer[_HEADER.size:_HEADER.size + size])
        del self._buffer[:_HEADER.size + size]
        try:
            message = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise ProtocolError(f"a message is not JSON ({type(exc).__name__})") from None
        if not isinstance(message, dict):
            raise ProtocolError("a message is not a JSON object")
        return message


# --- exceptions across the boundary ---------------------------------------------------------


class RemoteExit(BaseException):
    """The other side's code tried to stop its process (SystemExit, KeyboardInterrupt...)."""


_remote_classes: dict[tuple[str, type], type] = {}


def describe_exception(exc: BaseException, traceback_text: str = "") -> dict[str, Any]:
    base = next((cls for cls in type(exc).__mro__
                 if getattr(builtins, cls.__name__, None) is cls), BaseException)
    try:
        message = str(exc)
    except BaseException:  # noqa: BLE001 - a learner's __str__ may raise anything
        message = ""
    return {"type": type(exc).__name__[:80], "base": base.__name__, "message": message[:2000],
            "traceback": traceback_text[:20000]}


def rebuild_exception(info: Any) -> BaseException:
    """An exception of the same builtin kind, named like the original, carrying its text.

    Only builtin exception classes are ever instantiated, so a learner cannot make the
    trusted process run code of their choosing by raising something exotic.
    """
    if not isinstance(info, dict):
        raise ProtocolError("an exception is not described as an object")
    name = str(info.get("type", "Exception"))[:80]
    message = str(info.get("message", ""))
    base = getattr(builtins, str(info.get("base", "")), None)
    if not (isinstance(base, type) and issubclass(base, Exception)):
        exc: BaseException = RemoteExit(message)
    else:
        cls = base
        if name != base.__name__ and name.isidentifier():
            key = (name, base)
            cls = _remote_classes.get(key)
            if cls is None:
                try:
                    cls = type(name, (base,), {"__module__": "learner"})
                except TypeError:
                    cls = base
                if len(_remote_classes) < 10_000:
                    _remote_classes[key] = cls
        try:
            exc = cls(message) if message else cls()
        except Exception:  # noqa: BLE001 - e.g. UnicodeDecodeError needs five arguments
            exc = Exception(message)
    if name == "EncodeError":
        exc.learner_message = (  # type: ignore[attr-defined]
            f"your code gave back a value that cannot be checked: {message}")
    exc.remote_type = name  # type: ignore[attr-defined]
    exc.remote_traceback = str(info.get("traceback", ""))  # type: ignore[attr-defined]
    return exc


# --- values -------------------------------------------------------------------------------


class Remote:
    """An object that lives in the other process; every use is a request to it."""

    __slots__ = ("_peer", "_id", "_type", "_builtin", "__weakref__")

    def __init__(self, peer: Peer, number: int, type_name: str, builtin: str | None) -> None:
        object.__setattr__(self, "_peer", peer)
        object.__setattr__(self, "_id", number)
        object.__setattr__(self, "_type", type_name)
        object.__setattr__(self, "_builtin", builtin)

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # noqa: D105 - isinstance(x, types.GeneratorType) works
        return _BUILTIN_TYPES.get(object.__getattribute__(self, "_builtin") or "", Remote)

    def _op(self, name: str, *args: Any) -> Any:
        return object.__getattribute__(self, "_peer").request("op", name=name, args=list(args))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._peer.request("call", target=self, args=list(args), kwargs=kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._peer.request("getattr", target=self, name=name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._peer.request("setattr", target=self, name=name, value=value)

    def __delattr__(self, name: str) -> None:
        self._peer.request("delattr", target=self, name=name)

    def __repr__(self) -> str:
        return self._op("repr", self)

    def __str__(self) -> str:
        return self._op("str", self)

    def __format__(self, spec: str) -> str:
        return self._op("format", self, spec)

    def __bool__(self) -> bool:
        return self._op("bool", self)

    def __len__(self) -> int:
        return self._op("len", self)

    def __iter__(self) -> Any:
        return self._op("iter", self)

    def __next__(self) -> Any:
        return self._op("next", self)

    def __hash__(self) -> int:
        return self._op("hash", self)

    def __int__(self) -> int:
        return self._op("int", self)

    def __float__(self) -> float:
        return self._op("float", self)

    def __index__(self) -> int:
        return self._op("index", self)

    def __contains__(self, item: Any) -> bool:
        return self._op("contains", self, item)

    def __getitem__(self, key: Any) -> Any:
        return self._op("getitem", self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._op("setitem", self, key, value)

    def __delitem__(self, key: Any) -> None:
        self._op("delitem", self, key)

    def __instancecheck__(self, instance: Any) -> bool:
        return self._op("isinstance", instance, self)

    def __subclasscheck__(self, subclass: Any) -> bool:
        return self._op("issubclass", subclass, self)

    def __neg__(self) -> Any:
        return self._op("neg", self)

    def __pos__(self) -> Any:
        return self._op("pos", self)

    def __abs__(self) -> Any:
        return self._op("abs", self)

    def __invert__(self) -> Any:
        return self._op("invert", self)


def _binary(name: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def forward(self: Remote, other: Any) -> Any:
        return self._op(name, self, other)

    def reflected(self: Remote, other: Any) -> Any:
        return self._op(name, other, self)

    return forward, reflected


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "and", "or", "xor",
              "lshift", "rshift", "matmul"):
    _forward, _reflected = _binary(_name + "_" if _name in ("and", "or") else _name)
    setattr(Remote, f"__{_name}__", _forward)
    setattr(Remote, f"__r{_name}__", _reflected)
for _name in ("eq", "ne", "lt", "le", "gt", "ge"):
    setattr(Remote, f"__{_name}__", _binary(_name)[0])


def remote_type_name(value: Any) -> str | None:
    """The type name a handle reported, for a :class:`Remote`; else None."""
    if type(value) is Remote:
        return object.__getattribute__(value, "_type")
    return None


class Peer:
    """One side of the conversation: its exported objects and the other side's handles.

    ``trusted=True`` is the grader's side: it serves only the narrow set of requests a
    test's own objects should answer (no attribute writes, no private attributes).
    """

    def __init__(self, channel: Channel, *, trusted: bool,
                 capture: Callable[[], Any] | None = None) -> None:
        self.channel = channel
        self.trusted = trusted
        self.capture = capture
        self.exported: dict[int, Any] = {}
        self._export_ids: dict[int, int] = {}
        self._proxies: dict[int, Remote] = {}
        self._next_request = 0
        self.on_output: Callable[[str], None] = lambda text: None
        self.on_request: Callable[[dict[str, Any]], dict[str, Any] | None] = lambda msg: None

    # encoding ---------------------------------------------------------------------------

    def export(self, value: Any) -> dict[str, Any]:
        number = self._export_ids.get(id(value))
        if number is None or self.exported.get(number) is not value:
            if len(self.exported) >= MAX_HANDLES:
                raise EncodeError("too many objects were handed across")
            number = len(self.exported) + 1
            self.exported[number] = value
            self._export_ids[id(value)] = number
        kind = type(value)
        message: dict[str, Any] = {"handle": number, "type": kind.__name__[:80]}
        if kind.__module__ == "builtins":
            message["builtin"] = kind.__name__
        return message

    def encode(self, value: Any, args: list[Any] | None = None) -> Any:
        budget = [MAX_ITEMS]
        return self._encode(value, 0, set(), budget, args)

    def _encode(self, value: Any, depth: int, seen: set[int], budget: list[int],
                args: list[Any] | None) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise EncodeError("a value is too big to copy across")
        if args is not None:
            for index, arg in enumerate(args):
                if value is arg and isinstance(arg, MUTABLE):
                    return {"arg": index}
        kind = type(value)
        if value is None or kind is bool or kind is str:
            return value
        if kind is int:
            return value if -_SMALL_INT < value < _SMALL_INT else {"int": format(value, "x")}
        if kind is float:
            return value if math.isfinite(value) else {"float": repr(value)}
        if kind is Remote:
            if object.__getattribute__(value, "_peer") is self:
                return {"ref": object.__getattribute__(value, "_id")}
            raise EncodeError("an object of another conversation cannot be sent")
        if kind is complex:
            return {"complex": [self._encode(value.real, depth, seen, budget, None),
                                self._encode(value.imag, depth, seen, budget, None)]}
        if kind is bytes:
            return {"bytes": base64.b64encode(value).decode("ascii")}
        if kind is range:
            return {"range": [value.start, value.stop, value.step]}
        container = _SEQUENCES.get(kind) or ("dict" if kind is dict or kind in _DICT_KIND_OF
                                             else None)
        if container is None:
            return self.export(value)
        if depth >= MAX_DEPTH or id(value) in seen:
            raise EncodeError("a value is nested too deeply or contains itself")
        seen.add(id(value))
        try:
            if container == "dict":
                message: dict[str, Any] = {"dict": [
                    [self._encode(k, depth + 1, seen, budget, None),
                     self._encode(v, depth + 1, seen, budget, None)]
                    for k, v in value.items()]}
                if kind is not dict:
                    message["kind"] = _DICT_KIND_OF[kind]
                return message
            return {container: [self._encode(item, depth + 1, seen, budget, None)
                                for item in value]}
        finally:
            seen.discard(id(value))

    def decode(self, data: Any, args: list[Any] | None = None) -> Any:
        return self._decode(data, 0, args)

    def _decode(self, data: Any, depth: int, args: list[Any] | None) -> Any:
        if data is None or isinstance(data, (bool, str, float)):
            return data
        if isinstance(data, int):
            return data
        if depth > MAX_DEPTH + 2:
            raise ProtocolError("a value is nested too deeply")
        if isinstance(data, list) or not isinstance(data, dict) or not data:
            raise ProtocolError("a value is not tagged")
        tag = next(iter(data))
        body = data[tag]
        try:
            if tag == "int":
                return int(body, 16)
            if tag == "float":
                if body not in ("nan", "inf", "-inf"):
                    raise ProtocolError("an unknown float")
                return float(body)
            if tag == "complex":
                return complex(float(body[0]), float(body[1]))
            if tag == "bytes":
                return base64.b64decode(body, validate=True)
            if tag == "range":
                return range(*(operator.index(x) for x in body))
            if tag in ("list", "tuple", "set", "frozenset"):
                items = [self._decode(item, depth + 1, None) for item in body]
                return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[tag](
                    items)
            if tag == "dict":
                kind = _DICT_KINDS.get(data.get("kind", ""), dict)
                pairs = [(self._decode(k, depth + 1, None), self._decode(v, depth + 1, None))
                         for k, v in body]
                if kind is collections.defaultdict:
                    return kind(None, pairs)
                return kind(dict(pairs)) if kind is collections.Counter else kind(pairs)
            if tag == "handle":
                return self._proxy(int(body), str(data.get("type", "object")),
                                   data.get("builtin"))
            if tag == "ref":
                try:
                    return self.exported[int(body)]
                except KeyError:
                    raise ProtocolError("a reference to an unknown object") from None
            if tag == "arg":
                if args is None:
                    raise ProtocolError("an argument reference outside a call")
                return args[int(body)]
        except ProtocolError:
            raise
        except RecursionError:
            raise ProtocolError("a value is nested too deeply") from None
        except (TypeError, ValueError, IndexError, KeyError, OverflowError) as exc:
            raise ProtocolError(f"a malformed {tag} value ({type(exc).__name__})") from None
        raise ProtocolError(f"an unknown value tag {tag!r}")

    def _proxy(self, number: int, type_name: str, builtin: Any) -> Remote:
        proxy = self._proxies.get(number)
        if proxy is None:
            if len(self._proxies) >= MAX_HANDLES:
                raise ProtocolError("too many handles")
            builtin_name = builtin if isinstance(builtin, str) else None
            proxy = self._proxies[number] = Remote(self, number, type_name[:80], builtin_name)
        return proxy

    # requests -----------------------------------------------------------------------------

    def request(self, op: str, **fields: Any) -> Any:
        """Ask the other side; serve its nested requests until the answer arrives."""
        self._next_request += 1
        number = self._next_request
        args = fields.pop("args", None)
        message: dict[str, Any] = {"id": number, "op": op}
        if args is not None:
            message["args"] = [self.encode(a) for a in args]
        for key, value in fields.items():
            if key in ("name", "spec", "input"):
                message[key] = value
            elif key == "kwargs":
                message[key] = {str(k): self.encode(v) for k, v in value.items()}
            else:
                message[key] = self.encode(value)
        self.channel.send(message)
        while True:
            reply = self.channel.receive()
            if "op" in reply:
                self.serve(reply)
                continue
            if "done" in reply:
                raise AnswerEnded(reply["done"])
            if reply.get("re") != number:
                raise ProtocolError("an answer to a request that was not made")
            out = reply.get("out")
            if isinstance(out, str) and out:
                self.on_output(out)
            if args is not None and isinstance(reply.get("after"), list):
                self._copy_back(args, reply["after"])
            if "raise" in reply:
                raise rebuild_exception(reply["raise"])
            return self.decode(reply.get("value"), args)

    def _copy_back(self, args: list[Any], after: list[Any]) -> None:
        for arg, new in zip(args, after, strict=False):
            if new is None or not isinstance(arg, MUTABLE):
                continue
            value = self.decode(new)
            if type(value) is not type(arg) and not isinstance(arg, dict):
                continue
            if isinstance(arg, list):
                arg[:] = value
            elif isinstance(arg, dict):
                arg.clear()
                arg.update(value)
            elif isinstance(arg, set):
                arg.clear()
                arg.update(value)
            else:
                arg[:] = value

    def serve(self, message: dict[str, Any]) -> None:
        """Answer one request of the other side."""
        number = message.get("id")
        reply: dict[str, Any] = {"re": number}
        args: list[Any] | None = None
        buffer = self.capture() if self.capture else None
        try:
            special = self.on_request(message)
            if special is not None:
                reply.update(special)
            else:
                args = [self.decode(a) for a in message.get("args") or []]
                result = self._perform(message, args)
                reply["value"] = self.encode(result, args)
                if args and not self.trusted:
                    reply["after"] = [self.encode(a) if isinstance(a, MUTABLE) else None
                                      for a in args]
        except (ProtocolError, PeerGone, Deadline):
            raise
        except BaseException as exc:  # noqa: BLE001 - every error of the code goes back
            if isinstance(exc, (SystemExit, KeyboardInterrupt)) and self.trusted:
                raise
            reply.pop("value", None)
            reply["raise"] = describe_exception(exc, self.describe_traceback(exc))
        finally:
            if buffer is not None:
                reply["out"] = buffer.close_capture()
        try:
            self.channel.send(reply)
        except EncodeError as exc:
            self.channel.send({"re": number, "raise": describe_exception(exc)})

    describe_traceback: Callable[[BaseException], str] = staticmethod(lambda exc: "")

    def _perform(self, message: dict[str, Any], args: list[Any]) -> Any:
        op = message.get("op")
        if op == "op":
            name = str(message.get("name"))
            if name not in OPERATORS or (self.trusted and name not in TRUSTED_OPERATORS):
                raise TypeError(f"the operation {name!r} is not allowed here")
            if self.trusted and (not args or type(args[0]) is Remote) and name not in (
                    "eq", "ne", "lt", "le", "gt", "ge", "contains"):
                raise TypeError("that operation needs one of this side's objects first")
            return OPERATORS[name](*args)
        target = self.decode(message.get("target"))
        if op == "call":
            kwargs = {str(k): self.decode(v) for k, v in (message.get("kwargs") or {}).items()}
            if self.trusted and type(target) is Remote:
                raise TypeError("only this side's objects can be called here")
            return target(*args, **kwargs)
        name = str(message.get("name", ""))
        if self.trusted and name.startswith("_"):
            raise AttributeError(f"'{name}' is private")
        if op == "getattr":
            return getattr(target, name)
        if self.trusted:
            raise TypeError(f"the request {op!r} is not allowed here")
        if op == "setattr":
            return setattr(target, name, self.decode(message.get("value")))
        if op == "delattr":
            return delattr(target, name)
        raise ProtocolError(f"an unknown request {op!r}")
