"""The pytest plugin: options, the run fixture, reporting. It wires; it does not judge.

Registered by entry point, so it loads into every pytest session of the environment:
its options are namespaced (``--conformance-…``, ini ``conformance_…``, built from
``conformance.options``) and it does nothing unless an API is chosen (the flag, the
``conformance_api`` ini value or ``CONFORMANCE_API``).
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from errcontract._config.front_doors import argparse_kwargs, describe
from errcontract._config.options import OPTIONS
from errcontract._config.row import Option, Value

SUITE = "errcontract.suite"

run_key = pytest.StashKey[Any]()
settings_key = pytest.StashKey[Any]()


def _dest(option: Option) -> str:
    return f"conformance_{option.dest}"


def pytest_addoption(parser: pytest.Parser) -> None:
    """One option group; every flag has an ini twin with the same help."""
    group = parser.getgroup("conformance", "error-contract conformance")
    for option in OPTIONS:
        if option.pytest_owner:  # --base-url is pytest-base-url's
            continue
        former = [option.aliased.pytest_flag] if option.aliased else []
        group.addoption(
            option.pytest_flag, *former, dest=_dest(option), **argparse_kwargs(option)
        )
        keys = [option.ini_key]
        if option.aliased is not None:
            keys.append(option.aliased.ini_key)
        for key in keys:
            if option.kind == "list":
                parser.addini(key, help=describe(option), type="linelist")
            else:
                parser.addini(key, help=describe(option), type="string")


def _ini_source(config: pytest.Config, key: str) -> str:
    """Where an ini value came from: an ``-o`` override or the file and key."""
    overrides = getattr(config.option, "override_ini", None) or []
    if any(str(o).split("=", 1)[0].strip() == key for o in overrides):
        return f"-o {key}"
    path = config.inipath
    if path is None:
        return f"ini key {key}"
    try:
        shown = str(path.relative_to(Path.cwd()))
    except ValueError:
        shown = str(path)
    section = {
        "pyproject.toml": " [tool.pytest.ini_options]",
        "tox.ini": " [pytest]",
        "setup.cfg": " [tool:pytest]",
    }.get(path.name, "")
    return f"{key} in {shown}{section}"


def _ini(config: pytest.Config, key: str) -> Any:
    try:
        return config.getini(key)
    except ValueError:  # not registered (pytest-base-url's key without the plugin)
        return None


def _ini_values(config: pytest.Config) -> dict[str, tuple[Value, str]]:
    from errcontract._config.parsers import parse_bool

    found: dict[str, tuple[Value, str]] = {}
    for option in OPTIONS:
        key = option.ini_key
        raw = _ini(config, key)
        if raw in (None, "", []) and option.aliased:
            key = option.aliased.ini_key
            raw = _ini(config, key)
        if raw in (None, "", []):
            continue
        source = _ini_source(config, key)
        value: Value
        if option.kind == "list":
            value = tuple(raw)
        elif option.kind == "bool":
            value = parse_bool(str(raw), source, key)
        else:
            value = str(raw)
        found[option.dest] = (value, source)
    return found


def _base_url_flag(config: pytest.Config) -> tuple[str | None, str]:
    """pytest-base-url's ``--base-url``, when it truly came from the command line (it
    also copies its ini value and ``PYTEST_BASE_URL`` into the option)."""
    given = any(
        a == "--base-url" or str(a).startswith("--base-url=")
        for a in config.invocation_params.args
    )
    value = config.getoption("base_url", None)
    if given and value:
        return str(value), "--base-url"
    if os.environ.get("PYTEST_BASE_URL"):
        return os.environ["PYTEST_BASE_URL"], "environment variable PYTEST_BASE_URL"
    return None, ""


def options_from(config: pytest.Config) -> Any:
    """The raw options from flags, environment and ini, each with its source."""
    from errcontract._config.options import collect

    flags: dict[str, Value] = {}
    names: dict[str, str] = {}
    for option in OPTIONS:
        if option.pytest_owner:
            continue
        raw = config.getoption(_dest(option))
        flags[option.dest] = tuple(raw) if isinstance(raw, list) else raw
        names[option.dest] = option.pytest_flag
    url, url_source = _base_url_flag(config)
    flags["base_url"], names["base_url"] = url, url_source
    return collect(flags, ini=_ini_values(config), flag_names=names)


def _active(config: pytest.Config) -> bool:
    """Whether an API (or a convention, zero-config) is chosen; nothing else is
    read before that."""
    return any(
        config.getoption(_dest(option))
        or os.environ.get(option.env_var or "")
        or _ini(config, option.ini_key)
        for option in OPTIONS
        if option.dest in ("api", "convention", "fleet")
    )


def pytest_configure(config: pytest.Config) -> None:
    """Resolve settings once into ``config.stash``; a bad one is a usage error.

    ``conformance run`` has resolved and started its run already and put it in the
    stash first (a ``tryfirst`` hook), so nothing is resolved twice; for a fleet it
    puts its resolved settings there (its workers resolve their own, from the flags
    it passes). The run itself (strategies, Hypothesis) is built at session start,
    not during pytest's initialization, where Hypothesis asks plugins not to touch
    its storage.
    """
    if run_key in config.stash:
        return
    settings = config.stash.get(settings_key, None)
    if settings is None and not _active(config):
        return
    from errcontract import fleet, plugin_live
    from errcontract._config.resolve import resolve
    from errcontract.exceptions import ConfigError

    if fleet.distributing(config):
        fleet.refuse_splitting(config)
    if settings is None:
        try:
            settings = config.stash[settings_key] = resolve(options_from(config))
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
    if fleet.distributing(config) or settings.apart:
        # Several workers: each takes whole APIs (errcontract/fleet.py); a fleet
        # file's APIs, and APIs sharing clause ids, run each on its own in one
        # process too.
        fleet.distribute(config, settings)
    plugin_live.register(config, settings.quiet)


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Build the run from the resolved settings (the run starts on first use)."""
    config = session.config
    settings = config.stash.get(settings_key, None)
    if settings is None or run_key in config.stash:
        return
    from errcontract._engine.run import Run
    from errcontract.fleet import Fleet, worker_directory

    directory = worker_directory(config)
    config.stash[run_key] = (
        Run(settings) if directory is None else Fleet(settings, directory)
    )


