"""Memory held flat in the number of requests (issue 22, item 3): the run keeps a
whole exchange only where it is evidence.

The run-level clause (unique request ids, CD-HDR-2) is judged as the run goes and
keeps its first responses whole only up to a bound; a repeat still cites both
exchanges whole; the compact log gives the status matrix the whole log gave.
"""

from __future__ import annotations

import gc
from collections import Counter

from errcontract._contract.profile import load_profile
from errcontract._engine.judge import ResponseJudge
from errcontract._engine.log import ExchangeLog
from errcontract._http.exchange import Exchange
from errcontract._http.probe import Probe
from errcontract.checks.headers import KEPT_WHOLE, UniqueValues
from errcontract.results import Violation

NOT_FOUND = {"error": {"code": "not_found", "message": "no such card"}}
MANY = KEPT_WHOLE * 3


def _with_id(make_exchange, value: str, seq: int):
    headers = (("Content-Type", "application/json"), ("X-Request-Id", value))
    probe = Probe(operation="getCard", method="GET", path=f"/v1/cards/{seq}")
    return make_exchange(404, NOT_FOUND, headers, probe, seq=seq)


def _whole(exchange) -> bool:
    assert exchange.response is not None
    return bool(exchange.response.body) and bool(exchange.curl)


def test_a_long_passing_run_keeps_a_bounded_number_of_whole_exchanges(make_exchange):
    profile = load_profile("cardda")
    judge = ResponseJudge(profile, stream=True)
    clause = profile.clause("CD-HDR-2")
    assert judge.streamed(clause)
    states = [s for b, s in judge._streams if b.clause.id == "CD-HDR-2"]
    (state,) = states
    verdicts = []
    for seq in range(1, MANY + 1):
        exchange = _with_id(make_exchange, f"req-{seq}", seq)
        verdicts += [v for c, v in judge.judge(exchange) if c.id == "CD-HDR-2"]
    assert len(verdicts) == MANY
    assert not any(verdicts)
    assert isinstance(state, UniqueValues)
    kept = list(state.first_seen.values())
    assert len(kept) == MANY
    whole = [e for e in kept if isinstance(e, Exchange)]
    assert len(whole) == KEPT_WHOLE  # not MANY: flat
    assert all(_whole(e) for e in whole)
    # Past the bound, a request line: no exchange, probe, or body of any kind.
    held = [gc.get_referents(e) for e in kept if not isinstance(e, Exchange)]
    assert len(held) == MANY - KEPT_WHOLE
    assert not [
        o for parts in held for o in parts if isinstance(o, Probe | bytes | Exchange)
    ]


def test_a_repeated_id_still_cites_both_exchanges_whole(make_exchange, check_ctx):
    state = UniqueValues(check_ctx("cardda", "CD-HDR-2"))
    first = _with_id(make_exchange, "req-same", 1)
    assert state.see(first) is None
    for seq in range(2, 50):
        assert state.see(_with_id(make_exchange, f"req-{seq}", seq)) is None
    again = _with_id(make_exchange, "req-same", 50)
    violation = state.see(again)
    assert isinstance(violation, Violation)
    assert violation.exchanges == (first, again)
    for exchange in violation.exchanges:
        shown = exchange.to_dict()
        assert shown["request"]["url"].endswith(exchange.probe.path)
        assert shown["response"]["body"]
        assert "curl" in shown["curl"]


def test_a_repeat_past_the_bound_cites_the_request_line_and_the_header(
    make_exchange, check_ctx
):
    state = UniqueValues(check_ctx("cardda", "CD-HDR-2"))
    for seq in range(1, KEPT_WHOLE + 2):
        state.see(_with_id(make_exchange, f"req-{seq}", seq))
    late = KEPT_WHOLE + 1
    violation = state.see(_with_id(make_exchange, f"req-{late}", late + 1))
    assert isinstance(violation, Violation)
    earlier, _ = violation.exchanges
    assert earlier.seq == late
    assert earlier.probe.path == f"/v1/cards/{late}"
    assert earlier.response is not None
    assert earlier.response.header("X-Request-Id") == f"req-{late}"
    assert "were kept" in earlier.response.note


def test_the_compact_log_counts_what_the_whole_log_counted(make_exchange):
    log = ExchangeLog()
    exchanges = [
        make_exchange(
            status,
            NOT_FOUND,
            probe=Probe(operation=op, method=method, path=f"/v1/{op}/{seq}"),
            seq=seq,
        )
        for seq, (op, method, status) in enumerate(
            [
                ("getCard", "GET", 404),
                ("getCard", "GET", 404),
                ("delCard", "DELETE", 204),
            ]
            * 5
            + [("getCard", "GET", None)],
            start=1,
        )
    ]
    for exchange in exchanges:
        log.add(exchange)
    whole = Counter(
        (e.probe.operation, str(e.status)) for e in exchanges if e.status is not None
    )
    assert log.provoked() == whole
    assert log.among({1, 3, 16}) == Counter(
        {("getCard", "404"): 1, ("delCard", "204"): 1}
    )
    assert log.deleted == {f"/v1/delCard/{s}" for s in range(3, 16, 3)}
    assert log.recorded == len(exchanges)
