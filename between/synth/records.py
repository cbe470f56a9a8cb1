"""Synthetic clinical records of one county: caseloads, families, episodes, sessions, notes.

`ClientWriter.add_client` draws one child with everything around them and buffers the rows;
`flush` writes the buffers with `bulk_create` in dependency order (a row's parents first, so
`bulk_create` fills in the foreign keys from the parents' new ids). The homework of each
attended session is decided as the session is drawn (synth/homework.py), and the note says what
was decided.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from between.accounts.models import User
from between.clinic.models import (
    Caregiver,
    Client,
    ClientCaregiver,
    Episode,
    Organization,
    Program,
    ProgressNote,
    Session,
)
from between.synth import names
from between.synth.bulk import RowWriter, orm_write
from between.synth.clinicians import Habits
from between.synth.homework import ClientHomework, HomeworkLoop
from between.synth.notes import HomeworkPlan, NoteContext, caregiver_words
from between.synth.notes import write_note as compose_note

CASELOAD_MIN, CASELOAD_MAX = 10, 25
# Sessions buffered before a flush: bounds memory for a county of any size.
FLUSH_SESSIONS = 5000

DIAGNOSES = {
    "disruptive": 35,
    "anxiety": 20,
    "depression": 15,
    "trauma": 15,
    "adhd": 10,
    "other": 5,
}
# Ages at end_date by diagnosis group: disruptive behavior young, depression mostly teens.
AGES = {
    "disruptive": (4, 13),
    "adhd": (6, 15),
    "anxiety": (6, 17),
    "depression": (10, 17),
    "trauma": (4, 17),
    "other": (4, 17),
}
# (individual, family, group) weights: parent-focused treatments for disruptive behavior.
SESSION_TYPES = {
    "disruptive": (35, 55, 10),
    "adhd": (45, 45, 10),
    "anxiety": (65, 25, 10),
    "depression": (70, 20, 10),
    "trauma": (60, 35, 5),
    "other": (60, 35, 5),
}
KIND_TYPE_FACTORS = {
    "outpatient": (1.0, 1.0, 1.0),
    "school": (1.4, 0.4, 1.2),
    "wraparound": (0.9, 1.5, 0.2),
    "family": (0.7, 1.8, 0.5),
    "day_treatment": (0.8, 0.8, 3.0),
}
PRIMARY_RELATIONSHIPS = {
    "mother": 62,
    "father": 10,
    "grandparent": 12,
    "foster": 7,
    "relative": 5,
    "guardian": 4,
}
SECOND_RELATIONSHIPS = {
    "mother": {"father": 65, "grandparent": 20, "relative": 10, "other": 5},
    "father": {"mother": 55, "grandparent": 35, "other": 10},
}
SECOND_OTHERWISE = {"grandparent": 40, "relative": 40, "other": 20}
FEMALE_SHARE = {
    "mother": 1.0,
    "father": 0.0,
    "grandparent": 0.75,
    "foster": 0.8,
    "relative": 0.7,
    "guardian": 0.65,
    "other": 0.6,
}
# Chance a caregiver carries the child's family name.
SAME_NAME = {"mother": 0.85, "father": 0.9, "grandparent": 0.6, "relative": 0.5}
OTHER_LANGUAGE_NAMES = ("Nguyen", "Tran", "Pham", "Kim", "Lee", "Patel", "Chen", "Haddad")


@dataclass
class StaffMember:
    """A clinician as the generator sees them: where, which families, which habits."""

    user: User
    program: Program
    is_bilingual: bool
    habits: Habits
    spanish_share: float
    caseload: int = 0


def plan_caseloads(
    rng: random.Random, clinicians: list[StaffMember], clients: int, fixed: dict[int, int]
) -> str | None:
    """Give each clinician a caseload in 10..25 summing to `clients`; a warning if impossible."""
    count = len(clinicians)
    if not CASELOAD_MIN * count <= clients <= CASELOAD_MAX * count:
        base, extra = divmod(clients, count)
        for index, clinician in enumerate(clinicians):
            clinician.caseload = base + (1 if index < extra else 0)
        return (
            f"{clients} clients for {count} clinicians makes caseloads of about {base}, "
            f"outside the realistic {CASELOAD_MIN}-{CASELOAD_MAX}"
        )
    # Spread around the mean (as real caseloads are), then nudged onto the exact total.
    mean = clients / count
    sizes = [
        min(CASELOAD_MAX, max(CASELOAD_MIN, round(rng.gauss(mean, 3.5)))) for _ in range(count)
    ]
    for index, size in fixed.items():
        if index < count:
            sizes[index] = size
    # Move the total onto `clients` one client at a time, never past the bounds; fixed sizes
    # move only when nothing else can.
    for allow_fixed in (False, True):
        difference = clients - sum(sizes)
        step = 1 if difference > 0 else -1
        movable = [
            i
            for i in range(count)
            if (allow_fixed or i not in fixed) and CASELOAD_MIN <= sizes[i] + step <= CASELOAD_MAX
        ]
        while difference and movable:
            position = rng.randrange(len(movable))
            index = movable[position]
            sizes[index] += step
            difference -= step
            if not CASELOAD_MIN <= sizes[index] + step <= CASELOAD_MAX:
                movable[position] = movable[-1]
                movable.pop()
        if not difference:
            break
    for clinician, size in zip(clinicians, sizes, strict=True):
        clinician.caseload = size
    return None


@dataclass
class _Family:
    clinician: StaffMember
    language: str
    family_name: str
    links: list[tuple[Caregiver, str, bool]] = field(default_factory=list)
    caregiver_en: str = "caregiver"
    caregiver_es: str = "la cuidadora"


class ClientWriter:
    """Draws clients with their families and care, and writes them in bounded batches."""

    def __init__(
        self,
        *,
        rng: random.Random,
        organization: Organization,
        end_date: date,
        window_start: date,
        at: Callable[[date, int, int], datetime],
        prefix: str,
        homework: HomeworkLoop,
        write: RowWriter = orm_write,
    ) -> None:
        self.rng = rng
        self.homework = homework
        self.write = write
        self.organization = organization
        self.end_date = end_date
        self.window_start = window_start
        self.at = at
        self.prefix = prefix
        self.cutoff = at(end_date, 23, 0)  # nothing is written after the last evening
        self.counts: Counter[str] = Counter()
        self._family: _Family | None = None
        self.clients: list[Client] = []
        self.caregivers: list[Caregiver] = []
        self.links: list[ClientCaregiver] = []
        self.episodes: list[Episode] = []
        self.sessions: list[Session] = []
        self.notes: list[ProgressNote] = []

    # -- one child -------------------------------------------------------------------------
    def add_client(self, clinician: StaffMember) -> None:
        rng = self.rng
        self.counts["clients"] += 1
        number = self.counts["clients"]
        family = self._family
        # About one child in 16 is a sibling of the clinician's previous client.
        is_sibling = family is not None and family.clinician is clinician and rng.random() < 0.06
        if family is None or not is_sibling:
            family = self._new_family(clinician)
        self._family = family
        diagnosis = rng.choices(list(DIAGNOSES), list(DIAGNOSES.values()))[0]
        age = rng.randint(*AGES[diagnosis])
        child = names.pick_child(
            rng, spanish=family.language == "es", family_name=family.family_name
        )
        opened_on, closed_on = self._episode_dates()
        client = Client(
            organization=self.organization,
            program=clinician.program,
            ehr_id=f"{self.prefix}-{number:06d}",
            given_name=child.given_name,
            family_name=child.family_name,
            birth_date=self._birth_date(age),
            preferred_language=self._child_language(family.language),
            diagnosis_group=diagnosis,
            primary_clinician=clinician.user,
            created_at=self.at(opened_on, rng.randint(8, 16), rng.choice((0, 15, 30, 45))),
        )
        self.clients.append(client)
        for caregiver, relationship, is_primary in family.links:
            if not is_sibling:  # consent is given once, when the family first comes in
                self._maybe_consent(caregiver, opened_on)
            self.links.append(
                ClientCaregiver(
                    client=client,
                    caregiver=caregiver,
                    relationship=relationship,
                    is_primary=is_primary,
                )
            )
        episode = Episode(
            client=client,
            program=clinician.program,
            opened_on=opened_on,
            closed_on=closed_on,
            ehr_id=f"{self.prefix}-E-{number:06d}",
        )
        self.episodes.append(episode)
        self.counts["episodes"] += 1
        _Care(self, clinician, family, client, episode, child.is_female, age).write_sessions()
        if len(self.sessions) >= FLUSH_SESSIONS:
            self.flush()

    def _new_family(self, clinician: StaffMember) -> _Family:
        rng = self.rng
        roll = rng.random()
        language = "es" if roll < clinician.spanish_share else "en"
        if language == "en" and rng.random() < 0.05:
            language = "other"
        spanish = language == "es"
        if language == "other":
            family_name = rng.choice(OTHER_LANGUAGE_NAMES)
        else:
            family_name = names.pick_family_name(rng, spanish=spanish)
        family = _Family(clinician=clinician, language=language, family_name=family_name)
        primary = rng.choices(list(PRIMARY_RELATIONSHIPS), list(PRIMARY_RELATIONSHIPS.values()))[0]
        relationships = [primary]
        if rng.random() < 0.45:
            options = SECOND_RELATIONSHIPS.get(primary, SECOND_OTHERWISE)
            relationships.append(rng.choices(list(options), list(options.values()))[0])
        for position, relationship in enumerate(relationships):
            is_female = rng.random() < FEMALE_SHARE[relationship]
            same_name = rng.random() < SAME_NAME.get(relationship, 0.0)
            person = names.pick_adult(
                rng,
                spanish=spanish,
                is_female=is_female,
                family_name=family_name if same_name else None,
            )
            # Now and then the second caregiver speaks English in a Spanish-speaking family.
            own_language = "en" if position and spanish and rng.random() < 0.1 else language
            self.counts["caregivers"] += 1
            caregiver = Caregiver(
                organization=self.organization,
                ehr_id=f"{self.prefix}-CG-{self.counts['caregivers']:06d}",
                given_name=person.given_name,
                family_name=person.family_name,
                language=own_language,
                phone=names.phone_number(rng) if rng.random() < 0.95 else "",
                email=(
                    names.email_address(rng, person)
                    if rng.random() < (0.35 if spanish else 0.65)
                    else ""
                ),
            )
            self.caregivers.append(caregiver)
            family.links.append((caregiver, relationship, position == 0))
            if position == 0:
                family.caregiver_en, family.caregiver_es = caregiver_words(
                    relationship, is_female=is_female
                )
        return family

    def _maybe_consent(self, caregiver: Caregiver, opened_on: date) -> None:
        rng = self.rng
        if rng.random() < 0.7 and (caregiver.phone or caregiver.email):
            day = min(opened_on + timedelta(days=rng.randint(0, 21)), self.end_date)
            caregiver.messaging_consent_at = self.at(day, rng.randint(9, 17), rng.randint(0, 59))

    def _child_language(self, family_language: str) -> str:
        # Many children of Spanish-speaking families prefer English themselves.
        if family_language == "es":
            return "es" if self.rng.random() < 0.7 else "en"
        if family_language == "other":
            return "other" if self.rng.random() < 0.3 else "en"
        return "en"

    def _birth_date(self, age: int) -> date:
        latest = _years_before(self.end_date, age)
        earliest = _years_before(self.end_date, age + 1) + timedelta(days=1)
        return earliest + timedelta(days=self.rng.randint(0, (latest - earliest).days))

    def _episode_dates(self) -> tuple[date, date | None]:
        """Opened in the window or up to six months before it; about a quarter closed."""
        rng = self.rng
        start, end = self.window_start, self.end_date
        window_days = (end - start).days
        if rng.random() < 0.3:
            opened = start - timedelta(days=rng.randint(1, min(180, max(30, window_days // 2))))
        else:
            opened = start + timedelta(days=rng.randint(0, max(0, window_days - 3)))
        closed = None
        earliest = max(opened + timedelta(days=28), start + timedelta(days=7))
        if earliest < end and rng.random() < 0.26:
            closed = earliest + timedelta(days=rng.randint(0, (end - earliest).days - 1))
        return opened, closed

    # -- writing ---------------------------------------------------------------------------
    def flush(self) -> None:
        """Write the buffered rows, parents first, and forget them."""
        self.write(Client, self.clients)
        self.write(Caregiver, self.caregivers)
        self.write(ClientCaregiver, self.links)
        self.write(Episode, self.episodes)
        # In the order they happen, as a county's database receives them day by day (the
        # generator makes them client by client): the rows of one month lie together, as the
        # summary refresh and date-range reads find them in a real database (bench/, issue 10).
        self.sessions.sort(key=lambda session: session.occurred_on)
        self.write(Session, self.sessions)
        self.write(ProgressNote, self.notes)
        self.homework.flush()
        for rows in (
            self.clients,
            self.caregivers,
            self.links,
            self.episodes,
            self.sessions,
            self.notes,
        ):
            rows.clear()


class _Care:
    """The sessions and notes of one episode of care."""

    def __init__(
        self,
        writer: ClientWriter,
        clinician: StaffMember,
        family: _Family,
        client: Client,
        episode: Episode,
        is_female: bool,
        age: int,
    ) -> None:
        self.writer = writer
        self.rng = writer.rng
        self.clinician = clinician
        self.family = family
        self.client = client
        self.episode = episode
        self.is_female = is_female
        self.age = age
        self.school_based = clinician.program.kind == "school"
        rng = self.rng
        # Families differ in how often they miss sessions and how much homework they do.
        self.miss_rate = rng.uniform(0.06, 0.34)
        self.completion = rng.uniform(0.15, 0.9)
        # Bilingual clinicians chart some Spanish-speaking families' care in Spanish.
        self.spanish_notes = (
            family.language == "es" and clinician.is_bilingual and rng.random() < 0.55
        )
        weights = SESSION_TYPES[client.diagnosis_group]
        factors = KIND_TYPE_FACTORS[clinician.program.kind]
        self.type_weights = [w * f for w, f in zip(weights, factors, strict=True)]
        if age < 8:  # young children: parent-focused work, few groups
            self.type_weights[1] *= 1.6
            self.type_weights[2] *= 0.5
        self.homework = ClientHomework(
            writer.homework,
            clinician=clinician.user,
            habits=clinician.habits,
            client=client,
            caregiver=family.links[0][0],
            engagement=self.completion,
        )

    def write_sessions(self) -> None:
        rng = self.rng
        writer = self.writer
        stop = self.episode.closed_on or writer.end_date
        day = min(_weekday(self.episode.opened_on + timedelta(days=rng.randint(0, 3))), stop)
        is_intake = True
        last_seen: datetime | None = None
        while day <= stop:
            last_seen = self._past_session(day, is_intake=is_intake)
            is_intake = False
            gap = rng.randint(5, 10)
            if rng.random() < 0.03:  # holidays, illness, a family trip
                gap += rng.randint(7, 21)
            day = _weekday(day + timedelta(days=gap))
        if self.episode.closed_on is None and rng.random() < 0.85:
            horizon = writer.end_date + timedelta(days=14)
            if day > horizon:
                day = _weekday(writer.end_date + timedelta(days=rng.randint(1, 12)))
            planned_at = last_seen or writer.at(writer.end_date, 9, 0)
            for _ in range(1 if rng.random() < 0.6 else 2):
                if day > horizon:
                    break
                self._scheduled_session(day, planned_at)
                day = _weekday(day + timedelta(days=7))
        self.homework.finish()

    def _session(self, day: date, **fields: object) -> Session:
        writer = self.writer
        writer.counts["sessions"] += 1
        session = Session(
            client=self.client,
            clinician=self.clinician.user,
            program=self.clinician.program,
            episode=self.episode,
            ehr_id=f"S-{writer.counts['sessions']:07d}",
            occurred_on=day,
            **fields,
        )
        writer.sessions.append(session)
        # Homework given at the session before is due today (the next booked session).
        self.homework.settle(day)
        return session

    def _scheduled_session(self, day: date, planned_at: datetime) -> None:
        self.writer.counts["scheduled"] += 1
        self._session(
            day,
            session_type=self._session_type(),
            status="scheduled",
            youth_attended=False,
            caregiver_attended=False,
            created_at=planned_at,
        )

    def _past_session(self, day: date, *, is_intake: bool) -> datetime:
        rng = self.rng
        writer = self.writer
        hour = rng.randint(8, 14) if self.school_based else rng.randint(9, 18)
        starts = writer.at(day, hour, rng.choice((0, 0, 30)))
        session_type = self._session_type()
        roll = rng.random()
        if is_intake or roll >= self.miss_rate:
            status = "attended"
        else:
            status = "cancelled" if roll < self.miss_rate / 2 else "no_show"
        youth = caregiver = False
        minutes: int | None = None
        if status == "attended":
            youth, caregiver, session_type = self._attendance(session_type, is_intake)
            minutes = 60 if is_intake else rng.choice((30, 38, 45, 45, 50, 53, 55, 60))
        entered = starts + timedelta(minutes=minutes or 0, hours=rng.choice((0, 0, 1, 4, 24, 48)))
        session = self._session(
            day,
            session_type=session_type,
            status=status,
            is_intake=is_intake,
            youth_attended=youth,
            caregiver_attended=caregiver,
            duration_minutes=minutes,
            created_at=min(entered, max(writer.cutoff, starts)),
        )
        if status == "attended":
            self._note(session, starts, starts + timedelta(minutes=minutes or 0))
        return starts

    def _session_type(self) -> str:
        return self.rng.choices(("individual", "family", "group"), self.type_weights)[0]

    def _attendance(self, session_type: str, is_intake: bool) -> tuple[bool, bool, str]:
        """(youth attended, caregiver attended, type) consistent with the type of session."""
        rng = self.rng
        if is_intake:
            return True, True, "individual" if session_type == "group" else session_type
        if session_type == "individual":
            return True, rng.random() < (0.1 if self.school_based else 0.3), session_type
        if session_type == "family":
            # Now and then a caregiver-only (collateral) session.
            return rng.random() >= 0.08, True, session_type
        return True, False, session_type

    def _note(self, session: Session, starts: datetime, ended: datetime) -> None:
        rng = self.rng
        writer = self.writer
        plan = self._homework(session, starts, ended)
        language = "es" if self.spanish_notes and rng.random() < 0.9 else "en"
        context = NoteContext(
            language=language,
            given_name=self.client.given_name,
            is_female=self.is_female,
            age=self.age,
            diagnosis=self.client.diagnosis_group,
            session_type=session.session_type,
            is_intake=session.is_intake,
            youth_present=session.youth_attended,
            caregiver_present=session.caregiver_attended,
            caregiver_en=self.family.caregiver_en,
            caregiver_es=self.family.caregiver_es,
            minutes=session.duration_minutes or 45,
            school_based=self.school_based,
        )
        writer.counts["notes"] += 1
        writer.counts["spanish_notes"] += language == "es"
        written = ended + timedelta(hours=rng.choice((0, 0, 1, 2, 5, 20, 26, 70)))
        writer.notes.append(
            ProgressNote(
                session=session,
                author=self.clinician.user,
                language=language,
                text=compose_note(rng, context, plan),
                ehr_id=f"N-{writer.counts['notes']:07d}",
                written_at=max(min(written, writer.cutoff), ended),
            )
        )

    def _homework(self, session: Session, starts: datetime, ended: datetime) -> HomeworkPlan:
        """The homework rows of this session (synth/homework.py), and what the note says."""
        school_rate = 0.14 if self.school_based or self.client.diagnosis_group == "adhd" else 0.05
        school_homework = self.age >= 6 and self.rng.random() < school_rate
        return self.homework.attended(session, starts, ended, school_homework=school_homework)


def _weekday(day: date) -> date:
    """Saturday and Sunday appointments move to Monday."""
    weekday = day.weekday()
    return day + timedelta(days=7 - weekday) if weekday >= 5 else day


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
