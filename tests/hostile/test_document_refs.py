"""Where a document's ``$ref`` may lead, and how a document or a ref is fetched.

Issue 16: ``$ref: file:///…/.env`` made the suite print the file; a remote ``$ref``
to another host was fetched with no timeout, no size cap, following a redirect to a
third host; a drip hung past --max-duration; a gzip bomb grew to 3.2 GB; the
--openapi URL went through HTTP_PROXY, read 300 MB whole, and echoed its token.

Three loopback "hosts" play the parts: 127.0.0.1 (the document's host, and a base URL
that logs every request), 127.0.0.2 (another host, allowed with --allow-ref-host in
some tests) and 127.0.0.3 (a third host, and a proxy): every test asserts who got no
request. Each run is the real command in a child process (tests/hostile/_child.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import _documents as docs
import pytest
from _child import MAX_RSS_MB, MAX_WALL_S, VERDICT_BOUNDS, Outcome, run
from _docserver import DocServer

from errcontract.reference import problem

SECRET = "s3cr3T+Key/Zz9=="
DOTENV = "dotenv-Secret+Value/42=="
OUTSIDE = "outside-Secret+Value/43=="
PASSWD = "root:x:0:0:"
FETCH_TIMEOUT_S = 3
DRIP_SLACK_S = 8
"""Start-up and the watchdog's granularity, on a loaded two-core machine."""


@pytest.fixture
def hosts() -> Iterator[tuple[DocServer, DocServer, DocServer]]:
    with (
        DocServer("127.0.0.1") as one,
        DocServer("127.0.0.2") as two,
        DocServer("127.0.0.3") as three,
    ):
        yield one, two, three


def zero_config(
    tmp_path: Path,
    openapi: str | Path,
    base_url: str,
    *extra: str,
    key: str = SECRET,
    timeout_s: int = FETCH_TIMEOUT_S,
) -> Outcome:
    return run(
        [
            *("run", "--openapi", str(openapi), "--convention", "rfc9457"),
            *("--base-url", base_url, "--timeout", str(timeout_s), *extra),
        ],
        cwd=tmp_path,
        env={"CONFORMANCE_API_KEY": key},
        timeout_s=MAX_WALL_S + 15,
    )


def _nothing_reached(*servers: DocServer) -> list[str]:
    return [
        f"{len(s.requests)} request(s) reached {s.host}: "
        f"{[r.target for r in s.requests][:3]}"
        for s in servers
        if s.requests
    ]


# -- local files ----------------------------------------------------------------


