"""The upgrade the forward-migration test runs, in a process of its own whose default database
is a new, empty one (DATABASE_URL): migrate it to the previous release's leaf migrations
(between/ops/releases.json), write a small county with that release's historical models, run
`migrate` as an upgrade does, then read everything back through this release's models.

Its own process, not a second connection in the test's: data migrations write through
`Model.objects`, which is the default database whatever connection migrates.

    DATABASE_URL=sqlite:////tmp/up.sqlite3 python -m tests.ops.upgrade
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import django

django.setup()

from django.apps.registry import Apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402

from between.accounts import audit, chain  # noqa: E402
from between.accounts.models import AuditAction, AuditEvent, Membership, User  # noqa: E402
from between.clinic.models import (  # noqa: E402
    Caregiver,
    Client,
    Episode,
    Organization,
    ProgressNote,
    Session,
)
from between.homework.models import (  # noqa: E402
    Assignment,
    Barrier,
    HomeworkTemplate,
    NoHomework,
    PracticeLog,
    Review,
)
from between.ops.releases import latest_release, release_leaves  # noqa: E402

AT = datetime(2026, 10, 5, 16, 30, tzinfo=UTC)
AUDIT_EVENTS = 24
DONE = "upgraded and intact"


def main() -> None:
    release = release_leaves(latest_release())
    executor = MigrationExecutor(connection)
    executor.migrate(release)
    made = _populate(executor.loader.project_state(release, at_end=True).apps)

    call_command("migrate", verbosity=0)
    executor.loader.build_graph()
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == [], "not at latest"

    _assert_intact(made)
    _assert_audit_trail_linked()
    print(DONE)


def _populate(old: Apps) -> dict[str, Any]:
    """A small county written with the previous release's models."""

    def rows(label: str) -> Any:
        return old.get_model(label)._default_manager.all()

    def add(label: str, **fields: Any) -> Any:
        return rows(label).create(**fields)

    org = add("clinic.Organization", name="Upgrade County", slug="upgrade")
    harbor = add("clinic.Program", organization=org, name="Harbor", code="HAR", kind="outpatient")
    carla = add("accounts.User", username="carla", password="!", first_name="Carla")
    sam = add("accounts.User", username="sam", password="!", first_name="Sam")
    maria = add("accounts.User", username="maria", password="!", preferred_language="es")
    add("accounts.Membership", user=carla, program=harbor, role="clinician")
    add("accounts.Membership", user=sam, program=harbor, role="supervisor")
    add("accounts.Membership", user=maria, program=harbor, role="family")
    kai = add(
        "clinic.Client", organization=org, program=harbor, ehr_id="H-1", given_name="Kai",
        family_name="Lopez", birth_date=date(2015, 3, 14), preferred_language="es",
        diagnosis_group="disruptive", primary_clinician=carla,
    )  # fmt: skip
    nico = add(
        "clinic.Client", organization=org, program=harbor, ehr_id="H-2", given_name="Nico",
        family_name="Hart", birth_date=date(2012, 7, 1), primary_clinician=carla,
    )  # fmt: skip
    mother = add(
        "clinic.Caregiver", organization=org, given_name="Maria", family_name="Lopez",
        language="es", phone="+16195550100", messaging_consent_at=AT, user=maria,
    )  # fmt: skip
    add("clinic.ClientCaregiver", client=kai, caregiver=mother, relationship="mother",
        is_primary=True)  # fmt: skip
    episode = add("clinic.Episode", client=kai, program=harbor, opened_on=date(2026, 9, 1))
    sessions = [
        add("clinic.Session", client=kai, clinician=carla, program=harbor, episode=episode,
            occurred_on=date(2026, 9, 1) + timedelta(weeks=week), status="attended",
            caregiver_attended=week > 0, duration_minutes=50, ehr_id=f"S-{week}")
        for week in range(3)
    ]  # fmt: skip
    first, second, third = sessions
    nico_session = add(
        "clinic.Session", client=nico, clinician=carla, program=harbor,
        occurred_on=date(2026, 9, 2), is_intake=True,
    )  # fmt: skip
    add("clinic.ProgressNote", session=first, author=carla, text="Assigned deep breathing.")
    template = add("homework.HomeworkTemplate", key="belly-breathing")
    version = add(
        "homework.TemplateVersion", template=template, number=1, skill_area="relaxation",
        ebp_tags=["CBT", "TF-CBT"], target="youth", age_min=6, age_max=17,
        practice_format="check", frequency_per_week=5, minutes=5, title_en="Belly breathing",
        title_es="Respiración", short_name_en="Breathing", short_name_es="Respirar",
        rationale_en="Calms the body.", rationale_es="Calma el cuerpo.",
        steps_en=["Sit", "Breathe"], steps_es=["Siéntate", "Respira"], created_by=sam,
    )  # fmt: skip
    template.current = version
    template.save(update_fields=["current"])
    breathing = add(
        "homework.Assignment", session=first, client=kai, template_version=version,
        assignee="youth", frequency_per_week=5, due_on=date(2026, 9, 8), language="es",
        rationale_explained=True, practiced_in_session=True, confidence=7, code="K7Q2MX",
        assigned_by=carla, created_at=AT,
    )  # fmt: skip
    chart = add(
        "homework.Assignment", session=second, client=kai, custom_title="Praise chart",
        custom_instructions="Three praises a day.", assignee="caregiver",
        frequency_per_week=7, due_on=date(2026, 9, 15), language="en", code="P3RT8Z",
        assigned_by=carla,
    )  # fmt: skip
    for day, completion in enumerate(["done", "partly", "not"]):
        add(
            "homework.PracticeLog", assignment=breathing, practiced_on=date(2026, 9, 2 + day),
            completion=completion, rating=6, difficulty="ok", source="portal",
            idempotency_key=f"log-{day}", logged_by=maria,
        )  # fmt: skip
    review = add(
        "homework.Review", assignment=breathing, session=second, completion="partial",
        strategy=rows("homework.Strategy").first(),
        reviewed_by=carla,
    )  # fmt: skip
    barriers = list(rows("homework.Barrier")[:2])
    review.barriers.set(barriers)
    add("homework.NoHomework", session=nico_session, reason="intake", recorded_by=carla)
    addresses = ["10.0.0.7", "2001:db8::1", None]
    for n in range(AUDIT_EVENTS):
        add(
            "accounts.AuditEvent", at=AT + timedelta(minutes=n), actor=carla if n % 3 else None,
            action=["view", "create", "update", "login"][n % 4], object_type="clinic.client",
            object_id=str(kai.pk), client_id=kai.pk, program_id=harbor.pk,
            ip_address=addresses[n % 3], path="/clients/", detail=f"event {n}",
        )  # fmt: skip
    return {
        "kai": kai.pk, "carla": carla.pk, "template": template.pk, "version": version.pk,
        "breathing": breathing.pk, "chart": chart.pk, "third": third.pk,
        "barriers": sorted(b.pk for b in barriers),
    }  # fmt: skip


