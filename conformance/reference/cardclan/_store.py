"""The in-memory accounts, workspaces, cards and configurations of one app."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime


def new_id() -> str:
    """A fresh 24-hex-digit id, shaped like the MongoDB ids CardClan hands out."""
    return secrets.token_hex(12)


@dataclass(frozen=True)
class User:
    """An account holding one integration key."""

    id: str
    api_key: str
    name: str


@dataclass(frozen=True)
class Workspace:
    """A workspace owned by one account."""

    id: str
    owner_id: str
    name: str


@dataclass(frozen=True)
class Card:
    """A card template inside one workspace."""

    id: str
    workspace_id: str
    title: str


@dataclass(frozen=True)
class EmailAccount:
    """A sender address an account may choose instead of the default sender."""

    id: str
    owner_id: str
    email: str


@dataclass(frozen=True)
class Configuration:
    """An integration configuration: the link the send endpoints refer to."""

    id: str
    user_id: str
    workspace_id: str
    card_id: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Store:
    """All data of one app instance; fresh random ids per instance keep tests apart."""

    users: dict[str, User] = field(default_factory=dict)
    workspaces: dict[str, Workspace] = field(default_factory=dict)
    cards: dict[str, Card] = field(default_factory=dict)
    email_accounts: dict[str, EmailAccount] = field(default_factory=dict)
    configurations: dict[str, Configuration] = field(default_factory=dict)
    fixtures: dict[str, str] = field(default_factory=dict)

    @classmethod
    def seeded(cls, now: datetime) -> Store:
        """A store with the caller's account and a foreign one, each with data."""
        store = cls()
        me = store._add_user("Reference Integrator")
        workspace = store._add_workspace(me, "Reference Workspace")
        card = store._add_card(workspace, "Welcome Card")
        store._add_card(workspace, "Thank You Card")
        store._add_card(workspace, "Birthday Card")
        store._add_email_account(me, "sender@example.com")
        store._add_email_account(me, "support@example.com")

        other = store._add_user("Other Account")
        other_workspace = store._add_workspace(other, "Other Workspace")
        foreign = store._add_card(other_workspace, "Foreign Card")
        store._add_email_account(other, "other@example.com")
        # The foreign card is configured, so a leak of its configuration would show.
        store.create_configuration(other, other_workspace, foreign, now)

        store.fixtures = {
            "api_key": me.api_key,
            "workspace_id": workspace.id,
            "card_id": card.id,
            "foreign_card_id": foreign.id,
        }
        return store

    def _add_user(self, name: str) -> User:
        user = User(id=new_id(), api_key=str(uuid.uuid4()), name=name)
        self.users[user.id] = user
        return user

    def _add_workspace(self, owner: User, name: str) -> Workspace:
        workspace = Workspace(id=new_id(), owner_id=owner.id, name=name)
        self.workspaces[workspace.id] = workspace
        return workspace

    def _add_card(self, workspace: Workspace, title: str) -> Card:
        card = Card(id=new_id(), workspace_id=workspace.id, title=title)
        self.cards[card.id] = card
        return card

    def _add_email_account(self, owner: User, email: str) -> EmailAccount:
        account = EmailAccount(id=new_id(), owner_id=owner.id, email=email)
        self.email_accounts[account.id] = account
        return account

    def user_for_key(self, api_key: str) -> User | None:
        """The account whose integration key is ``api_key`` (exact, case-sensitive)."""
        return next((u for u in self.users.values() if u.api_key == api_key), None)

    def workspaces_of(self, user: User) -> list[Workspace]:
        """The workspaces ``user`` owns."""
        return [w for w in self.workspaces.values() if w.owner_id == user.id]

    def workspace_of(self, user: User, workspace_id: str) -> Workspace | None:
        """The workspace ``workspace_id`` if ``user`` owns it; foreign looks unknown."""
        workspace = self.workspaces.get(workspace_id)
        return workspace if workspace and workspace.owner_id == user.id else None

    def cards_in(self, workspace: Workspace) -> list[Card]:
        """The cards of ``workspace``."""
        return [c for c in self.cards.values() if c.workspace_id == workspace.id]

    def card(self, card_id: str) -> Card | None:
        """The card ``card_id`` whoever owns it (access is the caller's concern)."""
        return self.cards.get(card_id)

    def can_use(self, user: User, card: Card) -> bool:
        """Whether ``card`` lies in a workspace ``user`` owns."""
        return self.workspace_of(user, card.workspace_id) is not None

    def email_accounts_of(self, user: User) -> list[EmailAccount]:
        """The sender addresses of ``user``."""
        return [a for a in self.email_accounts.values() if a.owner_id == user.id]

    def configuration(self, user: User, config_id: str) -> Configuration | None:
        """The configuration ``config_id`` if ``user`` made it, else None."""
        config = self.configurations.get(config_id)
        return config if config and config.user_id == user.id else None

    def configuration_for_card(self, card_id: str) -> Configuration | None:
        """The configuration of ``card_id``, whoever made it (one per card)."""
        return next(
            (c for c in self.configurations.values() if c.card_id == card_id), None
        )

    def create_configuration(
        self, user: User, workspace: Workspace, card: Card, now: datetime
    ) -> Configuration:
        """Record a new configuration; the caller has checked there is none yet."""
        config = Configuration(
            id=new_id(),
            user_id=user.id,
            workspace_id=workspace.id,
            card_id=card.id,
            created_at=now,
            updated_at=now,
        )
        self.configurations[config.id] = config
        return config
