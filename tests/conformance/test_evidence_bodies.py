"""A very large request body (an oversized-body probe) is cut in the evidence: the
request keeps its first ``EVIDENCE_BODY_BYTES`` (redacted first), the curl line says
how large the body was instead of holding it; smaller bodies are kept whole."""

from __future__ import annotations

from errcontract._http.exchange import EVIDENCE_BODY_BYTES, Exchange
from errcontract._http.probe import Probe
from errcontract._http.redact import Redactor

KEY = "sk-evidence-0123456789abcdef"


def _exchange(body: bytes) -> Exchange:
    return Exchange.redacted(
        Redactor([KEY]),
        seq=1,
        probe=Probe(operation="create", method="POST", path="/things"),
        method="POST",
        url="http://127.0.0.1:9/things",
        headers=[("Content-Type", "application/json")],
        body=body,
        response=None,
        failure="not sent",
    )


def test_a_body_up_to_the_cut_is_kept_whole_and_on_the_curl_line() -> None:
    body = b'{"name": "' + b"x" * (EVIDENCE_BODY_BYTES - 12) + b'"}'
    assert len(body) == EVIDENCE_BODY_BYTES
    exchange = _exchange(body)
    assert exchange.request.body == body.decode()
    assert body.decode() in exchange.curl


def test_a_larger_body_is_cut_redacted_and_left_off_the_curl_line() -> None:
    body = b'{"key": "' + KEY.encode() + b'", "pad": "' + b"x" * 1_000_000 + b'"}'
    exchange = _exchange(body)
    shown = exchange.request.body or ""
    assert KEY not in shown
    assert KEY not in exchange.curl
    assert shown.endswith(f" more bytes: {len(body):,} sent]")
    assert len(shown) < EVIDENCE_BODY_BYTES + 100
    assert exchange.curl.endswith(f"the {len(body):,}-byte body, not shown")
    assert len(exchange.curl) < 1000
