"""The family's pages: Today (one tap, details, the same key twice), This week, Help,
Reminders, language; and what a family may never see."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from between.accounts.models import User
from between.clinic import actions as clinic_actions
from between.clinic.models import Caregiver
from between.homework import actions as homework_actions
from between.homework.models import PracticeLog
from between.notify.models import ReminderPlan
from between.portal import calendar
from tests.conftest import County
from tests.portal.conftest import Family, invite_and_accept

KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def maria(family: Family, client: HttpClient) -> User:
    user = invite_and_accept(family.county, language="en")
    client.force_login(user)
    return user


def test_it_shows_only_the_familys_own_homework_never_notes(
    family: Family, maria: User, client: HttpClient
) -> None:
    page = client.get(reverse("portal:today")).content.decode()
    assert "Belly breathing" in page and "Breathe in for four." in page
    assert "Private note" not in page and "Disruptive" not in page
    assert f"homework-{family.nico_homework.pk}" not in page
    for url in (
        reverse("portal:log-create", args=[family.nico_homework.pk]),
        reverse("portal:reminders", args=[family.nico_homework.pk]),
    ):
        response = client.post(url, {"completion": "done", "idempotency_key": KEY})
        assert response.status_code == 404
    assert not PracticeLog.objects.exists()


def test_it_shows_closed_homework_no_more(family: Family, maria: User, client: HttpClient) -> None:
    county = family.county
    later = clinic_actions.record_session(
        county.clinician, county.client, occurred_on=clinic_actions.today()
    )
    homework_actions.review_assignment(
        county.clinician, later, family.kai_homework, completion="full"
    )
    url = reverse("portal:log-create", args=[family.kai_homework.pk])
    assert client.post(url, {"completion": "done", "idempotency_key": KEY}).status_code == 404


def test_it_keeps_staff_out_of_the_family_pages(family: Family, client: HttpClient) -> None:
    client.force_login(family.county.clinician)
    assert client.get(reverse("portal:today")).status_code == 404
    client.logout()
    response = client.get(reverse("portal:today"))
    assert response["Location"].startswith(reverse("portal:sign-in"))


def test_it_logs_practice_in_one_tap(family: Family, maria: User, client: HttpClient) -> None:
    url = reverse("portal:log-create", args=[family.kai_homework.pk])
    response = client.post(
        url, {"completion": "done", "idempotency_key": KEY}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "Saved. Thank you!" in response.content.decode()
    log = PracticeLog.objects.get()
    assert (log.completion, log.source, log.logged_by) == ("done", "portal", maria)
    assert log.practiced_on == clinic_actions.today()


def test_it_makes_one_log_of_the_same_tap_sent_twice(
    family: Family, maria: User, client: HttpClient
) -> None:
    url = reverse("portal:log-create", args=[family.kai_homework.pk])
    for _retry in range(3):
        client.post(url, {"completion": "partly", "idempotency_key": KEY})
    assert PracticeLog.objects.count() == 1
    # A new tap (a new form, a new key) is a new report.
    client.post(url, {"completion": "done", "idempotency_key": KEY.replace("0", "f")})
    assert PracticeLog.objects.count() == 2


def test_it_renders_a_fresh_key_into_each_tap_form(
    family: Family, maria: User, client: HttpClient
) -> None:
    first = client.get(reverse("portal:today")).content.decode()
    second = client.get(reverse("portal:today")).content.decode()
    key = first.split('name="idempotency_key" value="')[1][:32]
    assert len(key) == 32 and key not in second


def test_it_adds_the_optional_details_after_the_tap(
    family: Family, maria: User, client: HttpClient
) -> None:
    client.post(
        reverse("portal:log-create", args=[family.kai_homework.pk]),
        {"completion": "done", "idempotency_key": KEY},
    )
    log = PracticeLog.objects.get()
    response = client.post(
        reverse("portal:log-details", args=[log.pk]),
        {
            f"d{log.pk}-count": "2",
            f"d{log.pk}-difficulty": "hard",
            f"d{log.pk}-helpful": "7",
            f"d{log.pk}-note": "Kai liked it at bedtime.",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    log.refresh_from_db()
    assert (log.count, log.rating) == (2, 7)
    assert log.note == "Kai liked it at bedtime."
    assert log.difficulty == "hard"
    bad = client.post(
        reverse("portal:log-details", args=[log.pk]),
        {f"d{log.pk}-helpful": "11"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422


def test_it_lets_only_the_logger_add_details(
    family: Family, maria: User, client: HttpClient
) -> None:
    log, _ = homework_actions.log_practice(
        family.county.clinician,
        family.kai_homework,
        practiced_on=clinic_actions.today(),
        completion="done",
        source="clinician",
        idempotency_key="by-carla",
    )
    response = client.post(reverse("portal:log-details", args=[log.pk]), {f"d{log.pk}-count": "3"})
    assert response.status_code == 404


def test_it_shows_the_log_with_rating_note_and_logger_in_the_review_card(
    family: Family, maria: User, client: HttpClient
) -> None:
    county = family.county
    client.post(
        reverse("portal:log-create", args=[family.kai_homework.pk]),
        {"completion": "done", "idempotency_key": KEY},
    )
    log = PracticeLog.objects.get()
    client.post(
        reverse("portal:log-details", args=[log.pk]),
        {f"d{log.pk}-helpful": "8", f"d{log.pk}-note": "Le gustó."},
    )
    session = clinic_actions.record_session(
        county.clinician, county.client, occurred_on=clinic_actions.today()
    )
    client.force_login(county.clinician)
    page = client.get(reverse("homework:session-detail", args=[session.pk])).content.decode()
    card = page.split(f'id="assignment-{family.kai_homework.pk}"')[1].split("</article>")[0]
    assert "helpful 8/10" in card and "Le gustó." in card
    assert "Family portal, Maria Lopez" in card


def test_it_remembers_the_language(family: Family, maria: User, client: HttpClient) -> None:
    response = client.post(
        reverse("portal:language"), {"language": "es", "next": reverse("portal:today")}
    )
    assert response["Location"] == reverse("portal:today")
    assert response.cookies["between_language"].value == "es"
    assert User.objects.get(pk=maria.pk).preferred_language == "es"
    page = client.get(reverse("portal:today")).content.decode()
    assert 'lang="es"' in page and "Respiración con la barriga" in page
    assert client.post(reverse("portal:language"), {"language": "fr"}).status_code == 302
    assert User.objects.get(pk=maria.pk).preferred_language == "es"


def test_it_shows_a_calendar_and_a_gentle_streak(
    family: Family, maria: User, client: HttpClient
) -> None:
    today = clinic_actions.today()
    for ago in (0, 1, 2, 5):
        homework_actions.log_practice(
            maria,
            family.kai_homework,
            practiced_on=today - timedelta(days=ago),
            completion="not" if ago == 5 else "done",
            source="portal",
            idempotency_key=f"k{ago}",
        )
    page = client.get(reverse("portal:week"))
    assert page.context["streak"] == 3
    assert "You practiced 3 days in a row" in page.content.decode()
    days = {cell["day"]: cell["state"] for week in page.context["weeks"] for cell in week}
    assert days[today] == "done" and days[today - timedelta(days=5)] == "not"


def test_it_counts_a_streak_up_to_yesterday_while_today_is_open() -> None:
    today = date(2026, 11, 26)
    best = {today - timedelta(days=n): "done" for n in (1, 2)} | {today - timedelta(days=3): "not"}
    assert calendar.streak(best, today) == 2
    assert calendar.streak({}, today) == 0
    assert calendar.streak({today: "partly"}, today) == 1
    assert calendar.days_this_week({today: "done", today - timedelta(days=7): "done"}, today) == 1


def test_it_explains_each_skill_on_the_help_page(
    family: Family, maria: User, client: HttpClient
) -> None:
    page = client.get(reverse("portal:help")).content.decode()
    assert "Use it when you feel upset." in page and "Slow breaths calm the body." in page
    client.post(reverse("portal:language"), {"language": "es"})
    page = client.get(reverse("portal:help")).content.decode()
    assert "Úsala cuando te sientas molesto." in page


def test_it_saves_the_familys_reminder_plan_and_stops_messages(
    family: Family, maria: User, client: HttpClient
) -> None:
    url = reverse("portal:reminders", args=[family.kai_homework.pk])
    assert client.get(url).status_code == 200
    missing = client.post(url, {"time_of_day": "18:30", "is_active": "on"})
    assert missing.status_code == 422
    response = client.post(
        url, {"weekdays": ["0", "2", "4"], "time_of_day": "18:30", "is_active": "on"}
    )
    assert response.status_code == 302
    plan = ReminderPlan.objects.get()
    assert plan.weekday_list == [0, 2, 4] and plan.time_of_day.hour == 18
    assert plan.caregiver == family.county.caregiver
    page = client.get(url)
    assert page.context["form"].initial["weekdays"] == [0, 2, 4]
    client.post(reverse("portal:messages-stop"), {"next": url})
    assert not Caregiver.objects.get(pk=family.county.caregiver.pk).has_messaging_consent


def test_it_has_no_reminder_form_for_a_youths_own_account(
    county: County, client: HttpClient
) -> None:
    from between.portal import actions
    from tests.homework.factories import attended, give

    teen = clinic_actions.register_client(
        None,
        county.harbor,
        ehr_id="H-1300",
        given_name="Rosa",
        family_name="Diaz",
        birth_date=date(2013, 1, 2),
        primary_clinician=county.clinician,
    )
    homework = give(attended(county, 3, client=teen))
    issued = actions.invite(county.clinician, teen, channel="print", youth=True)
    client.force_login(actions.accept_invitation(code=issued.code, pin="70531"))
    page = client.get(reverse("portal:reminders", args=[homework.pk]))
    assert page.status_code == 200 and page.context["form"] is None
    assert "Draw your feelings" in client.get(reverse("portal:today")).content.decode()
