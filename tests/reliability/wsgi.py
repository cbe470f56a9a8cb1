"""The project's WSGI application (between.wsgi) with its URLs, views and translations loaded
before gunicorn forks its workers (`--preload`), so that no worker answers the tests' first
requests seconds late while it imports the project's views."""

from __future__ import annotations

from django.urls import get_resolver
from django.utils import translation

from between.wsgi import application

get_resolver().url_patterns  # noqa: B018 (imports every app's urls and views)
for language in ("en", "es"):
    with translation.override(language):
        translation.gettext("Saved. Thank you!")

__all__ = ["application"]
