"""Many families tapping "Yes" at the same moment lose nothing and double nothing.

A real gunicorn server (2 processes × 16 threads, the production database options) on a
SQLite file or on PostgreSQL — whichever the suite runs on — gets 125 simultaneous form posts
from threads released by one barrier: 100 distinct practice logs from two families signed in
with their code and PIN (50 each), through the family portal's one-tap endpoint
(`portal:log-create`), 25 of them sent twice at the same moment with the same idempotency key
(a double tap, a retried request). Proven:

- every request answers 200 (no 5xx, no "database is locked" in any answer or server log);
- the database holds exactly the 100 distinct logs: none lost, none doubled, each key once,
  with the homework and answer that were sent, and one audit event each;
- both copies of a duplicate were answered with the same stored log.

A second test sends one key ten times at once: one log.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from tests.reliability.conftest import Site
from tests.reliability.seed import PIN
from tests.reliability.web import Browser, Response

LOGS_PER_FAMILY = 50  # from each of the 2 families of the "logs" world (seed.py)
EVERY_NTH_SENT_TWICE = 4
HTMX = {"HX-Request": "true"}
SAVED_LOG = re.compile(r"/family/logs/(\d+)/details/")
ANSWERS = ("done", "partly", "not")


@dataclass(frozen=True)
class Tap:
    browser: Browser
    assignment: int
    key: str
    completion: str


def signed_in_families(site: Site, world: str) -> list[tuple[Browser, int]]:
    """Each family of the world signs in with its code and PIN on the sign-in page, and opens
    Today."""
    made = site.worlds[world]

    def sign_in(family: dict[str, Any]) -> tuple[Browser, int]:
        browser = site.browser()
        assert browser.get("/family/sign-in/").status == 200
        answer = browser.post("/family/sign-in/", {"identifier": family["code"], "pin": PIN})
        assert answer.status == 302, answer.text
        assert browser.get("/family/today/").status == 200
        return browser, int(family["assignment"])

    with ThreadPoolExecutor(max_workers=len(made["families"])) as pool:
        return list(pool.map(sign_in, made["families"]))


def tap(item: Tap) -> Response:
    return item.browser.post(
        f"/family/homework/{item.assignment}/log/",
        {"completion": item.completion, "idempotency_key": item.key},
        headers=HTMX,
    )


def all_at_once(taps: list[Tap]) -> list[Response]:
    """One thread per request, all released by one barrier."""
    start = threading.Barrier(len(taps))

    def send(item: Tap) -> Response:
        start.wait(timeout=60)
        return tap(item)

    with ThreadPoolExecutor(max_workers=len(taps)) as pool:
        return list(pool.map(send, taps))


def saved_log_id(answer: Response) -> int:
    found = SAVED_LOG.search(answer.text)
    assert found is not None, answer.text[:2000]
    return int(found.group(1))


def assert_no_server_errors(site: Site, offset: int, answers: list[Response]) -> None:
    assert [a.status for a in answers if a.status != 200] == []
    assert not [a for a in answers if "database is locked" in a.text]
    assert site.errors_since(offset) == [], site.log_since(offset)


def test_it_keeps_each_of_a_hundred_simultaneous_family_logs_exactly_once(site: Site) -> None:
    families = signed_in_families(site, "logs")
    distinct = [
        Tap(browser, assignment, uuid.uuid4().hex, ANSWERS[(n + i) % len(ANSWERS)])
        for n, (browser, assignment) in enumerate(families)
        for i in range(LOGS_PER_FAMILY)
    ]
    twice = distinct[::EVERY_NTH_SENT_TWICE]
    taps = distinct + twice
    random.Random(7).shuffle(taps)  # the two copies of a tap are not side by side
    assert (len(distinct), len(taps)) == (100, 125)
    offset = site.log_size()

    answers = all_at_once(taps)

    assert_no_server_errors(site, offset, answers)
    answered: dict[str, set[int]] = {}
    for item, answer in zip(taps, answers, strict=True):
        answered.setdefault(item.key, set()).add(saved_log_id(answer))
    # Both copies of a duplicate were told about the same stored log.
    assert all(len(logs) == 1 for logs in answered.values())
    assignments = {a for _, a in families}
    stored = [
        row
        for row in site.rows(
            "SELECT id, idempotency_key, assignment_id, completion, source "
            "FROM homework_practicelog"
        )
        if row[2] in assignments
    ]
    assert len(stored) == len(distinct)
    assert sorted(row[1] for row in stored) == sorted(item.key for item in distinct)
    sent = {item.key: (item.assignment, item.completion, "portal") for item in distinct}
    assert {row[1]: (row[2], row[3], row[4]) for row in stored} == sent
    assert {row[1]: {row[0]} for row in stored} == answered
    # One audit event per stored log: the duplicates wrote nothing.
    log_ids = {str(row[0]) for row in stored}
    audited = [
        row[0]
        for row in site.rows(
            "SELECT object_id FROM accounts_auditevent WHERE action = %s AND object_type = %s",
            "create",
            "homework.practicelog",
        )
        if row[0] in log_ids
    ]
    assert sorted(audited) == sorted(log_ids)
    # The audit trail's hash chains survived the burst (several chains on PostgreSQL).
    verified = subprocess.run(
        [sys.executable, "-m", "between.cli", "audit", "verify"],
        env=site.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stderr
    assert "The audit trail is intact." in verified.stdout


def test_it_stores_one_log_when_the_same_tap_arrives_ten_times_at_once(site: Site) -> None:
    [(browser, assignment)] = signed_in_families(site, "retry")
    key = uuid.uuid4().hex
    offset = site.log_size()

    answers = all_at_once([Tap(browser, assignment, key, "done")] * 10)

    assert_no_server_errors(site, offset, answers)
    stored = site.rows(
        "SELECT id, idempotency_key FROM homework_practicelog WHERE assignment_id = %s", assignment
    )
    assert [row[1] for row in stored] == [key]
    assert {saved_log_id(answer) for answer in answers} == {stored[0][0]}
