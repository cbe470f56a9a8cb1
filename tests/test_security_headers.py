"""What every page promises the browser: a strict Content Security Policy with nothing inline to
allow, no framing, no sniffing, no caching of records, no health data kept on the device, a new
session id at each sign-in, and in production secure cookies, HSTS and HTTPS only."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.test import Client as HttpClient

from tests.conftest import PASSWORD, County
from tests.test_settings import production, run

PACKAGE = Path(__file__).resolve().parent.parent / "between"


def test_it_sends_a_strict_content_security_policy(county: County, client: HttpClient) -> None:
    client.force_login(county.clinician)
    response = client.get(f"/clients/{county.client.pk}/")
    policy = dict(
        (part.split()[0], part.split()[1:])
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    )
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style[\s>]", re.I), "<style> element"),
    (re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I), "event handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_it_has_nothing_inline_for_the_policy_to_allow() -> None:
    templates = sorted(PACKAGE.rglob("templates/**/*.html"))
    assert len(templates) > 50
    found = [
        f"{path.relative_to(PACKAGE)}: {what}"
        for path in templates
        for pattern, what in INLINE
        if pattern.search(path.read_text())
    ]
    assert found == []


def test_it_keeps_no_health_data_on_the_device() -> None:
    # ONC (d)(7): pages are not cached (no-store) and our scripts store nothing in the browser.
    scripts = sorted((PACKAGE / "static" / "js").glob("*.js"))
    assert scripts
    for path in scripts:
        text = path.read_text()
        for storage in (
            "localStorage",
            "sessionStorage",
            "indexedDB",
            "document.cookie",
            "caches.",
        ):
            assert storage not in text, (path.name, storage)


def test_it_gives_a_new_session_id_at_sign_in_and_ends_it_at_sign_out(
    county: County, client: HttpClient
) -> None:
    # An anonymous session exists before sign-in (as an attacker could plant one).
    session = client.session
    session["planted"] = True
    session.save()
    before = session.session_key
    assert before
    client.cookies["between_session"] = before
    client.post("/accounts/sign-in/", {"username": "carla", "password": PASSWORD})
    signed_in = client.cookies["between_session"].value
    assert signed_in and signed_in != before
    client.post("/accounts/sign-out/")
    # The old cookie, replayed, no longer signs anyone in.
    replay = HttpClient()
    replay.cookies["between_session"] = signed_in
    assert replay.get(f"/clients/{county.client.pk}/").status_code == 302


def test_it_locks_cookies_and_transport_in_production(tmp_path: Path) -> None:
    names = [
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "MFA_REQUIRED",
        "DEBUG",
    ]
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = run(production(tmp_path), "-c", code)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "MFA_REQUIRED": True,
        "DEBUG": False,
    }
