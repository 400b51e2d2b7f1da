"""The three front doors end to end: the command, plain pytest, and ``serve``.

Traffic stays on 127.0.0.1: the embedded servers and the apps served here.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from errcontract.reference import cardda

if TYPE_CHECKING:
    from conftest import CliRun

FAST = ("--rate-limit", "50", "--max-rps", "1000")


def test_main_command_passes_both_profiles_at_the_documented_limit(
    run_cli: Callable[..., CliRun],
) -> None:
    """The README's main job: every clause of both profiles listed, none failing."""
    run = run_cli("run", "--api", "all")
    assert run.code == 0, run.out[-3000:]
    ids = {c["id"] for c in run.results["clauses"]}
    assert len([i for i in ids if i.startswith("CD-")]) == 30
    assert len([i for i in ids if i.startswith("CC-")]) == 26
    assert {c["status"] for c in run.results["clauses"]} == {"pass"}
    for clause_id in ids:
        assert f" {clause_id} " in run.out
    cases = [tc.get("name") for tc in run.junit.iter("testcase")]
    assert sorted(cases) == sorted(ids)
    assert run.results["duration_s"] < 60


def _echo_credentials(app: Any) -> Any:
    """Wrap an app so every response echoes the request's Authorization header."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        auth = dict(scope["headers"]).get(b"authorization", b"")

        async def send_echo(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"x-debug-auth", auth)]
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_echo)

    wrapped.state = app.state  # type: ignore[attr-defined]
    return wrapped


def test_no_credential_reaches_any_output(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Keys given by flag and by environment never appear in the terminal, JUnit or
    JSON, even when probes send the real key in a malformed header and the target
    echoes credentials back."""
    app = cardda.create_app(
        faults=["CD-AUTH-2", "CD-AUTH-3", "CD-POLICY-1"], rate_limit=50
    )
    base, app = served(_echo_credentials(app))
    fx = app.state.fixtures
    monkeypatch.setenv("CONFORMANCE_API_KEY", fx["api_key"])
    monkeypatch.setenv("CONFORMANCE_CARDDA_LIMITED_API_KEY", fx["limited_api_key"])
    run = run_cli(
        "run",
        "--api",
        "cardda",
        "--base-url",
        base,
        "--fixture",
        f"company_id={fx['company_id']}",
        "--fixture",
        f"unverified_api_key={fx['unverified_api_key']}",
        "--fixture",
        f"foreign_company_id={fx['foreign_company_id']}",
        *FAST,
    )
    assert run.code == 1
    assert run.failing() >= {"CD-AUTH-2", "CD-AUTH-3", "CD-POLICY-1"}
    everything = run.everything()
    for name in ("api_key", "unverified_api_key", "limited_api_key"):
        assert fx[name] not in everything, f"{name} leaked"
    assert "[redacted]" in everything
    # curl lines name the variable that holds the key instead of the key
    assert '"Authorization: Bearer $CONFORMANCE_UNVERIFIED_API_KEY"' in everything


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--api", "carda"], 2, ["unknown api 'carda'", "did you mean 'cardda'"]),
        (["--api", "cardda", "--base-url", "ftp://example.test"], 2, ["http(s)"]),
        (
            ["--api", "cardda", "--base-url", "http://127.0.0.1:9"],
            2,
            ["fixture api_key is required", "CONFORMANCE_API_KEY"],
        ),
        (["--api", "cardda", "--rate-limit", "fast"], 2, ["--rate-limit", "'fast'"]),
        (["--api", "cardda", "--fault", "CD-AUTH-9"], 2, ["did you mean"]),
    ],
    ids=["unknown-api", "bad-url", "missing-fixture", "bad-rate", "unknown-fault"],
)
def test_usage_errors_exit_2_with_one_sentence(
    run_cli: Callable[..., CliRun], args: list[str], code: int, words: list[str]
) -> None:
    run = run_cli("run", *args)
    assert run.code == code
    for word in words:
        assert word in run.err
    assert "Traceback" not in run.err + run.out


