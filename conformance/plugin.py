"""The pytest plugin: options, the run fixture, reporting. It wires; it does not judge.

Inert unless an API is chosen (``--api``, the ``conformance_api`` ini value or
``CONFORMANCE_API``), so it can stay installed next to any other test suite.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

SUITE = "conformance.suite"

# flag, ini twin, help (shared), argparse extras
_OPTIONS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("--api", "conformance_api", "API profile to check: cardda, cardclan or all", {}),
    (
        "--fixture",
        "conformance_fixtures",
        "fixture value NAME=VALUE (or API.NAME=VALUE); repeatable. Secrets are "
        "better given as CONFORMANCE_<NAME> environment variables",
        {"action": "append", "default": []},
    ),
    (
        "--report-dir",
        "conformance_report_dir",
        "directory for junit.xml and results.json (default: conformance-report)",
        {},
    ),
    ("--seed", "conformance_seed", "seed that makes a run reproducible", {}),
    (
        "--read-only",
        "conformance_read_only",
        "send no probe that changes state on a conforming target",
        {"action": "store_true", "default": False},
    ),
    (
        "--rate-limit",
        "conformance_rate_limit",
        "the target's rate limit per second and bucket, or 'none' (default: the "
        "documented one)",
        {},
    ),
    ("--examples", "conformance_examples", "Hypothesis examples per clause", {}),
    (
        "--conformance-profile",
        "conformance_profile",
        "ci (derandomized, default) or thorough (more examples, random)",
        {},
    ),
    (
        "--clock-skew",
        "conformance_clock_skew",
        "allowed clock skew of error timestamps, seconds (default 300)",
        {},
    ),
    (
        "--timeout",
        "conformance_timeout",
        "per-request timeout, seconds (default 10)",
        {},
    ),
    (
        "--max-requests",
        "conformance_max_requests",
        "cap on requests per API (default 2000)",
        {},
    ),
    (
        "--max-duration",
        "conformance_max_duration",
        "time budget of the run, seconds (default 600)",
        {},
    ),
    (
        "--max-rps",
        "conformance_max_rps",
        "cap on requests per second over all buckets (default 25)",
        {},
    ),
    (
        "--fault",
        "conformance_faults",
        "embedded server only: break this clause id on purpose; repeatable",
        {"action": "append", "default": []},
    ),
    (
        "--tolerance",
        "conformance_tolerances",
        "embedded server only: an allowed variation to switch on; repeatable",
        {"action": "append", "default": []},
    ),
    (
        "--baseline",
        "conformance_baseline",
        "a file of known violations: only new ones fail the run",
        {},
    ),
    (
        "--fail-on",
        "conformance_fail_on",
        "clause kinds that gate: documented, reading or all (default all)",
        {},
    ),
    (
        "--screenshot",
        "conformance_screenshot",
        "also save report.png of the HTML report (needs Chromium)",
        {"action": "store_true", "default": False},
    ),
    (
        "--path",
        "conformance_paths",
        "OPERATION=/path/{id} for a target whose path differs; repeatable",
        {"action": "append", "default": []},
    ),
]

run_key = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """One option group; every flag has an ini twin with the same help."""
    group = parser.getgroup("conformance", "error-contract conformance")
    for flag, ini, help_text, extra in _OPTIONS:
        group.addoption(flag, dest=ini, help=help_text, **extra)
        kind = "linelist" if extra.get("action") == "append" else None
        if extra.get("action") == "store_true":
            kind = "bool"
        parser.addini(ini, help=help_text, type=kind)  # type: ignore[arg-type]


def _value(config: pytest.Config, ini: str) -> Any:
    cli = config.getoption(ini)
    if cli not in (None, [], False):
        return cli
    return config.getini(ini) or cli


def options_from(config: pytest.Config) -> Any:
    """The raw options from flags and ini (environment is read by ``resolve``)."""
    from conformance.settings import Options

    return Options(
        api=_value(config, "conformance_api"),
        base_url=config.getoption("base_url", None) or _ini(config, "base_url"),
        fixtures=list(_value(config, "conformance_fixtures") or []),
        report_dir=_value(config, "conformance_report_dir") or "conformance-report",
        seed=_value(config, "conformance_seed"),
        read_only=bool(_value(config, "conformance_read_only")),
        rate_limit=_value(config, "conformance_rate_limit"),
        examples=_value(config, "conformance_examples"),
        hypothesis_profile=_value(config, "conformance_profile") or "ci",
        clock_skew=_value(config, "conformance_clock_skew"),
        timeout=_value(config, "conformance_timeout"),
        max_requests=_value(config, "conformance_max_requests"),
        max_duration=_value(config, "conformance_max_duration"),
        max_rps=_value(config, "conformance_max_rps"),
        faults=list(_value(config, "conformance_faults") or []),
        tolerances=list(_value(config, "conformance_tolerances") or []),
        paths=list(_value(config, "conformance_paths") or []),
        baseline=_value(config, "conformance_baseline"),
        fail_on=_value(config, "conformance_fail_on"),
        screenshot=bool(_value(config, "conformance_screenshot")),
    )


def _ini(config: pytest.Config, name: str) -> Any:
    try:
        return config.getini(name) or None
    except ValueError:  # the ini key is not registered (pytest-base-url absent)
        return None


def _active(config: pytest.Config) -> bool:
    return bool(_value(config, "conformance_api") or os.environ.get("CONFORMANCE_API"))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Resolve settings once into ``config.stash``; a bad one is a usage error."""
    if not _active(config):
        return
    from conformance.run import Run
    from conformance.settings import ConfigError, resolve

    try:
        settings = resolve(options_from(config))
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[run_key] = Run(settings)


