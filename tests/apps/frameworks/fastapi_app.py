"""The orgs API as a stock FastAPI app: Pydantic models, HTTPBearer, HTTPException.

Defaults everywhere: validation errors are FastAPI's 422 ``{"detail": [...]}``, the
other errors ``{"detail": "..."}`` as ``application/json``; the document is the
framework's, at ``/openapi.json``. ``create_app()`` builds a fresh app (its own
storage); ``app`` is one for ``uvicorn frameworks.fastapi_app:app``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from ._model import Caller, Store, Tokens
from ._pydantic import ArchiveOptions, NewOrg, NewRepo, Org, Repo

bearer = HTTPBearer(scheme_name="bearerAuth")


class Message(BaseModel):
    """What HTTPException answers: ``{"detail": "..."}``."""

    detail: str


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)],
) -> Caller:
    caller = request.app.state.tokens.caller(credentials.credentials)
    if caller is None:
        raise HTTPException(
            status_code=401,
            detail="Invalid authentication credentials",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return caller


def get_writer(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
    if not caller.can_write:
        raise HTTPException(status_code=403, detail="This token is read-only")
    return caller


StoreDep = Annotated[Store, Depends(get_store)]
CallerDep = Annotated[Caller, Depends(get_caller)]
WriterDep = Annotated[Caller, Depends(get_writer)]

UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"model": Message, "description": "Missing or unknown bearer token"}
}
FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {"model": Message, "description": "The token is read-only"}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Message, "description": "No such item for this caller"}
}

router = APIRouter(responses=UNAUTHORIZED)


def org_not_found(org_id: str) -> HTTPException:
    return HTTPException(status_code=404, detail=f"No organisation {org_id}")


def repo_not_found(repo_id: str) -> HTTPException:
    return HTTPException(status_code=404, detail=f"No repository {repo_id}")


@router.get("/orgs")
def list_orgs(caller: CallerDep, store: StoreDep) -> list[Org]:
    return [Org(**org) for org in store.list_orgs(caller.account)]


@router.post("/orgs", status_code=201, responses=FORBIDDEN)
def create_org(
    new: NewOrg, caller: WriterDep, store: StoreDep, response: Response
) -> Org:
    org = Org(**store.create_org(caller.account, name=new.name, plan=new.plan))
    response.headers["Location"] = f"/orgs/{org.id}"
    return org


@router.get("/orgs/{org_id}", responses=NOT_FOUND)
def get_org(org_id: str, caller: CallerDep, store: StoreDep) -> Org:
    org = store.get_org(caller.account, org_id)
    if org is None:
        raise org_not_found(org_id)
    return Org(**org)


@router.delete("/orgs/{org_id}", status_code=204, responses=FORBIDDEN | NOT_FOUND)
def delete_org(org_id: str, caller: WriterDep, store: StoreDep) -> None:
    if not store.delete_org(caller.account, org_id):
        raise org_not_found(org_id)


@router.post("/orgs/{org_id}/archive", status_code=202, responses=FORBIDDEN | NOT_FOUND)
def archive_org(
    org_id: str,
    caller: WriterDep,
    store: StoreDep,
    options: ArchiveOptions | None = None,
) -> Org:
    org = store.archive_org(caller.account, org_id)
    if org is None:
        raise org_not_found(org_id)
    return Org(**org)


@router.get("/orgs/{org_id}/repos", responses=NOT_FOUND)
def list_repos(org_id: str, caller: CallerDep, store: StoreDep) -> list[Repo]:
    repos = store.list_repos(caller.account, org_id)
    if repos is None:
        raise org_not_found(org_id)
    return [Repo(**repo) for repo in repos]


@router.post("/orgs/{org_id}/repos", status_code=201, responses=FORBIDDEN | NOT_FOUND)
def create_repo(
    org_id: str,
    new: NewRepo,
    caller: WriterDep,
    store: StoreDep,
    response: Response,
) -> Repo:
    repo = store.create_repo(caller.account, org_id, **new.model_dump())
    if repo is None:
        raise org_not_found(org_id)
    response.headers["Location"] = f"/repos/{repo['id']}"
    return Repo(**repo)


@router.get("/repos/{repo_id}", responses=NOT_FOUND)
def get_repo(repo_id: str, caller: CallerDep, store: StoreDep) -> Repo:
    repo = store.get_repo(caller.account, repo_id)
    if repo is None:
        raise repo_not_found(repo_id)
    return Repo(**repo)


@router.delete("/repos/{repo_id}", status_code=204, responses=FORBIDDEN | NOT_FOUND)
def delete_repo(repo_id: str, caller: WriterDep, store: StoreDep) -> None:
    if not store.delete_repo(caller.account, repo_id):
        raise repo_not_found(repo_id)


def create_app(tokens: Tokens | None = None) -> FastAPI:
    """A FastAPI app accepting ``tokens`` (default: from the environment)."""
    app = FastAPI(title="Orgs (FastAPI)", version="1.0.0")
    app.state.tokens = tokens or Tokens.from_env()
    app.state.store = Store()
    app.include_router(router)
    return app


app = create_app()
