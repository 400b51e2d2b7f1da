"""Fixtures that serve the framework apps and Prism on 127.0.0.1 for a test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

import apps.frameworks
from apps.frameworks._model import Tokens
from apps.frameworks._serve import PrismServer, find_prism, run_prism, serve_app

# The Connexion app's hand-written document (its examples make Prism's answers).
CONNEXION_OPENAPI = (
    Path(apps.frameworks.__file__).parent / "connexion_app" / "openapi.yaml"
)


@pytest.fixture
def serve_framework() -> Iterator[Callable[..., str]]:
    """Start fresh apps by name (``_serve.APPS``); every one stops after the test.

    ``serve_framework("fastapi")`` returns the base URL; pass ``tokens=Tokens(...)``
    for other tokens than the defaults (the environment is not read here).
    """
    with ExitStack() as stack:

        def start(name: str, tokens: Tokens | None = None) -> str:
            return stack.enter_context(serve_app(name, tokens))

        yield start


@pytest.fixture(scope="module")
def shared_framework() -> Iterator[Callable[[str], str]]:
    """Like ``serve_framework``, default tokens, but one instance per app and module:
    for tests that make their own items and never count what others made."""
    with ExitStack() as stack:
        urls: dict[str, str] = {}

        def start(name: str) -> str:
            if name not in urls:
                urls[name] = stack.enter_context(serve_app(name))
            return urls[name]

        yield start


@pytest.fixture(scope="session")
def prism_executable() -> str:
    """Prism's executable; the only reason any Prism test skips is its absence."""
    prism = find_prism()
    if prism is None:
        pytest.skip(
            "prism not found: set $PRISM, put it on PATH, or run `npm install "
            "--prefix tests/apps/frameworks/.prism @stoplight/prism-cli@5`"
        )
    return prism


@pytest.fixture(scope="module")
def prism_mock(prism_executable: str) -> Iterator[PrismServer]:
    """``prism mock`` of the Connexion app's document, shared by a module's tests."""
    with run_prism(CONNEXION_OPENAPI, prism_executable) as server:
        yield server
