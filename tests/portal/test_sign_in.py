"""PIN rules, signing in by phone or family code and PIN, one-time links, lockout, rate limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from between.accounts.models import AuditEvent
from between.notify.models import Alert, Message
from between.portal import actions, security
from between.portal.models import FamilyAccount
from tests.conftest import County
from tests.portal.conftest import PIN, from_ip, invite_and_accept


@pytest.mark.parametrize("pin", ["4831", "90261", "582047", "7053"])
def test_it_accepts_a_pin_of_4_to_6_digits(pin: str) -> None:
    security.check_pin(pin)


@pytest.mark.parametrize(
    "pin",
    [
        "123",
        "1234567",
        "12a4",
        "",
        "0000",
        "1111",
        "1234",
        "4321",
        "123456",
        "9876",
        "1212",
        "121212",
        "123123",
        "2580",
    ],
)
def test_it_refuses_short_long_or_trivial_pins(pin: str) -> None:
    with pytest.raises(ValidationError):
        security.check_pin(pin)


def test_it_refuses_a_trivial_pin_when_accepting(county: County) -> None:
    with pytest.raises(ValidationError, match="too easy"):
        invite_and_accept(county, pin="1234")


@pytest.mark.parametrize(
    "typed", ["+16195550100", "(619) 555-0100", "619-555-0100", "1 619 555 0100"]
)
def test_it_signs_in_by_phone_and_pin(county: County, typed: str) -> None:
    maria = invite_and_accept(county)
    assert actions.sign_in_with_pin(typed, PIN) == maria


def test_it_signs_in_by_family_code_and_pin(county: County) -> None:
    maria = invite_and_accept(county)
    code = FamilyAccount.objects.get(user=maria).sign_in_code
    assert actions.sign_in_with_pin(security.format_code(code).lower(), PIN) == maria


def test_it_refuses_a_wrong_pin_without_saying_which_part_was_wrong(county: County) -> None:
    invite_and_accept(county)
    with pytest.raises(actions.SignInRefused) as wrong_pin:
        actions.sign_in_with_pin("6195550100", "90261")
    with pytest.raises(actions.SignInRefused) as unknown:
        actions.sign_in_with_pin("6195550111", PIN)
    assert wrong_pin.value.message == unknown.value.message
    assert AuditEvent.objects.filter(action="login_failed", detail="pin:wrong").count() == 1
    assert AuditEvent.objects.filter(action="login_failed", detail="pin:unknown").count() == 1


def test_it_locks_after_repeated_wrong_pins_tells_the_clinician_and_unlocks_later(
    county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    maria = invite_and_accept(county)
    for _n in range(security.LOCK_AFTER - 1):
        with pytest.raises(actions.SignInRefused, match="do not match"):
            actions.sign_in_with_pin("6195550100", "90261")
    assert not Alert.objects.exists()
    with pytest.raises(actions.SignInRefused, match="Too many wrong PINs"):
        actions.sign_in_with_pin("6195550100", "90261")
    alert = Alert.objects.get()
    assert alert.recipient == county.clinician and alert.client == county.client
    assert alert.kind == "family_locked_out"
    assert AuditEvent.objects.filter(detail="pin:locked").exists()
    # Locked: even the right PIN is refused.
    with pytest.raises(actions.SignInRefused) as refused:
        actions.sign_in_with_pin("6195550100", PIN)
    assert refused.value.reason == "locked"
    later = timezone.now() + timedelta(minutes=security.LOCK_MINUTES + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert actions.sign_in_with_pin("6195550100", PIN) == maria
    assert FamilyAccount.objects.get(user=maria).locked_until is None


def test_it_rate_limits_guesses_per_phone_and_per_address(county: County) -> None:
    invite_and_accept(county)
    for n in range(security.MAX_FAILURES_PER_KEY):
        with pytest.raises(actions.SignInRefused):
            actions.sign_in_with_pin(
                "6195550142", "9026" + str(n % 10), request=from_ip(f"10.0.0.{n}")
            )
    with pytest.raises(actions.RateLimited):
        actions.sign_in_with_pin("6195550142", "90261", request=from_ip("10.0.1.1"))
    guesser = from_ip("198.51.100.20")
    for n in range(security.MAX_FAILURES_PER_IP):
        with pytest.raises(actions.SignInRefused):
            actions.sign_in_with_pin(f"61955501{n:02}9", "90261", request=guesser)
    with pytest.raises(actions.RateLimited):
        actions.sign_in_with_pin("6195550100", PIN, request=guesser)
    assert actions.sign_in_with_pin("6195550100", PIN, request=from_ip()) is not None


def test_it_signs_in_once_with_a_link_sent_by_text(county: County) -> None:
    maria = invite_and_accept(county)
    link = actions.request_sign_in_link("619 555 0100", site_url="https://between.example")
    assert link is not None
    message = Message.objects.get(kind="sign_in_link")
    assert message.channel == "sms" and message.caregiver == county.caregiver
    assert f"https://between.example/family/sign-in/link/{link.token}/" in message.body  # type: ignore[attr-defined]
    assert actions.sign_in_with_link(link.token) == maria  # type: ignore[attr-defined]
    with pytest.raises(actions.SignInRefused) as again:
        actions.sign_in_with_link(link.token)  # type: ignore[attr-defined]
    assert again.value.reason == "used"


def test_it_expires_sign_in_links(county: County, monkeypatch: pytest.MonkeyPatch) -> None:
    invite_and_accept(county)
    link = actions.request_sign_in_link("+16195550100")
    assert link is not None
    later = timezone.now() + timedelta(minutes=security.SIGN_IN_LINK_MINUTES + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with pytest.raises(actions.SignInRefused) as expired:
        actions.sign_in_with_link(link.token)  # type: ignore[attr-defined]
    assert expired.value.reason == "expired"


def test_it_sends_no_link_to_an_unknown_number_and_limits_requests(county: County) -> None:
    assert actions.request_sign_in_link("6195550177") is None
    assert not Message.objects.exists()
    invite_and_accept(county)
    for _n in range(security.MAX_LINK_REQUESTS_PER_KEY):
        actions.request_sign_in_link("6195550100")
    with pytest.raises(actions.RateLimited):
        actions.request_sign_in_link("6195550100")


def test_it_signs_in_on_the_page_in_the_familys_language(
    county: County, client: HttpClient
) -> None:
    invite_and_accept(county, language="es")
    page = client.post(reverse("portal:sign-in"), {"identifier": "6195550100", "pin": PIN})
    assert page.status_code == 302 and page["Location"] == reverse("portal:today")
    assert page.cookies["between_language"].value == "es"
    assert AuditEvent.objects.filter(action="login", actor=county.family).exists()
    today = client.get(reverse("portal:today"))
    assert today.status_code == 200 and 'lang="es"' in today.content.decode()


def test_it_answers_a_wrong_pin_on_the_page_with_an_error(
    county: County, client: HttpClient
) -> None:
    invite_and_accept(county)
    page = client.post(reverse("portal:sign-in"), {"identifier": "6195550100", "pin": "90261"})
    assert page.status_code == 422
    assert "do not match" in page.content.decode()


def test_it_uses_a_link_only_when_the_button_is_pressed(county: County, client: HttpClient) -> None:
    invite_and_accept(county)
    link = actions.request_sign_in_link("6195550100")
    url = reverse("portal:link-sign-in", args=[link.token])  # type: ignore[union-attr]
    assert client.get(url).status_code == 200  # a link preview does not use it up
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("portal:today")
    client.logout()
    assert client.post(url).status_code == 410


def test_it_accepts_an_invitation_link_on_the_page(county: County, client: HttpClient) -> None:
    issued = actions.invite(
        county.clinician, county.client, channel="print", caregiver=county.caregiver
    )
    url = reverse("portal:join-link", args=[issued.token])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"pin": "1234", "pin_again": "1234"})
    assert bad.status_code == 422 and "too easy" in bad.content.decode()
    response = client.post(url, {"pin": PIN, "pin_again": PIN})
    assert response.status_code == 302
    assert client.get(reverse("portal:today")).status_code == 200
    client.logout()
    assert client.get(url).status_code == 410
