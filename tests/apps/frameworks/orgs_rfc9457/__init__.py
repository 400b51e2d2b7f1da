"""The orgs API by hand on plain Starlette, keeping RFC 9457 everywhere it can.

The baseline nobody on the project wrote: what a careful team ships, with its own
hand-written ``openapi.yaml``. Every error is ``application/problem+json``:

- routing first: an unknown path is a 404 problem, a method the path does not take
  a 405 problem whose ``Allow`` lists every method it does take (HEAD with GET);
- then the bearer token: missing, malformed or unknown is 401 with
  ``WWW-Authenticate: Bearer`` (RFC 6750, ``error="invalid_token"`` when one was
  sent); a read-only token is 403 on every write;
- then the body: not declared as JSON 415, over 64 KiB 413, not parseable as
  I-JSON (RFC 7493: invalid UTF-8, NaN, duplicate members, lone surrogates) 400,
  against the document's schema 422 with ``errors: [{pointer: "#/name", ...}]``;
- then the lookup: an id the caller cannot see is 404, whoever owns it.

``create_app()`` builds a fresh app (its own storage); ``app`` is one instance.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .._model import Caller, Store, Tokens

OPENAPI = Path(__file__).with_name("openapi.yaml")
DOCUMENT: dict[str, Any] = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
SCHEMAS: dict[str, Any] = DOCUMENT["components"]["schemas"]

MAX_BODY = 64 * 1024
PROBLEM_JSON = "application/problem+json"
INVALID_BODY = "https://orgs.example/problems/invalid-body"
REALM = 'Bearer realm="orgs"'


class Problem(Exception):
    """An error answer in waiting: raised anywhere, rendered by one handler."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        type_: str = "about:blank",
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.type = status, title, detail, type_
        self.headers = headers or {}
        self.extensions = extensions

    def response(self) -> Response:
        body = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            **self.extensions,
        }
        return JSONResponse(
            body, self.status, headers=self.headers, media_type=PROBLEM_JSON
        )


# With type about:blank, the title is the status's reason phrase (RFC 9457, 4.2.1).
REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
}


def _http_problem(_request: Request, exc: Exception) -> Response:
    """Starlette's own errors (unknown path, 405, ...) as problems, headers kept."""
    assert isinstance(exc, HTTPException)
    title = REASONS.get(exc.status_code, "Error")
    detail = {
        404: "There is nothing at this path.",
        405: "This path does not take this method; Allow lists those it takes.",
    }.get(exc.status_code, exc.detail)
    return Problem(
        exc.status_code, title, detail, headers=dict(exc.headers or {})
    ).response()


