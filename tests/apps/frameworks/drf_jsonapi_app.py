"""The Articles API (conformance/reference/jsonapi/openapi.yaml) on Django REST
framework JSON:API (djangorestframework-jsonapi), written as its documentation
shows: its parser, renderer, exception handler and metadata, a plain serializer and a
ViewSet over an in-memory store (no database), the router without trailing slashes.

Nothing is bent to suit the suite: what the framework answers by itself (Django's
404 page for an unknown route, its content negotiation) is what is judged.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import django
from django.conf import settings

SEEDED = "5b2f1b7e-2c1d-4c5a-9a57-1d3c8e0f4a11"

if not settings.configured:
    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        SECRET_KEY="drf-jsonapi-test-app",
        INSTALLED_APPS=["rest_framework", "rest_framework_json_api"],
        MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
        APPEND_SLASH=False,
        USE_TZ=True,
        DATABASES={},
        # The document's x-conformance-max-body, as a team would set it.
        DATA_UPLOAD_MAX_MEMORY_SIZE=65_536,
        REST_FRAMEWORK={
            "EXCEPTION_HANDLER": "rest_framework_json_api.exceptions.exception_handler",
            "DEFAULT_PARSER_CLASSES": ("rest_framework_json_api.parsers.JSONParser",),
            "DEFAULT_RENDERER_CLASSES": (
                "rest_framework_json_api.renderers.JSONRenderer",
            ),
            "DEFAULT_METADATA_CLASS": (
                "rest_framework_json_api.metadata.JSONAPIMetadata"
            ),
            "DEFAULT_AUTHENTICATION_CLASSES": (),
            "DEFAULT_PERMISSION_CLASSES": (),
            "UNAUTHENTICATED_USER": None,
        },
    )
    django.setup()

from django.core.asgi import get_asgi_application  # noqa: E402
from rest_framework import status, viewsets  # noqa: E402
from rest_framework.exceptions import NotFound  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.routers import SimpleRouter  # noqa: E402
from rest_framework_json_api import serializers  # noqa: E402

_lock = threading.Lock()
_articles: dict[str, dict[str, Any]] = {}


class ArticleSerializer(serializers.Serializer):
    """An article's attributes, as openapi.yaml declares them."""

    id = serializers.CharField(read_only=True)
    title = serializers.CharField(min_length=1, max_length=200)
    body = serializers.CharField(max_length=10_000, required=False, allow_blank=True)

    class Meta:
        resource_name = "articles"


class ArticleViewSet(viewsets.ViewSet):
    """List, create, read and update articles."""

    resource_name = "articles"
    serializer_class = ArticleSerializer
    lookup_field = "article_id"

    def _find(self, article_id: str) -> dict[str, Any]:
        with _lock:
            found = _articles.get(article_id)
        if found is None:
            raise NotFound("No article has that id.")
        return found

    def list(self, request: Any) -> Response:
        with _lock:
            items = list(_articles.values())
        return Response(ArticleSerializer(items, many=True).data)

    def create(self, request: Any) -> Response:
        serializer = ArticleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        article = {"id": str(uuid.uuid4()), **serializer.validated_data}
        with _lock:
            _articles[article["id"]] = article
        return Response(ArticleSerializer(article).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Any, article_id: str) -> Response:
        return Response(ArticleSerializer(self._find(article_id)).data)

    def partial_update(self, request: Any, article_id: str) -> Response:
        article = self._find(article_id)
        serializer = ArticleSerializer(article, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with _lock:
            article.update(serializer.validated_data)
        return Response(ArticleSerializer(article).data)


router = SimpleRouter(trailing_slash=False)
router.register("articles", ArticleViewSet, basename="article")
urlpatterns = router.urls


def create_app() -> Any:
    """The ASGI app over a fresh store holding one article."""
    with _lock:
        _articles.clear()
        _articles[SEEDED] = {"id": SEEDED, "title": "Seeded", "body": "The first."}
    return get_asgi_application()
