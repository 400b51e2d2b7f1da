"""The commands over ``results.json`` files: ``baseline``, ``diff`` and ``merge``.

``conformance merge DIR…``: the runs of separate jobs (a CI matrix, one API per
machine) as one report, one JUnit file and one exit status.

Each DIR is a run's report directory (or its ``results.json``). The merged run
holds every API of every run, each with its own verdict; its exit status is the
worst of the runs', by ``conformance run``'s rules: a run whose target stopped
answering (3) before a broken contract (1), before the suite's own failure (4).
"""

from __future__ import annotations

import argparse
import sys
from itertools import chain, count
from pathlib import Path

from errcontract.exceptions import ConfigError
from errcontract.results import ApiResult, RunResult

EXIT_OK, EXIT_BROKEN, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_INTERNAL = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130
# Worst first: the order in which ``conformance run`` decides its exit status.
SEVERITY = (EXIT_UNREACHABLE, EXIT_BROKEN, EXIT_INTERNAL, EXIT_OK)


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The ``merge`` subcommand."""
    merge = sub.add_parser(
        "merge",
        help="join the results.json of separate runs into one report and exit status",
        description="Join the report directories of separate runs (a CI matrix) "
        "into one report.html, junit.xml and results.json; the exit status is the "
        "worst of the runs'.",
    )
    merge.add_argument(
        "directories", nargs="+", metavar="DIR", help="a run's report directory"
    )
    merge.add_argument(
        "--output",
        "-o",
        default="conformance-merged",
        metavar="DIR",
        help="where the merged reports go (default: conformance-merged)",
    )


def baseline(args: argparse.Namespace) -> int:
    """Write a baseline of the violations in a results.json."""
    from errcontract._contract.baseline import (
        baseline_from_results,
        parse_date,
        read_results,
        write_baseline,
    )
    from errcontract.exceptions import ConfigError

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


def diff(args: argparse.Namespace) -> int:
    """What broke and what was fixed between two runs (exit 1 when something broke)."""
    from errcontract._contract.baseline import diff_results, read_results, summarize
    from errcontract.exceptions import ConfigError

    try:
        old, new = read_results(Path(args.old)), read_results(Path(args.new))
    except ConfigError as exc:
        print(f"conformance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    changes = diff_results(old, new)
    for line in summarize(changes):
        print(line)
    return EXIT_BROKEN if any(c.kind == "broke" for c in changes) else EXIT_OK


def exit_status(run: RunResult) -> int:
    """The exit status ``conformance run`` gave (or would give) this result."""
    if run.stopped:
        return EXIT_UNREACHABLE
    outcomes = {c.outcome for api in run.apis for c in api.clauses}
    if "fail" in outcomes:
        return EXIT_BROKEN
    return EXIT_INTERNAL if "error" in outcomes else EXIT_OK


def worst(statuses: list[int]) -> int:
    """The worst exit status of several runs."""
    return min(statuses, key=SEVERITY.index, default=EXIT_OK)


def _results_file(raw: str) -> Path:
    path = Path(raw)
    found = path / "results.json" if path.is_dir() else path
    if not found.is_file():
        raise ConfigError(f"{raw!r} holds no results.json (from DIR)")
    return found


def merged(runs: list[tuple[Path, RunResult]]) -> RunResult:
    """One run of every API of ``runs``; an API name met twice (one API's runs
    against two deployments) is told apart by its directory's name, else its path,
    else a number: both are kept, each its own section and JUnit test suite."""
    apis: list[ApiResult] = []
    seen: set[str] = set()
    for path, run in runs:
        for api in run.apis:
            if api.api in seen:
                folder = path.parent
                names = chain(
                    (f"{api.api} ({where})" for where in (folder.name, folder)),
                    (f"{api.api} ({folder} #{n})" for n in count(2)),
                )
                api.api = next(n for n in names if n not in seen and "()" not in n)
            seen.add(api.api)
            apis.append(api)
    seeds = {run.seed for _, run in runs}
    baselines = {run.baseline for _, run in runs} - {None}
    return RunResult(
        apis=apis,
        started_at=min(run.started_at for _, run in runs),
        # Side by side on separate machines: the longest run is the wall time.
        duration_s=max(run.duration_s for _, run in runs),
        seed=seeds.pop() if len(seeds) == 1 else None,
        version=", ".join(dict.fromkeys(run.version for _, run in runs)),
        settings={"merged_from": [str(path) for path, _ in runs]}
        | {api.api: run.settings for _, run in runs for api in run.apis},
        baseline=", ".join(sorted(str(b) for b in baselines)) or None,
        stopped=[why for _, run in runs for why in run.stopped],
    )


def merge(args: argparse.Namespace) -> int:
    """Read every run, write the merged reports, return the worst exit status."""
    from errcontract.reports import write_reports
    from errcontract.reports.read import read_run

    try:
        runs = [(p, read_run(p)) for p in map(_results_file, args.directories)]
    except ConfigError as exc:
        print(f"conformance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    versions = {run.version for _, run in runs}
    statuses = [exit_status(run) for _, run in runs]
    result = merged(runs)
    output = Path(args.output)
    try:
        write_reports(result, output)
    except OSError as exc:
        print(f"conformance: error: cannot write {output}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for (path, run), status in zip(runs, statuses, strict=True):
        for api in run.apis:
            print(f"{api.api}: {api.verdict.upper()} (exit {status}, {path})")
    if len(versions) > 1:
        print(f"note: the runs were made by versions {', '.join(sorted(versions))}")
    code = worst(statuses)
    print(f"merged {len(runs)} run(s): {result.verdict.upper()}, exit status {code}")
    print(f"reports: {output}/")
    return code
