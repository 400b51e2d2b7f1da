"""A fleet file: deployments listed in one YAML file, run side by side.

Three entries (the cardda and cardclan profiles by name, the latter's server with its
CC-AUTH-1 fault, and the Projects API from its document and rfc9457: zero-config)
point at reference servers this test starts on 127.0.0.1, as deployments; run with
``conformance run --fleet FILE -n 2`` they give the verdicts of three separate runs
against the same servers, one exit status (1: the fault) and one report. A wrong
fleet file is exit 2 with one sentence naming the file, the entry, the key and the
near miss, before any request. One profile in two entries (staging and production,
production's server with the fault) is judged once per deployment, each named by its
entry. Each run made quick (one example a clause) and bounded by a subprocess time
limit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from _outcomes import outcomes, probed_alike

from errcontract._config.embedded import create_reference_app
from errcontract._contract.profile import load_profile
from errcontract.reference import problem

if TYPE_CHECKING:
    from conftest import CliRun

LIMIT_S = 400.0
FAULT = "CC-AUTH-1"
QUICK = ("--rate-limit", "200", "--max-rps", "100000", "--examples", "1")
SECRET = "not-a-real-key-Zq81"


@pytest.fixture(scope="module")
def deployments() -> Iterator[dict[str, tuple[str, dict[str, str]]]]:
    """The three servers: entry name -> (base URL, its fixtures)."""
    from contextlib import ExitStack

    from errcontract.reference._serve import serve

    apps = {
        "cards": create_reference_app(
            load_profile("cardda"), rate_limit=200, rate_limit_given=True
        ),
        "clan": create_reference_app(
            load_profile("cardclan"),
            faults=[FAULT],
            rate_limit=200,
            rate_limit_given=True,
        ),
        "projects": problem.create_app(rate_limit=200),
    }
    with ExitStack() as stack:
        yield {
            name: (
                stack.enter_context(serve(app)) + getattr(app.state, "base_path", ""),
                dict(app.state.fixtures),
            )
            for name, app in apps.items()
        }


def _variable(entry: str, fixture: str) -> str:
    return f"FLEET_{entry.upper()}_{fixture.upper()}"


PROFILES = {"cards": "cardda", "clan": "cardclan"}
"""Entry name -> its profile (any other entry: the Projects API's document)."""


def _fleet_file(
    path: Path,
    deployments: dict[str, tuple[str, dict[str, str]]],
    profiles: dict[str, str] = PROFILES,
) -> dict[str, str]:
    """Write the fleet file; return the variables holding its secrets."""
    secret = {name: load_profile(api) for name, api in profiles.items()}
    entries: list[dict[str, Any]] = []
    env: dict[str, str] = {}
    for name, (url, fixtures) in deployments.items():
        entry: dict[str, Any] = {"name": name, "base_url": url}
        if name not in profiles:
            entry |= {"openapi": str(problem.OPENAPI), "convention": "rfc9457"}
        else:
            entry["profile"] = profiles[name]
        shared = secret.get(name)
        for fixture, value in fixtures.items():
            if shared is None or fixture in shared.secret_fixtures:
                env[_variable(name, fixture)] = value
                entry.setdefault("fixture_env", {})[fixture] = _variable(name, fixture)
            else:
                entry.setdefault("fixtures", {})[fixture] = value
        entry |= {"rate_limit": 200, "max_rps": 100000}
        entries.append(entry)
    path.write_text(yaml.safe_dump({"apis": entries}, sort_keys=False))
    return env


def _run_fleet(
    fleet: Path, secrets: dict[str, str], *extra: str
) -> dict[str, tuple[Path, str, float]]:
    """``conformance run --fleet`` with ``-n 2`` and in one process: each form's
    report directory, output and wall time; both exit 1 (a fault)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env.pop("PYTEST_ADDOPTS", None)
    runs: dict[str, tuple[Path, str, float]] = {}
    for form in ("-n 2", "one process"):
        report = fleet.parent / f"fleet-report-{len(runs)}"
        workers = ["-n", "2"] if form == "-n 2" else []
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "errcontract.cli",
                "run",
                "--fleet",
                str(fleet),
                *workers,
                "--examples",
                "1",
                "--report-dir",
                str(report),
                *extra,
            ],
            cwd=fleet.parent,
            env=env | secrets,
            capture_output=True,
            text=True,
            timeout=LIMIT_S,
            check=False,
        )
        took = time.perf_counter() - started
        out = done.stdout + done.stderr
        assert done.returncode == 1, out[-4000:]
        runs[form] = (report, out, took)
    return runs


def test_a_fleet_file_gives_the_verdicts_of_separate_runs(
    deployments: dict[str, tuple[str, dict[str, str]]],
    run_cli: Callable[..., CliRun],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fleet = tmp_path / "fleet.yaml"
    secrets = _fleet_file(fleet, deployments)
    runs = _run_fleet(fleet, secrets)

    # The same servers, one API a run.
    alone: dict[str, dict[str, str]] = {}
    codes = []
    for name, (url, fixtures) in deployments.items():
        which = (
            ["--openapi", str(problem.OPENAPI), "--convention", "rfc9457"]
            if name == "projects"
            else ["--api", "cardda" if name == "cards" else "cardclan"]
        )
        given = [f"--fixture={k}={v}" for k, v in fixtures.items()]
        if name == "projects":
            # Its derived profile reads every fixture from the environment here.
            os.environ.update(
                {f"CONFORMANCE_{k.upper()}": v for k, v in fixtures.items()}
            )
            given = []
        try:
            ran = run_cli("run", *which, "--base-url", url, *given, *QUICK, "--quiet")
        finally:
            for k in fixtures:
                os.environ.pop(f"CONFORMANCE_{k.upper()}", None)
        codes.append(ran.code)
        (alone[name],) = outcomes(ran.report_dir).values()
    assert codes == [0, 1, 0]

    for form, (report, out, _) in runs.items():
        together = outcomes(report)
        compared, expected = probed_alike(together, alone)
        assert sum(map(len, compared.values())) > 40, compared
        assert compared == expected, form
        assert together["clan"][FAULT] == "fail"
        assert not [c for c, v in together["cards"].items() if v == "fail"]
        html = (report / "report.html").read_text(encoding="utf-8")
        assert all(name in html for name in alone)
        assert (report / "junit.xml").is_file()
        assert f"clan {FAULT} fail (" in out
        # No secret reaches the screen or the reports.
        results = (report / "results.json").read_text(encoding="utf-8")
        for value in secrets.values():
            assert value not in out + html + results
    with capsys.disabled():
        print(
            "\n"
            + "; ".join(f"fleet file, {f}: {t:.1f} s" for f, (_, _, t) in runs.items())
        )


def test_one_profile_deployed_twice_is_judged_per_deployment(
    deployments: dict[str, tuple[str, dict[str, str]]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Staging and production of one API (the cardclan profile twice, two base
    URLs, each deployment's own fixtures): production's server has CC-AUTH-1's
    fault, staging's none. Each is its own run: production fails the clause,
    staging passes it, and the test ids, the lines, the report, JUnit and
    results.json name the deployment."""
    from xml.etree import ElementTree

    from errcontract.reference._serve import serve

    app = create_reference_app(
        load_profile("cardclan"), rate_limit=200, rate_limit_given=True
    )
    with serve(app) as url:
        staging = (url + getattr(app.state, "base_path", ""), dict(app.state.fixtures))
        fleet = tmp_path / "fleet.yaml"
        secrets = _fleet_file(
            fleet,
            {"staging": staging, "production": deployments["clan"]},
            {"staging": "cardclan", "production": "cardclan"},
        )
        # -v: pytest's own line per clause test, which shows its id.
        runs = _run_fleet(fleet, secrets, "-v")

    for form, (report, out, _) in runs.items():
        found = outcomes(report)
        assert list(found) == ["staging", "production"], form
        assert set(found["staging"]) == set(found["production"])
        assert found["production"][FAULT] == "fail", form
        assert found["staging"][FAULT] == "pass", form
        assert not [c for c, v in found["staging"].items() if v == "fail"], form
        for test, word in (
            (f"production/{FAULT}", "FAILED"),
            (f"staging/{FAULT}", "PASSED"),
        ):
            lines = [
                line for line in out.splitlines() if f"test_clause[{test}]" in line
            ]
            assert any(word in line for line in lines), (form, test, out[-4000:])
        assert f"test_clause[{FAULT}]" not in out, form
        html = (report / "report.html").read_text(encoding="utf-8")
        assert f'id="ev-production-{FAULT}"' in html
        assert f'href="#ev-production-{FAULT}"' in html
        assert f'id="clause-staging-{FAULT}"' in html
        assert f'id="ev-staging-{FAULT}"' not in html
        junit = ElementTree.parse(report / "junit.xml").getroot()
        failures = {s.get("name"): s.get("failures") for s in junit.iter("testsuite")}
        assert failures["staging"] == "0", failures
        assert failures["production"] != "0", failures
        results = (report / "results.json").read_text(encoding="utf-8")
        for value in secrets.values():
            assert value not in out + html + results

    # conformance merge of the two fleet runs keeps all four deployments apart.
    merged = tmp_path / "merged"
    done = subprocess.run(
        [sys.executable, "-m", "errcontract.cli", "merge"]
        + [str(report) for report, _, _ in runs.values()]
        + ["-o", str(merged)],
        capture_output=True,
        text=True,
        timeout=LIMIT_S,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    together = outcomes(merged)
    assert list(together) == [
        "staging",
        "production",
        "staging (fleet-report-1)",
        "production (fleet-report-1)",
    ]
    assert [v[FAULT] for v in together.values()] == ["pass", "fail"] * 2
    with capsys.disabled():
        print(
            "\n"
            + "; ".join(
                f"one profile twice, {f}: {t:.1f} s" for f, (_, _, t) in runs.items()
            )
        )


GOOD = {"name": "cards", "profile": "cardda", "base_url": "http://127.0.0.1:9"}


def _write(path: Path, data: Any) -> Path:
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (
            {"apis": [GOOD, {"name": "clan", "profile": "cardclan", "base_ulr": "x"}]},
            "entry 'clan': unknown key 'base_ulr' (did you mean 'base_url'?)",
        ),
        (
            {"apis": [{"name": "clan", "profile": "cardclan"}]},
            "entry 'clan': key 'base_url' is missing",
        ),
        (
            {"apis": [GOOD, {**GOOD, "profile": "cardclan"}]},
            "entry #2: key name 'cards' is entry #1's too",
        ),
        (
            {"apis": [GOOD, {**GOOD, "name": "CARDS"}]},
            "entry #2: key name 'CARDS' is entry #1's too ('cards', as a "
            "variable's prefix)",
        ),
        (
            {"api": [GOOD]},
            "unknown key 'api' (did you mean 'apis'?)",
        ),
        (
            {"apis": [{**GOOD, "profile": "carda"}]},
            "entry 'cards', key profile: 'carda' is neither a profile directory",
        ),
        (
            {"apis": [{**GOOD, "max_rps": "fast"}]},
            "entry 'cards', key max_rps: 'fast' is not of type 'number'",
        ),
        (
            {"apis": [{**GOOD, "fixtures": {"api_key": SECRET}}]},
            "entry 'cards', key fixtures/api_key: a secret has no place in a "
            "fleet file",
        ),
        (
            {"apis": [{**GOOD, "fixtures": {"company_id": [SECRET]}}]},
            "entry 'cards', key fixtures/company_id: the value must be a string "
            "or a number",
        ),
        (
            {"apis": [{**GOOD, "fixture_env": {"api_kee": "CARDS_KEY"}}]},
            "unknown fixture 'api_kee' (did you mean 'api_key'?)",
        ),
        (
            {"apis": [{**GOOD, "base_url": f"http://u:{SECRET}@127.0.0.1:9"}]},
            "base URL must not carry credentials; give them as fixtures (from the "
            "fleet file",
        ),
        ("apis: [name: {", "the fleet file"),
    ],
    ids=[
        "unknown-key",
        "no-base-url",
        "duplicate-name",
        "duplicate-name-by-case",
        "unknown-top-key",
        "unknown-profile",
        "bad-value",
        "secret-in-file",
        "fixture-value-hidden",
        "unknown-fixture",
        "url-credentials",
        "not-yaml",
    ],
)
def test_a_wrong_fleet_file_is_one_sentence_and_exit_2(
    run_cli: Callable[..., CliRun], tmp_path: Path, data: Any, said: str
) -> None:
    fleet = _write(tmp_path / "fleet.yaml", data)
    ran = run_cli("run", "--fleet", str(fleet), "-n", "2")
    assert ran.code == 2, ran.out + ran.err
    lines = ran.err.strip().splitlines()
    assert len(lines) == 1, ran.err
    assert lines[0].startswith("conformance: error: ")
    assert f"the fleet file {fleet}" in lines[0]
    assert said in lines[0]
    assert SECRET not in ran.out + ran.err
    assert not ran.report_dir.exists()


def test_a_fleet_file_that_cannot_be_read_is_exit_2(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.yaml"
    ran = run_cli("run", "--fleet", str(missing))
    assert ran.code == 2
    assert ran.err.strip() == (
        f"conformance: error: the fleet file {str(missing)!r} does not exist "
        "(from --fleet)"
    )
    ran = run_cli("run", "--fleet", str(missing), "--base-url", "http://127.0.0.1:9")
    assert ran.code == 2
    assert "--base-url cannot be combined with the fleet file" in ran.err


def test_n_with_one_api_is_refused_in_one_sentence(
    run_cli: Callable[..., CliRun],
) -> None:
    ran = run_cli("run", "--api", "cardclan", "-n", "2")
    assert ran.code == 2
    assert ran.err.strip() == (
        "conformance: error: -n 2 runs several APIs side by side (--api all or "
        "--fleet FILE); one API is judged as one whole (one rate-limit budget, "
        "request ids unique across its run), so run it without -n"
    )
    assert not ran.report_dir.exists()
