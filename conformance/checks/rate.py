"""Rate-limit checks over the burst the suite sends in one bucket."""

from __future__ import annotations

from dataclasses import dataclass

from errcontract._http.exchange import Exchange
from errcontract._http.retries import retry_after_seconds
from errcontract.checks._registry import REGISTRY, CheckContext


@dataclass(frozen=True)
class Burst:
    """A bounded burst in one bucket: what was sent, the first 429, the retry."""

    exchanges: tuple[Exchange, ...]
    limit_per_s: float
    duration_s: float
    limited: Exchange | None = None
    recovery: Exchange | None = None
    waited_s: float = 0.0
    no_recovery: str = ""

    @property
    def achieved_per_s(self) -> float:
        """How fast the burst actually went."""
        return len(self.exchanges) / self.duration_s if self.duration_s else 0.0


def _codes(error: object) -> tuple[str, ...]:
    """The accepted codes of ``error``: one code, or a list of them."""
    if isinstance(error, str):
        return (error,)
    return tuple(str(code) for code in error) if isinstance(error, list) else ()


@REGISTRY.register(
    "rate_limited",
    "burst",
    params={
        "header": {"type": "string", "minLength": 1},
        "body_field": {"type": "string", "minLength": 1},
        "error": {
            "oneOf": [
                {"type": "string", "minLength": 1},
                {
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": {"type": "string", "minLength": 1},
                },
            ],
            "description": "the code the 429 carries in `error_body.code_field`, "
            "or a list of the codes accepted (any one of them passes)",
        },
        "max_seconds": {"type": "number", "exclusiveMinimum": 0},
    },
)
def rate_limited(ctx: CheckContext, burst: Burst) -> None:
    """A burst above the limit gets a 429 with a positive integer ``Retry-After``,
    the documented code (one of them, where ``error`` lists several), and
    ``retry_after`` in the body equal to it when present."""
    limited = burst.limited
    if limited is None or limited.response is None:
        sent = len(burst.exchanges)
        raise ctx.violation(
            "no 429 for a burst above the rate limit",
            expected=f"429 within {sent} requests at above {burst.limit_per_s:g}/s",
            actual=f"{sent} requests in {burst.duration_s:.2f} s, none answered 429",
            exchanges=burst.exchanges[-1:],
        )
    response = limited.response
    header = ctx.params.get("header", "Retry-After")
    raw = response.header(header)
    seconds = retry_after_seconds(raw)
    if seconds is None:
        raise ctx.violation(
            f"429 without a usable {header}",
            expected=f"{header}: a positive integer of seconds",
            actual="no header" if raw is None else repr(raw),
            exchanges=(limited,),
        )
    ceiling = ctx.params.get("max_seconds")
    if ceiling is not None and seconds > ceiling:
        raise ctx.violation(
            f"{header} far longer than the limit's window",
            expected=f"{header} of at most {ceiling} s for this rate limit",
            actual=f"{header}: {seconds} (longer than the suite waits, too)",
            exchanges=(limited,),
        )
    body = response.json() if response.is_json else None
    code_field = ctx.profile.error_body.get("code_field")
    codes = _codes(ctx.params.get("error"))
    if (
        codes
        and code_field
        and (not isinstance(body, dict) or body.get(code_field) not in codes)
    ):
        got = body.get(code_field) if isinstance(body, dict) else None
        raise ctx.violation(
            "429 without the documented code",
            expected=f"{code_field} " + " or ".join(map(repr, codes)),
            actual=repr(got),
            exchanges=(limited,),
        )
    field = ctx.params.get("body_field")
    echoed = body.get(field) if field and isinstance(body, dict) else None
    if (
        field
        and isinstance(body, dict)
        and field in body
        and (isinstance(echoed, bool) or echoed != seconds)
    ):
        raise ctx.violation(
            f"body {field} differs from {header}",
            expected=f"{field} = {seconds}",
            actual=f"{field} = {body[field]!r}",
            exchanges=(limited,),
        )


@REGISTRY.register(
    "rate_recovers",
    "burst",
    params={"header": {"type": "string", "minLength": 1}},
)
def rate_recovers(ctx: CheckContext, burst: Burst) -> None:
    """After waiting ``Retry-After`` seconds the same request succeeds."""
    recovery = burst.recovery
    if recovery is None:
        return
    response = recovery.response
    if response is None or not 200 <= response.status < 300:
        actual = (
            f"no response ({recovery.failure})"
            if response is None
            else f"{response.status} after waiting {burst.waited_s:.2f} s"
        )
        raise ctx.violation(
            "still refused after waiting Retry-After",
            expected="a 2xx answer to the same request",
            actual=actual,
            exchanges=(recovery,),
        )
