"""The ``conformance`` command: ``run``, ``serve``, ``baseline`` and ``diff``.

Exit status of ``run``: 0 every clause that ran held; 1 a clause broke; 2 usage or
configuration error; 3 target unreachable; 4 the suite itself failed; 130 interrupted.
``diff`` exits 1 when something broke between the two runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Any

import pytest

from conformance import __version__

EXIT_OK, EXIT_BROKEN, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_INTERNAL = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130

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
    run.add_argument("--api", help="cardda, cardclan or all")
    run.add_argument("--base-url", help="the deployment's API root (default: embedded)")
    run.add_argument(
        "--fixture",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a fixture value (or API.NAME=VALUE); repeatable",
    )
    run.add_argument("--report-dir", default="conformance-report")
    run.add_argument("--seed", help="replay a run: same seed, same probes")
    run.add_argument("--read-only", action="store_true", help="send no writes")
    run.add_argument("--rate-limit", help="target's limit per second, or 'none'")
    run.add_argument("--examples", help="Hypothesis examples per clause")
    run.add_argument("--profile", choices=["ci", "thorough"], default="ci")
    run.add_argument("--clock-skew", help="allowed timestamp skew, seconds (300)")
    run.add_argument("--timeout", help="per-request timeout, seconds (10)")
    run.add_argument("--max-requests", help="request cap per API (2000)")
    run.add_argument("--max-duration", help="time budget, seconds (600)")
    run.add_argument("--max-rps", help="requests per second over all buckets (25)")
    run.add_argument("--fault", action="append", default=[], metavar="CLAUSE-ID")
    run.add_argument("--tolerance", action="append", default=[], metavar="NAME")
    run.add_argument("--path", action="append", default=[], metavar="OP=/path")
    run.add_argument(
        "--baseline", metavar="FILE", help="known violations that do not fail the run"
    )
    run.add_argument(
        "--fail-on",
        metavar="KINDS",
        help="clause kinds that gate the exit status: documented, reading or all",
    )
    run.add_argument(
        "--screenshot", action="store_true", help="also save report.png (Chromium)"
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

    serve = sub.add_parser("serve", help="run a reference server alone")
    serve.add_argument("--api", required=True)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--fault", action="append", default=[], metavar="CLAUSE-ID")
    serve.add_argument("--tolerance", action="append", default=[], metavar="NAME")
    serve.add_argument("--rate-limit", help="per second and bucket, or 'none'")
    return parser


class _Inject:
    """Hands the CLI's started run to the plugin (settings are resolved once)."""

    def __init__(self, run: Any) -> None:
        self.run = run

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        from conformance.plugin import run_key

        config.stash[run_key] = self.run


def _plugin_args() -> list[str]:
    registered = any(
        ep.value == "conformance.plugin"
        for ep in metadata.entry_points(group="pytest11")
    )
    return [] if registered else ["-p", "conformance.plugin"]


def _run(args: argparse.Namespace) -> int:
    from conformance.client import ClientError
    from conformance.run import Run
    from conformance.settings import ConfigError, Options, resolve

    options = Options(
        api=args.api,
        base_url=args.base_url,
        fixtures=args.fixture,
        report_dir=args.report_dir,
        seed=args.seed,
        read_only=args.read_only,
        rate_limit=args.rate_limit,
        examples=args.examples,
        hypothesis_profile=args.profile,
        clock_skew=args.clock_skew,
        timeout=args.timeout,
        max_requests=args.max_requests,
        max_duration=args.max_duration,
        max_rps=args.max_rps,
        faults=args.fault,
        tolerances=args.tolerance,
        paths=args.path,
        baseline=args.baseline,
        fail_on=args.fail_on,
        screenshot=args.screenshot,
    )
    try:
        run = Run(resolve(options))
    except ConfigError as exc:
        print(f"conformance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
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
    pytest_args = [
        "--pyargs",
        "conformance.suite",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:warnings",
        "-p",
        "no:hypothesispytest",
        "--no-header",
        "-o",
        "addopts=",
        "-o",
        "console_output_style=classic",
        "--rootdir",
        ".",
        *_plugin_args(),
    ]
    pytest_args += ["-v", "--tb=short"] if args.verbose else ["-q", "--tb=no", "-rN"]
    code = pytest.main(pytest_args, plugins=[_Inject(run)])
    status = _PYTEST_EXIT.get(pytest.ExitCode(code), EXIT_INTERNAL)
    if status == EXIT_OK and run.internal_errors:
        return EXIT_INTERNAL  # no clause broke, but the suite could not judge all
    return status


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from conformance.embedded import create_reference_app
    from conformance.profile import ProfileError, load_profile
    from conformance.settings import ConfigError

    try:
        profile = load_profile(args.api)
        rate: float | None = None
        given = args.rate_limit is not None
        if given and args.rate_limit.lower() not in {"none", "off"}:
            rate = float(args.rate_limit)
        app = create_reference_app(
            profile,
            faults=args.fault,
            tolerances=args.tolerance,
            rate_limit=rate,
            rate_limit_given=given,
        )
    except (ProfileError, ConfigError, ValueError) as exc:
        print(f"conformance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    base = f"http://{args.host}:{args.port}{getattr(app.state, 'base_path', '')}"
    print(f"{profile.title} reference server at {base}")
    print("Throwaway fixtures of this server (not real credentials):")
    for name, value in app.state.fixtures.items():
        print(f"  export CONFORMANCE_{name.upper()}={value}")
    sys.stdout.flush()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


def _baseline(args: argparse.Namespace) -> int:
    from pathlib import Path

    from conformance.baseline import (
        baseline_from_results,
        parse_date,
        read_results,
        write_baseline,
    )
    from conformance.settings import ConfigError

    try:
        if args.expires:
            parse_date(args.expires, "--expires")
        results = read_results(Path(args.source))
        document = baseline_from_results(results, note=args.note, expires=args.expires)
        write_baseline(document, Path(args.output))
    except ConfigError as exc:
        print(f"conformance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(
            f"conformance: error: cannot write {args.output!r}: {exc}", file=sys.stderr
        )
        return EXIT_USAGE
    count = len(document["entries"])
    print(f"wrote {count} known violation(s) to {args.output}")
    return EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    from pathlib import Path

    from conformance.baseline import diff_results, read_results, summarize
    from conformance.settings import ConfigError

    try:
        old, new = read_results(Path(args.old)), read_results(Path(args.new))
    except ConfigError as exc:
        print(f"conformance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    changes = diff_results(old, new)
    for line in summarize(changes):
        print(line)
    return EXIT_BROKEN if any(c.kind == "broke" for c in changes) else EXIT_OK


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
    commands = {"run": _run, "serve": _serve, "baseline": _baseline, "diff": _diff}
    try:
        return commands[args.command](args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
