"""Organizations, programs, clients, caregivers, episodes, sessions and progress notes.

These mirror what the county's EHR holds (ids from the EHR are kept for re-imports). They are
changed only through `clinic/actions.py`, which validates, audits and runs in a transaction.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")
    OTHER = "other", _("Other")


class Organization(models.Model):
    """A county system or a contracted provider organization."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)

    def __str__(self) -> str:
        return self.name


class ProgramKind(models.TextChoices):
    OUTPATIENT = "outpatient", _("Outpatient clinic")
    SCHOOL = "school", _("School-based")
    WRAPAROUND = "wraparound", _("Wraparound")
    DAY_TREATMENT = "day_treatment", _("Day treatment")
    FAMILY = "family", _("Family services")


class Program(models.Model):
    """A clinic or contracted program; staff memberships and clients belong to programs."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="programs"
    )
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=32)
    kind = models.CharField(max_length=24, choices=ProgramKind.choices, default="outpatient")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="program_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class DiagnosisGroup(models.TextChoices):
    DISRUPTIVE = "disruptive", _("Disruptive behavior")
    ANXIETY = "anxiety", _("Anxiety")
    DEPRESSION = "depression", _("Depression")
    TRAUMA = "trauma", _("Trauma and stressor-related")
    ADHD = "adhd", _("ADHD")
    OTHER = "other", _("Other")


class Client(models.Model):
    """A child or youth in care, identified by the EHR's id within the organization."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="clients")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="clients")
    ehr_id = models.CharField(_("EHR id"), max_length=64)
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    birth_date = models.DateField(_("birth date"))
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default="en"
    )
    diagnosis_group = models.CharField(
        _("diagnosis group"), max_length=16, choices=DiagnosisGroup.choices, default="other"
    )
    primary_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="caseload",
    )
    # The youth's own portal sign-in (12 and older, when the clinician allows it).
    portal_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="youth_client",
    )
    caregivers: models.ManyToManyField[Caregiver, ClientCaregiver] = models.ManyToManyField(
        "Caregiver", through="ClientCaregiver", related_name="clients", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "ehr_id"], name="client_ehr_id_unique")
        ]
        indexes = [
            # The clinician's caseload and the program's client list.
            models.Index(fields=["primary_clinician", "family_name"], name="client_caseload"),
            models.Index(fields=["program", "family_name"], name="client_program"),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


class Relationship(models.TextChoices):
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    GRANDPARENT = "grandparent", _("Grandparent")
    FOSTER = "foster", _("Foster parent")
    RELATIVE = "relative", _("Other relative")
    GUARDIAN = "guardian", _("Legal guardian")
    OTHER = "other", _("Other")


class Caregiver(models.Model):
    """An adult who takes part in a child's care; may care for several clients (siblings)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="caregivers"
    )
    ehr_id = models.CharField(max_length=64, blank=True)
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default="en")
    phone = models.CharField(_("mobile phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # Messages are sent only with consent; the moment it was given is part of the record.
    messaging_consent_at = models.DateTimeField(_("messaging consent given"), null=True, blank=True)
    # "STOP" / "ALTO" (or a clinician recording the wish) stops every message at once.
    messaging_stopped_at = models.DateTimeField(_("messages stopped"), null=True, blank=True)
    # The family's own sign-in, once invited to the portal.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="caregiver",
    )

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "ehr_id"],
                condition=~Q(ehr_id=""),
                name="caregiver_ehr_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def has_messaging_consent(self) -> bool:
        """Consent was given and not withdrawn since (a later consent lifts an old STOP)."""
        if self.messaging_consent_at is None:
            return False
        return (
            self.messaging_stopped_at is None
            or self.messaging_stopped_at < self.messaging_consent_at
        )


class ClientCaregiver(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="caregiver_links")
    caregiver = models.ForeignKey(Caregiver, on_delete=models.CASCADE, related_name="client_links")
    relationship = models.CharField(
        _("relationship"), max_length=16, choices=Relationship.choices, default="other"
    )
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "caregiver"], name="client_caregiver_unique")
        ]

    def __str__(self) -> str:
        return f"caregiver {self.caregiver_id} of client {self.client_id}"


class Episode(models.Model):
    """One episode of care of a client in a program, from opening to discharge."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="episodes")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="episodes")
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    ehr_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-opened_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="episode_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return f"episode {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class SessionType(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    FAMILY = "family", _("Family")
    GROUP = "group", _("Group")


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


class Session(models.Model):
    """One treatment contact. Homework is assigned and reviewed in attended sessions."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sessions")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="sessions")
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    ehr_id = models.CharField(max_length=64, blank=True)
    occurred_on = models.DateField(_("date"))
    session_type = models.CharField(
        _("type"), max_length=16, choices=SessionType.choices, default="individual"
    )
    is_intake = models.BooleanField(_("intake or assessment"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=SessionStatus.choices, default="attended"
    )
    youth_attended = models.BooleanField(_("youth attended"), default=True)
    caregiver_attended = models.BooleanField(_("caregiver attended"), default=False)
    duration_minutes = models.PositiveSmallIntegerField(_("minutes"), null=True, blank=True)
    # Set by the form that recorded it, so a resubmitted form finds the session it made.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "ehr_id"], condition=~Q(ehr_id=""), name="session_ehr_id_unique"
            )
        ]
        indexes = [
            # Client page (sessions newest first), caseload "last/next session".
            models.Index(fields=["client", "occurred_on"], name="session_client_day"),
            # Per-clinician and per-program indicators over a period.
            models.Index(fields=["clinician", "occurred_on"], name="session_clinician_day"),
            models.Index(fields=["program", "occurred_on"], name="session_program_day"),
            # The county-wide indicator summary of one open week or month (its nightly
            # refresh; bench/, issue 10). Sessions are written as they happen, so a period's
            # rows lie together and this reads a month of a county, not the whole table.
            models.Index(fields=["occurred_on"], name="session_day"),
        ]

    def __str__(self) -> str:
        return f"session {self.pk} on {self.occurred_on}"


class ProgressNote(models.Model):
    """Free text of a session's progress note, usually imported from the EHR."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(max_length=8, choices=Language.choices, default="en")
    text = models.TextField(_("note"))
    ehr_id = models.CharField(max_length=64, blank=True)
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["written_at", "id"]
        # The EHR import finds the notes of a chunk by their EHR ids (upsert by id).
        indexes = [models.Index(fields=["ehr_id"], name="note_ehr_id")]

    def __str__(self) -> str:
        return f"note {self.pk}"
