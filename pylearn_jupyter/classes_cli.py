"""``pylearn class``: a teacher's classes from a terminal (docs/api.md, *Classes*).

``login`` keeps the API's token in a file only the user can read
(``$XDG_CONFIG_HOME/pylearn/token.json``, mode 0600); ``PYLEARN_API_URL`` and
``PYLEARN_TOKEN`` take precedence over it, for scripts. The password is asked for with
getpass, never taken from the command line.

Only the standard library is used (urllib), so the commands work in the plain
``pip install pylearn-jupyter``, next to ``pylearn release --bundle``.

Exit codes as for every ``pylearn`` command: 0 done, 1 the API refused (its message is
printed) or could not be reached, 2 a usage problem.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import gzip
import io
import json
import os
import re
import secrets
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "config_dir", "run", "token_file"]

DEFAULT_API = "http://localhost:8765"
API_PATH = "/api/v1"
CLASS_ID = re.compile(r"^[0-9a-f]{16}$")
TIMEOUT = 120
CSV_COLUMNS = ("username", "joined_at", "exercise_id", "status", "attempts", "completed_at",
               "last_submitted_at")
LOGIN_AGAIN = "log in again with `pylearn class login`"


class ClassUsage(Exception):
    """A usage problem (exit 2): the message says what to change."""


class ApiProblem(Exception):
    """The API refused or could not be reached (exit 1): the message says why."""


# Where the token lives ----------------------------------------------------------------


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME")
    if base and Path(base).is_absolute():
        return Path(base) / "pylearn"
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "pylearn"
    return Path.home() / ".config" / "pylearn"


def token_file() -> Path:
    return config_dir() / "token.json"


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (0600), replacing any earlier one."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # mkstemp creates the file 0600: it is never readable by others, even for a moment.
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _stored() -> dict[str, Any]:
    try:
        data = json.loads(token_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _device_id() -> str:
    """A random id of this terminal's logins (docs/api.md, *Throttling*), kept beside the
    token so that failed logins are counted for this device alone."""
    path = config_dir() / "device"
    try:
        value = path.read_text(encoding="ascii").strip()
        if re.fullmatch(r"[0-9a-f]{32}", value):
            return value
    except (OSError, UnicodeDecodeError):
        pass
    value = secrets.token_hex(16)
    try:
        _write_private(path, value + "\n")
    except OSError:
        pass  # a fresh id each time: only the failure count is per device
    return value


def api_root(url: str) -> str:
    """``http://host:8765``, also when given with a trailing ``/`` or ``/api/v1``."""
    root = url.strip().rstrip("/")
    root = root.removesuffix(API_PATH).rstrip("/")
    if not re.match(r"^https?://[^/\s]+", root):
        raise ClassUsage(f"'{url}' is not an API address; give one like {DEFAULT_API}")
    return root


def _api_url(given: str | None = None) -> str:
    return api_root(given or os.environ.get("PYLEARN_API_URL") or _stored().get("api")
                    or DEFAULT_API)


# Talking to the API --------------------------------------------------------------------


class Client:
    def __init__(self, root: str, token: str | None) -> None:
        self.root = root
        self.token = token

    def call(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None,
             headers: dict[str, str] | None = None) -> Any:
        """The JSON answer (``None`` for 204); non-2xx answers raise :class:`ApiProblem`
        with the API's own message."""
        data = raw if raw is not None else (
            None if body is None else json.dumps(body).encode("utf-8"))
        request = urllib.request.Request(self.root + API_PATH + path, data=data,
                                         method=method)
        request.add_header("Accept", "application/json")
        request.add_header("Accept-Encoding", "gzip")
        request.add_header("User-Agent", "pylearn-class")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                status, payload = response.status, _body(response)
        except urllib.error.HTTPError as exc:
            with exc:
                raise ApiProblem(self._refusal(exc.code, _body(exc), exc.headers)) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise ApiProblem(f"the PyLearn API at {self.root} cannot be reached ({reason}); "
                             "is it running, and is the address right? (`pylearn class "
                             "login --api URL` or PYLEARN_API_URL)") from None
        if status == 204 or not payload:
            return None
        try:
            return json.loads(payload)
        except ValueError:
            raise ApiProblem(f"{self.root} answered something that is not the PyLearn API's "
                             "JSON; check the address") from None

    def _refusal(self, status: int, payload: bytes, headers: Any) -> str:
        try:
            answer = json.loads(payload)
        except ValueError:
            answer = None
        detail = answer.get("detail") if isinstance(answer, dict) else None
        if not isinstance(detail, str):
            detail = None
        if status == 401 and self.token is not None:
            if os.environ.get("PYLEARN_TOKEN"):
                return (f"the API did not accept the token in PYLEARN_TOKEN ({detail or 401}); "
                        f"set a fresh one, or unset it and {LOGIN_AGAIN}")
            return f"the API did not accept your token ({detail or 401}): {LOGIN_AGAIN}"
        if detail is None:
            return (f"the API at {self.root} answered {status} without an explanation; "
                    "is this the PyLearn API?")
        lines = [detail]
        errors = answer.get("errors") if isinstance(answer, dict) else None
        for error in errors if isinstance(errors, list) else []:
            if isinstance(error, dict):
                lines.append(f"  {error.get('field')}: {error.get('message')}")
        retry = headers.get("Retry-After") if headers is not None else None
        if status == 429 and retry:
            lines[0] += f" (try again in {retry} s)"
        return "\n".join(lines)


