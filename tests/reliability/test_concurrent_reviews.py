"""Two clinicians saving the review of the same homework at the same moment: one wins, the
other is told; nobody's review is overwritten without them knowing.

Carla and Sam (her supervisor) both open today's session with Kai and review the homework he
was given a week ago. Their saves reach a real gunicorn server (2 processes × 16 threads, the
production database options) at the same moment — threads released by one barrier, each
request on its own database connection — on a SQLite file or on PostgreSQL, whichever the
suite runs on. Several pieces of homework are raced at once so that the saves really overlap.
Proven, through the API (`api:v1:review-save`) and through the session page's form
(`homework:review-save`), for a first review (nobody has a version yet) and for an edit
(both started from version 1):

- for each homework exactly one save succeeds and the other gets a clear conflict (409 from
  the API, the form again with "Someone else ..." on the page), never a 5xx or a
  "database is locked";
- the stored review is the winner's, with the version that says how often it was saved,
  and one audit event per successful save.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from tests.reliability.conftest import Site
from tests.reliability.web import Browser, Response

HTMX = {"HX-Request": "true"}
CONFLICT = "Someone else"
API = "/api/v1/reviews"


@dataclass
class Reviewer:
    name: str
    id: int
    token: str
    browser: Browser


@dataclass
class Visit:
    session: int
    assignments: list[int]
    carla: Reviewer
    sam: Reviewer

    @property
    def page(self) -> str:
        return f"/sessions/{self.session}/"

    def review_url(self, assignment: int) -> str:
        return f"/sessions/{self.session}/assignments/{assignment}/review/"


# What each of them says happened, in the first review and in the edit.
SAYS: dict[tuple[str, int], dict[str, Any]] = {
    ("carla", 1): {"completion": "full"},
    ("sam", 1): {"completion": "none", "barriers": ["forgot"]},
    ("carla", 2): {"completion": "partial", "barriers": ["no-time"]},
    ("sam", 2): {"completion": "full"},
}


def visit(site: Site, world: str) -> Visit:
    """The world's session, its homework (6 pieces, raced at the same moment, see seed.py),
    and Carla and Sam with their tokens and signed-in browsers."""
    made = site.worlds[world]
    people = {}
    for name, person in made["people"].items():
        browser = site.browser()
        browser.cookies.update(person["cookies"])
        people[name] = Reviewer(name, int(person["id"]), person["token"], browser)
    return Visit(int(made["session"]), list(made["assignments"]), people["carla"], people["sam"])


def at_once(calls: list[Callable[[], Response]]) -> list[Response]:
    """One thread per call, all released by one barrier."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], Response]) -> Response:
        start.wait(timeout=60)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def stored_reviews(site: Site, visit: Visit) -> dict[int, tuple[Any, ...]]:
    """assignment → (review id, completion, reviewed by, version, barrier codes)."""
    reviews = site.rows(
        "SELECT r.assignment_id, r.id, r.completion, r.reviewed_by_id, r.version "
        "FROM homework_review r WHERE r.session_id = %s",
        visit.session,
    )
    barriers: dict[int, list[str]] = {}
    for review_id, code in site.rows(
        "SELECT rb.review_id, b.code FROM homework_review_barriers rb "
        "JOIN homework_barrier b ON b.id = rb.barrier_id"
    ):
        barriers.setdefault(review_id, []).append(code)
    return {
        row[0]: (row[1], row[2], row[3], row[4], sorted(barriers.get(row[1], [])))
        for row in reviews
    }


def audit_actions(site: Site, review_id: int) -> list[str]:
    rows = site.rows(
        "SELECT action FROM accounts_auditevent WHERE object_type = %s AND object_id = %s",
        "homework.review",
        str(review_id),
    )
    return sorted(row[0] for row in rows)


def assert_no_server_errors(site: Site, offset: int, answers: list[Response]) -> None:
    assert [a.status for a in answers if a.status >= 500] == []
    assert not [a for a in answers if "database is locked" in a.text]
    assert site.errors_since(offset) == [], site.log_since(offset)


