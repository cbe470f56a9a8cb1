"""The audit trail's hash chains: `between audit verify` finds any altered, removed or inserted
event, and a checkpoint finds events cut from a chain's end. On PostgreSQL the append-only
trigger is paused for the tampering (as an intruder with the table owner's rights would)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import override_settings

from between.accounts import audit, chain
from between.accounts.models import AuditAction, AuditEvent
from tests.conftest import County


@contextmanager
def trigger_paused() -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # Deferred foreign-key checks still queued would block ALTER TABLE: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "ALTER TABLE accounts_auditevent DISABLE TRIGGER accounts_auditevent_append_only"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE accounts_auditevent ENABLE TRIGGER accounts_auditevent_append_only"
            )


def tamper(sql: str, params: list[Any]) -> None:
    with trigger_paused(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def trail(county: County) -> list[AuditEvent]:
    """A few more events of every writer: one at a time, and many in one insert."""
    audit.record(county.clinician, AuditAction.VIEW, county.client)
    audit.record_many(
        county.clinician,
        AuditAction.VIEW,
        object_type="clinic.client",
        client_ids=[county.client.pk, county.other_client.pk],
    )
    audit.record(None, AuditAction.LOGIN_FAILED, outcome="failed")
    return list(AuditEvent.objects.order_by("id"))


def test_it_finds_an_intact_trail_intact(trail: list[AuditEvent]) -> None:
    result = chain.verify()
    assert result.ok and result.events == len(trail) and result.events > 5
    assert all(event.row_hash and len(event.row_hash) == 64 for event in trail)


def test_it_links_each_event_to_the_one_before(trail: list[AuditEvent]) -> None:
    by_chain: dict[int, list[AuditEvent]] = {}
    for event in trail:
        by_chain.setdefault(event.chain, []).append(event)
    for events in by_chain.values():
        assert events[0].prev_hash == chain.GENESIS
        for before, after in itertools.pairwise(events):
            assert after.prev_hash == before.row_hash


def test_it_finds_an_altered_event(trail: list[AuditEvent]) -> None:
    target = trail[len(trail) // 2]
    tamper("UPDATE accounts_auditevent SET detail = %s WHERE id = %s", ["edited", target.pk])
    result = chain.verify()
    assert not result.ok
    assert [(p.event_id, p.kind) for p in result.problems] == [(target.pk, "altered")]


def test_it_finds_a_changed_time_or_actor(trail: list[AuditEvent], county: County) -> None:
    target = trail[-2]
    tamper(
        "UPDATE accounts_auditevent SET actor_id = %s WHERE id = %s",
        [county.admin.pk, target.pk],
    )
    assert [p.event_id for p in chain.verify().problems] == [target.pk]


def test_it_finds_a_removed_event(trail: list[AuditEvent]) -> None:
    removed, following = trail[2], trail[3]
    tamper("DELETE FROM accounts_auditevent WHERE id = %s", [removed.pk])
    result = chain.verify()
    assert [(p.event_id, p.kind) for p in result.problems] == [(following.pk, "broken link")]


def test_it_finds_an_inserted_event_even_with_a_correct_link(trail: list[AuditEvent]) -> None:
    # The intruder copies a real row's link but cannot compute the keyed hash.
    source = trail[3]
    forged = {
        name: getattr(source, name)
        for name in ("at", "action", "outcome", "object_type", "chain", "prev_hash")
    }
    forged_hash = chain.row_hash({**forged, "detail": "forged"}, source.prev_hash, b"guess")
    with transaction.atomic():
        AuditEvent.objects.bulk_create(
            [AuditEvent(**forged, object_id="1", detail="forged", row_hash=forged_hash)]
        )
    kinds = {p.kind for p in chain.verify().problems}
    assert "altered" in kinds


def test_it_finds_events_cut_from_the_end_with_a_checkpoint(trail: list[AuditEvent]) -> None:
    checkpoint = chain.verify().checkpoint
    assert chain.verify(checkpoint).ok
    newest = trail[-1]
    tamper("DELETE FROM accounts_auditevent WHERE id = %s", [newest.pk])
    result = chain.verify(checkpoint)
    assert result.problems == []  # what is left still links up...
    assert result.missing_checkpoints  # ...but the checkpoint's newest event is gone


def test_it_needs_the_key(trail: list[AuditEvent]) -> None:
    with override_settings(AUDIT_CHAIN_KEY="another-key"):
        assert len(chain.verify().problems) == len(trail)


def test_it_exits_with_failure_from_the_command(
    trail: list[AuditEvent], capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("audit", "verify")
    assert "The audit trail is intact." in capsys.readouterr().out
    tamper("UPDATE accounts_auditevent SET path = %s WHERE id = %s", ["/x/", trail[1].pk])
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert f"event {trail[1].pk} was altered" in err


def test_it_keeps_the_same_hash_for_an_address_after_a_round_trip(county: County) -> None:
    event = audit.record(county.clinician, AuditAction.VIEW, county.client)
    fresh = AuditEvent.objects.get(pk=event.pk)
    row = {name: getattr(fresh, name) for name in chain.HASHED_FIELDS}
    assert chain.row_hash(row, fresh.prev_hash) == fresh.row_hash
    assert chain.normalise_ip("2001:0db8:0000:0000:0000:0000:0000:0001") == "2001:db8::1"


@pytest.mark.django_db(transaction=True)
def test_it_gives_concurrent_writers_separate_chains() -> None:
    """Two transactions writing at once each hold a chain: neither waits for the other on
    PostgreSQL, and every chain still verifies. (SQLite runs one writer at a time: chain 0.)"""
    if connection.vendor != "postgresql":
        with transaction.atomic():
            assert chain.claim_chain() == 0
        return
    first_holds = threading.Event()
    release = threading.Event()
    claimed: list[int] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                claimed.append(chain.claim_chain())
                audit.record(None, AuditAction.LOGIN_FAILED, outcome="failed")
                first_holds.set()
                release.wait(10)
        finally:
            connections.close_all()

    worker = threading.Thread(target=hold)
    worker.start()
    assert first_holds.wait(10)
    with transaction.atomic():
        claimed.append(chain.claim_chain())
        audit.record(None, AuditAction.LOGIN_FAILED, outcome="failed")
    release.set()
    worker.join(10)
    assert claimed[0] != claimed[1]
    assert chain.verify().ok
