"""The ``pylearn`` command (docs/design.md).

Exit codes: 0 success (a check passed), 1 a check or validation failed, 2 a usage
problem, explained in one sentence on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["main"]

SANDBOX_CHOICES = ("auto", "bwrap", "docker", "podman", "none")


class UsageProblem(Exception):
    """Something the user can fix: the message says what."""


def _course(args: argparse.Namespace):  # noqa: ANN202 - Course, imported lazily
    from .course import load_course
    from .exercise import FormatError

    try:
        return load_course(args.course or None)
    except FormatError as exc:
        raise UsageProblem(f"the course could not be read: {exc}") from None


def cmd_exercises(args: argparse.Namespace) -> int:
    course = _course(args)
    rows = [{"id": ex.id, "title": ex.title, "chapter": ex.chapter,
             "chapter_title": ex.chapter_title, "version": ex.version}
            for ex in course.exercises]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    width = max((len(r["id"]) for r in rows), default=10)
    for chapter in course.chapters:
        print(f"{chapter.title} ({chapter.id})")
        for ex in chapter.exercises:
            print(f"  {ex.id:<{width}}  {ex.title}")
    print(f"{len(rows)} exercises in {len(course.chapters)} chapters")
    return 0


def _read_code(path: str, exercise_id: str) -> str:
    """The code to check: a .py file, a file starting with ``%%exercise``, or a notebook."""
    file = Path(path)
    try:
        text = file.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise UsageProblem(f"the code file '{path}' does not exist") from None
    except IsADirectoryError:
        raise UsageProblem(f"'{path}' is a folder; give the path of a .py file") from None
    except PermissionError:
        raise UsageProblem(f"the code file '{path}' cannot be read (permission denied)") from None
    except UnicodeDecodeError:
        raise UsageProblem(f"the code file '{path}' is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise UsageProblem(f"the code file '{path}' cannot be read ({exc.strerror})") from None
    if file.suffix == ".ipynb":
        return _code_from_notebook(file, exercise_id)
    return _without_magic_line(text)


def _without_magic_line(text: str) -> str:
    """A ``%%exercise ID`` first line becomes blank, so line numbers stay those of the file."""
    first, newline, rest = text.partition("\n")
    if first.lstrip().startswith("%%exercise"):
        return newline + rest
    return text


def _code_from_notebook(file: Path, exercise_id: str) -> str:
    from .grade import Submission, read_notebook

    submission = Submission(file.stem)
    read_notebook(file, submission)
    if submission.problems:
        raise UsageProblem(submission.problems[0])
    cells = submission.cells.get(exercise_id)
    if not cells:
        raise UsageProblem(f"'{file}' has no cell starting with '%%exercise {exercise_id}'")
    return cells[-1].code


def _learner_sandbox(name: str | None) -> str:
    """``pylearn check`` checks the learner's own code: bubblewrap when it is there."""
    if name:
        return name
    from .sealed.sandbox import Bubblewrap

    return "bwrap" if Bubblewrap.unavailable() is None else "none"


def _find_exercise(args: argparse.Namespace):  # noqa: ANN202 - Exercise, imported lazily
    exercise = _course(args).find(args.exercise_id)
    if exercise is None:
        raise UsageProblem(f"there is no exercise '{args.exercise_id}'; "
                           "'pylearn exercises' lists them")
    return exercise


def cmd_check(args: argparse.Namespace) -> int:
    from .sealed import SandboxError, check_sealed
    from .sealed.sandbox import SandboxUnavailable
    from .widgets.render import result_text

    exercise = _find_exercise(args)
    code = _read_code(args.code, exercise.id)
    try:
        result = check_sealed(exercise, code, include_hidden=args.hidden,
                              sandbox=_learner_sandbox(args.sandbox))
    except (SandboxUnavailable, SandboxError) as exc:
        raise UsageProblem(str(exc)) from None
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(result_text(result, exercise))
    return 0 if result.passed else 1


