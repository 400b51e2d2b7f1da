"""Credentials where the profile says: a header of its own (``X-API-Key: {token}``),
Basic (``Authorization: Basic {token_base64}``) or a query parameter, used by the
probes, the client, redaction and the curl lines alike.

The target is CardClan's reference app behind a translating front: it takes the
credential only where the profile puts it and hands it on as CardClan's Bearer token,
so a run passes only if every probe carries the credential the profile's way.
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

import pytest
import yaml

from errcontract._contract.profile import schemas_root
from errcontract.reference import cardclan

if TYPE_CHECKING:
    from conftest import CliRun

FAST = ("--rate-limit", "none", "--max-rps", "1000")


def _front(
    app: Any, mode: str, seen: list[dict[bytes, bytes]], *, trims: bool = False
) -> Any:
    """CardClan behind a front that reads the credential the profile's way only
    (``trims``: a lenient one that strips spaces around a query key)."""

    async def front(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        seen.append(headers)
        token: bytes | None = None
        query = scope["query_string"]
        if mode == "header":
            token = headers.get(b"x-api-key")
        elif mode == "basic":
            auth = headers.get(b"authorization", b"")
            if auth == b"Basic" or auth.startswith(b"Basic "):
                try:
                    token = base64.b64decode(auth[6:], validate=True)
                except ValueError:
                    token = b"not-base64"
        else:
            pairs = parse_qsl(query.decode(), keep_blank_values=True)
            token = next((v.encode() for k, v in pairs if k == "key"), None)
            if token is not None and token.strip() and token.strip() != token:
                # Strict: a key with spaces around it is no key (the header it is
                # handed on in would lose them); lenient: the spaces are trimmed.
                token = token.strip() if trims else b"no-such-key"
            query = urlencode([(k, v) for k, v in pairs if k != "key"]).encode()
        kept = [(k, v) for k, v in scope["headers"] if k not in (b"authorization",)]
        if token is not None:
            kept.append((b"authorization", b"Bearer " + token))
        await app({**scope, "headers": kept, "query_string": query}, receive, send)

    front.state = app.state  # type: ignore[attr-defined]
    return front


def _profile(
    tmp_path: Path,
    placement: dict[str, str],
    invalid_key_kinds: list[str] | None = None,
) -> Path:
    root = tmp_path / "profiles"
    target = root / "keyed"
    shutil.copytree(schemas_root() / "cardclan", target)
    shutil.copytree(schemas_root() / "common", root / "common")
    meta = yaml.safe_load((target / "profile.yaml").read_text())
    meta.update(api="keyed", title="Keyed API", **placement)
    del meta["reference_app"]
    (target / "profile.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    catalog = yaml.safe_load((target / "clauses.yaml").read_text())
    # The scheme clauses are about the Bearer scheme: a keyed API has none.
    scheme = {"CC-AUTH-2", "CC-AUTH-6"}
    catalog["clauses"] = [c for c in catalog["clauses"] if c["id"] not in scheme]
    for clause in catalog["clauses"]:
        if clause["id"] == "CC-AUTH-4" and invalid_key_kinds:
            clause["probes"]["with"]["kinds"] = invalid_key_kinds
    (target / "clauses.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    return target


@pytest.mark.parametrize(
    ("mode", "placement", "curl"),
    [
        ("header", {"credential_header": "X-API-Key: {token}"}, "-H 'X-API-Key: "),
        (
            "basic",
            {"credential_header": "Authorization: Basic {token_base64}"},
            "-H 'Authorization: Basic ",
        ),
        ("query", {"credential_query": "key"}, "?key="),
    ],
    ids=["x-api-key", "basic", "query"],
)
def test_the_credential_goes_where_the_profile_says(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
    tmp_path: Path,
    mode: str,
    placement: dict[str, str],
    curl: str,
) -> None:
    seen: list[dict[bytes, bytes]] = []
    inner = cardclan.create_app(rate_limit=None, faults=["CC-AUTH-4"])
    base, app = served(_front(inner, mode, seen))
    export_fixtures(app.state.fixtures)
    key = app.state.fixtures["api_key"]
    directory = _profile(tmp_path, placement)
    run = run_cli("run", "--profile-dir", str(directory), "--base-url", base, *FAST)
    # CC-AUTH-4 (the fault) is found through the profile's placement, and nothing
    # else fails: every valid probe carried the key the profile's way.
    assert run.code == 1, run.out[-3000:]
    assert run.failing() == {"CC-AUTH-4"}
    passed = [c["id"] for c in run.results["clauses"] if c["status"] == "pass"]
    assert len(passed) >= 15
    if mode == "header":
        assert any(b"x-api-key" in h for h in seen)
        # Authorization only on CC-AUTH-5's misplaced key, never beside X-API-Key.
        assert not any(b"authorization" in h and b"x-api-key" in h for h in seen)
    everything = run.everything()
    assert curl in everything
    assert key not in everything
    assert base64.b64encode(key.encode()).decode() not in everything


def test_a_malformed_credential_placement_is_a_profile_error(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    directory = _profile(tmp_path, {"credential_header": "X-API-Key {token}"})
    check = run_cli("check-profile", str(directory))
    assert check.code == 2
    assert "credential_header" in check.out


@pytest.mark.parametrize("trims", [False, True], ids=["strict", "trims"])
def test_a_padded_query_key_is_another_key(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
    tmp_path: Path,
    trims: bool,
) -> None:
    """Where the key is a query parameter, the key with a space on either side is
    another key (a query value is data to the last byte): a front that strips it
    fails the invalid-key clause through ``padded`` only, a strict one passes; no
    output shows the key in any form."""
    seen: list[dict[bytes, bytes]] = []
    inner = cardclan.create_app(rate_limit=None)
    base, app = served(_front(inner, "query", seen, trims=trims))
    export_fixtures(app.state.fixtures)
    key = app.state.fixtures["api_key"]
    kinds = ["unknown-uuid", "case-changed", "padded"]
    directory = _profile(tmp_path, {"credential_query": "key"}, kinds)
    run = run_cli("run", "--profile-dir", str(directory), "--base-url", base, *FAST)
    sent = run.clause("CC-AUTH-4")["coverage"]["sent"]
    assert {row["kind"] for row in sent} == set(kinds)
    if trims:
        assert run.code == 1, run.out[-3000:]
        assert run.failing() == {"CC-AUTH-4"}
        broken = {row["kind"] for row in sent if row["outcome"] == "broken"}
        assert broken == {"padded"}, sent
        # The evidence's curl line rebuilds the padded key from the variable.
        assert "%20$CONFORMANCE_API_KEY%20" in run.everything()
    else:
        assert run.code == 0, run.out[-3000:]
    assert not run.leaks(key, f" {key} ")
