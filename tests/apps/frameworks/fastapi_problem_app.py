"""The orgs API on FastAPI with ``fastapi-problem``: errors as RFC 9457 problems.

Set up the way the package's README and usage docs show: ``new_exception_handler()``
plus ``add_exception_handler(app, eh)``, problems as ``StatusProblem`` subclasses,
per-route error responses from ``eh.generate_swagger_response(...)``. The package
turns FastAPI's 422 into a problem whose ``errors`` are FastAPI's items (with
``loc``), every ``HTTPException`` (HTTPBearer's 401 included) into a problem, and
adds generic ``4XX``/``5XX`` problem responses to every operation of the document.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_problem.error import ForbiddenProblem, NotFoundProblem, UnauthorisedProblem
from fastapi_problem.handler import add_exception_handler, new_exception_handler

from ._model import Caller, Store, Tokens
from ._pydantic import ArchiveOptions, NewOrg, NewRepo, Org, Repo

bearer = HTTPBearer(scheme_name="bearerAuth")
eh = new_exception_handler()


class InvalidTokenError(UnauthorisedProblem):
    title = "Invalid authentication credentials."
    headers_ = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012 (the package's API)


class ReadOnlyTokenError(ForbiddenProblem):
    title = "This token is read-only."


class OrgNotFoundError(NotFoundProblem):
    title = "Organisation not found."


class RepoNotFoundError(NotFoundProblem):
    title = "Repository not found."


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)],
) -> Caller:
    caller = request.app.state.tokens.caller(credentials.credentials)
    if caller is None:
        raise InvalidTokenError("The bearer token is not one this API issued.")
    return caller


def get_writer(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
    if not caller.can_write:
        raise ReadOnlyTokenError("Writes need a read-write token.")
    return caller


StoreDep = Annotated[Store, Depends(get_store)]
CallerDep = Annotated[Caller, Depends(get_caller)]
WriterDep = Annotated[Caller, Depends(get_writer)]

UNAUTHORIZED = {401: eh.generate_swagger_response(InvalidTokenError)}
FORBIDDEN = {403: eh.generate_swagger_response(ReadOnlyTokenError)}
ORG_NOT_FOUND = {404: eh.generate_swagger_response(OrgNotFoundError)}
REPO_NOT_FOUND = {404: eh.generate_swagger_response(RepoNotFoundError)}

router = APIRouter(responses=UNAUTHORIZED)


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


@router.get("/orgs/{org_id}", responses=ORG_NOT_FOUND)
def get_org(org_id: str, caller: CallerDep, store: StoreDep) -> Org:
    org = store.get_org(caller.account, org_id)
    if org is None:
        raise OrgNotFoundError(f"No organisation {org_id}.")
    return Org(**org)


@router.delete("/orgs/{org_id}", status_code=204, responses=FORBIDDEN | ORG_NOT_FOUND)
def delete_org(org_id: str, caller: WriterDep, store: StoreDep) -> None:
    if not store.delete_org(caller.account, org_id):
        raise OrgNotFoundError(f"No organisation {org_id}.")


@router.post(
    "/orgs/{org_id}/archive", status_code=202, responses=FORBIDDEN | ORG_NOT_FOUND
)
def archive_org(
    org_id: str,
    caller: WriterDep,
    store: StoreDep,
    options: ArchiveOptions | None = None,
) -> Org:
    org = store.archive_org(caller.account, org_id)
    if org is None:
        raise OrgNotFoundError(f"No organisation {org_id}.")
    return Org(**org)


@router.get("/orgs/{org_id}/repos", responses=ORG_NOT_FOUND)
def list_repos(org_id: str, caller: CallerDep, store: StoreDep) -> list[Repo]:
    repos = store.list_repos(caller.account, org_id)
    if repos is None:
        raise OrgNotFoundError(f"No organisation {org_id}.")
    return [Repo(**repo) for repo in repos]


@router.post(
    "/orgs/{org_id}/repos", status_code=201, responses=FORBIDDEN | ORG_NOT_FOUND
)
def create_repo(
    org_id: str,
    new: NewRepo,
    caller: WriterDep,
    store: StoreDep,
    response: Response,
) -> Repo:
    repo = store.create_repo(caller.account, org_id, **new.model_dump())
    if repo is None:
        raise OrgNotFoundError(f"No organisation {org_id}.")
    response.headers["Location"] = f"/repos/{repo['id']}"
    return Repo(**repo)


@router.get("/repos/{repo_id}", responses=REPO_NOT_FOUND)
def get_repo(repo_id: str, caller: CallerDep, store: StoreDep) -> Repo:
    repo = store.get_repo(caller.account, repo_id)
    if repo is None:
        raise RepoNotFoundError(f"No repository {repo_id}.")
    return Repo(**repo)


@router.delete(
    "/repos/{repo_id}", status_code=204, responses=FORBIDDEN | REPO_NOT_FOUND
)
def delete_repo(repo_id: str, caller: WriterDep, store: StoreDep) -> None:
    if not store.delete_repo(caller.account, repo_id):
        raise RepoNotFoundError(f"No repository {repo_id}.")


def create_app(tokens: Tokens | None = None) -> FastAPI:
    """A FastAPI app with problem details, accepting ``tokens`` (default: env)."""
    app = FastAPI(title="Orgs (FastAPI + fastapi-problem)", version="1.0.0")
    app.state.tokens = tokens or Tokens.from_env()
    app.state.store = Store()
    app.include_router(router)
    add_exception_handler(app, eh)
    return app


app = create_app()
