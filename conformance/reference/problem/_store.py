"""The Projects API's store: the projects of each account, behind one lock, and the
seed projects every server starts with."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from . import _contract as c


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Store:
    """The projects, in creation order, behind one lock, each of one account."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.projects: dict[str, dict[str, Any]] = {}
        self.owners: dict[str, str] = {}

    def add(self, values: Mapping[str, Any], account: str) -> dict[str, Any]:
        """Store a new project with a fresh id and timestamp; the caller holds lock."""
        project = {"id": str(uuid.uuid4()), **values, "created_at": _now()}
        self.projects[project["id"]] = project
        self.owners[project["id"]] = account
        return project

    def of(self, account: str) -> list[dict[str, Any]]:
        """An account's projects, in creation order."""
        return [p for i, p in self.projects.items() if self.owners[i] == account]

    def name_taken(self, name: str, account: str) -> bool:
        """Whether the account has a project of exactly this name (case-sensitive)."""
        return any(p["name"] == name for p in self.of(account))


def seeded() -> Store:
    """A store holding the seed projects, so ``/data/0/id`` names one (and one of
    the other account's)."""
    store = Store()
    for account, seeds in (
        (c.MAIN_ACCOUNT, c.SEED_PROJECTS),
        (c.OTHER_ACCOUNT, (c.OTHER_SEED,)),
    ):
        for name, priority, visibility in seeds:
            values = {"name": name, "priority": priority, "visibility": visibility}
            seed = {"tags": ["seed"], "archived": c.DEFAULT_ARCHIVED}
            store.add({**values, **seed}, account)
    return store