def cmd_show(args: argparse.Namespace) -> int:
    from .release import answer_source

    exercise = _find_exercise(args)
    print(f"{exercise.title} ({exercise.id}) — {exercise.chapter_title or exercise.chapter}")
    print()
    print(exercise.prompt.strip())
    print()
    print("Starter (save it as a file, write your code, then "
          f"'pylearn check {exercise.id} --code FILE'):")
    print()
    print(answer_source(exercise.id, exercise.starter).rstrip())
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .validate import validate_paths

    report = validate_paths([Path(p) for p in args.paths])
    for problem in report.problems:
        print(f"✘ {problem}")
    if report.ok:
        print(f"✔ {report.exercise_count} exercises in {len(report.chapters)} chapter(s): "
              "every solution passes, every starter fails, metadata complete.")
        return 0
    count, exercises = len(report.problems), report.exercise_count
    print(f"{count} problem{'s' if count != 1 else ''} found in {exercises} "
          f"exercise{'s' if exercises != 1 else ''}.")
    return 1


def cmd_release(args: argparse.Namespace) -> int:
    from .release import release_folder
    from .validate import validate_paths

    if args.bundle:
        return _release_bundle(args)
    if args.title is not None:
        raise UsageProblem("--title names the course of a bundle: add --bundle")
    report = validate_paths([Path(args.source)])
    if not report.ok:
        for problem in report.problems:
            print(f"✘ {problem}", file=sys.stderr)
        print("Nothing released: fix the problems above first ('pylearn validate' "
              "shows them too).", file=sys.stderr)
        return 1
    out = Path(args.out)
    if out.resolve() == Path(args.source).resolve():
        raise UsageProblem("the output folder must differ from the source folder, or the "
                           "learner notebooks would replace the sources")
    written = release_folder(report.chapters, out, solutions=not args.no_solutions)
    for path in written:
        print(f"wrote {path}")
    what = ("graded handouts: no solutions, no hidden tests" if args.no_solutions else
            "no solution cells, no hidden tests; the solution opens after a few attempts")
    print(f"✔ released {report.exercise_count} exercises in {len(written)} notebook(s) "
          f"({what}).")
    return 0


