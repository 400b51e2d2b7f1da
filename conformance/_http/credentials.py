"""Rendering a probe's credential: the one place that knows where a credential goes.

A probe names its credential (a fixture, a literal, or none) and a template over the
token (``Bearer {token}``, ``{token}`` for ``X-API-Key``, ``Basic {token_base64}``
with a ``user:password`` fixture); this module turns it into what goes on the wire and
into what a ``curl`` line shows, with a secret replaced by the environment variable
that holds it. Where it goes is the profile's ``Placement``: a header, or a query
parameter; a credential's own ``placement`` (the valid key put where the API does not
read it) overrides it.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from urllib.parse import quote

from errcontract._http.derived import derive, shell
from errcontract._http.probe import Credential, Placement
from errcontract._http.redact import ENV_PREFIX

__all__ = ["CredentialRenderer", "Placement", "render"]


def render(template: str, token: str) -> str:
    """``template`` with the token in place (``{token_base64}``: Basic auth)."""
    encoded = base64.b64encode(token.encode("utf-8")).decode("ascii")
    return template.replace("{token_base64}", encoded).replace("{token}", token)


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

    def _value(self, credential: Credential) -> str:
        if credential.fixture is not None:
            token = self._secrets.get(credential.fixture)
            if token is None:
                raise KeyError(f"no value for fixture {credential.fixture!r}")
            if credential.derived is not None:
                token = derive(token, credential.derived)
        else:
            token = credential.literal or ""
        return render(credential.template, token)

    def where(self, credential: Credential) -> Placement:
        """Where ``credential`` goes: its own placement, else the profile's."""
        return credential.placement or self.placement

    def wire(self, credential: Credential) -> list[tuple[str, str]]:
        """The headers that carry ``credential`` on the wire (secrets resolved).

        RFC 9110 5.5: a field value has no leading or trailing whitespace; servers
        strip it and h11 refuses to send it. "Bearer   " goes out as "Bearer".
        """
        where = self.where(credential)
        if credential.absent or where.query or self._unset(credential):
            return []
        value = self._value(credential).strip()
        if where.cookie:
            return [("Cookie", f"{where.cookie}={value}")]
        return [(where.header, value)]

    def query(self, credential: Credential) -> list[tuple[str, str]]:
        """The query parameters that carry ``credential`` (a query placement)."""
        where = self.where(credential)
        if credential.absent or not where.query or self._unset(credential):
            return []
        return [(where.query, self._value(credential))]

    def _unset(self, credential: Credential) -> bool:
        """Whether ``credential`` names an optional fixture the run was not given (a
        document that secures nothing: its derived ``api_key`` is not required, and
        no credential is sent); a required one is refused before the run starts."""
        return credential.fixture is not None and credential.fixture not in (
            self._secrets
        )

    def shown_query(self, credential: Credential) -> tuple[str, str] | None:
        """A query credential as a ``curl`` line shows it: the parameter naming the
        environment variable (``api_key=$CONFORMANCE_API_KEY``); ``None`` otherwise."""
        where = self.where(credential)
        if credential.absent or not where.query:
            return None
        if credential.fixture is None:
            literal = render(credential.template, credential.literal or "")
            return (where.query, quote(literal, safe=""))
        return (where.query, self._from_env(credential))

    def _from_env(self, credential: Credential) -> str:
        assert credential.fixture is not None
        env = self._env_names.get(
            credential.fixture, ENV_PREFIX + credential.fixture.upper()
        )
        # A derived key and Basic auth are made by the shell from the variable, so
        # the line still reproduces.
        value = shell(env, credential.derived)
        encoded = f"$(printf %s {value} | base64 -w0)"
        return credential.template.replace("{token_base64}", encoded).replace(
            "{token}", value
        )

    def shown(
        self, credential: Credential
    ) -> tuple[list[tuple[str, str]], dict[str, str]]:
        """How a ``curl`` line shows ``credential``: (plain headers, from-environment).

        A fixture is named by its environment variable (``Bearer $CONFORMANCE_API_KEY``)
        so the line reproduces without showing it; a literal token is generated junk,
        not a secret, and is shown as sent.
        """
        where = self.where(credential)
        if credential.absent or where.query:
            return [], {}
        header = "Cookie" if where.cookie else where.header
        cookie = f"{where.cookie}=" if where.cookie else ""
        if credential.fixture is not None:
            return [], {header: cookie + self._from_env(credential)}
        value = render(credential.template, credential.literal or "")
        return [(header, cookie + value.strip())], {}
