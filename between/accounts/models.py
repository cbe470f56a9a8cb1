from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLINICIAN = "clinician", _("Clinician")
    SUPERVISOR = "supervisor", _("Supervisor")
    REVIEWER = "reviewer", _("Records reviewer")
    ANALYST = "analyst", _("Analyst / QI")
    TRAINER = "trainer", _("Trainer")
    ADMIN = "admin", _("Administrator")
    FAMILY = "family", _("Family")


STAFF_ROLES = frozenset(Role) - {Role.FAMILY}


class User(AbstractUser):
    """A person who signs in: staff or a family member. Roles come from memberships."""

    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=[("en", "English"), ("es", "Español")],
        default="en",
    )

    class Meta:
        db_table = "accounts_user"

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Membership(models.Model):
    """One role of one user in one program. Access to records is always scoped by these."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    program = models.ForeignKey(
        "clinic.Program", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    # Analysts see aggregates only, unless record-level access was granted to them.
    has_record_access = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "program", "role"], name="membership_unique_role"
            )
        ]
        indexes = [
            # policy.programs_for(user, role) runs on every request.
            models.Index(fields=["user", "role"], name="membership_user_role"),
            models.Index(fields=["program", "role"], name="membership_program_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}@{self.program_id}"


class AuditAction(models.TextChoices):
    VIEW = "view", _("viewed")
    CREATE = "create", _("created")
    UPDATE = "update", _("updated")
    DELETE = "delete", _("deleted")
    DENY = "deny", _("denied")
    LOGIN = "login", _("signed in")
    LOGIN_FAILED = "login_failed", _("failed sign-in")
    LOGOUT = "logout", _("signed out")
    SESSION_EXPIRED = "session_expired", _("session expired")
    EXPORT = "export", _("exported")
    LOCKED_OUT = "locked_out", _("locked out")
    MFA_ENROLLED = "mfa_enrolled", _("set up two-step sign-in")
    MFA_VERIFIED = "mfa_verified", _("passed two-step sign-in")
    MFA_FAILED = "mfa_failed", _("failed two-step sign-in")
    MFA_RECOVERY = "mfa_recovery", _("used a recovery code")
    MFA_RESET = "mfa_reset", _("reset two-step sign-in")
    PRIVILEGE_CHANGE = "privilege", _("changed privileges")
    EMERGENCY_ACCESS = "emergency", _("emergency access")
    EMERGENCY_REVIEW = "emergency_review", _("reviewed emergency access")


class AuditOutcome(models.TextChoices):
    OK = "ok", _("allowed")
    DENIED = "denied", _("denied")
    FAILED = "failed", _("failed")


class AuditEvent(models.Model):
    """Append-only trail: who did what to which object, when, from where, with what outcome.

    Holds ids and codes only, never note text, names or contact details. Rows are never
    updated or deleted: `save()` refuses updates here, and on PostgreSQL a trigger refuses
    UPDATE and DELETE at the database (migration 0003). Each row is hash-chained
    (accounts/chain.py), so `between audit verify` finds any altered, removed or inserted row.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=24, choices=AuditAction.choices)
    outcome = models.CharField(max_length=8, choices=AuditOutcome.choices, default="ok")
    object_type = models.CharField(max_length=48, blank=True)
    object_id = models.CharField(max_length=48, blank=True)
    # The client whose record was touched, for "who saw this child's record" reports.
    client_id = models.BigIntegerField(null=True, blank=True)
    program_id = models.BigIntegerField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=200, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    # The hash chain (accounts/chain.py): which chain, the previous event's hash, this one's.
    chain = models.PositiveSmallIntegerField(default=0)
    prev_hash = models.CharField(max_length=64, blank=True)
    row_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # Audit reports by user, by client and by period.
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
            models.Index(fields=["client_id", "at"], name="audit_client_at"),
            # An administrator's audit report reaches events by their programs.
            models.Index(fields=["program_id", "at"], name="audit_program_at"),
            # chain.last_hash() on every write; chain.verify() walks each chain in id order.
            models.Index(fields=["chain", "id"], name="audit_chain_id"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.object_type}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionDenied("Audit events are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionDenied("Audit events are append-only.")
