"""Two-step sign-in (TOTP + recovery codes) for staff: required in production settings, asked of
anyone who set it up, never of families; every step audited."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings as SettingsFixture

from between.accounts import mfa
from between.accounts.models import AuditAction, AuditEvent, User
from tests.conftest import PASSWORD, County


def code_for(device: TOTPDevice, *, ahead: int = 0) -> str:
    """The code an authenticator app would show now (or `ahead` steps later)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=ahead)
    return f"{value:0{device.digits}d}"


def sign_in(client: HttpClient, user: User, next_url: str = "/") -> str:
    response = client.post(
        f"/accounts/sign-in/?next={next_url}", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return str(response["Location"])


def enrol(client: HttpClient, user: User) -> tuple[TOTPDevice, list[str]]:
    """Set up two-step sign-in through the pages, as the person would."""
    page = client.get("/accounts/two-step/set-up/")
    assert page.status_code == 200
    assert page.context["qr"].startswith("data:image/svg+xml;base64,")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post("/accounts/two-step/set-up/", {"code": code_for(device)})
    assert done.status_code == 200
    device.refresh_from_db()
    return device, list(done.context["codes"])


@pytest.fixture
def required(settings: SettingsFixture) -> None:
    settings.MFA_REQUIRED = True


@pytest.fixture(autouse=True)
def no_waiting(settings: SettingsFixture) -> None:
    """django-otp makes a person wait 1, 2, 4… seconds after each wrong code; tests that type
    a wrong code and then the right one at once turn that off (one test checks it)."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def actions_of(user: User) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="accounts.user", object_id=str(user.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


@pytest.mark.usefixtures("required")
def test_it_sends_staff_to_set_up_before_any_page(county: County, client: HttpClient) -> None:
    assert sign_in(client, county.clinician, "/clients/") == "/clients/"
    response = client.get("/clients/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-step/set-up/?next=%2Fclients%2F"
    assert client.get(f"/clients/{county.client.pk}/").status_code == 302
    assert client.get("/api/tokens/").status_code == 302


@pytest.mark.usefixtures("required")
def test_it_lets_staff_in_after_set_up_and_shows_recovery_codes_once(
    county: County, client: HttpClient
) -> None:
    sign_in(client, county.clinician)
    device, codes = enrol(client, county.clinician)
    assert device.confirmed and len(codes) == 10 and len(set(codes)) == 10
    assert client.get(f"/clients/{county.client.pk}/").status_code == 200
    assert StaticToken.objects.filter(device__user=county.clinician).count() == 10
    # The codes are never shown again: the security page only counts them.
    page = client.get("/accounts/security/")
    assert page.status_code == 200 and codes[0] not in page.content.decode()
    assert AuditAction.MFA_ENROLLED in actions_of(county.clinician)


@pytest.mark.usefixtures("required")
def test_it_asks_for_a_code_at_each_sign_in(county: County, client: HttpClient) -> None:
    sign_in(client, county.supervisor)
    device, _codes = enrol(client, county.supervisor)
    client.post("/accounts/sign-out/")

    sign_in(client, county.supervisor, "/clients/")
    response = client.get("/clients/")
    assert response["Location"] == "/accounts/two-step/?next=%2Fclients%2F"
    wrong = client.post("/accounts/two-step/?next=/clients/", {"code": "000000"})
    assert wrong.status_code == 422
    assert client.get("/clients/").status_code == 302
    right = client.post(
        "/accounts/two-step/", {"code": code_for(device, ahead=1), "next": "/clients/"}
    )
    assert (right.status_code, right["Location"]) == (302, "/clients/")
    assert client.get("/").status_code == 200
    trail = actions_of(county.supervisor)
    assert AuditAction.MFA_FAILED in trail and trail[-1] == AuditAction.MFA_VERIFIED


@pytest.mark.usefixtures("required")
def test_it_takes_each_recovery_code_once(county: County, client: HttpClient) -> None:
    sign_in(client, county.analyst)
    _device, codes = enrol(client, county.analyst)
    for attempt, expected in ((1, 302), (2, 422)):
        client.post("/accounts/sign-out/")
        sign_in(client, county.analyst)
        response = client.post("/accounts/two-step/", {"code": codes[0].upper()})
        assert response.status_code == expected, attempt
    assert mfa.recovery_codes_left(county.analyst) == 9
    assert AuditAction.MFA_RECOVERY in actions_of(county.analyst)


@pytest.mark.usefixtures("required")
def test_it_will_not_replace_an_authenticator_before_the_second_step(
    county: County, client: HttpClient
) -> None:
    sign_in(client, county.admin)
    device, _codes = enrol(client, county.admin)
    client.post("/accounts/sign-out/")
    sign_in(client, county.admin)  # a stolen password, no phone
    response = client.get("/accounts/two-step/set-up/")
    assert response["Location"].startswith("/accounts/two-step/?")
    response = client.post("/accounts/two-step/set-up/", {"code": "123456"})
    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=county.admin)) == [device]


@pytest.mark.usefixtures("required")
def test_it_never_asks_families(county: County, client: HttpClient) -> None:
    client.force_login(county.family)
    response = client.get("/family/today/")
    assert response.status_code == 200
    assert client.get("/accounts/two-step/set-up/").status_code == 404


@pytest.mark.usefixtures("required")
def test_it_answers_htmx_with_a_redirect_header(county: County, client: HttpClient) -> None:
    sign_in(client, county.clinician)
    response = client.get(f"/clients/{county.client.pk}/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response["HX-Redirect"].startswith("/accounts/two-step/set-up/")


def test_it_asks_anyone_who_set_it_up_even_when_not_required(
    county: County, client: HttpClient
) -> None:
    sign_in(client, county.trainer)
    assert client.get("/").status_code == 200  # not required, not set up
    enrol(client, county.trainer)
    client.post("/accounts/sign-out/")
    sign_in(client, county.trainer)
    assert client.get("/")["Location"].startswith("/accounts/two-step/")


def test_it_moves_to_a_new_phone_only_after_the_second_step(
    county: County, client: HttpClient
) -> None:
    sign_in(client, county.clinician)
    old, _codes = enrol(client, county.clinician)
    new, _new_codes = enrol(client, county.clinician)  # verified now: may replace
    assert list(TOTPDevice.objects.filter(user=county.clinician)) == [new]
    assert old.pk != new.pk


def test_it_makes_new_recovery_codes_that_replace_the_old(
    county: County, client: HttpClient
) -> None:
    sign_in(client, county.clinician)
    _device, codes = enrol(client, county.clinician)
    response = client.post("/accounts/two-step/recovery-codes/")
    fresh = list(response.context["codes"])
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    client.post("/accounts/sign-out/")
    sign_in(client, county.clinician)
    assert client.post("/accounts/two-step/", {"code": codes[1]}).status_code == 422
    assert client.post("/accounts/two-step/", {"code": fresh[1]}).status_code == 302


def test_it_lets_an_administrator_reset_a_lost_phone(county: County, client: HttpClient) -> None:
    sign_in(client, county.clinician)
    enrol(client, county.clinician)
    superuser = User.objects.create_superuser("root-admin", password=PASSWORD)
    admin = HttpClient()
    admin.force_login(superuser)
    response = admin.post(
        "/admin/accounts/user/",
        {"action": "reset_two_step", "_selected_action": [county.clinician.pk]},
    )
    assert response.status_code == 302
    assert not mfa.has_two_step(county.clinician)
    event = AuditEvent.objects.get(action=AuditAction.MFA_RESET)
    assert (event.actor, event.object_id) == (superuser, str(county.clinician.pk))


def test_it_throttles_wrong_codes(
    county: County, client: HttpClient, settings: SettingsFixture
) -> None:
    # django-otp doubles the wait after each wrong code: even the right code is refused then.
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    sign_in(client, county.reviewer)
    device, _codes = enrol(client, county.reviewer)
    client.post("/accounts/sign-out/")
    sign_in(client, county.reviewer)
    for _ in range(3):
        client.post("/accounts/two-step/", {"code": "000000"})
    response = client.post("/accounts/two-step/", {"code": code_for(device, ahead=1)})
    assert response.status_code == 422