def _release_bundle(args: argparse.Namespace) -> int:
    """``pylearn release SRC OUT.json --bundle``: the whole course as one JSON file."""
    from .bundle import BundleError, SourceProblems, bundle_source, write_bundle

    source, out = Path(args.source), Path(args.out)
    if out.is_dir():
        raise UsageProblem(f"'{out}' is a folder; with --bundle, OUT is the file to write, "
                           "for example course.json")
    if out.resolve() == source.resolve():
        raise UsageProblem("the bundle file must differ from the source, or it would replace "
                           "it")
    if args.title is not None and not args.title.strip():
        raise UsageProblem("--title must not be empty")
    try:
        bundle, exercises = bundle_source(source, args.title, solutions=not args.no_solutions)
        size = write_bundle(bundle, out)
    except SourceProblems as exc:
        for problem in exc.problems:
            print(f"✘ {problem}", file=sys.stderr)
        print("Nothing released: fix the problems above first ('pylearn validate' "
              "shows them too).", file=sys.stderr)
        return 1
    except BundleError as exc:
        for problem in exc.problems:
            print(f"✘ {problem}", file=sys.stderr)
        print("Nothing released: the course cannot be bundled for the PyLearn API.",
              file=sys.stderr)
        return 1
    except OSError as exc:
        raise UsageProblem(f"'{out}' cannot be written ({exc.strerror or exc})") from None
    chapters = bundle["course"]["chapters"]
    what = ("graded handouts: no solutions, no hidden tests" if args.no_solutions else
            "no solution cells, no hidden tests; the solution opens after a few attempts")
    print(f"wrote {out} ({size / 1024:.0f} KiB)")
    print(f"✔ bundled '{bundle['course']['title']}': {exercises} exercises in "
          f"{len(chapters)} notebook(s) ({what}). Upload it with "
          f"'pylearn class upload CLASS_ID {out}'.")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    from .course import load_course
    from .exercise import FormatError
    from .grade import (
        NO_SANDBOX_WARNING,
        Submission,
        find_submissions,
        grade_submissions,
        read_roster,
        terminal_progress,
        write_report,
    )
    from .grade_report import read_comments, unknown_comments, write_feedback, write_html_report
    from .sealed import SandboxError
    from .sealed.sandbox import SandboxUnavailable, choose_sandbox

    submissions_path = Path(args.submissions)
    if not submissions_path.exists():
        raise UsageProblem(f"the submissions folder '{submissions_path}' does not exist")
    if (args.show_hidden or args.comments) and not args.feedback:
        raise UsageProblem("--show-hidden and --comments are options of the feedback pages: "
                           "add --feedback DIR")
    comments: dict[tuple[str, str], str] = {}
    if args.comments:
        try:
            comments = read_comments(Path(args.comments))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise UsageProblem(f"the comments cannot be read: {exc}") from None
    try:
        course = load_course([args.source])
    except FormatError as exc:
        raise UsageProblem(f"the source could not be read: {exc}") from None
    if not course.exercises:
        raise UsageProblem(f"'{args.source}' holds no exercises")
    try:
        sandbox = choose_sandbox(args.sandbox).name
    except SandboxUnavailable as exc:
        raise UsageProblem(f"nothing was graded: {exc}") from None
    if sandbox == "none":
        print(NO_SANDBOX_WARNING, file=sys.stderr)
    submissions = find_submissions(submissions_path)
    if args.roster:
        try:
            roster = read_roster(Path(args.roster))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise UsageProblem(f"the roster cannot be read: {exc}") from None
        known = {s.learner for s in submissions}
        submissions += [Submission(name) for name in roster if name not in known]
    if not submissions:
        raise UsageProblem(f"no learner notebooks (.ipynb) found in '{submissions_path}'")
    submissions.sort(key=lambda s: s.learner)
    try:
        rows = grade_submissions(submissions, course.exercises, sandbox=sandbox,
                                 workers=args.jobs, progress=terminal_progress)
    except SandboxError as exc:
        raise UsageProblem(f"nothing was written: {exc}") from None
    root = submissions_path if submissions_path.is_dir() else submissions_path.parent
    # Every learner process is gone by now: grade_submissions has returned.
    paths = write_report(rows, course.exercises, root, Path(args.out), sandbox=sandbox)
    paths["report.html"] = write_html_report(rows, course.exercises, Path(args.out),
                                             sandbox=sandbox)
    pages = []
    if args.feedback:
        pages = write_feedback(rows, course.chapters, Path(args.feedback),
                               show_hidden=args.show_hidden, comments=comments)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(f"graded {len(submissions)} learner(s) × {len(course.exercises)} exercise(s) "
          f"in the {sandbox} sandbox: {summary}")
    if sandbox == "none":
        print(NO_SANDBOX_WARNING)
    print("report: " + ", ".join(str(p) for p in paths.values()))
    if args.feedback:
        hidden = ("hidden tests in full" if args.show_hidden else
                  "hidden tests only as passed or not yet")
        print(f"feedback: {len(pages)} page(s) in {args.feedback}, listed in "
              f"{Path(args.feedback) / 'index.html'} ({hidden})")
    for comment in unknown_comments(comments, rows):
        print(f"✘ comment for an unknown learner or exercise, not shown: {comment}",
              file=sys.stderr)
    problems = [p for s in submissions for p in s.problems]
    for problem in problems:
        print(f"✘ problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


def _delegate(module: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            target = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("pylearn_jupyter"):
                raise UsageProblem("this command is not part of this installation") from None
            extra = _EXTRAS.get(module, "lab")
            raise UsageProblem(f"a package this command needs is missing: {exc.name}; "
                               f"install it with: pip install \"pylearn-jupyter[{extra}]\""
                               ) from None
        return int(target.main(args.rest) or 0)

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pylearn", description="PyLearn for Jupyter: learn Python through exercises.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def course_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--course", action="append", metavar="PATH",
                       help="a course folder or notebook instead of the built-in course "
                            "(may be repeated)")

    p = sub.add_parser("exercises", help="list the exercises of the course")
    p.add_argument("--json", action="store_true", help="print JSON")
    course_option(p)
    p.set_defaults(func=cmd_exercises)

    p = sub.add_parser("check", help="check a code file against an exercise")
    p.add_argument("exercise_id")
    p.add_argument("--code", required=True, metavar="FILE",
                   help="the code to check: a .py file, or a notebook with the exercise's cell")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--hidden", action="store_true", help="also run the hidden tests")
    p.add_argument("--sandbox", choices=SANDBOX_CHOICES, default=None,
                   help="where the code runs (default: bubblewrap if installed, else a "
                        "separate process)")
    course_option(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("show", help="print an exercise's prompt and starter")
    p.add_argument("exercise_id")
    course_option(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("validate", help="check exercise source notebooks")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("release", help="make learner notebooks (or one course bundle) from "
                                       "source notebooks")
    p.add_argument("source", metavar="SOURCE")
    p.add_argument("out", metavar="OUT")
    p.add_argument("--no-solutions", action="store_true",
                   help="graded handouts: the notebooks carry no solution at all")
    p.add_argument("--bundle", action="store_true",
                   help="write the whole course as one JSON file OUT (course.json) for "
                        "'pylearn class upload'")
    p.add_argument("--title", metavar="TEXT",
                   help="the course title in the bundle (default: the source folder's name)")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("grade", help="grade returned learner notebooks (hidden tests included)")
    p.add_argument("source", metavar="SOURCE", help="the exercise source notebook(s)")
    p.add_argument("submissions", metavar="SUBMISSIONS", help="folder of learner notebooks")
    p.add_argument("--out", default="grades", metavar="DIR",
                   help="where to write grades.csv, gradebook.csv, grades.json and "
                        "report.html (default: ./grades)")
    p.add_argument("--roster", metavar="CSV",
                   help="a CSV file with a 'learner' column: learners who returned nothing "
                        "get 'missing' rows")
    p.add_argument("--sandbox", choices=SANDBOX_CHOICES, default="auto",
                   help="where learners' code runs: bubblewrap, a Docker or Podman "
                        "container, or none (not safe; warned in the report). "
                        "Default: the first that works")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="learners graded at once (default: one per CPU)")
    p.add_argument("--feedback", metavar="DIR",
                   help="also write feedback pages for the learners: DIR/<learner>/<notebook>"
                        ".html, with their code and each verdict; hidden tests only as "
                        "passed or not yet")
    p.add_argument("--show-hidden", action="store_true",
                   help="show the hidden tests in full on the feedback pages (after the "
                        "deadline)")
    p.add_argument("--comments", metavar="CSV",
                   help="your comments on the feedback pages: a CSV file with the columns "
                        "learner, exercise_id, comment")
    p.set_defaults(func=cmd_grade)

    from .classes_cli import add_parser as add_class_parser

    add_class_parser(sub)

    for name, text in (
        ("api", "serve the PyLearn API"),
        ("lab", "JupyterLab with PyLearn and a local API"),
        ("lite", "build or serve the JupyterLite site"),
    ):
        module = _DELEGATED[name]
        p = sub.add_parser(name, help=text, add_help=False)
        p.add_argument("rest", nargs=argparse.REMAINDER)
        p.set_defaults(func=_delegate(module))
    return parser


_DELEGATED = {
    "api": "pylearn_jupyter.api.cli",
    "lab": "pylearn_jupyter.lab",
    "lite": "pylearn_jupyter.lite.cli",
}
#: The extra of pyproject.toml that brings what each delegated command needs.
_EXTRAS = {
    "pylearn_jupyter.api.cli": "api",
    "pylearn_jupyter.lab": "lab",
    "pylearn_jupyter.lite.cli": "lite",
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in _DELEGATED:
        # These commands own their options (`pylearn lab --no-browser`): hand them over whole.
        args = argparse.Namespace(command=argv[0], rest=argv[1:])
        try:
            return _delegate(_DELEGATED[argv[0]])(args)
        except UsageProblem as exc:
            print(f"pylearn {argv[0]}: {exc}", file=sys.stderr)
            return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageProblem as exc:
        print(f"pylearn {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `pylearn check ... | head`: the reader left, nothing to say
        sys.stdout = None  # type: ignore[assignment]
        return 0


if __name__ == "__main__":
    sys.exit(main())