def _problem(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return exc.response()


def _crash(_request: Request, _exc: Exception) -> Response:
    return Problem(
        500, REASONS[500], "The server failed to answer this request."
    ).response()


def _authenticate(request: Request) -> Caller:
    header = request.headers.get("Authorization")
    if header is None:
        raise Problem(
            401,
            REASONS[401],
            "A bearer token is required.",
            headers={"WWW-Authenticate": REALM},
        )
    scheme, _, token = header.partition(" ")
    tokens: Tokens = request.app.state.tokens
    caller = tokens.caller(token.strip()) if scheme.lower() == "bearer" else None
    if caller is None:
        raise Problem(
            401,
            REASONS[401],
            "The Authorization header does not carry a bearer token we issued.",
            headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'},
        )
    return caller


def _writer(request: Request) -> Caller:
    caller = _authenticate(request)
    if not caller.can_write:
        raise Problem(403, REASONS[403], "This token may read but not write.")
    return caller


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _not_found(what: str, item_id: str) -> Problem:
    return Problem(404, REASONS[404], f"There is no {what} {item_id} for this token.")


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise ValueError("an object has a member twice")
    return members


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def _json_body(request: Request, *, required: bool) -> Any:
    """The request's JSON body, or None when an optional one is absent."""
    length = request.headers.get("Content-Length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY:
        raise Problem(413, REASONS[413], f"The body may be {MAX_BODY} bytes at most.")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise Problem(
                413, REASONS[413], f"The body may be {MAX_BODY} bytes at most."
            )
    media_type = request.headers.get("Content-Type", "").partition(";")[0]
    media_type = media_type.strip().lower()
    if not raw and not media_type:
        if required:
            raise Problem(400, REASONS[400], "This operation needs a JSON body.")
        return None
    if media_type != "application/json":  # the one media type the document names
        raise Problem(
            415,
            REASONS[415],
            "The body must be application/json.",
            headers={"Accept-Post": "application/json"},
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem(400, REASONS[400], "The body is not valid UTF-8.") from exc
    try:
        value = json.loads(
            text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates
        )
    except ValueError as exc:
        raise Problem(
            400, REASONS[400], f"The body is not well-formed JSON: {exc}."
        ) from exc
    except RecursionError as exc:  # Python's parser gives up near 1,000 levels
        raise Problem(
            400,
            REASONS[400],
            "The body nests deeper than this API reads (RFC 8259, 9).",
        ) from exc
    if not all(map(_encodable, _strings(value))):
        raise Problem(
            400,
            REASONS[400],
            "The body has a string with an unpaired surrogate (RFC 7493, 2.1).",
        )
    return value


def _pointer(path: list[str | int]) -> str:
    """A JSON Pointer in URI fragment form (RFC 6901, section 6)."""
    tokens = (str(p).replace("~", "~0").replace("/", "~1") for p in path)
    return "#" + "".join("/" + quote(t, safe="!$&'()*+,;=:@-._~") for t in tokens)


def _violation(error: ValidationError) -> dict[str, str]:
    path = list(error.absolute_path)
    kind, limit = error.validator, error.validator_value
    if kind == "required":
        missing = next(
            (p for p in limit if f"{p!r} is a required property" == error.message),
            None,
        )
        if missing is not None:
            return {"pointer": _pointer([*path, missing]), "detail": "is required"}
    match kind:
        case "type":
            detail = f"must be of type {limit}"
        case "maxLength":
            detail = f"must be at most {limit} characters long"
        case "minimum":
            detail = f"must be at least {limit}"
        case "enum":
            detail = f"must be one of: {', '.join(map(str, limit))}"
        case _:
            detail = error.message
    return {"pointer": _pointer(path), "detail": detail}


def _validated(body: Any, schema: dict[str, Any]) -> dict[str, Any]:
    errors = sorted(
        Draft202012Validator(schema).iter_errors(body),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    if errors:
        count = len(errors)
        raise Problem(
            422,
            "Invalid request body",
            f"The body breaks the schema in {count} place{'s' * (count > 1)}.",
            type_=INVALID_BODY,
            errors=[_violation(e) for e in errors],
        )
    assert isinstance(body, dict)
    return body


def _created(item: dict[str, Any], location: str) -> Response:
    return JSONResponse(item, 201, headers={"Location": location})


class Orgs(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        caller = _authenticate(request)
        return JSONResponse(_store(request).list_orgs(caller.account))

    async def post(self, request: Request) -> Response:
        caller = _writer(request)
        new = _validated(await _json_body(request, required=True), SCHEMAS["NewOrg"])
        org = _store(request).create_org(
            caller.account, name=new["name"], plan=new.get("plan", "free")
        )
        return _created(org, f"/orgs/{org['id']}")


class OrgItem(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        caller = _authenticate(request)
        org_id = request.path_params["org_id"]
        org = _store(request).get_org(caller.account, org_id)
        if org is None:
            raise _not_found("organisation", org_id)
        return JSONResponse(org)

    async def delete(self, request: Request) -> Response:
        caller = _writer(request)
        org_id = request.path_params["org_id"]
        if not _store(request).delete_org(caller.account, org_id):
            raise _not_found("organisation", org_id)
        return Response(status_code=204)


class OrgArchive(HTTPEndpoint):
    async def post(self, request: Request) -> Response:
        """The optional body must be a JSON object; what it holds is ignored."""
        caller = _writer(request)
        body = await _json_body(request, required=False)
        if body is not None:
            _validated(body, {"type": "object"})
        org_id = request.path_params["org_id"]
        org = _store(request).archive_org(caller.account, org_id)
        if org is None:
            raise _not_found("organisation", org_id)
        return JSONResponse(org, 202)


class Repos(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        caller = _authenticate(request)
        org_id = request.path_params["org_id"]
        repos = _store(request).list_repos(caller.account, org_id)
        if repos is None:
            raise _not_found("organisation", org_id)
        return JSONResponse(repos)

    async def post(self, request: Request) -> Response:
        caller = _writer(request)
        new = _validated(await _json_body(request, required=True), SCHEMAS["NewRepo"])
        org_id = request.path_params["org_id"]
        repo = _store(request).create_repo(
            caller.account,
            org_id,
            name=new["name"],
            private=new.get("private", False),
            stars=int(new.get("stars", 0)),  # JSON Schema: 3.0 is an integer
        )
        if repo is None:
            raise _not_found("organisation", org_id)
        return _created(repo, f"/repos/{repo['id']}")


class RepoItem(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        caller = _authenticate(request)
        repo_id = request.path_params["repo_id"]
        repo = _store(request).get_repo(caller.account, repo_id)
        if repo is None:
            raise _not_found("repository", repo_id)
        return JSONResponse(repo)

    async def delete(self, request: Request) -> Response:
        caller = _writer(request)
        repo_id = request.path_params["repo_id"]
        if not _store(request).delete_repo(caller.account, repo_id):
            raise _not_found("repository", repo_id)
        return Response(status_code=204)


async def openapi_document(_request: Request) -> Response:
    """The hand-written document, public, as JSON."""
    return JSONResponse(DOCUMENT)


Handler = Callable[[Request, Exception], Response | Awaitable[Response]]


def create_app(tokens: Tokens | None = None) -> Starlette:
    """A Starlette app accepting ``tokens`` (default: from the environment)."""
    handlers: dict[Any, Handler] = {
        HTTPException: _http_problem,
        Problem: _problem,
        Exception: _crash,
    }
    app = Starlette(
        routes=[
            Route("/openapi.json", openapi_document, methods=["GET"]),
            Route("/orgs", Orgs),
            Route("/orgs/{org_id}", OrgItem),
            Route("/orgs/{org_id}/archive", OrgArchive),
            Route("/orgs/{org_id}/repos", Repos),
            Route("/repos/{repo_id}", RepoItem),
        ],
        exception_handlers=handlers,
    )
    app.state.tokens = tokens or Tokens.from_env()
    app.state.store = Store()
    return app


app = create_app()
