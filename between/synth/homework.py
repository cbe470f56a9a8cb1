"""The homework loop of the synthetic county: assignments, practice logs, reviews, and the
reasons recorded when no homework is given.

The rules are those of between.homework.actions and queries: homework is given and reviewed in
attended sessions only, and reviewed at a later session of the same client; a review with a
completion closes the assignment, "not reviewed today" leaves it open; practice is logged from
the day after the session up to the due date, never after the end date, at most once a day.
The rows skip the actions (no audit event per row, no validation), so the tests check the rules
on the result.

The county's story is a Performance Improvement Project. In the first half of the window
clinicians give homework in about 13-18% of eligible sessions (the county baseline: 13% in
Garland et al. 2010); from the middle on, training and supervision raise assigning, reviewing,
the quality of assigning and recording why not, each clinician by their own amount (their
habits: synth/clinicians.py). Families differ in how much they practice and how much of it
they log; those who practice more report more homework done at the review.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from between.accounts.models import User
from between.clinic.models import Caregiver, Client, Session
from between.homework.actions import CODE_ALPHABET
from between.homework.models import (
    QUALITY_ELEMENTS,
    Assignment,
    Barrier,
    NoHomework,
    PracticeLog,
    Review,
    Strategy,
)
from between.homework.queries import OPEN_DAYS
from between.synth.bulk import RowWriter, orm_write
from between.synth.clinicians import (
    DIAGNOSIS_FACTOR,
    Habits,
    Library,
    LibraryItem,
    template_task,
)
from between.synth.notes import HomeworkPlan, Task, pick_task

# The project starts halfway through the window: the first half is the baseline.
PIP_START = 0.5
ASSIGNEE_OF_TARGET = {"youth": "youth", "caregiver": "caregiver", "family": "both"}
CRISIS_SHARE = 0.025  # non-intake sessions taken over by a crisis
CUSTOM_SHARE = 0.1  # homework written by hand instead of taken from the library
SECOND_ITEM_SHARE = 0.08  # sessions with two pieces of homework (say, youth and caregiver)
SAME_AGAIN_SHARE = 0.3  # "same as last time"
NOT_REVIEWED_SHARE = 0.2  # open homework explicitly marked "not reviewed today"
# How a clinician's quality elements spread: written copies are common, obstacles rarely
# discussed. Each weight times mean/5 is the chance of the element.
QUALITY_WEIGHTS = {
    "rationale_explained": 1.15,
    "designed_together": 0.9,
    "practiced_in_session": 0.9,
    "written_copy_given": 1.3,
    "obstacles_discussed": 0.75,
}
CONFIDENCE_WEIGHTS = (1, 2, 4, 6, 7, 5, 3)  # for 4..10
REASON_WEIGHTS = {"declined": 30, "not_indicated": 40, "other": 30}
OTHER_REASONS = (
    "Session ran short",
    "Interpreter not available",
    "Focus on school meeting",
    "Youth arrived late",
    "Family emergency discussed",
)
CRISIS_DETAILS = ("Safety planning", "Hospital follow-up", "Placement change")
BARRIER_WEIGHTS = {
    "forgot": 30,
    "no-time": 28,
    "family-stress": 14,
    "too-hard": 8,
    "caregiver-not-involved": 8,
    "unclear": 6,
    "no-point": 5,
    "materials-lost": 5,
    "other": 3,
}
OTHER_BARRIERS = ("Sick most of the week", "Visiting relatives", "Phone was broken")
# The strategies the county's training pairs with each barrier.
STRATEGIES_FOR = {
    "forgot": ("reminder", "change-time-place"),
    "no-time": ("change-time-place", "simplify", "smaller-step"),
    "family-stress": ("simplify", "smaller-step", "involve-caregiver"),
    "too-hard": ("smaller-step", "practice-in-session", "simplify"),
    "caregiver-not-involved": ("involve-caregiver",),
    "unclear": ("re-explain", "practice-in-session"),
    "no-point": ("re-explain", "reward"),
    "materials-lost": ("simplify", "reminder"),
    "other": ("other", "simplify"),
}
OTHER_STRATEGIES = ("Check in by phone midweek", "Use the school counselor's office")
LOG_NOTES = {
    "en": ("Did it after dinner", "Hard day but we tried", "Went well", "Needed reminders"),
    "es": ("Lo hicimos después de cenar", "Día difícil pero lo intentamos", "Salió bien"),
}
# The demo clinician's last weeks: homework in every session, families logging, and the
# newest sessions not yet reviewed, so the session page and "my week" have something to show.
DEMO_ASSIGN_DAYS = 28
DEMO_UNREVIEWED_DAYS = 10


@dataclass
class _Given:
    """One assignment while its client's sessions are drawn."""

    assignment: Assignment
    task: Task  # how the note names it
    day: date
    practice_format: str
    quality: int
    force_logs: bool
    practiced: float = 0.0  # days practiced (a partly-done day counts half)
    expected: float = 1.0  # days asked for up to the due date
    logged: int = 0


