"""``WWW-Authenticate`` read as RFC 9110 writes it, and the ``www_authenticate`` check.

RFC 9110 section 11.6.1: ``WWW-Authenticate = #challenge``; section 11.2:
``challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]``, ``auth-param =
token BWS "=" BWS ( token / quoted-string )``; scheme and parameter names are
case-insensitive, and a parameter occurs once per challenge. A list may hold empty
elements (section 5.6.1), and several field lines are one list (section 5.3). The
field's commas separate challenges and a challenge's parameters alike, and a
quoted string may hold commas: a scan that knows the grammar tells them apart.

No library does: Werkzeug's ``WWWAuthenticate.from_header`` (installed with
Connexion) reads one challenge only, so ``Basic realm="x", Bearer realm="y"`` comes
back as Basic with a parameter named ``Bearer realm``. This scan is linear in the
value (no regular expression backtracks over the target's text).

RFC 6750 section 3.1 for Bearer: a request that "lacks any authentication
information" gets no error code or other error information (``error``,
``error_description``, ``error_uri``); a refused token gets ``error`` as one of the
registered codes.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from errcontract._http.exchange import Exchange
from errcontract.checks._registry import REGISTRY, CheckContext, Inapplicable
from errcontract.checks.headers import MAX_JUDGED_VALUE, combined

_ALNUM = string.ascii_letters + string.digits
_TCHAR = frozenset("!#$%&'*+-.^_`|~" + _ALNUM)
_TOKEN68 = frozenset("-._~+/" + _ALNUM)
_OWS = " \t"

BEARER_ERRORS = frozenset(
    {"invalid_request", "invalid_token", "insufficient_scope"}
    # RFC 9470 section 3 (step-up authentication) registers one more for Bearer.
    | {"insufficient_user_authentication"}
)
"""``error`` codes a Bearer challenge may give (RFC 6750 section 3.1, RFC 9470)."""
ERROR_INFORMATION = ("error", "error_description", "error_uri")
"""What RFC 6750 section 3.1 calls "an error code or other error information"."""


class MalformedChallenge(ValueError):
    """A ``WWW-Authenticate`` value outside RFC 9110's grammar; says where."""


@dataclass(frozen=True)
class Challenge:
    """One challenge: its scheme as sent, a token68 or its parameters (names lower
    case, values unquoted)."""

    scheme: str
    params: tuple[tuple[str, str], ...] = ()
    token68: str | None = None

    def names(self, scheme: str) -> bool:
        """Whether this challenge is of ``scheme`` (letter case aside)."""
        return self.scheme.lower() == scheme.lower()

    def param(self, name: str) -> str | None:
        """The value of parameter ``name`` (letter case aside), if given."""
        lowered = name.lower()
        return next((v for k, v in self.params if k == lowered), None)


