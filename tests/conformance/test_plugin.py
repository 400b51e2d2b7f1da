"""The pytest plugin in a real pytest environment: next to pytest-timeout,
pytest-randomly, pytest-xdist and pytest-base-url, inert unless asked, and the suite
run through plain pytest (header line, exit statuses, errors naming their source).

Every pytest session here is a subprocess (``runpytest_subprocess``), so plugins load
from their entry points exactly as in a user's virtual environment. Traffic goes to
127.0.0.1 only: the embedded servers and the apps served here.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from importlib import metadata
from typing import Any

import pytest

from errcontract._contract.profile import load_profile
from errcontract._engine.run import clause_order
from errcontract.reference import cardda

pytest_plugins = ["pytester"]

NEIGHBOURS = ("pytest-timeout", "pytest-randomly", "pytest-xdist", "pytest-base-url")
FAST = ("--conformance-rate-limit", "50", "--conformance-max-rps", "1000")
SUITE = ("--pyargs", "errcontract.suite", "-p", "no:cacheprovider")
TRIVIAL = """
def test_one():
    assert 1 + 1 == 2

def test_two():
    assert "a" in "abc"
"""


def test_the_neighbour_plugins_are_installed() -> None:
    """The environment these tests claim to run in (CI installs them)."""
    for name in NEIGHBOURS:
        assert metadata.version(name)


def test_an_unrelated_project_passes_with_every_plugin_loaded(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_unrelated=TRIVIAL)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    assert result.ret == 0
    # The neighbours really loaded alongside (randomly prints its seed line).
    result.stdout.fnmatch_lines(["Using --randomly-seed=*"])
    result.stdout.no_fnmatch_line("conformance:*")
    assert not (pytester.path / "conformance-report").exists()


def test_every_option_is_namespaced_and_the_neighbours_keep_theirs(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_subprocess("--help")
    assert result.ret == 0
    text = result.stdout.str()
    for theirs in ("--timeout=", "--randomly-seed=", "--numprocesses=", "--base-url="):
        assert theirs in text
    ours = [
        line.split()[0]
        for line in text.splitlines()
        if line.strip().startswith("--conformance")
    ]
    assert "--conformance-api=API" in ours
    assert len(ours) >= 19
    group = text.split("error-contract conformance:")[1].split("\n\n")[0]
    flags = [line.split()[0] for line in group.splitlines() if line.startswith("  --")]
    assert flags
    assert all(f.startswith("--conformance-") for f in flags), flags


def test_the_unrelated_project_runs_under_its_own_plugins_options(
    pytester: pytest.Pytester,
) -> None:
    """``--timeout``, ``-n 2``, ``-p randomly`` and ``--base-url`` keep working."""
    pytester.makepyfile(test_unrelated=TRIVIAL)
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "--timeout",
        "30",
        "-n",
        "2",
        "--base-url",
        "http://127.0.0.1:9",
    )
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*2 workers*"])


def test_the_plugin_is_inert_with_bad_conformance_values_when_no_api_is_chosen(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing is read or validated unless an API is chosen."""
    monkeypatch.setenv("CONFORMANCE_READ_ONLY", "maybe")
    pytester.makeini("[pytest]\nconformance_rate_limit = fast\n")
    pytester.makepyfile(test_unrelated=TRIVIAL)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_the_suite_runs_through_pytest_in_that_environment(
    pytester: pytest.Pytester,
) -> None:
    """One test per clause in judging order (pytest-randomly is active), the header
    line with the effective settings, the reports, exit 0."""
    result = pytester.runpytest_subprocess(
        *SUITE, "-v", "--conformance-api", "cardclan", *FAST
    )
    assert result.ret == 0, result.stdout.str()[-3000:]
    result.assert_outcomes(passed=26)
    result.stdout.fnmatch_lines(
        [
            "conformance: cardclan=embedded reference server; seed=None; depth=ci; "
            "read_only=False"
        ]
    )
    clauses = [
        line.split("[")[1].split("]")[0]
        for line in result.stdout.lines
        if "test_clause[" in line and " PASSED" in line
    ]
    assert len(clauses) == 26
    # pytest-randomly shuffled them; the plugin put them back in judging order
    # (checks over every response after the probes whose answers they judge).
    judging = [c.id for c in clause_order(load_profile("cardclan").clauses)]
    assert clauses == judging
    results = json.loads(
        (pytester.path / "conformance-report" / "results.json").read_text()
    )
    assert results["verdict"] == "pass"
    assert (pytester.path / "conformance-report" / "junit.xml").is_file()


