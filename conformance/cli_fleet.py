"""``conformance run`` over several APIs: ``--api all`` or ``--fleet FILE`` with
``-n N``, or a fleet file in one process.

A fleet's APIs each run whole (``errcontract/fleet.py``): on pytest-xdist workers
with ``-n``, else one after another in this process, each with its own settings. The
CLI has resolved the settings already (a mistake is exit 2 before pytest starts) and
hands them to the controller; the workers are other processes, so they resolve theirs
from the same options, passed as the suite's pytest flags (the environment they
inherit holds the rest). One exit status and one report for all, by the rules of
``conformance run``; each clause's line is printed as it finishes.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

from errcontract._config.options import OPTIONS
from errcontract.cli_results import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE

_FLEET_EXIT = {0: 0, 1: 1, 2: EXIT_INTERRUPTED, 3: 3, 4: 4, 5: EXIT_USAGE}
"""pytest's status of a fleet run as ``conformance run``'s: the fleet's controller
sets the command's own 3 and 4 (``FleetController``); no tests is a usage error."""


SUITE_OFF = (
    "cacheprovider",
    "warnings",
    "hypothesispytest",
    "randomly",
    "schemathesis",
    "unraisableexception",
)
"""pytest plugins a ``conformance run`` leaves off: its run keeps no cache, warns
through its own reports, is one test per clause in judging order, and is not a
Schemathesis test (whose plugin only cost start-up time: its imports). Nor does it
turn an exception raised in a finalizer into a pytest warning (the warnings plugin
is off, so Python's own hook prints it): to find them, pytest collects the garbage
twice at the end of a run, 0.2 s of a large run's heap."""


def suite_args(off: tuple[str, ...]) -> list[str]:
    """The pytest arguments of the suite as ``conformance run`` runs it: its own
    empty ini (the user's timeouts and addopts are for their tests), ``off`` plugins
    disabled, asserts not rewritten, no header."""
    return [
        "--pyargs",
        "errcontract.suite",
        *(arg for name in off for arg in ("-p", f"no:{name}")),
        "-c",
        str(Path(__file__).with_name("cli_pytest.ini")),
        # The suite judges with its own checks, not asserts: rewriting the asserts
        # of every plugin module is start-up time for nothing.
        "--assert=plain",
        "--no-header",
        # The progress display writes to the terminal while a clause runs.
        "--capture=sys",
        "-o",
        "addopts=",
        "-o",
        "console_output_style=classic",
        "--rootdir",
        ".",
    ]


def suite_flags(args: argparse.Namespace) -> list[str]:
    """The options given to ``conformance run``, as the suite's pytest flags (the
    base URL has none: a fleet names its deployments in its file)."""
    flags: list[str] = []
    for option in OPTIONS:
        raw = getattr(args, option.dest, None)
        if raw in (None, False, []) or option.pytest_owner:
            continue
        if option.kind == "bool":
            flags.append(option.pytest_flag)
        elif option.kind == "list":
            flags += [f"{option.pytest_flag}={value}" for value in raw]
        else:
            flags.append(f"{option.pytest_flag}={raw}")
    return flags


def workers_arg(raw: str) -> str:
    """``-n``: a number of workers, at least 1, or ``auto`` (as pytest-xdist's)."""
    if raw == "auto" or (raw.isdigit() and int(raw) >= 1):
        return raw
    raise argparse.ArgumentTypeError(f"takes a number of workers or auto, got {raw!r}")


def refuse_one_api(workers: str | None, options: Any) -> None:
    """``-n`` spreads APIs over workers, never one API's clauses."""
    from errcontract.exceptions import ConfigError

    if workers and options.text("api") != "all" and not options.text("fleet"):
        raise ConfigError(
            f"-n {workers} runs several APIs side by side (--api all or --fleet "
            "FILE); one API is judged as one whole (one rate-limit budget, request "
            "ids unique across its run), so run it without -n"
        )


class _Settings:
    """Hands the CLI's resolved settings to the controller's plugin."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        from errcontract.plugin import settings_key

        config.stash[settings_key] = self.settings


def run_fleet(args: argparse.Namespace, settings: Any, plugin_args: list[str]) -> int:
    """Run the fleet under pytest (with pytest-xdist for ``-n``); the exit status."""
    workers: str | None = args.numprocesses
    if workers and importlib.util.find_spec("xdist") is None:
        print(
            f"conformance: error: -n {workers} runs the APIs on pytest-xdist "
            "workers, which is not installed: pip install pytest-xdist",
            file=sys.stderr,
        )
        return EXIT_USAGE
    off: tuple[str, ...] = SUITE_OFF
    if not workers:
        off += ("xdist",)
    pytest_args = [*suite_args(off), *plugin_args, *suite_flags(args)]
    if workers:
        pytest_args += ["-n", workers]
    if args.verbose:
        pytest_args += ["-v", "--tb=short"]
    else:
        # pytest's default verbosity: a line per clause as it finishes
        # (``plugin_live``), unless --quiet.
        pytest_args += ["--tb=no", "-rN", *(["-q"] if settings.quiet else [])]
    code = pytest.main(pytest_args, plugins=[_Settings(settings)])
    return _FLEET_EXIT.get(int(code), EXIT_INTERNAL)