def _assert_intact(made: dict[str, Any]) -> None:
    """Counts and key fields, read through this release's models."""

    def count(model: Any) -> int:
        return int(model._base_manager.count())

    assert count(Organization) == 1
    assert count(User) == 3
    assert count(Membership) == 3
    assert count(Client) == 2
    assert count(Caregiver) == 1
    assert count(Episode) == 1
    assert count(Session) == 4
    assert count(ProgressNote) == 1
    assert count(Assignment) == 2
    assert count(PracticeLog) == 3
    assert count(Review) == 1
    assert count(NoHomework) == 1
    assert count(AuditEvent) == AUDIT_EVENTS

    kai = Client.objects.get(pk=made["kai"])
    assert (kai.ehr_id, kai.given_name, kai.birth_date) == ("H-1", "Kai", date(2015, 3, 14))
    assert kai.primary_clinician_id == made["carla"]
    caregiver = kai.caregivers.get()
    assert caregiver.has_messaging_consent and caregiver.user is not None
    assert [s.occurred_on for s in Session.objects.filter(client=kai)] == [
        date(2026, 9, 15), date(2026, 9, 8), date(2026, 9, 1),
    ]  # fmt: skip
    template = HomeworkTemplate.objects.get(pk=made["template"])
    assert template.current_id == made["version"]
    assert template.current is not None and template.current.steps_es == ["Siéntate", "Respira"]
    breathing = Assignment.objects.get(pk=made["breathing"])
    assert (breathing.code, breathing.quality_count, breathing.confidence) == ("K7Q2MX", 2, 7)
    assert breathing.title_in("es") == "Respiración"
    assert breathing.created_at == AT
    assert Assignment.objects.get(pk=made["chart"]).title == "Praise chart"
    assert [log.completion for log in breathing.logs.all()] == ["done", "partly", "not"]
    review = breathing.reviews.get()
    assert review.completion == "partial" and review.strategy_id is not None
    assert sorted(b.pk for b in review.barriers.all()) == made["barriers"]
    assert len(made["barriers"]) == 2 and Barrier.objects.count() >= 2
    third = Session.objects.get(pk=made["third"])
    assert (third.ehr_id, third.caregiver_attended, third.duration_minutes) == ("S-2", True, 50)
    assert kai.caregiver_links.get().relationship == "mother"


def _assert_audit_trail_linked() -> None:
    """The events the old release wrote are in one hash chain now, in id order, unchanged."""
    events = list(AuditEvent.objects.order_by("id"))
    assert [event.detail for event in events] == [f"event {n}" for n in range(AUDIT_EVENTS)]
    assert [event.at for event in events] == [
        AT + timedelta(minutes=n) for n in range(AUDIT_EVENTS)
    ]
    assert {event.ip_address for event in events} == {"10.0.0.7", "2001:db8::1", None}
    previous = chain.GENESIS
    for event in events:
        row = {name: getattr(event, name) for name in chain.HASHED_FIELDS}
        assert (event.chain, event.prev_hash) == (0, previous)
        assert event.row_hash == chain.row_hash(row, previous)
        previous = event.row_hash
    # This release appends to the chain the upgrade made, and the whole trail verifies.
    audit.record(None, AuditAction.VIEW, object_type="clinic.client", object_id="1")
    verified = chain.verify()
    assert verified.ok and verified.events == AUDIT_EVENTS + 1, verified.problems


if __name__ == "__main__":
    main()
