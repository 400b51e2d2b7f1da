"""The orgs API on Connexion 3: a hand-written ``openapi.yaml`` drives an AsyncApp.

``create_app()`` builds a fresh app (its own storage); serve it with uvicorn, whose
default lifespan handling ("auto") delivers the app's state to the handlers: an
embedding server started with ``lifespan="off"`` gets 500s. ``app`` is a ready
instance for ``uvicorn frameworks.connexion_app:app``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from connexion import AsyncApp
from connexion.options import SwaggerUIOptions
from connexion.resolver import RelativeResolver

from .._model import Store, Tokens
from . import handlers

OPENAPI = Path(__file__).with_name("openapi.yaml")


def create_app(tokens: Tokens | None = None) -> AsyncApp:
    """A Connexion AsyncApp accepting ``tokens`` (default: from the environment)."""
    tokens = tokens or Tokens.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[dict[str, Any]]:
        # Lifespan state: Connexion's documented way to hand state to the handlers.
        yield {"tokens": tokens, "store": Store()}

    app = AsyncApp(__name__, specification_dir=OPENAPI.parent, lifespan=lifespan)
    app.add_api(
        OPENAPI.name,
        resolver=RelativeResolver(handlers),
        pythonic_params=True,
        arguments={"controller": handlers.__name__},
        # The document stays at /openapi.json; the UI needs connexion[swagger-ui].
        swagger_ui_options=SwaggerUIOptions(swagger_ui=False),
    )
    return app


app = create_app()
