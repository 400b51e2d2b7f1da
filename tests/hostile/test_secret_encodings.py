"""A secret in every place it can go, and in every encoding, shows in no output.

The key is ``s3cr3T+Key/Zz9==``: ``+``, ``/`` and ``=`` all change under URL
encoding, so a redactor that masks only the raw value lets ``s3cr3T%2BKey%2FZz9%3D%3D``
through. It rides in the query string (``apiKey``, ``in: query``) of a target that
checks it arrived intact, forwards the request to the embedded Projects API with the
app's real bearer key, and echoes what it got back in response headers (the raw query
string, Base64, JSON with ``\\/``, lower-case hex, double-encoded), so that evidence
holding those headers must be masked. The same key then meets a target that refuses
it (exit 2) and no target at all (exit 3), and secrets that cannot go in a header at
all (CR, LF, NUL, control characters, non-ASCII) are refused before any request.
Every output (stdout, stderr, every report file) goes through tests/leaks.py.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import leaks
import pytest
import yaml
from _child import VERDICT_BOUNDS, Outcome, clean_env, closed_port, run
from _docserver import DocServer

from errcontract.reference import problem

SECRET = "s3cr3T+Key/Zz9=="
ST = Path(sys.executable).with_name("st")
QUERY_NAME = "api_key"
FAST = ("--examples", "1", "--max-rps", "1000", "--max-duration", "45")
"""A short run: one example per clause, no pacing beyond the target's own limit."""

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def _lower_hex(value: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), value)


ECHOES = {
    b"x-echo-base64": base64.b64encode(SECRET.encode()),
    b"x-echo-base64url": base64.urlsafe_b64encode(SECRET.encode()).rstrip(b"="),
    b"x-echo-json": json.dumps(SECRET)[1:-1].replace("/", "\\/").encode(),
    b"x-echo-lower-hex": _lower_hex(quote(SECRET, safe="")).encode(),
    b"x-echo-double": quote(quote(SECRET, safe=""), safe="").encode(),
}
"""Forms of the key a careless target sends back (besides the raw query string)."""