def test_a_broken_clause_fails_its_test_with_the_evidence(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_subprocess(
        *SUITE,
        "--conformance-api",
        "cardclan",
        "--conformance-fault",
        "CC-AUTH-4",
        *FAST,
    )
    assert result.ret == 1
    result.assert_outcomes(passed=25, failed=1)
    result.stdout.fnmatch_lines(["*CC-AUTH-4*", "*curl -i -X*"])


def test_a_convention_alone_runs_zero_config_through_pytest(
    pytester: pytest.Pytester,
) -> None:
    """``--conformance-convention`` chooses the run as ``--conformance-api`` does:
    the clauses derived from the convention's reference document, one test each."""
    result = pytester.runpytest_subprocess(
        *SUITE, "--conformance-convention", "rfc9457", *FAST, "--conformance-fault",
        "PD-BODY-2",
    )  # fmt: skip
    assert result.ret == 1, result.stdout.str()[-3000:]
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 1
    assert outcomes["passed"] >= 15
    result.stdout.fnmatch_lines(["*PD-BODY-2*"])


def test_settings_come_from_the_ini_file(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\n"
        "conformance_api = cardclan\n"
        "conformance_rate_limit = 50\n"
        "conformance_max_rps = 1000\n"
        "conformance_report_dir = from-ini\n"
    )
    result = pytester.runpytest_subprocess(*SUITE, "-q")
    assert result.ret == 0, result.stdout.str()[-2000:]
    assert (pytester.path / "from-ini" / "results.json").is_file()


@pytest.mark.parametrize("style", ["pytest.ini", "pyproject.toml", "tox.ini"])
def test_a_bad_ini_value_names_the_file_and_key(
    pytester: pytest.Pytester, style: str
) -> None:
    if style == "pytest.ini":
        pytester.makefile(".ini", pytest="[pytest]\nconformance_rate_limit = fast\n")
        where = "conformance_rate_limit in pytest.ini"
    elif style == "tox.ini":
        pytester.makeini("[pytest]\nconformance_rate_limit = fast\n")
        where = "conformance_rate_limit in tox.ini [pytest]"
    else:
        pytester.makepyprojecttoml(
            '[tool.pytest.ini_options]\nconformance_rate_limit = "fast"\n'
        )
        where = "conformance_rate_limit in pyproject.toml [tool.pytest.ini_options]"
    result = pytester.runpytest_subprocess(*SUITE, "--conformance-api", "cardda")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: rate-limit must be a number, got 'fast' (from {where})"]
    )
    assert "Traceback" not in result.stderr.str()
    assert "Warning" not in result.stderr.str()


