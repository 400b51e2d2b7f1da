"""Zero-config with ``--convention jsonapi`` on a JSON:API API whose framework
nobody on this project wrote: the Articles API on Django REST framework JSON:API
(tests/apps/frameworks/drf_jsonapi_app.py), checked from the Articles document and
nothing else (it secures nothing: no credential is given, none is sent).

What the framework gets right passes (its `errors` documents, string statuses,
`source.pointer` naming `/data/attributes/title`, 405 with Allow, 404 for an unknown
id); what it gets wrong today is caught on the right clause and pinned here, so an
upgrade that fixes one fails this test:

- Django's HTML pages for an unknown route and an oversized body (JA-BODY-1,
  JA-HDR-1);
- a request labelled `application/vnd.api+json; version=1` taken (JA-MEDIA-1), and an
  Accept holding only that type served (JA-MEDIA-2): both JSON:API 1.1 MUSTs;
- an empty PATCH body taken as an empty update (JA-REQ-1);
- a body nested 1,000 levels answered with a 500 page (JA-5XX-1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from apps.frameworks.drf_jsonapi_app import create_app
from errcontract.reference import jsonapi
from errcontract.reference._serve import serve

if TYPE_CHECKING:
    from conftest import CliRun

FOUND = {"JA-BODY-1", "JA-HDR-1", "JA-MEDIA-1", "JA-MEDIA-2", "JA-REQ-1", "JA-5XX-1"}


def _defects(run: CliRun, clause: str) -> list[str]:
    return [
        f"{ex['defect']} -> {ex['response']['status']}"
        for v in run.clause(clause)["violations"]
        for ex in v["exchanges"]
    ]


def test_drf_jsonapi_zero_config(run_cli: Callable[..., CliRun]) -> None:
    with serve(create_app()) as base:
        run = run_cli(
            "run",
            *("--openapi", str(jsonapi.OPENAPI), "--convention", "jsonapi"),
            *("--base-url", base, "--rate-limit", "none", "--max-rps", "1000"),
        )
    assert run.code == 1, run.out[-3000:]
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    assert run.failing() == FOUND, statuses
    assert set(statuses.values()) == {"pass", "fail"}, statuses
    # Django's own HTML pages: 404 for a route nothing serves, 400 for a body over
    # DATA_UPLOAD_MAX_MEMORY_SIZE.
    pages = _defects(run, "JA-HDR-1") + _defects(run, "JA-BODY-1")
    assert all(d.endswith(("-> 400", "-> 404")) for d in pages), pages
    assert all(
        d.startswith("jsonapi-parameter") and d.endswith(("-> 200", "-> 201"))
        for d in _defects(run, "JA-MEDIA-1")
    ), _defects(run, "JA-MEDIA-1")
    served = _defects(run, "JA-MEDIA-2")
    assert all(d.endswith(("-> 200", "-> 201")) for d in served), served
    assert [d.split(":")[0] for d in _defects(run, "JA-REQ-1")] == ["empty"]
    assert all(d.endswith("-> 500") for d in _defects(run, "JA-5XX-1"))