class HomeworkLoop:
    """The homework rows of a county, buffered and written like the clinical records."""

    def __init__(
        self,
        *,
        rng: random.Random,
        seed: int,
        slug: str,
        window_start: date,
        end_date: date,
        at: Callable[[date, int, int], datetime],
        write: RowWriter = orm_write,
    ) -> None:
        self.rng = rng
        self.end_date = end_date
        self.at = at
        self.write = write
        self.cutoff = at(end_date, 23, 0)
        span = (end_date - window_start).days
        self.pip_start = window_start + timedelta(days=round(span * PIP_START))
        self.library = Library()
        self.barriers = {b.code: b for b in Barrier.objects.filter(is_active=True)}
        self.strategies = {s.code: s for s in Strategy.objects.filter(is_active=True)}
        # Codes are unique across the database, so two counties made from one seed must not
        # draw the same ones; their own generator (seed and slug) keeps a redraw from changing
        # everything drawn after it.
        self._code_rng = random.Random(f"synth-codes:{seed}:{slug}")
        self._codes = set(Assignment.objects.values_list("code", flat=True))
        self.counts: Counter[str] = Counter()
        self.assignments: list[Assignment] = []
        self.no_homework: list[NoHomework] = []
        self.logs: list[PracticeLog] = []
        self.reviews: list[Review] = []
        self.review_barriers: list[tuple[Review, list[Barrier]]] = []

    def ramp(self, day: date) -> float:
        """How far the PIP has got on `day`: 0 before it starts, 1 at the end of the window."""
        if day <= self.pip_start:
            return 0.0
        return min(1.0, (day - self.pip_start).days / max(1, (self.end_date - self.pip_start).days))

    def new_code(self) -> str:
        while True:
            code = "".join(self._code_rng.choice(CODE_ALPHABET) for _ in range(6))
            if code not in self._codes:
                self._codes.add(code)
                return code

    def flush(self) -> None:
        """Write the buffered rows (their sessions and clients are written already)."""
        self.write(Assignment, self.assignments)
        self.write(NoHomework, self.no_homework)
        self.write(PracticeLog, self.logs)
        self.write(Review, self.reviews)
        through = Review.barriers.through
        self.write(
            through,
            [
                through(review_id=review.pk, barrier_id=barrier.pk)
                for review, barriers in self.review_barriers
                for barrier in barriers
            ],
        )
        for rows in (
            self.assignments,
            self.no_homework,
            self.logs,
            self.reviews,
            self.review_barriers,
        ):
            rows.clear()


