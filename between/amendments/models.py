"""A family's request to amend a client's record (ONC 170.315(d)(4)), and its decision.

The request names the affected record by type and id (`records.py` knows the types). It is
append-only in spirit: a request is recorded once, decided once (accepted with the amendment
text, or denied with the reason), and after a denial the family may add one statement of
disagreement. Rows change only through `amendments/actions.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TEXT_MAX_LENGTH = 4000


class RecordType(models.TextChoices):
    CLIENT = "client", _("Client details")
    SESSION = "session", _("Session")
    NOTE = "note", _("Progress note")
    ASSIGNMENT = "assignment", _("Homework")
    PRACTICE_LOG = "practice_log", _("Practice log")


class Requester(models.TextChoices):
    CAREGIVER = "caregiver", _("Caregiver")
    YOUTH = "youth", _("Youth")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    ACCEPTED = "accepted", _("Accepted")
    DENIED = "denied", _("Denied")


class AmendmentRequestQuerySet(models.QuerySet["AmendmentRequest"]):
    def decided(self) -> AmendmentRequestQuerySet:
        return self.exclude(status=Status.PENDING)

    def about(self, record_type: str, record_id: int) -> AmendmentRequestQuerySet:
        return self.filter(record_type=record_type, record_id=record_id)


class AmendmentRequest(models.Model):
    client = models.ForeignKey(
        "clinic.Client", on_delete=models.PROTECT, related_name="amendment_requests"
    )
    record_type = models.CharField(_("record"), max_length=16, choices=RecordType.choices)
    record_id = models.PositiveBigIntegerField()
    requested_by = models.CharField(
        _("requested by"), max_length=16, choices=Requester.choices, default=Requester.CAREGIVER
    )
    # The family member's own account, when they asked through the portal.
    requested_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    received_on = models.DateField(_("received on"))
    requested_change = models.TextField(_("requested change"), max_length=TEXT_MAX_LENGTH)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Accepted: the amendment appended to the record. Denied: the reason for the denial.
    decision_note = models.TextField(_("decision"), max_length=TEXT_MAX_LENGTH, blank=True)
    disagreement = models.TextField(
        _("statement of disagreement"), max_length=TEXT_MAX_LENGTH, blank=True
    )
    disagreement_at = models.DateTimeField(null=True, blank=True)
    disagreement_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set by the form that recorded it, so a resubmitted form finds the request it made.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = AmendmentRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("amendment request")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status="pending", decided_at__isnull=True, decided_by__isnull=True)
                    | (
                        Q(status__in=["accepted", "denied"])
                        & Q(decided_at__isnull=False, decided_by__isnull=False)
                        & ~Q(decision_note="")
                    )
                ),
                name="amendment_decision_complete",
            ),
            models.CheckConstraint(
                condition=Q(disagreement="") | Q(status="denied"),
                name="amendment_disagreement_after_denial",
            ),
        ]
        indexes = [
            # The client's amendment list and the client page's section (newest first).
            models.Index(fields=["client", "received_on"], name="amendment_client_day"),
            # `amendments_for(record)`: what is appended to one record.
            models.Index(fields=["record_type", "record_id"], name="amendment_record"),
        ]

    def __str__(self) -> str:
        return f"amendment request {self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.status == Status.PENDING

    @property
    def is_accepted(self) -> bool:
        return self.status == Status.ACCEPTED

    @property
    def is_denied(self) -> bool:
        return self.status == Status.DENIED

    @property
    def may_add_disagreement(self) -> bool:
        return self.is_denied and not self.disagreement
