"""Rendering a probe's credential: the one place that knows where a credential goes.

A probe names its credential (a fixture, a literal, or none) and a template over the
token (``Bearer {token}``); this module turns it into what goes on the wire and into
what a ``curl`` line shows, with a secret replaced by the environment variable that
holds it. Where it goes (today: one header, ``ClientSettings.credential_header``) is
a ``Placement``, so a profile can later say ``X-API-Key: {token}``, Basic, or a query
parameter by adding to ``Placement`` and the two methods here, nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from conformance.probe import Credential
from conformance.redact import ENV_PREFIX


@dataclass(frozen=True)
class Placement:
    """Where a rendered credential goes on the wire."""

    header: str = "Authorization"


class CredentialRenderer:
    """Renders credentials into headers; holds the secrets it resolves them from."""

    def __init__(
        self,
        placement: Placement,
        secrets: Mapping[str, str],
        env_names: Mapping[str, str] | None = None,
    ) -> None:
        self.placement = placement
        self._secrets = dict(secrets)
        self._env_names = dict(env_names or {})

    def wire(self, credential: Credential) -> list[tuple[str, str]]:
        """The headers that carry ``credential`` on the wire (secrets resolved).

        RFC 9110 5.5: a field value has no leading or trailing whitespace; servers
        strip it and h11 refuses to send it. "Bearer   " goes out as "Bearer".
        """
        if credential.absent:
            return []
        if credential.fixture is not None:
            token = self._secrets.get(credential.fixture)
            if token is None:
                raise KeyError(f"no value for fixture {credential.fixture!r}")
        else:
            token = credential.literal or ""
        value = credential.template.replace("{token}", token)
        return [(self.placement.header, value.strip())]

    def shown(
        self, credential: Credential
    ) -> tuple[list[tuple[str, str]], dict[str, str]]:
        """How a ``curl`` line shows ``credential``: (plain headers, from-environment).

        A fixture is named by its environment variable (``Bearer $CONFORMANCE_API_KEY``)
        so the line reproduces without showing it; a literal token is generated junk,
        not a secret, and is shown as sent.
        """
        if credential.absent:
            return [], {}
        header = self.placement.header
        if credential.fixture is not None:
            env = self._env_names.get(
                credential.fixture, ENV_PREFIX + credential.fixture.upper()
            )
            return [], {header: credential.template.replace("{token}", "$" + env)}
        value = credential.template.replace("{token}", credential.literal or "")
        return [(header, value.strip())], {}
