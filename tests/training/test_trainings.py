"""Trainings: the seeded courses, events, attendance entered and imported from CSV, pre/post
scores, certificates, and whether a course changed practice (difference-in-differences)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient

from between.accounts.models import AuditEvent
from between.training import actions, effect
from between.training.content import COURSES_FILE, ensure_courses
from between.training.models import Attendance, Course
from tests.conftest import County
from tests.homework.factories import attended, clinicians_with_clients, days_ago, give


def course(key: str = "homework-effective") -> Course:
    ensure_courses()
    return Course.objects.get(key=key)


def event(county: County, ago: int = 10, key: str = "homework-effective") -> Any:
    return actions.create_event(
        county.trainer,
        course=course(key),
        program=county.harbor,
        held_on=days_ago(ago),
        mode="in_person",
        location="Room 2",
    )


def test_it_seeds_two_bilingual_courses_with_ten_question_checks(db: None) -> None:
    ensure_courses()
    keys = {c.key for c in Course.objects.all()}
    assert {"homework-effective", "homework-noncompliance"} <= keys
    for c in Course.objects.all():
        assert len(c.questions) == 10 and c.objectives and c.outline
        assert c.title_en and c.title_es and c.title_en != c.title_es
        for q in c.questions:
            assert len(q["options"]) == 4 and 0 <= q["correct"] <= 3
    data = json.loads(COURSES_FILE.read_text(encoding="utf-8"))
    assert len(data) == Course.objects.count()


def test_it_keeps_events_to_the_programs_trainers(county: County) -> None:
    with pytest.raises(PermissionDenied):
        actions.create_event(
            county.clinician,
            course=course(),
            program=county.harbor,
            held_on=days_ago(3),
            mode="online",
        )
    with pytest.raises(PermissionDenied):
        actions.create_event(
            county.trainer,
            course=course(),
            program=county.bayside,
            held_on=days_ago(3),
            mode="online",
        )
    assert event(county).trainer == county.trainer


def test_it_records_scores_and_issues_certificates(county: County) -> None:
    e = event(county)
    with pytest.raises(ValidationError):
        actions.record_attendance(county.trainer, e, county.outsider)  # not Harbor's
    with pytest.raises(ValidationError):
        actions.record_attendance(county.trainer, e, county.clinician, post_score=11)
    a = actions.record_attendance(county.trainer, e, county.clinician, pre_score=5, post_score=7)
    assert not a.completed  # pass score is 8
    a = actions.record_attendance(county.trainer, e, county.clinician, pre_score=5, post_score=9)
    assert a.completed and Attendance.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="training.attendance").count() == 2
    client = HttpClient()
    client.force_login(county.clinician)
    page = client.get(f"/trainings/attendance/{a.pk}/certificate/")
    assert page.status_code == 200 and "Carla Reyes" in page.content.decode()
    assert "Certificate of completion" in client.get("/trainings/").content.decode()
    client.force_login(county.supervisor)  # not hers, not his event
    assert client.get(f"/trainings/attendance/{a.pk}/certificate/").status_code == 404


CSV_GOOD = b"username,attended,pre_score,post_score\ncarla,yes,4,9\nsam,no,,\n"


def test_it_imports_attendance_atomically_and_idempotently(county: County) -> None:
    e = event(county)
    bad = (
        b"username,attended,pre_score,post_score\n"
        b"carla,yes,4,9\n"
        b"nobody,yes,1,2\n"  # unknown clinician
        b"sam,maybe,,\n"  # attended not yes/no
        b"carla,yes,4,9\n"  # twice
        b",yes,1,1\n"  # missing username
        b"olivia,yes,1,1\n"  # another program's clinician
        b"sam,yes,3,12\n"  # score out of range
    )
    report = actions.import_attendance(county.trainer, e, bad)
    assert not report.ok and Attendance.objects.count() == 0
    assert [line for line, _ in report.errors] == [3, 4, 5, 6, 7, 8]
    assert "unknown clinician nobody" in report.errors[0][1]
    assert "twice" in report.errors[2][1]
    first = actions.import_attendance(county.trainer, e, CSV_GOOD)
    assert first.ok and (first.created, first.updated) == (2, 0)
    again = actions.import_attendance(county.trainer, e, CSV_GOOD)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Attendance.objects.get(clinician=county.clinician).completed
    missing = actions.import_attendance(county.trainer, e, b"name,attended\nx,yes\n")
    assert not missing.ok and "username" in missing.errors[0][1]
    assert not actions.import_attendance(county.trainer, e, b"\xff\xfe").ok


def test_the_pages_run_an_event(county: County) -> None:
    ensure_courses()
    client = HttpClient()
    client.force_login(county.trainer)
    assert client.get("/trainings/").status_code == 200
    refused = client.post("/trainings/", {"course": course().pk})
    assert refused.status_code == 422
    created = client.post(
        "/trainings/",
        {
            "course": course().pk,
            "program": county.harbor.pk,
            "held_on": days_ago(5).isoformat(),
            "mode": "online",
        },
    )
    assert created.status_code == 302
    e = course().events.get()
    saved = client.post(
        f"/trainings/events/{e.pk}/",
        {"clinician": county.clinician.pk, "attended": "on", "pre_score": 3, "post_score": 8},
    )
    assert saved.status_code == 302
    upload = SimpleUploadedFile("a.csv", b"username,attended\nghost,yes\n", "text/csv")
    page = client.post(f"/trainings/events/{e.pk}/import/", {"file": upload})
    assert page.status_code == 422 and "Line 2: unknown clinician ghost" in page.content.decode()
    upload = SimpleUploadedFile("a.csv", CSV_GOOD, "text/csv")
    page = client.post(f"/trainings/events/{e.pk}/import/", {"file": upload})
    assert page.status_code == 200 and "1 updated" in page.content.decode()
    detail = client.get(f"/trainings/courses/{course().key}/").content.decode()
    assert "Knowledge check" in detail and "Answer:" in detail
    client.force_login(county.clinician)  # staff read the course, without the answer key
    detail = client.get(f"/trainings/courses/{course().key}/").content.decode()
    assert "Knowledge check" in detail and "Answer:" not in detail


def _practice(county: County, team: Any, days: range, share: float) -> None:
    for person, child in team:
        for n, day in enumerate(days):
            session = attended(county, day, client=child, clinician=person)
            if n < round(share * len(days)):
                give(session, actor=person)


def test_it_shows_whether_the_course_changed_practice(county: County) -> None:
    team = clinicians_with_clients(county, 6)
    trained, others = team[:3], team[3:]
    held = 120  # days ago
    before, after = range(held + 80, held, -8), range(held - 8, held - 88, -8)
    _practice(county, trained, before, 0.2)
    _practice(county, trained, after, 0.8)
    _practice(county, others, before, 0.2)
    _practice(county, others, after, 0.2)
    e = event(county, ago=held)
    for person, _child in trained:
        actions.record_attendance(county.trainer, e, person, pre_score=4, post_score=9)
    found = effect.course_effect(course(), {county.harbor.pk}, today=days_ago(0), window_days=90)
    assert found.result is not None and found.events == 1 and found.trained == 3
    r = found.result
    assert r.raw_did_pp is not None and 40 < r.raw_did_pp < 80
    assert r.linear.estimable and r.linear.ci_low is not None and r.linear.ci_low > 0
    assert "observational" in r.caveat.lower()
    # A course without a whole window after its events says so rather than guessing.
    recent = effect.course_effect(
        course(), {county.harbor.pk}, today=days_ago(held - 30), window_days=90
    )
    assert recent.result is None and "window" in recent.reason
    client = HttpClient()
    client.force_login(county.trainer)
    page = client.get(f"/trainings/courses/{course().key}/").content.decode()
    assert "Did it change practice?" in page and "Difference in differences" in page