def _body(response: Any) -> bytes:
    payload = response.read()
    if (response.headers.get("Content-Encoding") or "").lower() == "gzip":
        payload = gzip.decompress(payload)
    return payload


def _client() -> Client:
    token = os.environ.get("PYLEARN_TOKEN") or _stored().get("token")
    if not isinstance(token, str) or not token.strip():
        raise ApiProblem("you are not logged in: run `pylearn class login` first (or set "
                         "PYLEARN_TOKEN)")
    return Client(_api_url(), token.strip())


def _class_id(value: str) -> str:
    if not CLASS_ID.match(value):
        raise ClassUsage(f"'{value}' is not a class id (16 hexadecimal digits); "
                         "`pylearn class list` shows them")
    return value


# The commands -------------------------------------------------------------------------


def cmd_login(args: argparse.Namespace) -> int:
    root = _api_url(args.api)
    login = args.user
    if not login:
        try:
            login = input("Username or email: ").strip()
        except EOFError:
            login = ""
    if not login:
        raise ClassUsage("no username given (--user NAME)")
    try:
        password = getpass.getpass(f"Password for {login} at {root}: ")
    except EOFError:
        password = ""
    if not password:
        raise ClassUsage("no password given")
    answer = Client(root, None).call("POST", "/auth/login",
                                     {"login": login, "password": password},
                                     headers={"X-PyLearn-Device": _device_id()})
    try:
        token, username = answer["token"], answer["user"]["username"]
    except (KeyError, TypeError):
        raise ApiProblem(f"{root} answered the login without a token; is this the PyLearn "
                         "API?") from None
    path = token_file()
    try:
        _write_private(path, json.dumps({"api": root, "username": username, "token": token},
                                        indent=1) + "\n")
    except OSError as exc:
        raise ClassUsage(f"the token cannot be kept in '{path}' ({exc.strerror or exc})"
                         ) from None
    print(f"logged in to {root} as {username}; the token (valid 30 days) is kept in {path}, "
          "readable by you alone")
    if os.environ.get("PYLEARN_TOKEN"):
        print("note: PYLEARN_TOKEN is set and is used instead of this login until you unset it",
              file=sys.stderr)
    return 0


