"""The worker: sends due messages through the outbox, retries with backoff, never sends a
message twice even with two workers, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from between.notify import actions, backends, delivery
from between.notify.models import Message, MessageStatus
from tests.conftest import County
from tests.notify.conftest import Clock


def queue(county: County, count: int = 1) -> list[Message]:
    made = [
        actions.queue_message(
            None, channel="sms", kind="invitation", body=f"hello {n}", caregiver=county.caregiver
        )
        for n in range(count)
    ]
    return [message for message in made if message is not None]


class Failing:
    def __init__(self, error: Exception) -> None:
        self.error, self.calls = error, 0

    def send(self, message: Message) -> str:
        self.calls += 1
        raise self.error


def test_it_sends_queued_messages_through_the_outbox(county: County) -> None:
    [message] = queue(county)
    assert actions.send_due("worker-a") == 1
    message.refresh_from_db()
    assert (message.status, message.provider_id, message.attempts) == (
        MessageStatus.SENT,
        f"outbox-{message.pk}",
        1,
    )
    assert message.claim_token == "" and message.sent_at is not None
    assert actions.send_due("worker-a") == 0


def test_it_retries_with_backoff_then_fails(
    county: County, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = Failing(backends.RetryableError("http_503"))
    monkeypatch.setattr(backends, "get_backend", lambda channel: failing)
    [message] = queue(county)
    start: datetime = clock.when
    for minutes, attempts, status in [
        (0, 1, "queued"),
        (0.5, 1, "queued"),  # not due yet
        (1, 2, "queued"),
        (6, 3, "queued"),
        (36, 4, "failed"),
        (600, 4, "failed"),
    ]:
        actions.send_due("worker-a", now=start + timedelta(minutes=minutes))
        message.refresh_from_db()
        assert (message.attempts, message.status, message.error) == (attempts, status, "http_503")
    assert failing.calls == 4


def test_it_fails_at_once_on_a_permanent_error(
    county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = Failing(backends.PermanentError("http_400"))
    monkeypatch.setattr(backends, "get_backend", lambda channel: failing)
    [message] = queue(county)
    actions.send_due("worker-a")
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == ("failed", 1, "http_400")


def test_it_lets_only_one_of_two_workers_claim_a_message(county: County, clock: Clock) -> None:
    [message] = queue(county)
    first = delivery.claim(message.pk, "worker-a", clock.when)
    second = delivery.claim(message.pk, "worker-b", clock.when)
    assert first is not None and second is None
    assert first.claim_token.startswith("worker-a:")
    assert actions.send_due("worker-b") == 0  # it is "sending", not due
    assert delivery.deliver(first, clock.when)
    first.refresh_from_db()
    assert first.status == MessageStatus.SENT


def test_it_requeues_a_message_whose_worker_died(county: County, clock: Clock) -> None:
    [message] = queue(county)
    assert delivery.claim(message.pk, "dead-worker", clock.when) is not None
    assert actions.send_due("worker-b", now=clock.when + timedelta(minutes=5)) == 0
    assert actions.send_due("worker-b", now=clock.when + timedelta(minutes=16)) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)


@pytest.mark.django_db(transaction=True)
def test_it_never_sends_a_message_twice_with_two_workers_at_once(
    county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("threads need a server database; SQLite tests run in one in-memory connection")
    queue(county, 40)
    sent: list[int] = []
    lock = threading.Lock()

    class Counting:
        def send(self, message: Message) -> str:
            time.sleep(0.001)  # widen the window between claim and send
            with lock:
                sent.append(message.pk)
            return f"count-{message.pk}"

    monkeypatch.setattr(backends, "get_backend", lambda channel: Counting())
    barrier = threading.Barrier(2)

    def work(name: str) -> None:
        try:
            barrier.wait()
            actions.send_due(name)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(sent) == sorted(set(sent)) and len(sent) == 40
    assert Message.objects.filter(status=MessageStatus.SENT).count() == 40


def test_it_runs_one_pass_from_the_command_line(county: County) -> None:
    [message] = queue(county)
    call_command("worker", "--once", "--id", "cron")
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_it_stops_cleanly_on_sigterm(county: County) -> None:
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    started = time.monotonic()
    timer.start()
    try:
        call_command("worker", "--interval", "30", "--id", "term")
    finally:
        timer.cancel()
    assert time.monotonic() - started < 5
    assert signal.getsignal(signal.SIGTERM) is not None  # the previous handler is back
