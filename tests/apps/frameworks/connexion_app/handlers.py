"""Connexion view functions, one per ``operationId`` of ``openapi.yaml``.

Connexion has validated the token, the path and the body before any of these runs;
``user`` is the ``sub`` that :func:`token_info` returned, ``body`` the parsed JSON.
Per-app state (tokens, storage) comes from the lifespan state on the request.
"""

from __future__ import annotations

from typing import Any

from connexion import NoContent, ProblemException, request
from connexion.exceptions import Forbidden
from connexion.lifecycle import ConnexionRequest

from .._model import Caller, Store, Tokens

Answer = tuple[Any, int] | tuple[Any, int, dict[str, str]]

# Each operation declares application/json for success and application/problem+json
# for errors; Connexion then refuses to guess a handler's content type and answers
# 500 (spec-first/connexion#1956), so every JSON answer names its own.
JSON = {"Content-Type": "application/json"}


def token_info(token: str, request: ConnexionRequest) -> dict[str, Any] | None:
    """Connexion's ``x-bearerInfoFunc``: None for a token nobody issued (401)."""
    tokens: Tokens = request.state.tokens
    caller = tokens.caller(token)
    if caller is None:
        return None
    return {"sub": caller.account, "caller": caller}


def _store() -> Store:
    store: Store = request.state.store
    return store


def _writer(token_info: dict[str, Any]) -> str:
    """The account a write goes to; 403 for a read-only token."""
    caller: Caller = token_info["caller"]
    if not caller.can_write:
        raise Forbidden(detail="This token is read-only")
    return caller.account


def _not_found(what: str, item_id: str) -> ProblemException:
    return ProblemException(
        status=404, title="Not Found", detail=f"No {what} {item_id}"
    )


def list_orgs(user: str) -> Answer:
    return _store().list_orgs(user), 200, JSON


def create_org(body: dict[str, Any], token_info: dict[str, Any]) -> Answer:
    org = _store().create_org(
        _writer(token_info), name=body["name"], plan=body.get("plan", "free")
    )
    return org, 201, {**JSON, "Location": f"/orgs/{org['id']}"}


def get_org(org_id: str, user: str) -> Answer:
    org = _store().get_org(user, org_id)
    if org is None:
        raise _not_found("organisation", org_id)
    return org, 200, JSON


def delete_org(org_id: str, token_info: dict[str, Any]) -> Answer:
    if not _store().delete_org(_writer(token_info), org_id):
        raise _not_found("organisation", org_id)
    return NoContent, 204


def archive_org(
    org_id: str, token_info: dict[str, Any], body: dict[str, Any] | None = None
) -> Answer:
    """The body is declared (any JSON object) but carries nothing we use."""
    org = _store().archive_org(_writer(token_info), org_id)
    if org is None:
        raise _not_found("organisation", org_id)
    return org, 202, JSON


def list_repos(org_id: str, user: str) -> Answer:
    repos = _store().list_repos(user, org_id)
    if repos is None:
        raise _not_found("organisation", org_id)
    return repos, 200, JSON


def create_repo(
    org_id: str, body: dict[str, Any], token_info: dict[str, Any]
) -> Answer:
    repo = _store().create_repo(
        _writer(token_info),
        org_id,
        name=body["name"],
        private=body.get("private", False),
        stars=body.get("stars", 0),
    )
    if repo is None:
        raise _not_found("organisation", org_id)
    return repo, 201, {**JSON, "Location": f"/repos/{repo['id']}"}


def get_repo(repo_id: str, user: str) -> Answer:
    repo = _store().get_repo(user, repo_id)
    if repo is None:
        raise _not_found("repository", repo_id)
    return repo, 200, JSON


def delete_repo(repo_id: str, token_info: dict[str, Any]) -> Answer:
    if not _store().delete_repo(_writer(token_info), repo_id):
        raise _not_found("repository", repo_id)
    return NoContent, 204
