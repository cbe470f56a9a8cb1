"""Sign-in throttling (django-axes, on username + address, behind a set number of proxies),
password rules with the bundled breached list, and credentials never logged nor audited."""

from __future__ import annotations

import logging

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from pytest_django.fixtures import Settings as SettingsFixture

from between.accounts.models import AuditAction, AuditEvent
from between.accounts.passwords import disguises
from tests.conftest import PASSWORD, County

WRONG = "Wr0ng-but-l0ng-passphrase"


def attempt(client: HttpClient, username: str, password: str, **headers: str) -> int:
    response = client.post(
        "/accounts/sign-in/", {"username": username, "password": password}, headers=headers
    )
    return int(response.status_code)


def test_it_locks_a_username_from_one_address_after_five_failures(
    county: County, client: HttpClient
) -> None:
    name = county.clinician.username
    assert [attempt(client, name, WRONG) for _ in range(4)] == [200] * 4
    assert attempt(client, name, WRONG) == 429  # the fifth failure locks
    # Locked: even the right password is refused, with the lock-out page.
    response = client.post("/accounts/sign-in/", {"username": name, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    locked = AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT)
    assert locked.exists() and locked.first().object_id == str(county.clinician.pk)  # type: ignore[union-attr]
    # Another person, or the same person from elsewhere, is not locked.
    assert attempt(HttpClient(), county.supervisor.username, PASSWORD) == 302
    assert attempt(HttpClient(REMOTE_ADDR="10.0.0.9"), name, PASSWORD) == 302


def test_it_forgets_failures_after_a_success(county: County, client: HttpClient) -> None:
    name = county.clinician.username
    for _ in range(4):
        attempt(client, name, WRONG)
    assert attempt(client, name, PASSWORD) == 302
    client.post("/accounts/sign-out/")
    assert [attempt(client, name, WRONG) for _ in range(4)] == [200] * 4


def test_it_reads_the_address_behind_the_configured_proxies(
    county: County, settings: SettingsFixture
) -> None:
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    name = county.clinician.username
    client = HttpClient()
    for _ in range(5):
        attempt(client, name, WRONG, X_Forwarded_For="203.0.113.7, 10.0.0.2")
    assert attempt(client, name, PASSWORD, X_Forwarded_For="203.0.113.7, 10.0.0.2") == 429
    # The same proxy, another client address: not locked.
    assert attempt(client, name, PASSWORD, X_Forwarded_For="198.51.100.4, 10.0.0.2") == 302


def test_it_ignores_forwarded_addresses_without_a_proxy(county: County) -> None:
    # With no proxy configured the header could be forged to dodge the lock: it is not read.
    name = county.clinician.username
    client = HttpClient()
    for n in range(5):
        attempt(client, name, WRONG, X_Forwarded_For=f"203.0.113.{n}")
    assert attempt(client, name, PASSWORD, X_Forwarded_For="198.51.100.99") == 429


def test_it_never_logs_nor_stores_a_typed_password(
    county: County, client: HttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "Typed-Secret-Passphrase-123"
    for _ in range(5):
        attempt(client, county.clinician.username, secret)
    attempt(client, secret, secret)  # a password typed into the username box
    assert secret not in caplog.text
    audit_text = " ".join(" ".join(str(v) for v in row) for row in AuditEvent.objects.values_list())
    assert secret not in audit_text
    attempts = " ".join(
        f"{a.username} {a.get_data} {a.post_data}" for a in AccessAttempt.objects.all()
    )
    assert secret not in attempts


@pytest.mark.parametrize(
    "password",
    ["password", "P@ssw0rd2024!", "Dragon1234567", "Summer2023!!", "qwertyqwerty", "LETMEIN-999"],
)
def test_it_refuses_breached_passwords_and_their_disguises(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.parametrize("password", ["correct-horse-battery-staple", "xk3-Blue-Lamp-9aQ"])
def test_it_accepts_long_uncommon_passwords(password: str) -> None:
    validate_password(password)


def test_it_refuses_short_passwords() -> None:
    with pytest.raises(ValidationError, match="at least 12"):
        validate_password("x9!Tq2#vLw")


def test_it_undoes_the_usual_disguises() -> None:
    assert {"password", "monkey"} <= disguises("P@$$w0rd!!") | disguises("monkeymonkey")