def cmd_logout(args: argparse.Namespace) -> int:
    path = token_file()
    try:
        path.unlink()
    except FileNotFoundError:
        print(f"not logged in (there is no {path})")
        return 0
    except OSError as exc:
        raise ClassUsage(f"'{path}' cannot be removed ({exc.strerror or exc})") from None
    print(f"logged out: removed {path}")
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    name = args.name.strip()
    if not 1 <= len(name) <= 80:
        raise ClassUsage("a class name is 1 to 80 characters")
    made = _client().call("POST", "/classes",
                          {"name": name, "course": "uploaded" if args.uploaded else "pylearn"})
    print(f"created class '{made['name']}'")
    print(f"id:        {made['id']}")
    print(f"join code: {made.get('join_code', '')}")
    if made.get("course") == "uploaded":
        print(f"course:    uploaded; give it one with 'pylearn class upload {made['id']} "
              "course.json'")
    else:
        print("course:    the built-in PyLearn course")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    classes = _client().call("GET", "/classes")["items"]
    if not classes:
        print("no classes yet: `pylearn class create NAME` makes one")
        return 0
    rows = [("ID", "NAME", "ROLE", "LEARNERS", "COURSE")] + [
        (c["id"], c["name"], c["role"], str(c["learners_count"]), c["course"])
        for c in classes
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [cell.rjust(w) if i == 3 else cell.ljust(w)
                 for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
        print("  ".join(cells).rstrip())
    return 0


def cmd_upload(args: argparse.Namespace) -> int:
    from .bundle import BundleError, SourceProblems, bundle_bytes, bundle_source, read_bundle

    class_id = _class_id(args.class_id)
    source = Path(args.bundle)
    if not source.exists():
        raise ClassUsage(f"'{source}' does not exist; give a bundle (course.json from "
                         "`pylearn release SRC course.json --bundle`) or a source folder")
    client = _client()
    try:
        if source.is_dir() or source.suffix == ".ipynb":
            print(f"validating and bundling {source} ...", file=sys.stderr)
            bundle, _ = bundle_source(source, args.title, solutions=not args.no_solutions)
            data = bundle_bytes(bundle)
        else:
            if args.title or args.no_solutions:
                raise ClassUsage("--title and --no-solutions apply when bundling a source "
                                 "folder; a bundle file is sent as it is")
            bundle, data = read_bundle(source)
    except SourceProblems as exc:
        for problem in exc.problems:
            print(f"✘ {problem}", file=sys.stderr)
        raise ApiProblem("nothing uploaded: fix the problems above first ('pylearn validate' "
                         "shows them too)") from None
    except BundleError as exc:
        for problem in exc.problems:
            print(f"✘ {problem}", file=sys.stderr)
        raise ApiProblem(f"nothing uploaded: '{source}' is not a bundle the API accepts"
                         ) from None
    except OSError as exc:
        raise ClassUsage(f"'{source}' cannot be read ({exc.strerror or exc})") from None
    answer = client.call("PUT", f"/classes/{class_id}/course", raw=data)
    chapters = bundle["course"]["chapters"]
    exercises = sum(len(chapter["exercises"]) for chapter in chapters)
    print(f"uploaded '{bundle['course']['title']}' ({len(chapters)} chapter(s), {exercises} "
          f"exercise(s), {len(data) / 1024:.0f} KiB) to class {class_id}")
    print(f"version: {answer['version']}")
    return 0


def _status(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "not started"
    if entry.get("solution_viewed"):
        return "solution viewed"
    return "done" if entry.get("completed_at") else "tried"


def progress_rows(answer: dict[str, Any], exercise_ids: list[str]) -> list[dict[str, Any]]:
    """One row per learner × exercise: the course's exercises in course order, then any
    other exercise a learner has progress on. Never more of a learner than the API gives
    a teacher (no email address: the API does not have it in this answer either)."""
    class_id = answer["class"]["id"]
    prefix = f"class:{class_id}/" if answer["class"].get("course") == "uploaded" else ""
    order = list(exercise_ids)
    known = set(order)
    extra = sorted({entry["exercise_id"].removeprefix(prefix)
                    for learner in answer["learners"] for entry in learner["progress"]} - known)
    order += extra
    rows = []
    for learner in answer["learners"]:
        entries = {e["exercise_id"].removeprefix(prefix): e for e in learner["progress"]}
        for exercise_id in order:
            entry = entries.get(exercise_id)
            rows.append({
                "username": learner["username"],
                "joined_at": learner["joined_at"],
                "exercise_id": exercise_id,
                "status": _status(entry),
                "attempts": entry["attempts"] if entry else 0,
                "completed_at": (entry or {}).get("completed_at") or "",
                "last_submitted_at": (entry or {}).get("last_submitted_at") or "",
            })
    return rows


def _course_exercises(client: Client, found: dict[str, Any]) -> list[str]:
    """The exercise ids of the class's course, in course order."""
    if found.get("course") == "uploaded":
        try:
            bundle = client.call("GET", f"/classes/{found['id']}/course")
        except ApiProblem:
            return []  # no bundle uploaded yet: only the progress there is
        return [e["id"] for chapter in bundle["course"]["chapters"]
                for e in chapter["exercises"]]
    from .course import load_course

    try:
        return [exercise.id for exercise in load_course().exercises]
    except Exception:  # noqa: BLE001 - the built-in course is only used to order the rows
        return []


def cmd_progress(args: argparse.Namespace) -> int:
    class_id = _class_id(args.class_id)
    client = _client()
    answer = client.call("GET", f"/classes/{class_id}/progress")
    rows = progress_rows(answer, _course_exercises(client, answer["class"]))
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    text = buffer.getvalue()
    if not args.output:
        sys.stdout.write(text)
        return 0
    out = Path(args.output)
    try:
        out.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise ClassUsage(f"'{out}' cannot be written ({exc.strerror or exc})") from None
    learners = len(answer["learners"])
    print(f"wrote {out}: {learners} learner(s), {len(rows)} row(s) "
          f"(one per learner and exercise)")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    class_id = _class_id(args.class_id)
    client = _client()
    found = next((c for c in client.call("GET", "/classes")["items"] if c["id"] == class_id),
                 None)
    if not args.yes:
        if found is None:
            what = f"class {class_id}"
        else:
            learners = found["learners_count"]
            what = (f"class '{found['name']}' ({class_id}), with its {learners} learner "
                    f"membership(s)" + (" and its uploaded course"
                                        if found["course"] == "uploaded" else ""))
        try:
            reply = input(f"Delete {what}? This cannot be undone. Type 'yes' to delete: ")
        except EOFError:
            reply = ""
        if reply.strip().lower() not in ("y", "yes"):
            print("nothing deleted (add --yes to delete without this question)",
                  file=sys.stderr)
            return 1
    client.call("DELETE", f"/classes/{class_id}")
    print(f"deleted class {class_id}")
    return 0


# The parser ---------------------------------------------------------------------------


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``class`` command group to ``pylearn``'s subparsers."""
    parser = sub.add_parser(
        "class", help="your classes on a PyLearn API: log in, create, upload, progress",
        description="Your classes on a PyLearn API. The token is kept in "
                    "$XDG_CONFIG_HOME/pylearn/token.json (mode 0600); PYLEARN_API_URL and "
                    "PYLEARN_TOKEN take precedence, for scripts.")
    group = parser.add_subparsers(dest="class_command", metavar="SUBCOMMAND", required=True)

    p = group.add_parser("login", help="log in and keep the token (the password is asked for)")
    p.add_argument("--api", metavar="URL",
                   help=f"the API's address (default: PYLEARN_API_URL, the last login's, or "
                        f"{DEFAULT_API})")
    p.add_argument("--user", metavar="NAME", help="username or email (asked for if absent)")
    p.set_defaults(class_func=cmd_login)

    p = group.add_parser("logout", help="forget the kept token")
    p.set_defaults(class_func=cmd_logout)

    p = group.add_parser("create", help="create a class; prints its id and join code")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--uploaded", action="store_true",
                   help="the class follows a course you upload (default: the built-in course)")
    p.set_defaults(class_func=cmd_create)

    p = group.add_parser("list", help="the classes you teach or have joined")
    p.set_defaults(class_func=cmd_list)

    p = group.add_parser("upload", help="give a class its course: a bundle or a source folder")
    p.add_argument("class_id", metavar="CLASS_ID")
    p.add_argument("bundle", metavar="BUNDLE",
                   help="course.json from `pylearn release SRC course.json --bundle`, or a "
                        "source folder (validated and bundled on the fly)")
    p.add_argument("--title", metavar="TEXT",
                   help="with a source folder: the course title (default: the folder's name)")
    p.add_argument("--no-solutions", action="store_true",
                   help="with a source folder: graded handouts, no solution at all")
    p.set_defaults(class_func=cmd_upload)

    p = group.add_parser("progress", help="learners' progress as CSV (no email addresses)")
    p.add_argument("class_id", metavar="CLASS_ID")
    p.add_argument("-o", "--output", metavar="FILE.csv",
                   help="write the CSV here (default: standard output)")
    p.set_defaults(class_func=cmd_progress)

    p = group.add_parser("delete", help="delete a class you teach (asks first)")
    p.add_argument("class_id", metavar="CLASS_ID")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(class_func=cmd_delete)

    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run a ``pylearn class`` subcommand; every problem is one message on stderr."""
    try:
        return int(args.class_func(args) or 0)
    except ClassUsage as exc:
        print(f"pylearn class {args.class_command}: {exc}", file=sys.stderr)
        return 2
    except ApiProblem as exc:
        print(f"pylearn class {args.class_command}: {exc}", file=sys.stderr)
        return 1
    except (KeyError, TypeError) as exc:
        print(f"pylearn class {args.class_command}: the API's answer was not as expected "
              f"({type(exc).__name__}: {exc}); is this the PyLearn API, and of this version?",
              file=sys.stderr)
        return 1
