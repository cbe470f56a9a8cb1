"""Sessions end after an idle period and after an absolute lifetime; pages are never cached.

Time is moved by rewriting the two timestamps the middleware keeps in the session
(`between_seen_at`, last activity; `between_auth_at`, sign-in).
"""

from __future__ import annotations

import time

import pytest
from django.test import Client as HttpClient
from pytest_django.fixtures import Settings as SettingsFixture

import between.settings as project_settings
from between.accounts.middleware import AUTH_KEY, SEEN_KEY
from between.accounts.models import AuditAction, AuditEvent, User
from tests.conftest import PASSWORD, County

MINUTE = 60
HOUR = 3600


def signed_in(client: HttpClient, user: User, *, idle: float = 0, since: float = 0) -> None:
    """Sign `user` in, last active `idle` seconds ago, signed in `since` seconds ago."""
    client.force_login(user)
    now = time.time()
    session = client.session
    session[SEEN_KEY] = now - idle
    session[AUTH_KEY] = now - max(since, idle)
    session.save()


def assert_signed_out(
    client: HttpClient, response: object, sign_in: str = "/accounts/sign-in/"
) -> None:
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response["Location"] == f"{sign_in}?next=%2F"  # type: ignore[index]
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


# --- idle time-out -----------------------------------------------------------------------------


def test_it_keeps_staff_signed_in_within_fifteen_minutes(
    county: County, client: HttpClient
) -> None:
    signed_in(client, county.clinician, idle=14 * MINUTE)
    assert client.get("/").status_code == 200


def test_it_signs_staff_out_after_fifteen_idle_minutes(county: County, client: HttpClient) -> None:
    signed_in(client, county.clinician, idle=16 * MINUTE)
    assert_signed_out(client, client.get("/"))


def test_it_reads_the_staff_idle_limit_from_settings(
    county: County, client: HttpClient, settings: SettingsFixture
) -> None:
    settings.STAFF_IDLE_MINUTES = 5
    signed_in(client, county.supervisor, idle=6 * MINUTE)
    assert_signed_out(client, client.get("/"))


def test_it_gives_families_a_longer_idle_limit(county: County, client: HttpClient) -> None:
    signed_in(client, county.family, idle=20 * MINUTE)
    assert client.get("/family/today/").status_code == 200


def test_it_signs_families_out_after_their_idle_limit(
    county: County, client: HttpClient, settings: SettingsFixture
) -> None:
    settings.FAMILY_IDLE_MINUTES = 30
    signed_in(client, county.family, idle=31 * MINUTE)
    # Families are sent to their own sign-in page.
    assert_signed_out(client, client.get("/"), sign_in="/family/sign-in/")


def test_it_refreshes_the_last_activity_on_each_request(county: County, client: HttpClient) -> None:
    signed_in(client, county.clinician, idle=10 * MINUTE)
    before = client.session[SEEN_KEY]
    assert client.get("/").status_code == 200
    assert client.session[SEEN_KEY] > before + 9 * MINUTE


# --- absolute lifetime -------------------------------------------------------------------------


def test_it_signs_out_after_the_absolute_lifetime_even_when_active(
    county: County, client: HttpClient
) -> None:
    signed_in(client, county.clinician, idle=0, since=12 * HOUR + MINUTE)
    assert_signed_out(client, client.get("/"))


def test_it_reads_the_absolute_lifetime_from_settings(
    county: County, client: HttpClient, settings: SettingsFixture
) -> None:
    settings.SESSION_MAX_HOURS = 2
    signed_in(client, county.family, idle=0, since=1 * HOUR)
    assert client.get("/family/today/").status_code == 200
    signed_in(client, county.family, idle=0, since=2 * HOUR + MINUTE)
    assert_signed_out(client, client.get("/"), sign_in="/family/sign-in/")


# --- what an expiry does -----------------------------------------------------------------------


def test_it_audits_an_expired_session(county: County, client: HttpClient) -> None:
    signed_in(client, county.clinician, idle=HOUR)
    client.get(f"/clients/{county.client.pk}/")
    expired = AuditEvent.objects.filter(action=AuditAction.SESSION_EXPIRED).get()
    assert expired.actor == county.clinician
    assert expired.path == f"/clients/{county.client.pk}/"
    # The record was not opened on the way out.
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW).exists()


def test_it_tells_the_user_why_they_were_signed_out(county: County, client: HttpClient) -> None:
    signed_in(client, county.clinician, idle=HOUR)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/sign-in/")
    assert b"signed out after a period without activity" in response.content


def test_it_says_when_the_absolute_lifetime_ended_the_sign_in(
    county: County, client: HttpClient
) -> None:
    signed_in(client, county.clinician, idle=0, since=13 * HOUR)
    response = client.get("/", follow=True)
    assert b"reached its time limit" in response.content
    assert b"period without activity" not in response.content


def test_it_answers_htmx_with_401_and_a_redirect_header(county: County, client: HttpClient) -> None:
    signed_in(client, county.clinician, idle=HOUR)
    response = client.get(f"/clients/{county.client.pk}/?page=2", HTTP_HX_REQUEST="true")
    assert response.status_code == 401
    assert response["HX-Redirect"].startswith("/accounts/sign-in/?next=")
    assert "_auth_user_id" not in client.session


# --- caching -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/clients/{client}/", "/programs/{program}/"])
def test_it_forbids_caching_pages_of_signed_in_users(
    county: County, client: HttpClient, path: str
) -> None:
    client.force_login(county.supervisor)
    response = client.get(path.format(client=county.client.pk, program=county.harbor.pk))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


# --- the sign-in page ---------------------------------------------------------------------------


def test_it_shows_the_sign_in_page(db: None, client: HttpClient) -> None:
    response = client.get("/accounts/sign-in/")
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'autocomplete="current-password"' in response.content


def test_it_signs_in_and_starts_the_session_clocks(county: County, client: HttpClient) -> None:
    response = client.post("/accounts/sign-in/", {"username": "carla", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    session = client.session
    assert abs(session[AUTH_KEY] - time.time()) < MINUTE
    assert abs(session[SEEN_KEY] - time.time()) < MINUTE
    assert client.get("/").status_code == 200


def test_it_sends_signed_in_users_away_from_the_sign_in_page(
    county: County, client: HttpClient
) -> None:
    client.force_login(county.clinician)
    response = client.get("/accounts/sign-in/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_it_keeps_sessions_short_and_out_of_reach_of_scripts() -> None:
    assert project_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert project_settings.SESSION_COOKIE_HTTPONLY is True
    assert project_settings.SESSION_COOKIE_AGE <= 12 * HOUR


def test_it_hashes_passwords_with_argon2() -> None:
    # conftest swaps the hashers for speed; the settings module itself is what production runs.
    hasher = project_settings.PASSWORD_HASHERS[0]
    assert hasher == "django.contrib.auth.hashers.Argon2PasswordHasher"
