"""The ``conformance`` command: ``run``, ``init``, ``serve``, ``baseline``, ``diff``,
``merge`` (the three over results.json files, ``cli_results.py``) and
``check-profile``.

Exit status of ``run``: 0 every clause that ran held; 1 a clause broke; 2 usage or
configuration error; 3 target unreachable; 4 the suite itself failed; 130 interrupted.
``diff`` exits 1 when something broke between the two runs.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Any

import pytest

from errcontract import __version__
from errcontract import cli_profiles as profiles_cli
from errcontract import cli_results as results_cli
from errcontract._config.front_doors import add_cli_options, describe
from errcontract._config.options import BY_DEST
from errcontract._contract.conventions import available_conventions
from errcontract.cli_fleet import (
    SUITE_OFF,
    refuse_one_api,
    run_fleet,
    suite_args,
    workers_arg,
)
from errcontract.cli_results import (
    EXIT_BROKEN,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
)

_PYTEST_EXIT = {
    pytest.ExitCode.OK: EXIT_OK,
    pytest.ExitCode.TESTS_FAILED: EXIT_BROKEN,
    pytest.ExitCode.INTERRUPTED: EXIT_INTERRUPTED,
    pytest.ExitCode.INTERNAL_ERROR: EXIT_INTERNAL,
    pytest.ExitCode.USAGE_ERROR: EXIT_USAGE,
    pytest.ExitCode.NO_TESTS_COLLECTED: EXIT_USAGE,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conformance",
        description="Check an HTTP API against its documented error contract.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser(
        "run",
        help="run the suite against a target (default: the embedded reference server)",
        description="Run the suite. Secrets are best given as CONFORMANCE_<NAME> "
        "environment variables, e.g. CONFORMANCE_API_KEY.",
    )
    add_cli_options(run)
    run.add_argument(
        "-n",
        "--numprocesses",
        metavar="N",
        type=workers_arg,
        help="with --api all or --fleet: run the APIs side by side on N "
        "pytest-xdist workers (or auto), each API whole on one",
    )
    run.add_argument("-v", "--verbose", action="store_true", help="pytest's own output")

    base = sub.add_parser(
        "baseline", help="write a baseline of the violations in a results.json"
    )
    base.add_argument("--from", dest="source", required=True, metavar="RESULTS_JSON")
    base.add_argument("--output", "-o", default="conformance-baseline.yaml")
    base.add_argument("--note", default="", help="a note on every entry")
    base.add_argument("--expires", help="an expiry date (YYYY-MM-DD) on every entry")

    diff = sub.add_parser("diff", help="what broke and what was fixed between two runs")
    diff.add_argument("old", metavar="OLD_RESULTS_JSON")
    diff.add_argument("new", metavar="NEW_RESULTS_JSON")

    results_cli.add_parser(sub)

    check = sub.add_parser(
        "check-profile",
        help="list every mistake in a profile's files (exit 2 if there is one)",
    )
    check.add_argument(
        "directories", nargs="+", metavar="DIR", help="a profile, or a folder of them"
    )

    init = sub.add_parser(
        "init",
        help="write the profile a zero-config run derives, to take over and edit",
        description="Derive a profile directory from an OpenAPI document and an "
        "error convention: the same clauses `conformance run --openapi FILE "
        "--convention NAME` checks, as files.",
    )
    init.add_argument("directory", metavar="DIR", help="where the profile goes")
    init.add_argument("--openapi", required=True, metavar="FILE_OR_URL")
    init.add_argument(
        "--convention",
        required=True,
        metavar="NAME",
        help=f"the error convention: one of {', '.join(available_conventions())}",
    )
    for name in (
        "request_id_header",
        "overrides",
        "allow_ref_host",
        "max_document_bytes",
        "fetch_proxy",
        "timeout",
    ):
        option = BY_DEST[name]
        init.add_argument(
            option.cli_flag,
            metavar=option.metavar,
            help=option.help,
            action="append" if option.kind == "list" else "store",
        )
    init.add_argument(
        "--rate-limit",
        metavar="N",
        help="the documented limit per second (adds the "
        "429 clauses where the document declares 429)",
    )
    init.add_argument(
        "--force", action="store_true", help="write into a directory that has files"
    )

    serve = sub.add_parser("serve", help="run a reference server alone")
    which = serve.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--api", help="cardda, cardclan, or a profile of --profile-dir naming one"
    )
    which.add_argument(
        "--convention",
        metavar="NAME",
        help="the convention's embedded server (rfc9457: the Projects API)",
    )
    serve.add_argument(
        "--profile-dir",
        metavar="DIR",
        action="append",
        default=[],
        help="a directory holding profiles for --api (its reference_app); repeatable",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    for name in ("fault", "tolerance"):
        option = BY_DEST[name]
        serve.add_argument(
            option.cli_flag,
            action="append",
            default=[],
            metavar=option.metavar,
            help=option.help,
        )
    serve.add_argument(
        "--rate-limit", metavar="N", help=describe(BY_DEST["rate_limit"])
    )
    return parser


class _Inject:
    """Hands the CLI's started run to the plugin (settings are resolved once)."""

    def __init__(self, run: Any, *, hide_dots: bool = False) -> None:
        self.run = run
        self.hide_dots = hide_dots

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        from errcontract.plugin import run_key

        config.stash[run_key] = self.run

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(self, report: pytest.TestReport) -> Any:
        """Live progress's clause lines replace pytest's dots, and --quiet shows
        neither (only ``-v`` keeps pytest's own output)."""
        status = yield
        return (status[0], "", status[2]) if self.hide_dots and status else status


