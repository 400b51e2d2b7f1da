"""What every framework app here shares: the tokens it accepts and its storage.

The apps differ only in how their framework validates, routes and answers errors;
accounts and data behave identically so that their answers can be compared.
"""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

DEFAULT_TOKEN = "framework-test-token"
OTHER_ACCOUNT_TOKEN = "other-account-token"
READ_ONLY_TOKEN = "read-only-token"

MAIN_ACCOUNT = "acme"
OTHER_ACCOUNT = "globex"


@dataclass(frozen=True)
class Caller:
    """Who a valid token belongs to, and whether it may change anything."""

    account: str
    can_write: bool


@dataclass(frozen=True)
class Tokens:
    """The bearer tokens an app accepts.

    ``token`` writes to the main account, ``read_only_token`` only reads it (403 on
    every write), ``other_account_token`` owns a second account that sees none of the
    main account's data (404), for cross-tenant tests.
    """

    token: str = DEFAULT_TOKEN
    other_account_token: str = OTHER_ACCOUNT_TOKEN
    read_only_token: str = READ_ONLY_TOKEN

    @classmethod
    def from_env(cls) -> Tokens:
        """Tokens from ``FRAMEWORK_TEST_TOKEN`` and friends, else the defaults."""
        return cls(
            token=os.environ.get("FRAMEWORK_TEST_TOKEN", DEFAULT_TOKEN),
            other_account_token=os.environ.get(
                "FRAMEWORK_OTHER_ACCOUNT_TOKEN", OTHER_ACCOUNT_TOKEN
            ),
            read_only_token=os.environ.get(
                "FRAMEWORK_READ_ONLY_TOKEN", READ_ONLY_TOKEN
            ),
        )

    def caller(self, token: str) -> Caller | None:
        """The caller a token names; None for an unknown token."""
        callers = {
            self.token: Caller(MAIN_ACCOUNT, can_write=True),
            self.other_account_token: Caller(OTHER_ACCOUNT, can_write=True),
            self.read_only_token: Caller(MAIN_ACCOUNT, can_write=False),
        }
        return callers.get(token)


@dataclass
class Store:
    """Organisations and their repositories, in memory, per account.

    Ids are server-generated uuid4 strings; a lookup under the wrong account finds
    nothing, exactly like a lookup of an id that never existed. Every method returns
    JSON-ready dicts. Thread-safe: sync handlers of some frameworks run in a pool.
    """

    _orgs: dict[str, dict[str, Any]] = field(default_factory=dict)
    _repos: dict[str, dict[str, Any]] = field(default_factory=dict)
    _owner: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def list_orgs(self, account: str) -> list[dict[str, Any]]:
        with self._lock:
            return [
                dict(org)
                for org_id, org in self._orgs.items()
                if self._owner[org_id] == account
            ]

    def create_org(
        self, account: str, *, name: str, plan: str = "free"
    ) -> dict[str, Any]:
        org = {"id": str(uuid.uuid4()), "name": name, "plan": plan, "archived": False}
        with self._lock:
            self._orgs[org["id"]] = org
            self._owner[org["id"]] = account
        return dict(org)

    def get_org(self, account: str, org_id: str) -> dict[str, Any] | None:
        with self._lock:
            org = self._orgs.get(org_id)
            return dict(org) if org and self._owner[org_id] == account else None

    def delete_org(self, account: str, org_id: str) -> bool:
        """Delete an organisation and its repositories; False if there is none."""
        with self._lock:
            if org_id not in self._orgs or self._owner[org_id] != account:
                return False
            del self._orgs[org_id], self._owner[org_id]
            for repo_id in [r for r, v in self._repos.items() if v["org_id"] == org_id]:
                del self._repos[repo_id]
            return True

    def archive_org(self, account: str, org_id: str) -> dict[str, Any] | None:
        with self._lock:
            org = self._orgs.get(org_id)
            if org is None or self._owner[org_id] != account:
                return None
            org["archived"] = True
            return dict(org)

    def list_repos(self, account: str, org_id: str) -> list[dict[str, Any]] | None:
        """The organisation's repositories; None if the organisation is not found."""
        with self._lock:
            if org_id not in self._orgs or self._owner[org_id] != account:
                return None
            return [dict(r) for r in self._repos.values() if r["org_id"] == org_id]

    def create_repo(
        self,
        account: str,
        org_id: str,
        *,
        name: str,
        private: bool = False,
        stars: int = 0,
    ) -> dict[str, Any] | None:
        """Create a repository; None if the organisation is not found."""
        repo = {
            "id": str(uuid.uuid4()),
            "org_id": org_id,
            "name": name,
            "private": private,
            "stars": stars,
        }
        with self._lock:
            if org_id not in self._orgs or self._owner[org_id] != account:
                return None
            self._repos[repo["id"]] = repo
        return dict(repo)

    def get_repo(self, account: str, repo_id: str) -> dict[str, Any] | None:
        with self._lock:
            repo = self._repos.get(repo_id)
            if repo is None or self._owner[repo["org_id"]] != account:
                return None
            return dict(repo)

    def delete_repo(self, account: str, repo_id: str) -> bool:
        with self._lock:
            repo = self._repos.get(repo_id)
            if repo is None or self._owner[repo["org_id"]] != account:
                return False
            del self._repos[repo_id]
            return True
