"""``pylearn lite build`` and ``pylearn lite serve``.

Exit codes: 0 success, 1 the build failed, 2 a usage problem (one sentence on stderr).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]

DEFAULT_OUTPUT = "lite/_output"


def _build(args: argparse.Namespace) -> int:
    from .build import BuildOptions, BuildProblem, build_site

    try:
        result = build_site(BuildOptions(
            output=Path(args.output), api_url=args.api_url, course=args.course,
            require_labextension=args.require_labextension,
            cache_dir=Path(args.cache_dir) if args.cache_dir else None))
    except BuildProblem as exc:
        print(f"pylearn lite build: {exc}", file=sys.stderr)
        return 1
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"✔ built {result.output} in {result.seconds:.1f} s: {result.exercises} exercises, "
          f"{result.size_bytes / 1e6:.1f} MB, labextensions: {', '.join(result.labextensions)}")
    print(f"  try it: pylearn lite serve --dir {args.output}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .serve import make_server

    site = Path(args.dir)
    if not (site / "jupyter-lite.json").is_file():
        print(f"pylearn lite serve: {site} holds no built site; run 'pylearn lite build "
              f"--output {site}' first", file=sys.stderr)
        return 2
    try:
        server = make_server(site, "127.0.0.1", args.port, verbose=args.verbose)
    except OSError as exc:
        print(f"pylearn lite serve: cannot listen on 127.0.0.1:{args.port} ({exc.strerror}); "
              "choose another --port", file=sys.stderr)
        return 2
    port = server.server_address[1]
    print(f"Serving {site.resolve()} at http://127.0.0.1:{port}/lab/index.html "
          "(Ctrl+C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pylearn lite",
                                     description="Build or serve the PyLearn JupyterLite site.")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = sub.add_parser("build", help="build the static site (self-hosted Pyodide, no CDN)")
    p.add_argument("--output", default=DEFAULT_OUTPUT, metavar="DIR",
                   help=f"where the site goes (default: {DEFAULT_OUTPUT}); replaced if it "
                        "holds a site built before")
    p.add_argument("--api-url", metavar="URL",
                   help="the PyLearn API the site syncs progress with (its CORS settings "
                        "must allow the site's origin); without it, guests only")
    p.add_argument("--course", action="append", metavar="PATH",
                   help="a course folder or notebook instead of the built-in course "
                        "(may be repeated)")
    p.add_argument("--cache-dir", metavar="DIR",
                   help="where the Pyodide core is kept between builds "
                        "(default: $PYLEARN_LITE_CACHE or ~/.cache/pylearn-jupyter/lite)")
    p.add_argument("--require-labextension", action="store_true",
                   help="fail when the PyLearn JupyterLab extension is not built")
    p.set_defaults(func=_build)

    p = sub.add_parser("serve", help="serve a built site on 127.0.0.1 for trying it")
    p.add_argument("--dir", default=DEFAULT_OUTPUT, metavar="DIR",
                   help=f"the built site (default: {DEFAULT_OUTPUT})")
    p.add_argument("--port", type=int, default=8000, metavar="P", help="port (default: 8000)")
    p.add_argument("--verbose", action="store_true", help="log every request")
    p.set_defaults(func=_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