def _plugin_args() -> list[str]:
    registered = any(
        ep.value == "errcontract.plugin"
        for ep in metadata.entry_points(group="pytest11")
    )
    return [] if registered else ["-p", "errcontract.plugin"]


def _run(args: argparse.Namespace) -> int:
    from errcontract._engine.drawing import close_spare, start_spare
    from errcontract.reports.progress import progress

    # On screen before the settings are read (a second or two of imports and
    # loading): taken off again if they say quiet.
    shown = None if args.quiet or args.verbose else progress()
    base_env = BY_DEST["base_url"].env_var or ""
    if not args.numprocesses and (args.base_url or os.environ.get(base_env)):
        # A run against a deployment may be large (the embedded servers' profiles
        # are not): its drawing process, up by its first clause.
        start_spare()
    try:
        return _resolved(args, shown)
    finally:
        close_spare()
        if shown is not None:
            shown.close()


def _resolved(args: argparse.Namespace, shown: Any) -> int:
    from errcontract._config.front_doors import from_namespace
    from errcontract._config.options import collect
    from errcontract._config.resolve import resolve
    from errcontract._engine.run import Run
    from errcontract.exceptions import ConfigError

    try:
        options = collect(from_namespace(args))
        refuse_one_api(args.numprocesses, options)
        settings = resolve(options)
        if args.numprocesses or settings.apart:
            shown and shown.close()
            return run_fleet(args, settings, _plugin_args())
        run = Run(settings)
    except ConfigError as exc:
        shown and shown.close()
        print(f"conformance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if shown is not None and run.settings.quiet:
        shown.close()
    elif shown is not None:
        run.events.subscribe(shown)
    return _started(run, args)


def _started(run: Any, args: argparse.Namespace) -> int:
    from errcontract.exceptions import ClientError, ConfigError

    try:
        run.start()
    except ConfigError as exc:
        print(f"conformance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ClientError as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        run.abandon(str(exc))
        try:
            written = run.write()
        except OSError as err:
            print(f"conformance: reports not written: {err}", file=sys.stderr)
        else:
            if written:
                print(f"reports: {written[0].parent}/ (every clause not run)")
        return EXIT_UNREACHABLE
    except Exception as exc:  # never a traceback for the user: one line, exit 4
        print(
            f"conformance: internal error while starting: {type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    # Clauses are judged in order (checks over every response come last) and in
    # one process (no randomly, no xdist); the user's ini (timeouts, addopts) is
    # not this run's.
    off = (*SUITE_OFF, "xdist")
    pytest_args = [*suite_args(off), *_plugin_args()]
    pytest_args += ["-v", "--tb=short"] if args.verbose else ["-q", "--tb=no", "-rN"]
    code = pytest.main(pytest_args, plugins=[_Inject(run, hide_dots=not args.verbose)])
    if run.stopped:
        for why in run.stopped:
            print(f"conformance: {why}", file=sys.stderr)
        return EXIT_UNREACHABLE
    if run.internal_errors and code in (pytest.ExitCode.OK, EXIT_INTERNAL):
        return EXIT_INTERNAL  # no clause broke, but the suite could not judge all
    return _PYTEST_EXIT.get(pytest.ExitCode(code), EXIT_INTERNAL)


def _hypothesis_home() -> None:
    """Keep Hypothesis's files (its Unicode tables) out of the user's working
    directory: in the user's cache, unless they chose a place themselves."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    os.environ.setdefault(
        "HYPOTHESIS_STORAGE_DIRECTORY",
        os.path.join(cache, "errcontract-conformance", "hypothesis"),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``conformance`` command."""
    _hypothesis_home()
    args = _parser().parse_args(argv)
    commands = {
        "run": _run,
        "init": profiles_cli.init,
        "serve": profiles_cli.serve,
        "baseline": results_cli.baseline,
        "diff": results_cli.diff,
        "check-profile": profiles_cli.check_profile,
        "merge": results_cli.merge,
    }
    try:
        return commands[args.command](args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def console() -> None:
    """The ``conformance`` command: ``main``, then out without a last walk over a
    run's heap (its plan, its log, its result): Python's final collections took a
    quarter of a second after a 300-operation run; frozen, none (the exit handlers
    still run, and the process's memory is the system's to take back)."""
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    console()