def test_a_flag_beats_the_ini_file_and_an_override_is_named(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\nconformance_timeout = 3\n")
    result = pytester.runpytest_subprocess(
        *SUITE, "--conformance-api", "cardda", "-o", "conformance_timeout=soon"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: timeout must be a number, got 'soon' (from -o conformance_timeout)"]
    )


def test_an_unknown_api_is_a_usage_error_naming_the_flag(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_subprocess(*SUITE, "--conformance-api", "carda")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: unknown api 'carda' from --conformance-api (did you mean 'cardda'?)*"]
    )


def test_the_environment_chooses_the_api_too(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFORMANCE_API", "cardclam")
    result = pytester.runpytest_subprocess(*SUITE)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: unknown api 'cardclam' from environment variable CONFORMANCE_API*"]
    )


def test_the_suite_refuses_an_xdist_schedule_that_splits_an_api(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_subprocess(
        "-n", "2", "--dist", "each", *SUITE, "--conformance-api", "cardda"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: the conformance suite judges each API as one whole*pytest-xdist*"]
    )
    assert not (pytester.path / "conformance-report").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_target_exits_3(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFORMANCE_API_KEY", "k-not-used")
    monkeypatch.setenv("CONFORMANCE_COMPANY_ID", "c")
    result = pytester.runpytest_subprocess(
        *SUITE,
        "--conformance-api",
        "cardda",
        "--base-url",
        f"http://127.0.0.1:{_free_port()}",
    )
    assert result.ret == 3
    assert "unreachable" in result.stdout.str() + result.stderr.str()
    assert "k-not-used" not in result.stdout.str() + result.stderr.str()


def test_a_key_the_target_refuses_exits_2_in_one_sentence(
    pytester: pytest.Pytester,
    served: Callable[..., tuple[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A setting found wrong when the run starts (the preflight) is exit 2, not a
    broken contract."""
    base, app = served(cardda.create_app(rate_limit=None))
    monkeypatch.setenv("CONFORMANCE_API_KEY", "cd_live_wrong")
    monkeypatch.setenv("CONFORMANCE_COMPANY_ID", app.state.fixtures["company_id"])
    result = pytester.runpytest_subprocess(
        *SUITE, "--conformance-api", "cardda", "--base-url", base
    )
    assert result.ret == 2
    output = result.stdout.str() + result.stderr.str()
    assert "refused fixture api_key" in output
    assert "cd_live_wrong" not in output
    assert "Traceback" not in output


# -- --seed replays a run; thorough with two seeds sends different probes ----------


class _Recorder:
    """ASGI middleware noting what each request sent (method, path, credential, body);
    the request id the server adds and the bodies made unique per run are not part of
    a probe, so they are left out."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = app.state
        self.seen: list[tuple[str, str, str, bytes]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def recording() -> Any:
            message = await receive()
            chunks.append(message.get("body", b""))
            return message

        await self.app(scope, recording, send)
        headers = dict(scope["headers"])
        self.seen.append(
            (
                scope["method"],
                scope["path"] + "?" + scope["query_string"].decode(),
                headers.get(b"authorization", b"").decode("latin-1"),
                b"".join(chunks),
            )
        )


@pytest.fixture
def recorded(
    served: Callable[..., tuple[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., list[tuple[str, str, str, bytes]]]:
    """Run one clause of the suite (thorough) with a seed against a recording
    Cardda server; return what the clause sent."""
    recorder = _Recorder(cardda.create_app(rate_limit=None))
    base, _ = served(recorder)
    for name, value in recorder.state.fixtures.items():
        monkeypatch.setenv(f"CONFORMANCE_{name.upper()}", value)

    def run(pytester: pytest.Pytester, seed: str) -> list[tuple[str, str, str, bytes]]:
        recorder.seen.clear()
        result = pytester.runpytest_subprocess(
            *SUITE,
            "-p",
            "no:randomly",
            "--conformance-api",
            "cardda",
            "--base-url",
            base,
            "--conformance-profile",
            "thorough",
            "--conformance-seed",
            seed,
            "--conformance-rate-limit",
            "none",
            "--conformance-max-rps",
            "1000",
            "--conformance-read-only",
            "-k",
            "CD-AUTH-2",
        )
        assert result.ret == 0, result.stdout.str()[-2000:]
        return list(recorder.seen)

    return run


def test_the_same_seed_sends_the_same_probes_and_another_seed_others(
    pytester: pytest.Pytester, recorded: Any
) -> None:
    first = recorded(pytester, "7")
    again = recorded(pytester, "7")
    other = recorded(pytester, "8")
    malformed = [r for r in first if r[2] and "Bearer cd_" not in r[2]]
    assert len(malformed) >= 20, "thorough should send many malformed credentials"
    assert first == again
    assert first != other
    assert set(first) != set(other)


def test_a_project_with_its_own_reports_and_strategies_packages_keeps_the_plugin(
    pytester: pytest.Pytester,
) -> None:
    """The suite installs one import package (errcontract): a user's own ``reports``
    and ``strategies`` packages in the working directory shadow nothing of it."""
    for name in ("reports", "strategies", "conformance"):
        package = pytester.path / name
        package.mkdir()
        (package / "__init__.py").write_text(
            "raise ImportError('the user\\'s own package, not the suite\\'s')\n"
        )
    result = pytester.runpytest_subprocess(
        *SUITE, "--conformance-api", "cardclan", *FAST
    )
    assert result.ret == 0, result.stdout.str()[-3000:]
    result.assert_outcomes(passed=26)
    assert (pytester.path / "conformance-report" / "report.html").is_file()