def pytest_report_header(config: pytest.Config) -> list[str]:
    """The effective settings, secret-free."""
    run = config.stash.get(run_key, None)
    if run is None:
        return []
    described = run.settings.describe()
    urls = ", ".join(f"{k}={v}" for k, v in described["base_urls"].items())
    return [
        f"conformance: {urls}; seed={run.settings.seed}; "
        f"profile={run.settings.hypothesis_profile}; read_only={run.settings.read_only}"
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize the suite's clause test with every clause id, in judging order."""
    if "clause_id" not in metafunc.fixturenames:
        return
    run = metafunc.config.stash.get(run_key, None)
    if run is None:
        raise pytest.UsageError(
            "the conformance suite needs an API: give --api cardda, cardclan or all"
        )
    ids = run.clause_ids()
    metafunc.parametrize("clause_id", ids, ids=ids)


@pytest.fixture(scope="session")
def conformance_run(request: pytest.FixtureRequest) -> Any:
    """The run, started on first use (servers, preflight, setup)."""
    from conformance.client import ClientError
    from conformance.settings import ConfigError

    run = request.config.stash[run_key]
    try:
        run.start()
    except ConfigError as exc:
        pytest.exit(str(exc), returncode=2)
    except ClientError as exc:
        pytest.exit(str(exc), returncode=3)
    return run


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, Any]:
    """Show a failed clause as its evidence rather than a Python traceback."""
    report = yield
    from conformance.suite.outcome import ClauseFailed

    if call.excinfo is not None and isinstance(call.excinfo.value, ClauseFailed):
        report.longrepr = call.excinfo.value.render()
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Finish the run and write its reports (also when it stopped early)."""
    run = session.config.stash.get(run_key, None)
    if run is None or not run.started:
        return
    run.finish()
    run.write()


def pytest_terminal_summary(
    terminalreporter: Any, exitstatus: int, config: pytest.Config
) -> None:
    """One line per clause, the verdict, where the reports are."""
    run = config.stash.get(run_key, None)
    if run is None or run.result is None:
        return
    from reports import summary_lines

    terminalreporter.section("error-contract conformance")
    # With --tb=no (the CLI) the failure sections are gone: show the evidence here.
    evidence = config.getoption("tbstyle", "auto") == "no"
    for line in summary_lines(run.result, evidence=evidence):
        terminalreporter.write_line(line)
    for note in run.write_notes:
        terminalreporter.write_line(f"note: {note}")
    if run.settings.report_dir is not None:
        terminalreporter.write_line(f"reports: {run.settings.report_dir}/")
