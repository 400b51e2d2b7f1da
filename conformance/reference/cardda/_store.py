"""The seeded, in-memory data one reference app serves: users, companies, banks, ..."""

from __future__ import annotations

import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from . import _contract as c

Role = Literal["admin", "viewer"]

BANKS: tuple[tuple[int, str], ...] = (
    (1, "Banco de Chile"),
    (12, "Banco del Estado de Chile"),
    (16, "Banco de Crédito e Inversiones"),
    (37, "Banco Santander Chile"),
)
"""Bank ids are integers (Chile's bank codes); ``bank_id`` takes one of them."""


def _key() -> str:
    return "cd_live_" + secrets.token_urlsafe(24)


def _id() -> str:
    return str(uuid.uuid4())


def now() -> str:
    """The current UTC time as the API writes timestamps."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class User:
    """An API key's owner, with the role it holds in each company it belongs to."""

    key: str
    email_verified: bool
    roles: dict[str, Role]


@dataclass
class Store:
    """All records of one app instance; a lock keeps read-modify-write steps whole."""

    users: dict[str, User] = field(default_factory=dict)
    companies: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    recipients: dict[str, dict[str, Any]] = field(default_factory=dict)
    transactions: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- lookups ----------------------------------------------------------------------
    def company_exists(self, company_id: str) -> bool:
        """Whether ``company_id`` names any company, the caller's or not."""
        return company_id in self.companies

    def banks(self) -> list[dict[str, Any]]:
        """The bank directory, as endpoint #2 lists it."""
        return [{"id": bank_id, "name": name} for bank_id, name in BANKS]

    def companies_of(self, user: User) -> list[dict[str, Any]]:
        """The companies ``user`` belongs to, as endpoint #1 lists them."""
        return [{"id": cid, "name": self.companies[cid]} for cid in sorted(user.roles)]

    def owned(
        self, table: dict[str, dict[str, Any]], company: str
    ) -> list[dict[str, Any]]:
        """The records of ``table`` that belong to ``company``, without the owner."""
        return [public(r) for r in table.values() if r["company_id"] == company]

    def find(
        self, table: dict[str, dict[str, Any]], company: str, record_id: str
    ) -> dict[str, Any] | None:
        """The record ``record_id`` if it exists and belongs to ``company``."""
        record = table.get(record_id)
        if record is None or record["company_id"] != company:
            return None
        return record

    def duplicate_recipient(self, company: str, recipient: dict[str, Any]) -> bool:
        """Whether ``company`` already has a recipient with the same bank account."""
        fields = ("rut", "bank_id", "account_number")
        mine = tuple(
            _rut_key(recipient[f]) if f == "rut" else recipient[f] for f in fields
        )
        return any(
            tuple(_rut_key(r[f]) if f == "rut" else r[f] for f in fields) == mine
            for r in self.recipients.values()
            if r["company_id"] == company
        )

    # -- writes -----------------------------------------------------------------------
    def add(
        self, table: dict[str, dict[str, Any]], company: str, values: dict[str, Any]
    ) -> dict[str, Any]:
        """Store a new record of ``company`` with a fresh id and creation time."""
        record = {"id": _id(), **values, "created_at": now(), "company_id": company}
        table[record["id"]] = record
        return record


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A record as the API shows it: without the internal owner field."""
    return {k: v for k, v in record.items() if k != "company_id"}


def _rut_key(rut: str) -> str:
    # "76543210-K" and "76543210k" are the same RUT.
    return rut.replace("-", "").upper()


def seeded() -> tuple[Store, dict[str, str]]:
    """A fresh store with the fixtures a suite needs, and those fixtures by name."""
    store = Store()
    member, foreign = _id(), _id()
    store.companies.update({member: "Acme SpA", foreign: "Globex Ltda"})
    owner = User(_key(), True, {member: "admin"})
    limited = User(_key(), True, {member: "viewer"})
    unverified = User(_key(), False, {member: "admin"})
    stranger = User(_key(), True, {foreign: "admin"})
    for user in (owner, limited, unverified, stranger):
        store.users[user.key] = user
    for company, name, number in (
        (member, "Cuenta corriente Acme", "000123456789"),
        (foreign, "Cuenta corriente Globex", "000987654321"),
    ):
        account = {"name": name, "bank_id": BANKS[0][0], "account_number": number}
        store.add(store.accounts, company, {**account, "currency": "CLP"})
    for company, name, rut in (
        (member, "Proveedor Uno", "76543210-K"),
        (foreign, "Proveedor Globex", "12345678-5"),
    ):
        recipient = {"name": name, "rut": rut, "bank_id": BANKS[1][0]}
        store.add(
            store.recipients,
            company,
            {
                **recipient,
                "account_type": "checking",
                "account_number": "111222333",
                "email": None,
                "alias": None,
                "metadata": {},
                "status": c.RECIPIENT_STATUS,
            },
        )
    # The stranger's company also has a transaction, for cross-company id probes.
    foreign_account = next(
        a for a in store.accounts.values() if a["company_id"] == foreign
    )
    foreign_recipient = next(
        r for r in store.recipients.values() if r["company_id"] == foreign
    )
    store.add(
        store.transactions,
        foreign,
        {
            "amount": 1000,
            "currency": "CLP",
            "description": "Seeded",
            "sender_id": foreign_account["id"],
            "recipient_id": foreign_recipient["id"],
            "status": c.DRAFT,
        },
    )
    fixtures = {
        "api_key": owner.key,
        "company_id": member,
        "unverified_api_key": unverified.key,
        "limited_api_key": limited.key,
        "foreign_company_id": foreign,
    }
    return store, fixtures