class QueryKeyFront:
    """A target taking its key in the query string, in front of the Projects API.

    ``api_key`` equal to the secret is swapped for the app's own bearer key; any
    other value for a wrong one; none for none (the app then answers 401). With
    ``refuse`` every request is answered 401. Every response echoes the raw query
    string and the key's other forms in headers."""

    def __init__(self, *, refuse: bool = False, faults: tuple[str, ...] = ()) -> None:
        self.app = problem.create_app(faults=faults)
        self.state = self.app.state  # what `served` reads (its base path)
        self.real_key = self.app.state.fixtures["api_key"]
        self.refuse = refuse
        self.intact = 0
        """Requests whose ``api_key`` was the secret, exactly."""
        self.requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.requests += 1
        raw_query: bytes = scope.get("query_string", b"")
        pairs = parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True)
        given = [v for k, v in pairs if k == QUERY_NAME]
        headers = [(k, v) for k, v in scope["headers"] if k != b"authorization"]
        if given == [SECRET]:
            self.intact += 1
            headers.append((b"authorization", f"Bearer {self.real_key}".encode()))
        elif given:
            headers.append((b"authorization", b"Bearer not-the-key"))
        echoes = [(b"x-echo-query", raw_query), *ECHOES.items()]

        async def echoing(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], *echoes]}
            await send(message)

        if self.refuse:
            body = b'{"title": "Unauthorized", "status": 401}'
            await echoing(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/problem+json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"request-id", str(self.requests).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        rest = urlencode([(k, v) for k, v in pairs if k != QUERY_NAME]).encode()
        await self.app(
            {**scope, "headers": headers, "query_string": rest}, receive, echoing
        )


def query_key_document(tmp_path: Path) -> Path:
    """The Projects API document with its key in the query string."""
    document = yaml.safe_load(problem.OPENAPI.read_text(encoding="utf-8"))
    document["components"]["securitySchemes"] = {
        "apiKeyQuery": {"type": "apiKey", "in": "query", "name": QUERY_NAME}
    }
    document["security"] = [{"apiKeyQuery": []}]
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def _zero_config(
    tmp_path: Path, document: Path, base_url: str, secret: str = SECRET
) -> Outcome:
    return run(
        [
            *("run", "--openapi", str(document), "--convention", "rfc9457"),
            *("--base-url", base_url, "--timeout", "5", *FAST),
        ],
        cwd=tmp_path,
        env={"CONFORMANCE_API_KEY": secret},
    )


def test_a_query_key_shows_in_no_output_of_a_judged_run(
    tmp_path: Path, served: Callable[..., tuple[str, Any]]
) -> None:
    """Critical: the key, URL-encoded on the wire and echoed back in headers, is in
    none of stdout, junit.xml, results.json, report.html (any encoding); the run
    reaches a verdict (two faults switched on, so evidence holds the echoes)."""
    front = QueryKeyFront(faults=("PD-HDR-1", "PD-BODY-2"))
    base, _ = served(front)
    outcome = _zero_config(tmp_path, query_key_document(tmp_path), base)
    problems = outcome.problems(secrets=[SECRET], **VERDICT_BOUNDS)
    if outcome.code != 1:
        problems.append(f"exit {outcome.code}, expected 1 (two faults are on)")
    assert not problems, "\n".join(problems) + outcome.tail()
    assert outcome.report_dir is not None
    written = sorted(p.name for p in outcome.report_dir.iterdir())
    assert {"junit.xml", "results.json"} <= set(written), written
    assert front.intact > 0, "the key never arrived intact: it was mangled on the way"
    results = (outcome.report_dir / "results.json").read_text(encoding="utf-8")
    assert "x-echo-query" in results.lower(), "no evidence shows the echoed headers"
    assert "$CONFORMANCE_API_KEY" in results, "curl lines name the variable"


def test_a_refused_query_key_is_one_line_without_the_key(
    tmp_path: Path, served: Callable[..., tuple[str, Any]]
) -> None:
    """Critical: the target refuses the key (401): exit 2, one line, no key."""
    front = QueryKeyFront(refuse=True)
    base, _ = served(front)
    outcome = _zero_config(tmp_path, query_key_document(tmp_path), base)
    problems = outcome.problems(secrets=[SECRET]) + outcome.refusal_problems("refused")
    assert not problems, "\n".join(problems) + outcome.tail()
    assert front.requests == 1, "one preflight, then nothing"


def test_an_unreachable_target_with_a_query_key_shows_no_key(tmp_path: Path) -> None:
    """Critical: nothing listens at the base URL: exit 3, named, no key anywhere
    (the message names the request, whose URL carried the key)."""
    base = f"http://127.0.0.1:{closed_port()}"
    outcome = _zero_config(tmp_path, query_key_document(tmp_path), base)
    problems = outcome.problems(secrets=[SECRET])
    if outcome.code != 3:
        problems.append(f"exit {outcome.code}, expected 3")
    if not any("unreachable" in line for line in outcome.stderr_lines):
        problems.append("stderr does not say the target is unreachable")
    assert not problems, "\n".join(problems) + outcome.tail()


# -- secrets that cannot go in a header ---------------------------------------------

BAD_SECRETS = {
    "CRLF header injection": SECRET + "\r\nX-Injected: yes",
    "CR": "s3cr3T+Key\r/Zz9==",
    "LF": "s3cr3T+Key/Zz9==\n",
    "SOH control": "s3cr3T+Key\x01/Zz9==",
    "DEL control": "s3cr3T+Key/Zz9==\x7f",
    "tab": "s3cr3T+Key\t/Zz9==",
    "non-ASCII": "s3cr3T+Kéy/Zz9==",
    "emoji": "s3cr3T+Key/Zz9==🔑",
    "no-break space": "s3cr3T+Key\xa0/Zz9==",
}


def _pieces(secret: str) -> list[str]:
    """The secret and its printable-ASCII runs of 6+ characters: a message that
    printed the value cut at the bad character must be caught too."""
    runs = re.split(r"[^\x20-\x7e]", secret)
    return [secret, *(r for r in runs if len(r.strip()) >= 6)]


BAD_CASES = [
    *((name, "header") for name in sorted(BAD_SECRETS)),
    ("CRLF header injection", "query"),
    ("non-ASCII", "query"),
]


@pytest.mark.parametrize(("name", "placement"), BAD_CASES)
def test_a_secret_with_a_bad_character_is_refused_before_any_request(
    name: str, placement: str, tmp_path: Path
) -> None:
    """Critical/Low: exit 2, one line saying the value is not shown, no request
    sent, no form of the value (nor a piece of it) in any output."""
    secret = BAD_SECRETS[name]
    document = query_key_document(tmp_path) if placement == "query" else problem.OPENAPI
    with DocServer("127.0.0.1") as target:
        outcome = _zero_config(tmp_path, document, target.base, secret)
        sent = target.requests
    problems = outcome.problems(secrets=_pieces(secret))
    problems += outcome.refusal_problems("the value is not shown")
    if sent:
        problems.append(f"{len(sent)} request(s) reached the target")
    assert not problems, "\n".join(problems) + outcome.tail()


def test_a_nul_in_a_fixture_flag_is_refused_in_process(
    run_cli: Callable[..., Any],
) -> None:
    """NUL cannot ride in an environment variable or argv of a child process, but
    ``--fixture`` reaches ``main`` in-process (and through the pytest plugin)."""
    secret = "s3cr3T+Key\x00/Zz9=="
    with DocServer("127.0.0.1") as target:
        result = run_cli(
            *("run", "--openapi", str(problem.OPENAPI), "--convention", "rfc9457"),
            *("--base-url", target.base, "--fixture", f"api_key={secret}"),
        )
        sent = target.requests
    assert result.code == 2, leaks.mask(result.err, _pieces(secret))
    lines = [line for line in result.err.splitlines() if line.strip()]
    shown = leaks.mask("\n".join(lines), _pieces(secret))
    assert len(lines) == 1, shown
    assert lines[0].startswith("conformance: error:"), shown
    assert "the value is not shown" in lines[0], shown
    assert "Traceback" not in result.out + result.err
    assert not result.leaks(*_pieces(secret))
    assert sent == []


# -- the Schemathesis hooks' evidence ---------------------------------------------


class BearerEchoFront:
    """A bearer-key target that sends the key back as its Request-Id (URL-encoded,
    lower-case hex), plus the other echoes: the hooks' failure message for a
    doubled Request-Id quotes that header. With ``always`` it echoes the key on
    every response, also to requests that did not carry it (a target leaking its
    own credential); otherwise only to requests that carried it."""

    def __init__(self, *, always: bool) -> None:
        self.app = problem.create_app()
        self.state = self.app.state
        self.real_key = self.app.state.fixtures["api_key"]
        self.always = always
        self.intact = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"authorization", b"")
        headers = [(k, v) for k, v in scope["headers"] if k != b"authorization"]
        carried = given == f"Bearer {SECRET}".encode()
        if carried:
            self.intact += 1
            headers.append((b"authorization", f"Bearer {self.real_key}".encode()))
        elif given:
            headers.append((b"authorization", b"Bearer not-the-key"))
        echoes = [(b"request-id", ECHOES[b"x-echo-lower-hex"]), *ECHOES.items()]

        async def echoing(message: Message) -> None:
            if message["type"] == "http.response.start" and (carried or self.always):
                # A second Request-Id: PD-HDR-2 fails, quoting both values.
                message = {**message, "headers": [*message["headers"], *echoes]}
            await send(message)

        await self.app({**scope, "headers": headers}, receive, echoing)


