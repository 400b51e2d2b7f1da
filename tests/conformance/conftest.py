"""Builders for check tests: exchanges made by hand, contexts from the real catalogs.

Clause parameters (schemas, header names, fields, leak patterns) come from the shipped
profiles, so a test judges what the catalog actually binds, not a copy of it. The
fixtures are session-scoped factories: they hold no state a test could change, and
Hypothesis tests may use them.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import pytest
from _clock import FakeClock

from errcontract._contract.profile import load_profile
from errcontract._http.exchange import Exchange, Received, SentRequest
from errcontract._http.probe import Probe
from errcontract._http.redact import curl_line
from errcontract.checks import REGISTRY, CheckContext

BASE = "https://api.example.test"
ARRIVED = datetime(2024, 1, 15, 10, 30, 0, tzinfo=UTC)
"""When a hand-made response arrived, unless a test says otherwise."""

JSON_HEADERS = (("Content-Type", "application/json"),)


def _encode(body: Any) -> bytes:
    """Bytes go as they are; any other value is encoded as JSON."""
    return body if isinstance(body, bytes) else json.dumps(body).encode()


def build_exchange(
    status: int | None,
    body: Any = b"",
    headers: Iterable[tuple[str, str]] | None = None,
    probe: Probe | None = None,
    *,
    seq: int = 1,
    received_at: datetime = ARRIVED,
    failure: str | None = None,
) -> Exchange:
    """One exchange; ``status=None`` is a transport failure (no response)."""
    probe = probe or Probe(
        operation="listCompanies", method="GET", path="/v1/companies"
    )
    request = SentRequest(
        method=probe.method, url=BASE + probe.path, headers=(), body=None
    )
    response = None
    if status is not None:
        response = Received(
            status=status,
            headers=JSON_HEADERS if headers is None else tuple(headers),
            body=_encode(body),
            truncated=False,
            received_at=received_at,
            elapsed_s=0.01,
        )
    return Exchange(
        seq=seq,
        probe=probe,
        request=request,
        curl=curl_line(probe.method, request.url, (), probe.body),
        response=response,
        failure=failure if status is None else None,
    )


@pytest.fixture(scope="session")
def make_exchange() -> Callable[..., Exchange]:
    """``make_exchange(status, body, headers=..., probe=...)``: a distinct ``seq`` each.

    ``body`` is bytes as sent, or any other value encoded as JSON (a ``str`` becomes
    a JSON string); ``headers`` defaults to one ``Content-Type: application/json``.
    """
    counter = itertools.count(1)

    def factory(*args: Any, **kwargs: Any) -> Exchange:
        kwargs.setdefault("seq", next(counter))
        return build_exchange(*args, **kwargs)

    return factory


@pytest.fixture(scope="session")
def check_ctx() -> Callable[..., CheckContext]:
    """``check_ctx(api, clause_id, clock_skew_s=300.0)`` from the shipped profile."""

    def factory(api: str, clause_id: str, clock_skew_s: float = 300.0) -> CheckContext:
        profile = load_profile(api)
        return CheckContext(
            clause=profile.clause(clause_id), profile=profile, clock_skew_s=clock_skew_s
        )

    return factory


@pytest.fixture(scope="session")
def judge(check_ctx: Callable[..., CheckContext]) -> Callable[..., Any]:
    """``judge(api, clause_id, subject)``: run the clause's check.

    ``subject`` is an exchange, a sequence of exchanges or a burst, by the check's
    scope; the check's return value is returned, its ``Violation`` propagates.
    """

    def run(api: str, clause_id: str, subject: Any, **ctx_kwargs: Any) -> Any:
        ctx = check_ctx(api, clause_id, **ctx_kwargs)
        return REGISTRY.get(ctx.clause.check).fn(ctx, subject)

    return run


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], FakeClock]:
    """``fake_clock("errcontract._http.pacing")``: that module's clock, faked."""
    return lambda module: FakeClock().install(monkeypatch, module)