def pytest_report_header(config: pytest.Config) -> list[str]:
    """The effective settings, secret-free."""
    run = config.stash.get(run_key, None)
    settings = run.settings if run is not None else config.stash.get(settings_key, None)
    if settings is None:
        return []
    described = settings.describe()
    urls = ", ".join(f"{k}={v}" for k, v in described["base_urls"].items())
    return [
        f"conformance: {urls}; seed={settings.seed}; "
        f"depth={settings.depth}; read_only={settings.read_only}"
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize the suite's clause test with every clause id, in judging order."""
    if "clause_id" not in metafunc.fixturenames:
        return
    run = metafunc.config.stash.get(run_key, None)
    if run is None:
        raise pytest.UsageError(
            "the conformance suite needs an API: give --conformance-api cardda, "
            "cardclan or all"
        )
    ids = run.clause_ids()
    metafunc.parametrize("clause_id", ids, ids=ids)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the clauses in judging order (after pytest-randomly's shuffle): checks
    over every response judge what the targeted clauses sent, so they come last."""
    suite = [
        (i, item)
        for i, item in enumerate(items)
        if isinstance(item, pytest.Function) and "clause_id" in item.fixturenames
    ]
    if not suite:
        return
    run = suite[0][1].config.stash.get(run_key, None)
    if run is None:
        return
    order = {cid: n for n, cid in enumerate(run.clause_ids())}
    ranked = sorted(
        (item for _, item in suite),
        key=lambda item: order.get(item.callspec.params["clause_id"], len(order)),
    )
    for (slot, _), item in zip(suite, ranked, strict=True):
        items[slot] = item


@pytest.fixture(scope="session")
def conformance_run(request: pytest.FixtureRequest) -> Any:
    """The run, started on first use (servers, preflight, setup)."""
    from errcontract.exceptions import ClientError, ConfigError

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
    from errcontract.plugin_live import attach
    from errcontract.results import ClauseFailed

    run = item.config.stash.get(run_key, None)
    params = getattr(item, "callspec", None)
    if run is not None and params is not None and "clause_id" in params.params:
        attach(report, run, params.params["clause_id"])
    if call.excinfo is not None and isinstance(call.excinfo.value, ClauseFailed):
        report.longrepr = call.excinfo.value.render()
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    """A wrong ``[checks.ErrorContract]`` setting, met while a Schemathesis test
    module loads its schema, is its one sentence, not the import's traceback."""
    report = yield
    marker = "SettingError: "
    if report.failed and marker in str(report.longrepr):
        text = str(report.longrepr)
        report.longrepr = text[text.rindex(marker) + len(marker) :].splitlines()[0]
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Finish the run and write its reports (also when it stopped early)."""
    run = session.config.stash.get(run_key, None)
    if run is None or not run.started:
        return
    run.finish()
    run.write()
    if run.stopped:
        # The target stopped answering mid-run: the command's 3, whatever else.
        session.exitstatus = 3
        return
    if run.internal_errors and session.exitstatus == pytest.ExitCode.OK:
        # No clause broke, but the suite could not judge them all: the command's 4.
        session.exitstatus = 4


def pytest_terminal_summary(
    terminalreporter: Any, exitstatus: int, config: pytest.Config
) -> None:
    """One line per clause, the verdict, where the reports are."""
    run = config.stash.get(run_key, None)
    if run is None or run.result is None:
        return
    from errcontract.reports import summary_lines

    terminalreporter.section("error-contract conformance")
    # With --tb=no (the CLI) the failure sections are gone: show the evidence here.
    evidence = config.getoption("tbstyle", "auto") == "no"
    for line in summary_lines(run.result, evidence=evidence):
        terminalreporter.write_line(line)
    for note in run.write_notes:
        terminalreporter.write_line(f"note: {note}")
    for why in run.stopped:
        terminalreporter.write_line(f"conformance: {why} (exit status 3)")
    if run.settings.report_dir is not None:
        terminalreporter.write_line(f"reports: {run.settings.report_dir}/")