def _folder(tmp_path: Path) -> Path:
    """``api/`` holding the document, a .env, a notes file and an allowed schema
    file; ``outside.yaml`` beside the folder; a symlink out of it."""
    api = tmp_path / "api"
    api.mkdir()
    (api / ".env").write_text(f"CONFORMANCE_API_KEY={DOTENV}\n", encoding="utf-8")
    (api / "notes.txt").write_text(f"key: {DOTENV}\n", encoding="utf-8")
    (api / "inside.yaml").write_text(f"key: {DOTENV}\n", encoding="utf-8")
    (tmp_path / "outside.yaml").write_text(f"api_key: {OUTSIDE}\n", encoding="utf-8")
    (api / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    (api / ".hidden").mkdir()
    (api / ".hidden" / "keys.yaml").write_text(f"key: {DOTENV}\n", encoding="utf-8")
    (api / "nested.yaml").write_text(
        f"type: object\nproperties:\n  x: {{$ref: 'file://{api}/.env'}}\n",
        encoding="utf-8",
    )
    return api


LOCAL_REFS: dict[str, Callable[[Path], str]] = {
    "file: URI to .env": lambda api: f"file://{api}/.env",
    "FILE: URI, upper case": lambda api: f"FILE://{api}/.env",
    "file: URI inside the folder": lambda api: f"file://{api}/inside.yaml",
    "file:///etc/passwd": lambda api: "file:///etc/passwd",
    "file: URI, percent-encoded": lambda api: f"file://{api}/%2Eenv",
    "relative hidden .env": lambda api: ".env",
    "a file in a hidden folder": lambda api: ".hidden/keys.yaml",
    "relative ../ out of the folder": lambda api: "../outside.yaml",
    "absolute path out of the folder": lambda api: str(api.parent / "outside.yaml"),
    "not a document file": lambda api: "notes.txt",
    "symlink out of the folder": lambda api: "link.yaml",
    "file: URI inside a followed file": lambda api: "nested.yaml",
}


@pytest.mark.parametrize("name", sorted(LOCAL_REFS))
def test_a_local_file_ref_is_refused_and_never_shown(
    name: str, tmp_path: Path, hosts: tuple[DocServer, DocServer, DocServer]
) -> None:
    """Critical: exit 2 in one line, no request to the target, and the file's
    content (the .env's key, the outside file's, /etc/passwd's first line) in no
    output, in any encoding."""
    target = hosts[0]
    api = _folder(tmp_path)
    document = docs.write(api / "openapi.yaml", docs.with_ref(LOCAL_REFS[name](api)))
    outcome = zero_config(tmp_path, document, target.base)
    problems = outcome.problems(secrets=[SECRET, DOTENV, OUTSIDE, PASSWD])
    problems += outcome.refusal_problems("$ref") + _nothing_reached(*hosts)
    assert not problems, "\n".join(problems) + outcome.tail()


def test_a_relative_ref_beside_the_document_is_bundled(tmp_path: Path) -> None:
    """The control: a relative reference to a schema file inside the folder is
    followed, and the profile written is self-contained (``conformance init``
    derives without sending anything)."""
    api = tmp_path / "api"
    docs.write(api / "schemas" / "tree.yaml", {"type": "string", "maxLength": 9})
    docs.write(api / "openapi.yaml", docs.with_ref("schemas/tree.yaml"))
    outcome = run(
        [
            *("init", str(tmp_path / "out"), "--openapi", str(api / "openapi.yaml")),
            *("--convention", "rfc9457"),
        ],
        cwd=tmp_path,
    )
    assert outcome.code == 0, outcome.tail()
    written = (tmp_path / "out" / "openapi.yaml").read_text(encoding="utf-8")
    assert "schemas/tree.yaml" not in written
    assert "x-conformance-bundled" in written
    assert not outcome.problems()


# -- remote references ------------------------------------------------------------


REMOTE_NOT_ALLOWED = ["local document", "document from a URL", "scheme-relative"]


@pytest.mark.parametrize("case", REMOTE_NOT_ALLOWED)
def test_a_ref_to_a_host_not_allowed_is_never_fetched(
    case: str, tmp_path: Path, hosts: tuple[DocServer, DocServer, DocServer]
) -> None:
    """Critical: a ``$ref`` to 127.0.0.2, not allowed: exit 2 naming
    --allow-ref-host, and 127.0.0.2 got no request."""
    one, two, three = hosts
    ref = two.serve("/schema.yaml", b"type: string\n")
    if case == "scheme-relative":
        ref = ref.removeprefix("http:")
    document: str | Path
    if case == "local document":
        document = docs.write(tmp_path / "api" / "openapi.yaml", docs.with_ref(ref))
    else:
        document = one.serve("/openapi.yaml", docs.dump(docs.with_ref(ref)))
    base = f"http://127.0.0.1:{one.port}/api"
    outcome = zero_config(tmp_path, document, base)
    problems = outcome.problems(secrets=[SECRET])
    problems += outcome.refusal_problems("allow-ref-host")
    problems += _nothing_reached(two, three)
    if case != "local document" and one.served("/openapi.yaml") != 1:
        problems.append("the document was not fetched exactly once")
    others = [r.target for r in one.requests if r.target != "/openapi.yaml"]
    if others:
        problems.append(f"{len(others)} request(s) reached the target: {others[:3]}")
    assert not problems, "\n".join(problems) + outcome.tail()


ALLOWED_BEHAVIOURS = ["redirect to a third host", "drip", "gzip bomb", "300 MB"]


def _serve_behaviour(
    server: DocServer, behaviour: str, elsewhere: DocServer, drip_s: float = 2.0
) -> str:
    """The route for ``behaviour``; a drip sends a byte every ``drip_s`` seconds,
    more often than the --timeout, so only a total deadline ends it."""
    if behaviour.startswith("redirect"):
        elsewhere.serve("/schema.yaml", b"type: string\n")
        return server.redirect("/schema.yaml", elsewhere.url("/schema.yaml"))
    if behaviour == "drip":
        return server.drip("/schema.yaml", every_s=drip_s)
    if behaviour == "gzip bomb":
        return server.gzip_bomb("/schema.yaml")
    return server.huge("/schema.yaml")


def _bounds(outcome: Outcome, behaviour: str, timeout_s: float) -> list[str]:
    problems = []
    if behaviour == "drip" and outcome.wall_s > timeout_s + DRIP_SLACK_S:
        problems.append(
            f"a drip took {outcome.wall_s:.1f} s with --timeout {timeout_s} "
            f"(bound {timeout_s + DRIP_SLACK_S} s)"
        )
    peak = outcome.peak_rss_mb
    if behaviour in ("gzip bomb", "300 MB") and (peak is None or peak >= MAX_RSS_MB):
        problems.append(f"peak RSS {peak} MB (bound {MAX_RSS_MB} MB)")
    return problems


@pytest.mark.parametrize("behaviour", ALLOWED_BEHAVIOURS)
def test_an_allowed_ref_host_is_fetched_within_bounds(
    behaviour: str,
    tmp_path: Path,
    hosts: tuple[DocServer, DocServer, DocServer],
    record_property: Callable[[str, object], None],
) -> None:
    """Critical: 127.0.0.2 is allowed and misbehaves: exit 2 in one line within
    --timeout (a total deadline, not per read), 500 MB, no redirect followed to
    127.0.0.3, and the one request to 127.0.0.2 carries nothing of the run's."""
    one, two, three = hosts
    ref = _serve_behaviour(two, behaviour, three)
    document = docs.write(tmp_path / "api" / "openapi.yaml", docs.with_ref(ref))
    outcome = zero_config(tmp_path, document, one.base, "--allow-ref-host", "127.0.0.2")
    record_property("wall_s", round(outcome.wall_s, 1))
    record_property("peak_rss_mb", outcome.peak_rss_mb)
    print(f"{behaviour}: {outcome.wall_s:.1f} s, peak {outcome.peak_rss_mb} MB")
    problems = outcome.problems(secrets=[SECRET]) + outcome.refusal_problems("$ref")
    problems += _bounds(outcome, behaviour, FETCH_TIMEOUT_S)
    problems += _nothing_reached(one, three)
    problems += _carries_nothing(two)
    assert not problems, "\n".join(problems) + outcome.tail()


def _carries_nothing(server: DocServer) -> list[str]:
    problems = []
    if len(server.requests) != 1:
        problems.append(f"{len(server.requests)} request(s) to {server.host}, not 1")
    for seen in server.requests:
        if seen.header("authorization") or seen.header("cookie"):
            problems.append(f"the fetch from {server.host} sent a credential header")
        if "key" in seen.target.lower() or SECRET in seen.target:
            problems.append(f"the fetch from {server.host} carried a key")
    return problems


# -- the --openapi URL ------------------------------------------------------------


URL_BEHAVIOURS = [
    "drip",
    "gzip bomb",
    "300 MB",
    "redirect to a third host",
    "token in the query",
    "token in the user info",
]


@pytest.mark.parametrize("behaviour", URL_BEHAVIOURS)
def test_the_openapi_url_is_fetched_within_bounds(
    behaviour: str,
    tmp_path: Path,
    hosts: tuple[DocServer, DocServer, DocServer],
    record_property: Callable[[str, object], None],
) -> None:
    """High: a drip ends within --timeout even under --max-duration 5, 300 MB and
    a gzip bomb stay under 500 MB, a redirect to 127.0.0.3 is not followed, and a
    token in the URL (query or user info) is in no output."""
    one, two, three = hosts
    if behaviour == "token in the query":
        url = one.url(f"/openapi.yaml?token={SECRET}")
    elif behaviour == "token in the user info":
        url = f"http://reader:{quote(SECRET, safe='')}@127.0.0.1:{one.port}/x.yaml"
    else:
        url = _serve_behaviour(one, behaviour, three, drip_s=1.0)
    outcome = zero_config(
        tmp_path, url, f"http://127.0.0.2:{two.port}", "--max-duration", "5",
        timeout_s=2,
    )  # fmt: skip
    record_property("wall_s", round(outcome.wall_s, 1))
    record_property("peak_rss_mb", outcome.peak_rss_mb)
    print(f"{behaviour}: {outcome.wall_s:.1f} s, peak {outcome.peak_rss_mb} MB")
    problems = outcome.problems(secrets=[SECRET]) + outcome.refusal_problems()
    problems += _bounds(outcome, behaviour, 2)
    problems += _nothing_reached(two, three)
    if not one.requests:
        problems.append("the document was never asked for")
    assert not problems, "\n".join(problems) + outcome.tail()


def test_no_proxy_from_the_environment(
    tmp_path: Path,
    hosts: tuple[DocServer, DocServer, DocServer],
    served: Callable[..., tuple[str, Any]],
) -> None:
    """High: HTTP_PROXY, HTTPS_PROXY and ALL_PROXY name 127.0.0.3; the document
    (from 127.0.0.1), its ref on its own host, its allowed ref (127.0.0.2) and the
    run's requests all go direct: the run reaches its verdict, the proxy got
    nothing."""
    one, two, proxy = hosts
    app = problem.create_app()
    base, _ = served(app)
    ref = two.serve("/schema.yaml", b"type: string\nmaxLength: 9\n")
    document = docs.with_ref(ref)
    own = one.serve("/own.yaml", b"type: integer\nminimum: 1\n")
    document["components"]["schemas"]["ProjectCreate"]["properties"]["own"] = {
        "$ref": own  # the document's own host: followed without --allow-ref-host
    }
    url = one.serve("/openapi.yaml", docs.dump(document))
    key = app.state.fixtures["api_key"]
    env = {
        "CONFORMANCE_API_KEY": key,
        **{name: proxy.base for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")},
        **{name: proxy.base for name in ("http_proxy", "https_proxy", "all_proxy")},
    }
    outcome = run(
        [
            *("run", "--openapi", url, "--convention", "rfc9457", "--base-url", base),
            *("--allow-ref-host", "127.0.0.2", "--examples", "1", "--max-rps", "1000"),
        ],
        cwd=tmp_path,
        env=env,
    )
    problems = outcome.problems(secrets=[key], **VERDICT_BOUNDS)
    problems += _nothing_reached(proxy)
    problems += _carries_nothing(two)
    if outcome.code != 0:
        problems.append(f"exit {outcome.code}, expected 0 (a faithful target)")
    if one.served("/openapi.yaml") != 1 or one.served("/own.yaml") != 1:
        problems.append("the document or its own ref was not fetched once, directly")
    assert not problems, "\n".join(problems) + outcome.tail()
    assert "HTTP_PROXY" not in os.environ, "the test's own environment is clean"