class _Scan:
    """A cursor over one value: each method reads one production or raises."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def end(self) -> bool:
        return self.at >= len(self.text)

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def skip(self, chars: str = _OWS) -> int:
        start = self.at
        while self.peek() and self.peek() in chars:
            self.at += 1
        return self.at - start

    def fail(self, what: str) -> MalformedChallenge:
        return MalformedChallenge(f"{what} at character {self.at + 1}")

    def run(self, chars: frozenset[str]) -> str:
        start = self.at
        while self.peek() and self.peek() in chars:
            self.at += 1
        return self.text[start : self.at]

    def token(self, what: str) -> str:
        found = self.run(_TCHAR)
        if not found:
            raise self.fail(f"expected {what}")
        return found

    def quoted(self) -> str:
        self.at += 1  # the opening DQUOTE
        out: list[str] = []
        while not self.end():
            ch = self.peek()
            self.at += 1
            if ch == '"':
                return "".join(out)
            if ch == "\\":
                if self.end():
                    break
                ch = self.peek()
                self.at += 1
            if ch != "\t" and (ord(ch) < 0x20 or ord(ch) == 0x7F):
                raise self.fail("a control character in a quoted string")
            out.append(ch)
        raise self.fail("an unterminated quoted string")

    def param_ahead(self) -> bool:
        """Whether a ``token BWS "="`` starts here (a parameter, not a challenge)."""
        start = self.at
        try:
            if not self.run(_TCHAR):
                return False
            self.skip()
            return self.peek() == "="
        finally:
            self.at = start

    def list_separator(self) -> bool:
        """Past OWS, commas and empty elements; whether one comma at least was."""
        self.skip()
        seen = False
        while self.peek() == ",":
            seen = True
            self.at += 1
            self.skip()
        return seen


def parse_challenges(value: str) -> list[Challenge]:
    """The challenges of a ``WWW-Authenticate`` value (several field lines joined
    with ", " first); ``MalformedChallenge`` for anything else, an empty list too."""
    scan = _Scan(value)
    out: list[Challenge] = []
    scan.list_separator()
    while not scan.end():
        out.append(_challenge(scan))
        if not scan.end() and not scan.list_separator():
            raise scan.fail("expected ',' between challenges")
    if not out:
        raise MalformedChallenge("no challenge")
    return out


def _challenge(scan: _Scan) -> Challenge:
    scheme = scan.token("an auth-scheme")
    if scan.end() or scan.peek() == ",":
        return Challenge(scheme)
    if scan.skip(" ") == 0:
        raise scan.fail(f"expected a space after {scheme!r}")
    if scan.end() or scan.peek() == ",":
        return Challenge(scheme)  # trailing spaces: a scheme alone
    start = scan.at
    token68 = scan.run(_TOKEN68)
    token68 += scan.run(frozenset("="))
    scan.skip()
    if token68 and (scan.end() or scan.peek() == ","):
        if not token68.rstrip("="):
            raise scan.fail("expected a token68 or a parameter")
        return Challenge(scheme, token68=token68)
    scan.at = start
    params: list[tuple[str, str]] = []
    while True:
        name = scan.token("a parameter name").lower()
        scan.skip()
        if scan.peek() != "=":
            raise scan.fail(f"expected '=' after parameter {name!r}")
        scan.at += 1
        scan.skip()
        value = scan.quoted() if scan.peek() == '"' else scan.token("a value")
        if any(k == name for k, _ in params):
            raise scan.fail(f"parameter {name!r} given twice in one challenge")
        params.append((name, value))
        mark = scan.at
        if not scan.list_separator():
            scan.skip()
            return Challenge(scheme, tuple(params))
        if scan.end() or not scan.param_ahead():
            scan.at = mark  # the comma ends this challenge: the next one follows
            return Challenge(scheme, tuple(params))


def sent_credential(ctx: CheckContext, exchange: Exchange) -> bool:
    """Whether the request carried any credential: the probe's (``absent`` is a
    request without one), or, for a request the suite did not build (Schemathesis'
    hooks), ``Authorization``, the profile's credential header or its query
    parameter as sent."""
    if not exchange.probe.credential.absent:
        return True
    header, query, _ = ctx.profile.credential_placement
    names = {"authorization", header.lower()}
    if any(name.lower() in names for name, _ in exchange.request.headers):
        return True
    sent = urlsplit(exchange.request.url).query
    return bool(query) and any(k == query for k, _ in parse_qsl(sent, True))


def _shown(challenges: Sequence[Challenge]) -> str:
    return ", ".join(repr(c.scheme) for c in challenges)


@REGISTRY.register(
    "www_authenticate",
    "exchange",
    params={
        "scheme": {
            "type": "string",
            "pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
            "required": True,
            "description": "the auth-scheme some challenge must name (letter case "
            "aside), e.g. Bearer",
        },
        "realm_required": {
            "type": "boolean",
            "description": "every challenge of the scheme carries `realm`",
        },
        "absent_ok": {
            "type": "boolean",
            "description": "a response without WWW-Authenticate is not judged "
            "(default: it fails; presence alone is header_present's)",
        },
    },
)
def www_authenticate(ctx: CheckContext, exchange: Exchange) -> Inapplicable | None:
    """``WWW-Authenticate`` parses as RFC 9110 section 11.6.1's challenges (field
    lines combined; scheme and parameter names in any case; quoted strings with
    commas and escapes; token68) and one names ``scheme``; with ``realm_required``,
    each of that scheme carries ``realm``. For ``Bearer`` (RFC 6750 section 3.1): a
    request that sent no credential (neither the probe's nor, as sent,
    ``Authorization``, the profile's credential header or query parameter) gets no
    ``error``, ``error_description`` or ``error_uri``; a refused one an ``error``,
    if any, of ``invalid_request``,
    ``invalid_token``, ``insufficient_scope`` or ``insufficient_user_authentication``
    (RFC 9470). A response without the header fails unless ``absent_ok`` (then
    not judged); an unparseable one fails with the value shown."""
    response = exchange.response
    assert response is not None
    scheme = ctx.params["scheme"]
    values = response.header_values("www-authenticate")
    status = response.status
    wanted = f"a {scheme} challenge (RFC 9110 section 11.6.1)"
    if not values:
        if ctx.params.get("absent_ok"):
            return Inapplicable(f"{status} without WWW-Authenticate")
        raise ctx.violation(
            "response lacks WWW-Authenticate",
            expected=f"WWW-Authenticate with {wanted}",
            actual=f"{status} without it",
            exchanges=(exchange,),
        )
    value = combined(values)
    if len(value) > MAX_JUDGED_VALUE:
        return Inapplicable(f"WWW-Authenticate of {len(value):,} characters")
    try:
        challenges = parse_challenges(value)
    except MalformedChallenge as exc:
        raise ctx.violation(
            "WWW-Authenticate is malformed",
            expected=f"WWW-Authenticate with {wanted}",
            actual=f"{status} with WWW-Authenticate {value!r}: {exc}",
            exchanges=(exchange,),
        ) from None
    named = [c for c in challenges if c.names(scheme)]
    if not named:
        raise ctx.violation(
            f"no {scheme} challenge",
            expected=f"WWW-Authenticate with {wanted}",
            actual=f"{status} with WWW-Authenticate {value!r} (schemes "
            f"{_shown(challenges)})",
            exchanges=(exchange,),
        )
    for challenge in named:
        if ctx.params.get("realm_required") and challenge.param("realm") is None:
            raise ctx.violation(
                f"{scheme} challenge without realm",
                expected=f"a {scheme} challenge with a realm parameter",
                actual=f"{status} with WWW-Authenticate {value!r}",
                exchanges=(exchange,),
            )
        if scheme.lower() == "bearer":
            _bearer_error(ctx, exchange, challenge, value)
    return None


def _bearer_error(
    ctx: CheckContext, exchange: Exchange, challenge: Challenge, value: str
) -> None:
    """RFC 6750 section 3.1's error attributes on one Bearer challenge."""
    status = exchange.status
    if not sent_credential(ctx, exchange):
        given = [n for n in ERROR_INFORMATION if challenge.param(n) is not None]
        if given:
            raise ctx.violation(
                "error information for a request that sent no credential",
                expected="a Bearer challenge without error, error_description or "
                "error_uri: the request sent no credential (RFC 6750 section 3.1)",
                actual=f"{status} with WWW-Authenticate {value!r} to "
                f"{exchange.probe.credential.describe()}",
                exchanges=(exchange,),
            )
        return
    error = challenge.param("error")
    if error is not None and error not in BEARER_ERRORS:
        raise ctx.violation(
            f"Bearer error {error!r} is no registered code",
            expected="error, if given, one of "
            + ", ".join(sorted(BEARER_ERRORS))
            + " (RFC 6750 section 3.1, RFC 9470)",
            actual=f"{status} with WWW-Authenticate {value!r}",
            exchanges=(exchange,),
        )