class ClientHomework:
    """The homework of one client's episode, decided session by session as they are drawn."""

    def __init__(
        self,
        loop: HomeworkLoop,
        *,
        clinician: User,
        habits: Habits,
        client: Client,
        caregiver: Caregiver,
        engagement: float,
    ) -> None:
        self.loop = loop
        self.rng = rng = loop.rng
        self.clinician = clinician
        self.habits = habits
        self.client = client
        self.diagnosis = client.diagnosis_group
        self.engagement = engagement
        # Handouts in the primary caregiver's language (Spanish or English).
        self.language = "es" if caregiver.language == "es" else "en"
        consent = caregiver.messaging_consent_at
        self.consent_on = consent.date() if consent is not None else None
        # Families with messaging consent get reminders and log from them far more often.
        self.logger = rng.uniform(0.45, 0.95) if consent else rng.uniform(0.1, 0.5)
        if consent and caregiver.phone and (not caregiver.email or rng.random() < 0.55):
            self.source = "sms"
        elif caregiver.email and (consent or rng.random() < 0.4):
            self.source = "portal"
        else:
            self.source = "paper"
        self.open: list[_Given] = []
        self.unsettled: list[_Given] = []
        self.last_item: LibraryItem | None = None

    # -- between sessions ------------------------------------------------------------------
    def settle(self, next_day: date) -> None:
        """A next session is booked: homework given before it is due then, and practiced."""
        for given in self.unsettled:
            given.assignment.due_on = next_day
            self._practice(given)
        self.unsettled.clear()

    def finish(self) -> None:
        """No next session: homework given last is due a week later."""
        for given in self.unsettled:
            given.assignment.due_on = given.day + timedelta(days=7)
            self._practice(given)
        self.unsettled.clear()

    def _practice(self, given: _Given) -> None:
        rng = self.rng
        assignment = given.assignment
        last = min(assignment.due_on, self.loop.end_date)
        days = [given.day + timedelta(days=n) for n in range(1, (last - given.day).days + 1)]
        per_week = assignment.frequency_per_week
        given.expected = max(1.0, per_week * len(days) / 7)
        # Better-assigned homework gets done more (Kazantzis et al. 2016).
        adherence = self.engagement * (0.7 + 0.08 * given.quality)
        if assignment.confidence is not None and assignment.confidence >= 8:
            adherence *= 1.1
        per_day = min(0.95, max(0.02, adherence) * per_week / 7)
        logging = given.force_logs or rng.random() < self.logger
        not_rate = 0.12 if self.source == "sms" else 0.04
        for day in days:
            completion = ""
            if rng.random() < per_day:
                completion = "done" if rng.random() < 0.8 else "partly"
                given.practiced += 1 if completion == "done" else 0.5
            if not logging:
                continue
            if completion and rng.random() < 0.85:
                self._log(given, day, completion)
            elif not completion and rng.random() < not_rate:
                self._log(given, day, "not")
        if given.force_logs and not given.logged and days:
            given.practiced += 1
            self._log(given, rng.choice(days), "done")

    def _log(self, given: _Given, day: date, completion: str) -> None:
        rng = self.rng
        loop = self.loop
        assignment = given.assignment
        source = self.source if rng.random() < 0.85 else rng.choice(("clinician", "paper"))
        if source == "sms" and (self.consent_on is None or self.consent_on > day):
            source = "paper"
        count = rating = None
        if given.practice_format == "count" and completion != "not":
            count = rng.randint(2, 8) if completion == "done" else rng.randint(1, 2)
        elif given.practice_format == "rating" and completion != "not":
            rating = min(10, max(0, round(rng.gauss(6 - 0.3 * given.logged, 2))))
        note = ""
        if given.practice_format == "note" and completion != "not" and rng.random() < 0.6:
            note = rng.choice(LOG_NOTES[assignment.language])
        if source in ("portal", "sms"):
            logged_at = loop.at(day, rng.randint(18, 21), rng.randint(0, 59))
        else:  # a paper tracker or the family's report, entered at the next appointment
            logged_at = loop.at(assignment.due_on, rng.randint(9, 17), rng.randint(0, 59))
        given.logged += 1
        loop.counts["practice_logs"] += 1
        loop.logs.append(
            PracticeLog(
                assignment=assignment,
                practiced_on=day,
                completion=completion,
                count=count,
                rating=rating,
                note=note,
                source=source,
                idempotency_key=f"synth-{assignment.code}-{given.logged}",
                logged_by=self.clinician if source in ("clinician", "paper") else None,
                created_at=min(logged_at, loop.cutoff),
            )
        )

    # -- in an attended session ------------------------------------------------------------
    def attended(
        self, session: Session, starts: datetime, ended: datetime, *, school_homework: bool
    ) -> HomeworkPlan:
        """Review open homework, then give homework or maybe record why not; returns what the
        note will say about it."""
        rng = self.rng
        loop = self.loop
        day = session.occurred_on
        ramp = loop.ramp(day)
        crisis = not session.is_intake and rng.random() < CRISIS_SHARE
        reviewed = self._review(session, starts, ramp, crisis=crisis)
        given: list[_Given] = []
        reason = ""
        if session.is_intake:
            reason = "intake" if rng.random() < 0.9 else ""
        elif crisis:
            reason = "crisis" if rng.random() < 0.75 else ""
        else:
            share = self.habits.assign_share(ramp) * DIAGNOSIS_FACTOR.get(self.diagnosis, 1.0)
            if session.session_type == "group":
                share *= 0.5
            if self.habits.is_demo and (loop.end_date - day).days < DEMO_ASSIGN_DAYS:
                share = 1.0
            if rng.random() < share:
                given.append(self._assign(session, ended, ramp))
                if rng.random() < SECOND_ITEM_SHARE:
                    second = self._assign(session, ended, ramp, avoid=given[0])
                    if second is not None:
                        given.append(second)
            elif rng.random() < self.habits.reason_share(ramp):
                reason = rng.choices(list(REASON_WEIGHTS), list(REASON_WEIGHTS.values()))[0]
        if reason:
            self._no_homework(session, ended, reason)
        return self._plan(session, given, reviewed, reason, school_homework)

    def _review(
        self, session: Session, starts: datetime, ramp: float, *, crisis: bool
    ) -> list[tuple[_Given, str]]:
        rng = self.rng
        loop = self.loop
        if session.is_intake or not self.open:
            return []
        day = session.occurred_on
        share = self.habits.review_share(ramp) * (0.5 if crisis else 1.0)
        if session.session_type == "group":
            share *= 0.7
        quiet = self.habits.is_demo and (loop.end_date - day).days < DEMO_UNREVIEWED_DAYS
        when = min(starts + timedelta(minutes=rng.randint(3, 15)), loop.cutoff)
        if not quiet and rng.random() < share:
            reviewed = []
            for given in self.open:
                completion = self._completion(given)
                self._write_review(given, session, completion, when)
                given.assignment.closed_at = when  # as review_assignment does
                reviewed.append((given, completion))
            self.open = []
            return reviewed
        if not quiet and rng.random() < NOT_REVIEWED_SHARE:
            for given in self.open:
                if (day - given.day).days <= OPEN_DAYS:
                    self._write_review(given, session, "not_reviewed", when)
        return []

    def _completion(self, given: _Given) -> str:
        """What the family reports: the share of asked-for days they practiced."""
        rng = self.rng
        share = given.practiced / given.expected
        if share >= 0.7:
            options = {"full": 85, "partial": 15, "none": 0}
        elif share >= 0.35:
            options = {"full": 25, "partial": 62, "none": 13}
        elif share > 0:
            options = {"full": 0, "partial": 55, "none": 45}
        else:
            options = {"full": 0, "partial": 5, "none": 95}
        return rng.choices(list(options), list(options.values()))[0]

    def _write_review(
        self, given: _Given, session: Session, completion: str, when: datetime
    ) -> None:
        rng = self.rng
        loop = self.loop
        barriers: list[Barrier] = []
        barrier_other = strategy_other = ""
        strategy: Strategy | None = None
        if completion in ("partial", "none"):
            barriers = self._barriers(given)
            if any(barrier.code == "other" for barrier in barriers):
                barrier_other = rng.choice(OTHER_BARRIERS)
            if barriers and rng.random() < 0.8:
                strategy = self._strategy(barriers[0].code)
                if strategy is not None and strategy.code == "other":
                    strategy_other = rng.choice(OTHER_STRATEGIES)
        review = Review(
            assignment=given.assignment,
            session=session,
            completion=completion,
            barrier_other=barrier_other,
            strategy=strategy,
            strategy_other=strategy_other,
            reviewed_by=self.clinician,
            version=1,
            created_at=when,
            updated_at=when,
        )
        loop.reviews.append(review)
        loop.counts["reviews"] += 1
        if barriers:
            loop.review_barriers.append((review, barriers))

    def _barriers(self, given: _Given) -> list[Barrier]:
        rng = self.rng
        weights = dict(BARRIER_WEIGHTS)
        if given.assignment.assignee != "youth" or self.client.age_on(given.day) >= 12:
            weights["caregiver-not-involved"] = 1
        codes = [code for code in weights if code in self.loop.barriers]
        wanted = rng.choices((1, 2, 3), (60, 30, 10))[0]
        chosen: list[str] = []
        while codes and len(chosen) < wanted:
            code = rng.choices(codes, [weights[c] for c in codes])[0]
            chosen.append(code)
            codes.remove(code)
        return [self.loop.barriers[code] for code in chosen]

    def _strategy(self, barrier: str) -> Strategy | None:
        rng = self.rng
        strategies = self.loop.strategies
        fitting = [code for code in STRATEGIES_FOR.get(barrier, ()) if code in strategies]
        if fitting and rng.random() < 0.7:
            return strategies[rng.choice(fitting)]
        codes = sorted(strategies)
        return strategies[rng.choice(codes)] if codes else None

    def _assign(
        self, session: Session, ended: datetime, ramp: float, avoid: _Given | None = None
    ) -> _Given:
        rng = self.rng
        loop = self.loop
        day = session.occurred_on
        youth, caregiver = session.youth_attended, session.caregiver_attended
        item = None if rng.random() < CUSTOM_SHARE else self._pick_item(day, youth, caregiver)
        if item is not None and avoid is not None:
            # A second piece of homework is another item, or written by hand.
            item = None if avoid.assignment.template_version == item.version else item
        if item is not None:
            self.last_item = item
            version = item.version
            task = template_task(rng, version)
            assignee = ASSIGNEE_OF_TARGET[item.target]
            per_week, practice_format = item.frequency, item.practice_format
            title = ""
        else:
            version = None
            task = pick_task(rng, self.diagnosis, caregiver_present=caregiver)
            title = _capitalize(task.es if self.language == "es" else task.en)
            if task.for_caregiver:
                assignee = "caregiver"
            else:
                assignee = "both" if caregiver and youth and rng.random() < 0.3 else "youth"
            per_week, practice_format = rng.choice((3, 4, 5, 7)), "check"
        mean = self.habits.quality_mean(ramp)
        quality = {
            name: rng.random() < min(0.97, mean / 5 * QUALITY_WEIGHTS[name])
            for name in QUALITY_ELEMENTS
        }
        confidence = None
        if rng.random() < self.habits.asks_confidence:
            confidence = rng.choices(range(4, 11), CONFIDENCE_WEIGHTS)[0]
        assignment = Assignment(
            session=session,
            client=self.client,
            template_version=version,
            custom_title=title,
            assignee=assignee,
            frequency_per_week=per_week,
            due_on=day,  # until the next session, known once it is drawn (settle)
            language=self.language,
            confidence=confidence,
            code=loop.new_code(),
            assigned_by=self.clinician,
            created_at=min(ended - timedelta(minutes=rng.randint(0, 8)), loop.cutoff),
            **quality,
        )
        loop.assignments.append(assignment)
        loop.counts["assignments"] += 1
        recent = (loop.end_date - day).days < DEMO_ASSIGN_DAYS
        given = _Given(
            assignment=assignment,
            task=task,
            day=day,
            practice_format=practice_format,
            quality=sum(quality.values()),
            force_logs=self.habits.is_demo and recent,
        )
        self.open.append(given)
        self.unsettled.append(given)
        return given

    def _pick_item(self, day: date, youth: bool, caregiver: bool) -> LibraryItem | None:
        rng = self.rng
        age = self.client.age_on(day)
        last = self.last_item
        if (
            last is not None
            and rng.random() < SAME_AGAIN_SHARE
            and last.suits(age, youth=youth, caregiver=caregiver)
        ):
            return last
        items, weights = self.loop.library.choices(
            self.diagnosis, age, youth=youth, caregiver=caregiver
        )
        return rng.choices(items, weights)[0] if items else None

    def _no_homework(self, session: Session, ended: datetime, reason: str) -> None:
        rng = self.rng
        detail = ""
        if reason == "other" and rng.random() < 0.6:
            detail = rng.choice(OTHER_REASONS)
        elif reason == "crisis" and rng.random() < 0.4:
            detail = rng.choice(CRISIS_DETAILS)
        self.loop.counts["no_homework"] += 1
        self.loop.no_homework.append(
            NoHomework(
                session=session,
                reason=reason,
                detail=detail,
                recorded_by=self.clinician,
                recorded_at=min(ended, self.loop.cutoff),
            )
        )

    def _plan(
        self,
        session: Session,
        given: list[_Given],
        reviewed: list[tuple[_Given, str]],
        reason: str,
        school_homework: bool,
    ) -> HomeworkPlan:
        """What the note says: what was recorded, mostly. About one act in ten is left out
        (a documentation gap) and a few notes mention homework nobody recorded, for the chart
        audit to find."""
        rng = self.rng
        documents = self.habits.documents
        assign: Task | None = None
        per_week = 0
        if given:
            if rng.random() < documents:
                assign = given[0].task
                per_week = given[0].assignment.frequency_per_week
        elif not session.is_intake and rng.random() < 0.015:
            assign = pick_task(rng, self.diagnosis, caregiver_present=session.caregiver_attended)
        review: Task | None = None
        days = 0
        if reviewed and rng.random() < documents:
            first, completion = reviewed[0]
            review = first.task
            days = _days_of_seven(first, completion)
        say_none = False
        if assign is None and not session.is_intake:
            say_none = rng.random() < (0.5 if reason else 0.03)
        return HomeworkPlan(
            assign=assign,
            review=review,
            review_days=days,
            say_none=say_none,
            plan_later=assign is None and not say_none and rng.random() < 0.04,
            school_homework=school_homework,
            per_week=per_week,
            crisis=reason == "crisis",
        )


def _days_of_seven(given: _Given, completion: str) -> int:
    """Days of seven practiced, as a note says it, consistent with the completion."""
    days = round(7 * min(1.0, given.practiced / given.expected))
    if completion == "full":
        return max(5, days)
    if completion == "partial":
        return min(4, max(1, days))
    return 0


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]