def assert_one_winner(
    site: Site,
    visit: Visit,
    raced: list[tuple[int, Reviewer]],
    answers: list[Response],
    *,
    round_: int,
    won: int,
    lost: int,
) -> None:
    """Per homework: one `won` answer and one `lost` answer naming the conflict; the stored
    review is the winner's."""
    stored = stored_reviews(site, visit)
    winners = {}
    for assignment in visit.assignments:
        mine = [(who, a) for (aid, who), a in zip(raced, answers, strict=True) if aid == assignment]
        statuses = sorted(a.status for _, a in mine)
        assert statuses == sorted([won, lost]), [(w.name, a.status, a.text[:300]) for w, a in mine]
        [winner] = [who for who, a in mine if a.status == won]
        [loser] = [a for _, a in mine if a.status == lost]
        assert CONFLICT in loser.text, loser.text[:2000]
        said = SAYS[(winner.name, round_)]
        review_id, completion, reviewed_by, version, barriers = stored[assignment]
        assert (completion, reviewed_by, version, barriers) == (
            said["completion"],
            winner.id,
            round_,
            sorted(said.get("barriers", [])),
        )
        winners[assignment] = review_id
    for review_id in winners.values():
        expected = ["create"] if round_ == 1 else ["create", "update"]
        assert audit_actions(site, review_id) == expected


# --- the API -----------------------------------------------------------------------------------


def api_save(visit: Visit, who: Reviewer, assignment: int, round_: int) -> Callable[[], Response]:
    payload = {
        "session_id": visit.session,
        "assignment_id": assignment,
        **SAYS[(who.name, round_)],
        **({"expected_version": round_ - 1} if round_ > 1 else {}),
    }
    headers = {"Authorization": f"Bearer {who.token}"}
    return lambda: who.browser.request("POST", API, payload=payload, headers=headers)


def test_it_lets_one_of_two_simultaneous_api_reviews_win_and_tells_the_other(
    site: Site,
) -> None:
    visit_ = visit(site, "api")
    for round_, won in ((1, 201), (2, 200)):
        raced = [(a, who) for a in visit_.assignments for who in (visit_.carla, visit_.sam)]
        offset = site.log_size()

        answers = at_once([api_save(visit_, who, a, round_) for a, who in raced])

        assert_no_server_errors(site, offset, answers)
        for answer in answers:
            if answer.status == 409:
                assert answer.json()["error"]["code"] == "conflict"
        assert_one_winner(site, visit_, raced, answers, round_=round_, won=won, lost=409)


# --- the session page's form -------------------------------------------------------------------

VERSION_INPUT = r'name="r{pk}-version"(?: value="(\d+)")?'


def open_page(visit: Visit, who: Reviewer) -> dict[int, str]:
    """Load the session page as a person would: the form's CSRF token and each card's version."""
    page = who.browser.get(visit.page)
    assert page.status == 200, page.text[:2000]
    versions = {}
    for assignment in visit.assignments:
        found = re.search(VERSION_INPUT.format(pk=assignment), page.text)
        assert found is not None, f"no review form for homework {assignment}"
        versions[assignment] = found.group(1) or ""
    return versions


def form_save(
    visit: Visit, who: Reviewer, assignment: int, round_: int, version: str
) -> Callable[[], Response]:
    prefix = f"r{assignment}-"
    form = {prefix + name: value for name, value in SAYS[(who.name, round_)].items()}
    form[prefix + "version"] = version
    return lambda: who.browser.post(visit.review_url(assignment), form, headers=HTMX)


def test_it_lets_one_of_two_simultaneous_form_reviews_win_and_tells_the_other(
    site: Site,
) -> None:
    visit_ = visit(site, "form")
    for round_, expected_version in ((1, ""), (2, "1")):
        seen = {who.name: open_page(visit_, who) for who in (visit_.carla, visit_.sam)}
        assert {v for page in seen.values() for v in page.values()} == {expected_version}
        raced = [(a, who) for a in visit_.assignments for who in (visit_.carla, visit_.sam)]
        offset = site.log_size()

        answers = at_once(
            [form_save(visit_, who, a, round_, seen[who.name][a]) for a, who in raced]
        )

        assert_no_server_errors(site, offset, answers)
        assert_one_winner(site, visit_, raced, answers, round_=round_, won=200, lost=422)