HOOK_CASES = {
    "echoed to requests that carried it": (False, {}),
    "echoed everywhere, key in the environment": (
        True,
        {"CONFORMANCE_API_KEY": SECRET},
    ),
    "echoed everywhere, key only in -H": (True, {}),
}


@pytest.mark.parametrize("case", list(HOOK_CASES))
def test_the_hooks_evidence_masks_an_echoed_key(
    case: str, tmp_path: Path, served: Callable[..., tuple[str, Any]]
) -> None:
    """Critical: the hooks build evidence with the suite's redactor: the doubled
    Request-Id the failure quotes holds the key (URL-encoded, lower-case hex), and
    st's output shows it in no form. The key reaches st as ``-H``, and in one case
    also as CONFORMANCE_API_KEY (the hooks read secret fixtures from there)."""
    always, env = HOOK_CASES[case]
    front = BearerEchoFront(always=always)
    base, _ = served(front)
    (tmp_path / "schemathesis.toml").write_text(
        'hooks = "errcontract.schemathesis"\n\n[checks]\nenabled = false\n\n'
        '[checks.ErrorContract]\nenabled = true\nconvention = "rfc9457"\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            *(str(ST), "run", str(problem.OPENAPI), "--url", base),
            *("-H", f"Authorization: Bearer {SECRET}", "--max-examples", "3"),
            *("--seed", "1", "--phases", "examples,coverage"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=180,
        env=clean_env({"PYTHONHASHSEED": "0", **env}),
    )
    out = done.stdout + done.stderr
    found = leaks.find(out, [SECRET])
    shown = "\n".join(found) if found else leaks.mask(out[-3000:], [SECRET])
    assert "EC001 PD-HDR-2" in out, "the doubled Request-Id was not judged\n" + shown
    assert done.returncode == 1, shown
    assert front.intact > 0
    assert "Traceback" not in out
    assert not found, "\n".join(found)


class MisplacedKeyFront:
    """The Projects API, its key the secret wherever it is sent: the secret (raw or
    URL-encoded) is swapped for the app's own key in the query and in every header,
    so the app's PD-AUTH-4 faults take it from a query parameter, a cookie or
    ``X-API-Key``."""

    def __init__(self, faults: tuple[str, ...]) -> None:
        self.app = problem.create_app(faults=faults)
        self.state = self.app.state
        self.real = self.app.state.fixtures["api_key"]
        self.misplaced = 0
        """Requests carrying the secret anywhere but ``Authorization``."""

    def _swap(self, value: bytes) -> bytes:
        for form in (SECRET, quote(SECRET, safe=""), quote(SECRET)):
            value = value.replace(form.encode(), self.real.encode())
        return value

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = self._swap(scope.get("query_string", b""))
        headers = [(k, self._swap(v)) for k, v in scope["headers"]]
        outside = query != scope.get("query_string", b"") or any(
            k != b"authorization" and v != w
            for (k, v), (_, w) in zip(scope["headers"], headers, strict=True)
        )
        self.misplaced += outside
        await self.app(
            {**scope, "headers": headers, "query_string": query}, receive, send
        )


def test_a_misplaced_key_shows_in_no_output(
    tmp_path: Path, served: Callable[..., tuple[str, Any]]
) -> None:
    """Critical: the valid key sent in a query parameter, a cookie and X-API-Key
    (PD-AUTH-4's probes), taken by a target that reads it there, so the evidence
    holds those requests: the key is in none of stdout, junit.xml, results.json,
    report.html; the curl lines name the variable."""
    faults = ("PD-AUTH-4", "PD-AUTH-4:cookie", "PD-AUTH-4:other-header")
    front = MisplacedKeyFront(faults)
    base, _ = served(front)
    outcome = _zero_config(tmp_path, problem.OPENAPI, base)
    problems = outcome.problems(secrets=[SECRET], **VERDICT_BOUNDS)
    if outcome.code != 1:
        problems.append(f"exit {outcome.code}, expected 1 (PD-AUTH-4 is broken)")
    assert not problems, "\n".join(problems) + outcome.tail()
    assert front.misplaced >= 3, "the key was never sent outside Authorization"
    assert outcome.report_dir is not None
    results = json.loads((outcome.report_dir / "results.json").read_text("utf-8"))
    clause = next(c for c in results["clauses"] if c["id"] == "PD-AUTH-4")
    curls = [e["curl"] for v in clause["violations"] for e in v["exchanges"]]
    assert any("access_token=$CONFORMANCE_API_KEY" in c for c in curls), curls
    assert any('"Cookie: access_token=$CONFORMANCE_API_KEY"' in c for c in curls)
    assert any('"X-API-Key: $CONFORMANCE_API_KEY"' in c for c in curls), curls
