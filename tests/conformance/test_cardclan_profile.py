"""CardClan specifics end to end: derived values, clock skew, merge-tag addresses."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from errcontract.reference import cardclan

if TYPE_CHECKING:
    from conftest import CliRun


def test_second_run_finds_the_existing_configuration_by_card(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
) -> None:
    """The integration id comes from creating a configuration, or on 409 from the
    lookup by card: a second run against the same target still judges everything."""
    base, app = served(cardclan.create_app())
    export_fixtures(app.state.fixtures)
    first = run_cli("run", "--api", "cardclan", "--base-url", base)
    second = run_cli("run", "--api", "cardclan", "--base-url", base)
    assert first.code == 0, first.out[-2000:]
    assert second.code == 0, second.out[-2000:]
    coverage = {
        (c["operation"], c["status"]): c["provoked"]
        for c in second.results["status_matrix"]
    }
    assert coverage.get(("getConfigByCard", "200"), 0) >= 1
    assert {c["status"] for c in second.results["clauses"]} == {"pass"}


def test_clock_skew_setting_widens_the_timestamp_window(
    run_cli: Callable[..., CliRun],
) -> None:
    """A timestamp an hour old fails at the default skew and passes at two hours."""
    default = run_cli("run", "--api", "cardclan", "--fault", "CC-TS-2")
    wide = run_cli(
        "run", "--api", "cardclan", "--fault", "CC-TS-2", "--clock-skew", "7200"
    )
    assert default.code == 1
    assert default.status("CC-TS-2") == "fail"
    assert wide.code == 0
    assert wide.status("CC-TS-2") == "pass"


def test_merge_tag_addresses_stay_under_example_com(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
) -> None:
    """Every address the run puts in a request body is under example.com."""
    seen: list[str] = []
    inner = cardclan.create_app()

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await inner(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def replay() -> Any:
            message = await receive()
            chunks.append(message.get("body", b""))
            return message

        await inner(scope, replay, send)
        seen.append(b"".join(chunks).decode("utf-8", errors="replace"))

    recording.state = inner.state  # type: ignore[attr-defined]
    base, app = served(recording)
    export_fixtures(app.state.fixtures)
    run = run_cli("run", "--api", "cardclan", "--base-url", base)
    assert run.code == 0
    addresses = {a for body in seen for a in re.findall(r"[\w.+-]+@[\w.-]+", body)}
    assert addresses
    assert all(a.endswith("@example.com") for a in addresses), sorted(addresses)


def test_read_only_finds_the_integration_id_by_lookup(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
) -> None:
    """In read-only mode the configuration is looked up, never created: clauses that
    need an integration id still run; the duplicate create is not run."""
    base, app = served(cardclan.create_app())
    export_fixtures(app.state.fixtures)
    first = run_cli("run", "--api", "cardclan", "--base-url", base)
    assert first.code == 0
    configs = len(app.state.store.configurations)
    read_only = run_cli("run", "--api", "cardclan", "--base-url", base, "--read-only")
    assert read_only.code == 0, read_only.out[-2000:]
    assert len(app.state.store.configurations) == configs
    assert read_only.status("CC-VAL-1") == "pass"
    assert read_only.status("CC-CONFLICT-2") == "pass"
    assert read_only.status("CC-CONFLICT-1") == "not-run"
    assert "read-only" in read_only.clause("CC-CONFLICT-1")["reason"]