def test_the_flag_wins_over_a_bad_environment_variable_settings_resolved_once(
    run_cli: Callable[..., CliRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``CONFORMANCE_API=nope conformance run --api cardclan`` runs cardclan: the
    CLI resolves once and its pytest session takes that run, not the environment."""
    monkeypatch.setenv("CONFORMANCE_API", "nope")
    monkeypatch.setenv("CONFORMANCE_TIMEOUT", "soon")
    run = run_cli("run", "--api", "cardclan", "--timeout", "5", *FAST)
    assert run.code == 0, run.err
    assert run.results["api"] == "cardclan"
    assert run.results["settings"]["timeout_s"] == 5.0
    assert "nope" not in run.err


def test_an_unwritable_report_directory_is_a_usage_error(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    run = run_cli("run", "--api", "cardda", "--report-dir", str(blocker / "reports"))
    assert run.code == 2
    assert "report directory" in run.err
    assert "--report-dir" in run.err
    assert "Traceback" not in run.err


def test_unreachable_target_exits_3(
    run_cli: Callable[..., CliRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFORMANCE_API_KEY", "k-not-used")
    monkeypatch.setenv("CONFORMANCE_COMPANY_ID", "c")
    port = _free_port()
    run = run_cli("run", "--api", "cardda", "--base-url", f"http://127.0.0.1:{port}")
    assert run.code == 3
    assert "unreachable" in run.err
    assert "k-not-used" not in run.err + run.out


def test_a_key_the_target_refuses_is_a_configuration_error(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, app = served(cardda.create_app(rate_limit=None))
    monkeypatch.setenv("CONFORMANCE_API_KEY", "cd_live_wrong")
    monkeypatch.setenv("CONFORMANCE_COMPANY_ID", app.state.fixtures["company_id"])
    run = run_cli("run", "--api", "cardda", "--base-url", base)
    assert run.code == 2
    assert "refused fixture api_key" in run.err
    assert "cd_live_wrong" not in run.err


def test_clauses_without_their_fixture_are_not_run_and_say_why(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, app = served(cardda.create_app(rate_limit=50))
    monkeypatch.setenv("CONFORMANCE_API_KEY", app.state.fixtures["api_key"])
    monkeypatch.setenv("CONFORMANCE_COMPANY_ID", app.state.fixtures["company_id"])
    run = run_cli("run", "--api", "cardda", "--base-url", base, *FAST)
    assert run.code == 0
    not_run = {
        c["id"]: c["reason"] for c in run.results["clauses"] if c["status"] == "not-run"
    }
    assert set(not_run) == {"CD-AUTH-3", "CD-POLICY-1", "CD-TENANT-3"}
    assert "unverified_api_key" in not_run["CD-AUTH-3"]
    assert "CONFORMANCE_LIMITED_API_KEY" in not_run["CD-POLICY-1"]
    assert "foreign_company_id" in not_run["CD-TENANT-3"]
    skipped = [
        tc for tc in run.junit.iter("testcase") if tc.find("skipped") is not None
    ]
    assert len(skipped) == 3


def test_read_only_sends_no_write_and_reports_write_clauses_not_run(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
) -> None:
    base, app = served(cardda.create_app(rate_limit=50))
    export_fixtures(app.state.fixtures)
    store = app.state.store
    before = (len(store.recipients), len(store.transactions))
    statuses = {t["id"]: t["status"] for t in store.transactions.values()}
    run = run_cli("run", "--api", "cardda", "--base-url", base, "--read-only", *FAST)
    assert run.code == 0, run.out[-3000:]
    assert (len(store.recipients), len(store.transactions)) == before
    assert {t["id"]: t["status"] for t in store.transactions.values()} == statuses
    not_run = {
        c["id"]: c["reason"] for c in run.results["clauses"] if c["status"] == "not-run"
    }
    assert {"CD-CONFLICT-1", "CD-CONFLICT-2", "CD-POLICY-1"} <= set(not_run)
    assert all("read-only" in reason for reason in not_run.values()), not_run


def _env_without_conformance() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}


def test_serve_runs_a_reference_server_alone(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "errcontract.cli",
            "serve",
            "--api",
            "cardclan",
            "--port",
            str(port),
            "--fault",
            "CC-AUTH-1",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env_without_conformance(),
    )
    try:
        url = f"http://127.0.0.1:{port}/api/integration/auth/validate"
        deadline = time.monotonic() + 20
        response = None
        while time.monotonic() < deadline:
            try:
                response = httpx.get(url, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert response is not None, "server did not start"
        assert response.status_code == 401
        assert response.json()["message"] == "Unauthorized"  # the fault is on
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/api" in out
    assert "CONFORMANCE_API_KEY=" in out
    assert "CardClan Integration API reference server at" in out


def test_recipients_the_run_creates_are_deleted_at_the_end(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
) -> None:
    base, app = served(cardda.create_app(rate_limit=50))
    export_fixtures(app.state.fixtures)
    seeded = set(app.state.store.recipients)
    run = run_cli("run", "--api", "cardda", "--base-url", base, *FAST)
    assert run.code == 0
    created = [
        c
        for c in run.results["status_matrix"]
        if c["operation"] == "createRecipient" and c["status"] in {"200", "201"}
    ]
    assert created
    assert created[0]["provoked"] >= 2  # the setup create and duplicate probes
    left = set(app.state.store.recipients) - seeded
    assert left == set(), f"{len(left)} recipients left behind"


def test_the_command_exits_with_mains_status_and_its_heap_frozen(
    tmp_path: Path,
) -> None:
    # The command (``console``) leaves the run's objects out of Python's final
    # collections; its exit handlers still run, its status is ``main``'s.
    probe = (
        "import atexit, gc, sys; "
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0)); "
        "from errcontract.cli import console; console()"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "check-profile", "nowhere"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=_env_without_conformance(),
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "nowhere" in done.stderr
    assert done.stdout.strip().endswith("frozen True")


@pytest.mark.parametrize(
    ("extra", "spares"), [([], 0), (["--base-url", "http://127.0.0.1:9"], 1)]
)
def test_a_drawing_process_is_started_early_only_against_a_deployment(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    extra: list[str],
    spares: int,
) -> None:
    # The embedded servers' profiles are small: no process started for nothing.
    from errcontract._engine import drawing
    from errcontract.cli import main

    started: list[int] = []
    monkeypatch.setattr(drawing, "start_spare", lambda: started.append(1))
    monkeypatch.delenv("CONFORMANCE_BASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    code = main(["run", "--api", "cardda", "--max-requests", "0", *extra])
    assert code in (2, 3), code  # refused (no budget) or not reached: not run
    assert len(started) == spares
