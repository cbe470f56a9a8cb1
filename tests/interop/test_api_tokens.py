"""Personal API tokens: shown once, hashed at rest, scoped, expiring, revocable, audited."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.utils import timezone

from between.accounts.models import AuditEvent
from between.clinic.actions import today
from between.interop.api import auth, tokens
from between.interop.api.models import ApiToken
from tests.conftest import County
from tests.interop import test_api_fixtures
from tests.interop.test_api_fixtures import (
    World,
    assert_error,
    bearer,
    family_token,
    make_token,
)

# The shared fixture (fixture modules cannot be conftest files here).
world = test_api_fixtures.world


def _token_events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="interop_api.apitoken", action=action))


class TestTheTokenPage:
    def test_it_shows_a_new_secret_once_and_keeps_only_its_hash(
        self, county: County, client: HttpClient
    ) -> None:
        client.force_login(county.clinician)
        expires = (today() + timedelta(days=30)).isoformat()
        response = client.post(
            "/api/tokens/", {"name": "Reports", "scope": "read", "expires_on": expires}
        )
        assert response.status_code == 200
        secret = response.context["new"].secret
        assert secret.startswith("bst_") and len(secret) >= 40
        assert secret in response.content.decode()
        token = ApiToken.objects.get(user=county.clinician)
        assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in str(ApiToken.objects.values().get())
        assert secret.startswith(token.prefix)
        # The list shows the prefix, never the secret again.
        again = client.get("/api/tokens/").content.decode()
        assert token.prefix in again and secret not in again

    def test_it_audits_creating_and_revoking_without_the_secret(
        self, county: County, client: HttpClient
    ) -> None:
        client.force_login(county.supervisor)
        expires = (today() + timedelta(days=5)).isoformat()
        response = client.post(
            "/api/tokens/", {"name": "Script", "scope": "write", "expires_on": expires}
        )
        secret = response.context["new"].secret
        token = ApiToken.objects.get(user=county.supervisor)
        assert token.scope == "write"
        response = client.post(f"/api/tokens/{token.pk}/revoke/")
        assert response.status_code == 302
        token.refresh_from_db()
        assert token.revoked_at is not None
        assert [e.actor_id for e in _token_events("create")] == [county.supervisor.pk]
        assert [e.detail for e in _token_events("update")] == ["revoke"]
        for event in AuditEvent.objects.all():
            assert secret not in f"{event.object_id} {event.detail} {event.path}"

    def test_it_refuses_a_year_and_a_day_and_the_past(
        self, county: County, client: HttpClient
    ) -> None:
        client.force_login(county.clinician)
        for day in (today() + timedelta(days=366), today() - timedelta(days=1)):
            response = client.post(
                "/api/tokens/", {"name": "x", "scope": "read", "expires_on": day.isoformat()}
            )
            assert response.status_code == 422
        assert not ApiToken.objects.exists()

    def test_it_keeps_tokens_to_their_owner(self, county: County, client: HttpClient) -> None:
        make_token(county.clinician)
        token = ApiToken.objects.get()
        client.force_login(county.supervisor)
        assert "clinician read" not in client.get("/api/tokens/").content.decode()
        assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None
        assert [e.actor_id for e in _token_events("deny")] == [county.supervisor.pk]

    def test_it_gives_families_no_token_page(self, county: County, client: HttpClient) -> None:
        client.force_login(county.family)
        assert client.get("/api/tokens/").status_code == 404
        with pytest.raises(PermissionDenied):
            tokens.create_token(
                county.family,
                name="x",
                scope="read",
                expires_at=timezone.now() + timedelta(days=1),
            )


class TestUsingATokenOnTheApi:
    def test_it_lets_a_valid_token_in(self, county: County, client: HttpClient) -> None:
        secret = make_token(county.clinician)
        assert client.get("/api/v1/programs", headers=bearer(secret)).status_code == 200

    @pytest.mark.parametrize(
        "header",
        ["", "Bearer", "Bearer bst_unknown", "Basic dXNlcjpwYXNz", "Token abc"],
    )
    def test_it_refuses_a_missing_or_unknown_token(
        self, county: County, client: HttpClient, header: str
    ) -> None:
        response = client.get("/api/v1/programs", HTTP_AUTHORIZATION=header)
        assert_error(response, 401, "unauthorized")
        assert response["WWW-Authenticate"].startswith("Bearer")

    def test_it_audits_a_refused_token(self, county: County, client: HttpClient) -> None:
        client.get("/api/v1/programs", headers=bearer("bst_not-a-real-token"))
        [event] = _token_events("deny")
        assert event.outcome == "denied" and event.detail == "token unknown"
        assert "bst_not-a-real-token" not in f"{event.object_id} {event.detail}"

    def test_it_refuses_an_expired_token(self, county: County, client: HttpClient) -> None:
        secret = make_token(county.clinician)
        ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        assert_error(client.get("/api/v1/programs", headers=bearer(secret)), 401)
        assert _token_events("deny")[0].detail == "token expired"

    def test_it_refuses_a_revoked_token(self, county: County, client: HttpClient) -> None:
        secret = make_token(county.clinician)
        token = ApiToken.objects.get()
        assert tokens.revoke_token(county.clinician, token) is True
        assert tokens.revoke_token(county.clinician, token) is False
        assert_error(client.get("/api/v1/programs", headers=bearer(secret)), 401)
        assert _token_events("deny")[0].detail == "token revoked"

    def test_it_refuses_a_family_token(self, county: County, client: HttpClient) -> None:
        secret = family_token(county.family)
        assert_error(client.get("/api/v1/assignments", headers=bearer(secret)), 401)
        assert _token_events("deny")[0].detail == "token no staff role"

    def test_it_refuses_the_token_of_a_deactivated_user(
        self, county: County, client: HttpClient
    ) -> None:
        secret = make_token(county.clinician)
        type(county.clinician).objects.filter(pk=county.clinician.pk).update(is_active=False)
        assert_error(client.get("/api/v1/programs", headers=bearer(secret)), 401)

    def test_it_records_use_at_most_once_a_minute(self, county: County, client: HttpClient) -> None:
        secret = make_token(county.clinician)
        client.get("/api/v1/programs", headers=bearer(secret))
        first = ApiToken.objects.get().last_used_at
        assert first is not None
        client.get("/api/v1/programs", headers=bearer(secret))
        assert ApiToken.objects.get().last_used_at == first
        earlier = timezone.now() - timedelta(minutes=2)
        ApiToken.objects.update(last_used_at=earlier)
        client.get("/api/v1/programs", headers=bearer(secret))
        assert ApiToken.objects.get().last_used_at > earlier  # type: ignore[operator]

    def test_it_refuses_writes_with_a_read_token(self, world: World, client: HttpClient) -> None:
        secret = make_token(world.county.clinician, "read")
        body = {
            "assignment_id": world.a.assignment.pk,
            "practiced_on": "2026-10-07",
            "completion": "done",
            "idempotency_key": "read-scope-1",
        }
        response = client.post(
            "/api/v1/practice-logs", body, content_type="application/json", headers=bearer(secret)
        )
        assert_error(response, 403, "insufficient_scope")
        assert not world.a.assignment.logs.filter(idempotency_key="read-scope-1").exists()


class TestUserFromBearer:
    """The entry point the FHIR facade shares: a stable signature, None when refused."""

    def test_it_returns_the_user_and_leaves_the_token_on_the_request(self, county: County) -> None:
        secret = make_token(county.analyst, "write")
        request = RequestFactory().get("/fhir/R4/Patient", headers=bearer(secret))
        assert auth.user_from_bearer(request) == county.analyst
        assert request.api_token.can_write  # type: ignore[attr-defined]
        assert auth.token_can_write(request)

    def test_it_returns_none_without_a_usable_token(self, county: County) -> None:
        assert auth.user_from_bearer(RequestFactory().get("/fhir/R4/Patient")) is None
        request = RequestFactory().get("/x", HTTP_AUTHORIZATION="Bearer nope")
        assert auth.user_from_bearer(request) is None
        assert request.api_token is None  # type: ignore[attr-defined]


class TestTheTokenAction:
    def test_it_caps_the_lifetime(self, county: County) -> None:
        with pytest.raises(ValidationError):
            tokens.create_token(
                county.clinician,
                name="forever",
                scope="read",
                expires_at=timezone.now() + timedelta(days=366),
            )
        with pytest.raises(ValidationError):
            tokens.create_token(
                county.clinician, name="x", scope="admin", expires_at=timezone.now()
            )

    def test_it_refuses_to_revoke_another_users_token(self, county: County) -> None:
        make_token(county.clinician)
        with pytest.raises(PermissionDenied):
            tokens.revoke_token(county.supervisor, ApiToken.objects.get())
