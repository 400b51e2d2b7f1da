"""The Projects API's ``WWW-Authenticate`` on a 401, and the switches that bend it.

The conforming server challenges with ``Bearer realm="projects"`` (RFC 6750 section
3), with no error information whatever the request sent. The tolerances RFC 9110
and RFC 6750 allow: error information for a refused token and a ``scope`` for a
request without one (``challenge-detail``, RFC 6750 section 3.1), the scheme and a
parameter name in another letter case with a token value (``challenge-case``, RFC
9110 sections 11.1 and 11.2), another challenge on a field line of its own before
the Bearer one (``challenge-lines``, sections 11.6.1 and 5.3). The faults: a Basic
challenge (PD-AUTH-6), ``error="invalid_token"`` to a request that sent no token
(PD-AUTH-6:error-without-credential), an error code RFC 6750 does not register
(PD-AUTH-6:unknown-error); PD-AUTH-3 sends no challenge at all.
"""

from __future__ import annotations

from .._switches import Switches
from . import _contract as c


def challenge_lines(switches: Switches, *, sent: bool) -> list[tuple[str, str]]:
    """The ``WWW-Authenticate`` field lines of a 401 (``sent``: the request carried
    an ``Authorization`` header), as the switches shape them."""
    broken, on = switches.broken, switches.allows
    if broken("PD-AUTH-3"):
        return []
    if broken("PD-AUTH-6"):
        return [("www-authenticate", c.BASIC_CHALLENGE)]
    challenge = c.REALM
    if on("challenge-detail"):
        challenge += c.REFUSED_DETAIL if sent else c.SCOPE_DETAIL
    elif on("challenge-case"):
        challenge = c.LOWER_CASE_CHALLENGE
    if broken("PD-AUTH-6:error-without-credential"):
        challenge += c.INVALID_TOKEN
    elif sent and broken("PD-AUTH-6:unknown-error"):
        challenge += c.UNKNOWN_ERROR
    lines = [("www-authenticate", challenge)]
    if on("challenge-lines"):
        lines.insert(0, ("www-authenticate", c.OTHER_CHALLENGE))
    return lines
