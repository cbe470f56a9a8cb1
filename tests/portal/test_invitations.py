"""Inviting a caregiver or a youth, and accepting the invitation with a PIN."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from between.accounts import policy
from between.accounts.models import AuditEvent
from between.clinic import actions as clinic_actions
from between.clinic.models import Caregiver, Client
from between.notify.models import Message
from between.portal import actions, security
from between.portal.models import FamilyAccount, Invitation
from tests.conftest import County
from tests.portal.conftest import PIN, from_ip, invite_and_accept


def father(county: County, **changes: object) -> Caregiver:
    fields: dict[str, object] = {
        "given_name": "Luis",
        "family_name": "Lopez",
        "relationship": "father",
        "language": "es",
        "phone": "(619) 555-0199",
        "email": "luis@example.org",
        "has_messaging_consent": True,
    }
    return clinic_actions.add_caregiver(None, county.client, **{**fields, **changes})  # type: ignore[arg-type]


def test_it_invites_with_a_printed_code_that_works_once(county: County) -> None:
    luis = father(county)
    issued = actions.invite(county.clinician, county.client, channel="print", caregiver=luis)
    invitation = issued.invitation
    assert len(issued.code) == 8 and issued.printable_code[4] == "-"
    # Only hashes are stored.
    assert invitation.code_hash == security.digest(issued.code)
    assert issued.code not in invitation.code_hash
    user = actions.accept_invitation(code=issued.printable_code.lower(), pin=PIN, language="es")
    luis.refresh_from_db()
    assert luis.user == user
    assert policy.is_family(user) and not policy.is_staff_member(user)
    assert user.check_password(PIN) and user.preferred_language == "es"
    account = FamilyAccount.objects.get(user=user)
    assert account.phone == "+16195550199"
    assert Invitation.objects.get(pk=invitation.pk).accepted_by == user
    with pytest.raises(ValidationError, match="already used"):
        actions.accept_invitation(code=issued.code, pin="90261")
    details = set(AuditEvent.objects.values_list("detail", flat=True))
    assert {"invite:print:caregiver", "accept", "pin_set", "invitation:accepted"} <= details


def test_it_reuses_the_caregivers_account_and_resets_the_pin(county: County) -> None:
    maria = invite_and_accept(county, pin="90261")
    assert maria == county.family
    assert maria.check_password("90261")
    again = invite_and_accept(county, pin="58204")
    assert again == maria and maria.__class__.objects.get(pk=maria.pk).check_password("58204")
    assert FamilyAccount.objects.filter(user=maria).count() == 1


def test_it_sends_an_sms_invitation_through_notify(county: County) -> None:
    issued = actions.invite(
        county.clinician,
        county.client,
        channel="sms",
        caregiver=county.caregiver,
        site_url="https://between.example",
    )
    message = Message.objects.get(kind="invitation")
    assert message.channel == "sms" and message.caregiver == county.caregiver
    assert message.to_address == "+16195550100" and message.language == "es"
    assert issued.printable_code in message.body
    assert f"https://between.example/family/join/{issued.token}/" in message.body


def test_it_sends_an_email_invitation_with_a_subject(county: County) -> None:
    luis = father(county)
    actions.invite(county.clinician, county.client, channel="email", caregiver=luis)
    message = Message.objects.get(kind="invitation")
    assert message.channel == "email" and message.to_address == "luis@example.org"
    assert message.subject


def test_it_refuses_to_message_without_consent_or_contact(county: County) -> None:
    luis = father(county, has_messaging_consent=False)
    with pytest.raises(ValidationError, match="not agreed"):
        actions.invite(county.clinician, county.client, channel="sms", caregiver=luis)
    nobody = father(county, given_name="Ana", phone="", email="")
    with pytest.raises(ValidationError, match="no mobile phone"):
        actions.invite(county.clinician, county.client, channel="sms", caregiver=nobody)
    assert not Invitation.objects.exists() and not Message.objects.exists()
    # Printing needs neither.
    actions.invite(county.clinician, county.client, channel="print", caregiver=luis)


def test_it_expires_invitations(county: County, monkeypatch: pytest.MonkeyPatch) -> None:
    issued = actions.invite(
        county.clinician, county.client, channel="print", caregiver=county.caregiver
    )
    later = timezone.now() + timedelta(days=security.INVITATION_DAYS, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with pytest.raises(ValidationError, match="expired"):
        actions.accept_invitation(code=issued.code, pin=PIN)
    assert actions.find_open_invitation(token=issued.token) is None


def test_it_revokes_invitations(county: County) -> None:
    issued = actions.invite(
        county.clinician, county.client, channel="print", caregiver=county.caregiver
    )
    actions.revoke_invitation(county.clinician, issued.invitation)
    with pytest.raises(ValidationError, match="cancelled"):
        actions.accept_invitation(code=issued.code, pin=PIN)
    assert AuditEvent.objects.filter(detail="revoke", object_type="portal.invitation").exists()
    with pytest.raises(PermissionDenied):
        actions.revoke_invitation(county.outsider, issued.invitation)


def test_it_replaces_an_earlier_open_invitation(county: County) -> None:
    first = actions.invite(
        county.clinician, county.client, channel="print", caregiver=county.caregiver
    )
    second = actions.invite(
        county.clinician, county.client, channel="print", caregiver=county.caregiver
    )
    with pytest.raises(ValidationError, match="cancelled"):
        actions.accept_invitation(code=first.code, pin=PIN)
    assert actions.accept_invitation(code=second.code, pin=PIN) == county.family


def test_it_rate_limits_code_guesses_per_address(county: County) -> None:
    issued = actions.invite(
        county.clinician, county.client, channel="print", caregiver=county.caregiver
    )
    guesser = from_ip("198.51.100.9")
    for n in range(security.MAX_FAILURES_PER_IP):
        with pytest.raises(ValidationError):
            actions.accept_invitation(code=f"WRONG{n:03}", pin=PIN, request=guesser)
    with pytest.raises(actions.RateLimited):
        actions.accept_invitation(code=issued.code, pin=PIN, request=guesser)
    # Someone else, from another address, is not affected.
    assert actions.accept_invitation(code=issued.code, pin=PIN, request=from_ip()) is not None
    assert AuditEvent.objects.filter(detail="rate_limited").exists()


def test_it_rate_limits_sent_invitations(county: County) -> None:
    for _n in range(actions.MAX_SENT_INVITATIONS_PER_DAY):
        actions.invite(county.clinician, county.client, channel="sms", caregiver=county.caregiver)
    with pytest.raises(ValidationError, match="Too many"):
        actions.invite(county.clinician, county.client, channel="sms", caregiver=county.caregiver)


def test_it_lets_only_the_childs_clinicians_invite(county: County) -> None:
    with pytest.raises(PermissionDenied):
        actions.invite(county.outsider, county.client, channel="print", caregiver=county.caregiver)
    with pytest.raises(PermissionDenied):
        actions.invite(county.reviewer, county.client, channel="print", caregiver=county.caregiver)
    assert AuditEvent.objects.filter(action="deny", detail="invite").count() == 2
    # A caregiver of another child cannot be invited through this one.
    nicos_mother = clinic_actions.add_caregiver(
        None, county.other_client, given_name="Eva", family_name="Hart"
    )
    with pytest.raises(ValidationError, match="not linked"):
        actions.invite(county.supervisor, county.client, channel="print", caregiver=nicos_mother)


def test_it_invites_a_youth_of_12_or_older_by_printed_code_only(county: County) -> None:
    with pytest.raises(ValidationError, match="12"):
        actions.invite(county.clinician, county.client, channel="print", youth=True)  # Kai is 11
    teen = clinic_actions.register_client(
        None,
        county.harbor,
        ehr_id="H-1300",
        given_name="Rosa",
        family_name="Diaz",
        birth_date=date(2013, 1, 2),
        primary_clinician=county.clinician,
    )
    with pytest.raises(ValidationError, match="printed"):
        actions.invite(county.clinician, teen, channel="sms", youth=True)
    issued = actions.invite(county.clinician, teen, channel="print", youth=True)
    user = actions.accept_invitation(code=issued.code, pin="70531", language="en")
    assert Client.objects.get(pk=teen.pk).portal_user == user
    assert list(policy.family_clients(user)) == [teen]
    assert FamilyAccount.objects.get(user=user).phone == ""


def test_it_never_puts_a_pin_on_a_staff_account(county: County) -> None:
    luis = father(county)
    clinic_actions.link_family_account(None, luis, county.trainer)
    issued = actions.invite(county.clinician, county.client, channel="print", caregiver=luis)
    with pytest.raises(ValidationError, match="cannot use a PIN"):
        actions.accept_invitation(code=issued.code, pin=PIN)
    assert not county.trainer.__class__.objects.get(pk=county.trainer.pk).check_password(PIN)
    assert Invitation.objects.get(pk=issued.invitation.pk).accepted_at is None


def test_it_shows_the_printed_code_once_on_the_clinicians_pages(
    county: County, client: HttpClient
) -> None:
    client.force_login(county.clinician)
    page = client.get(reverse("clinic:client-detail", args=[county.client.pk]))
    invite_url = reverse("portal:invite", args=[county.client.pk])
    assert invite_url in page.content.decode()
    form = client.get(invite_url)
    assert "Maria Lopez" in form.content.decode()
    who = f"caregiver-{county.caregiver.pk}"
    response = client.post(invite_url, {"who": who, "channel": "print"})
    invitation = Invitation.objects.get()
    assert response["Location"] == reverse("portal:invitation-handout", args=[invitation.pk])
    handout = client.get(response["Location"]).content.decode()
    code = handout.split('id="invitation-code">')[1].split("<")[0]
    assert invitation.code_hash == security.digest(security.normalize_code(code))
    assert 'lang="es"' in handout  # Maria's language
    client.get(response["Location"] + "?done=1")
    assert code not in client.get(response["Location"]).content.decode()
    revoke = client.post(reverse("portal:invitation-revoke", args=[invitation.pk]))
    assert revoke.status_code == 302
    assert Invitation.objects.get().status == "revoked"
