"""Who may see and change what. Every view and API endpoint starts here.

Two kinds of helpers:
- scoping querysets (`visible_clients(user)`, `visible_programs(user)`, ...) that list only what
  the user may see;
- `get_*_for(user, id, request=..., write=False)` that return one object or raise Http404 (never
  403: an outsider must not learn that a record exists), leaving an audit event either way.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest

from between.accounts import audit
from between.accounts.models import STAFF_ROLES, AuditAction, Membership, Role, User
from between.clinic.models import Client, Program, Session
from between.homework.models import Assignment, PracticeLog
from between.notify.models import Alert
from between.portal.models import Invitation

# Roles that may change client records (sessions, notes; later homework).
WRITE_ROLES = frozenset({Role.CLINICIAN, Role.SUPERVISOR})


def roles_of(user: Any) -> frozenset[str]:
    """The set of roles the user holds in any program (cached on the user for the request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_between_roles", None)
    if cached is None:
        cached = frozenset(Membership.objects.filter(user=user).values_list("role", flat=True))
        user._between_roles = cached
    return cached


def is_staff_member(user: Any) -> bool:
    return bool(roles_of(user) & STAFF_ROLES)


def is_family(user: Any) -> bool:
    return Role.FAMILY in roles_of(user)


def program_ids_for(user: Any, *roles: str, record_access: bool = False) -> QuerySet[Any, Any]:
    """Program ids where the user holds one of `roles` (a subquery, not a list)."""
    memberships = Membership.objects.filter(user_id=getattr(user, "pk", 0) or 0, role__in=roles)
    if record_access:
        memberships = memberships.filter(has_record_access=True)
    return memberships.values("program_id")


def visible_programs(user: Any) -> QuerySet[Program]:
    """Programs the user has any staff role in."""
    if not roles_of(user):
        return Program.objects.none()
    return Program.objects.filter(
        id__in=program_ids_for(user, *STAFF_ROLES), is_active=True
    ).distinct()


def _staff_records(user: Any, *, include_analyst: bool) -> Q:
    """The client records a user's staff roles open (see `visible_clients`)."""
    roles = roles_of(user)
    q: Q = Q(pk__in=[])
    if Role.CLINICIAN in roles:
        has_session = Exists(Session.objects.filter(client=OuterRef("pk"), clinician=user))
        q |= Q(program_id__in=program_ids_for(user, Role.CLINICIAN)) & (
            Q(primary_clinician=user) | Q(has_session)
        )
    if Role.SUPERVISOR in roles:
        q |= Q(program_id__in=program_ids_for(user, Role.SUPERVISOR))
    if include_analyst and Role.ANALYST in roles:
        q |= Q(program_id__in=program_ids_for(user, Role.ANALYST, record_access=True))
    return q


def _emergency_records(user: Any) -> Q:
    """The clients a staff user's active emergency grants open ("break the glass", read only:
    never part of `writable_clients`). A subquery on the `emergency_active_by_user` index."""
    if not roles_of(user) & STAFF_ROLES:
        return Q(pk__in=[])
    from between.emergency.models import EmergencyAccess  # lazy: the emergency app uses policy

    grants = EmergencyAccess.objects.active().filter(user_id=user.pk)
    return Q(pk__in=grants.values("client_id"))


def visible_clients(user: Any) -> QuerySet[Client]:
    """Clients the user may see at all.

    - clinician: own caseload (primary clinician, or a session with them) in programs where
      they are a clinician;
    - supervisor: every client of their programs;
    - analyst: clients of programs where record-level access was granted;
    - family: the children linked to their caregiver account (assignments only, never notes);
    - reviewer, trainer, admin: none here (reviewers get sampled records through audits);
    - any staff user: the one client of each of their active emergency grants (read only).
    """
    if not roles_of(user):
        return Client.objects.none()
    q = _staff_records(user, include_analyst=True) | _emergency_records(user)
    if is_family(user):
        family = Client.objects.filter(Q(caregivers__user=user) | Q(portal_user=user)).values("pk")
        q |= Q(pk__in=family)
    return Client.objects.filter(q)


def staff_visible_clients(user: Any) -> QuerySet[Client]:
    """Clients whose clinical record (sessions, notes) the user's staff roles may open."""
    if not roles_of(user) & STAFF_ROLES:
        return Client.objects.none()
    return Client.objects.filter(
        _staff_records(user, include_analyst=True) | _emergency_records(user)
    )


def writable_clients(user: Any) -> QuerySet[Client]:
    """Clients whose record the user may change: clinicians and supervisors only."""
    if not roles_of(user) & WRITE_ROLES:
        return Client.objects.none()
    return Client.objects.filter(_staff_records(user, include_analyst=False))


def may_write_client(user: Any, client_id: int) -> bool:
    """Whether the user may change this client's record; an answer of yes is remembered on
    the user object for the request (as `roles_of`), so an action re-checking what the view
    just checked (`get_assignment_for(write=True)`) costs no second query."""
    known: set[int] | None = getattr(user, "_between_writable", None)
    if known is not None and client_id in known:
        return True
    if not writable_clients(user).filter(pk=client_id).exists():
        return False
    _remember_writable(user, client_id)
    return True


def _remember_writable(user: Any, client_id: int) -> None:
    known: set[int] | None = getattr(user, "_between_writable", None)
    if known is None:
        known = user._between_writable = set()
    known.add(client_id)


def visible_sessions(user: Any) -> QuerySet[Session]:
    """Sessions (with their notes) of records the user's staff roles may open."""
    return Session.objects.filter(client__in=staff_visible_clients(user).values("pk"))


def visible_staff(user: Any) -> QuerySet[User]:
    """Staff of the programs the user supervises, trains or administers."""
    programs = program_ids_for(user, Role.SUPERVISOR, Role.TRAINER, Role.ADMIN)
    return (
        User.objects.filter(
            is_active=True,
            memberships__program_id__in=programs,
            memberships__role__in=STAFF_ROLES,
        )
        .distinct()
        .order_by("last_name", "first_name", "id")
    )


def _deny(
    user: Any,
    request: HttpRequest | None,
    object_type: str,
    object_id: int,
    *,
    write: bool = False,
    client_id: int | None = None,
) -> Http404:
    """Audit a refused lookup and return the 404 to raise (never 403: see module docstring)."""
    audit.record(
        user,
        AuditAction.DENY,
        request=request,
        outcome="denied",
        object_type=object_type,
        object_id=object_id,
        client_id=client_id,
        detail="write" if write else "read",
    )
    return Http404("Not found.")


def get_client_for(
    user: Any, client_id: int, *, request: HttpRequest | None = None, write: bool = False
) -> Client:
    """The client, if the user may open it (or change it, with write=True); else 404.

    Either way leaves an audit event: a view of the record, or a denied attempt.
    """
    clients = writable_clients(user) if write else staff_visible_clients(user)
    client = clients.filter(pk=client_id).select_related("program", "primary_clinician").first()
    if client is None:
        exists = Client.objects.filter(pk=client_id).exists()
        raise _deny(
            user,
            request,
            "clinic.client",
            client_id,
            write=write,
            client_id=client_id if exists else None,
        )
    if not write:
        audit.record(user, AuditAction.VIEW, client, request=request)
    return client


def get_program_for(user: Any, program_id: int, *, request: HttpRequest | None = None) -> Program:
    program = visible_programs(user).filter(pk=program_id).first()
    if program is None:
        raise _deny(user, request, "clinic.program", program_id)
    audit.record(user, AuditAction.VIEW, program, request=request, program_id=program.pk)
    return program


def has_role_in(user: Any, program_id: int, *roles: str) -> bool:
    return Membership.objects.filter(
        user_id=user.pk, program_id=program_id, role__in=roles
    ).exists()


def record_program_ids(user: Any) -> set[int]:
    """Programs where the user may see exact counts: those whose records they may open as a
    whole (supervisors, analysts granted record access). Elsewhere small cells are suppressed."""
    return set(
        Membership.objects.filter(user_id=getattr(user, "pk", 0) or 0)
        .filter(Q(role=Role.SUPERVISOR) | Q(role=Role.ANALYST, has_record_access=True))
        .values_list("program_id", flat=True)
    )


# --- Sessions and homework ---------------------------------------------------------------------


def get_session_for(
    user: Any, session_id: int, *, request: HttpRequest | None = None, write: bool = False
) -> Session:
    """A session of a client whose record the user may open (or change); else 404, audited."""
    clients = writable_clients(user) if write else staff_visible_clients(user)
    session = (
        Session.objects.filter(pk=session_id, client__in=clients.values("pk"))
        .select_related("client", "program", "clinician")
        .first()
    )
    if session is None:
        raise _deny(user, request, "clinic.session", session_id, write=write)
    if not write:
        audit.record(user, AuditAction.VIEW, session, request=request)
    return session


def visible_assignments(user: Any) -> QuerySet[Assignment]:
    """Homework of clients the user may see; families see their own children's homework."""
    return Assignment.objects.filter(client__in=visible_clients(user).values("pk"))


def get_assignment_for(
    user: Any, assignment_id: int, *, request: HttpRequest | None = None, write: bool = False
) -> Assignment:
    """An assignment the user may see (write=True: change, staff only); else 404, audited."""
    clients = writable_clients(user) if write else visible_clients(user)
    # A correlated EXISTS on the one row's client, not `client__in` the whole scope: SQLite
    # materialized every client the user may see first (350 ms per call at a tenth of a
    # county; bench/, issue 10), PostgreSQL plans both the same.
    try:
        assignment = (
            Assignment.objects.filter(pk=assignment_id)
            .filter(Exists(clients.filter(pk=OuterRef("client_id"))))
            .select_related("client", "session", "template_version__template")
            .get()  # one row by its key: no ORDER BY to build (`first` orders by pk)
        )
    except Assignment.DoesNotExist:
        raise _deny(user, request, "homework.assignment", assignment_id, write=write) from None
    if write:
        _remember_writable(user, assignment.client_id)
    else:
        audit.record(user, AuditAction.VIEW, assignment, request=request)
    return assignment


def can_use_library(user: Any) -> bool:
    """The library holds no client data: every staff role may browse it."""
    return is_staff_member(user)


def can_edit_library(user: Any) -> bool:
    return Role.ADMIN in roles_of(user)


def supervised_clinicians(user: Any) -> QuerySet[User]:
    """Clinicians of the programs the user supervises."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__program_id__in=program_ids_for(user, Role.SUPERVISOR),
            memberships__role=Role.CLINICIAN,
        )
        .distinct()
        .order_by("last_name", "first_name", "id")
    )


def get_supervised_clinician_for(
    user: Any, clinician_id: int, *, request: HttpRequest | None = None
) -> User:
    clinician = supervised_clinicians(user).filter(pk=clinician_id).first()
    if clinician is None:
        raise _deny(user, request, "accounts.user", clinician_id)
    return clinician


# --- Indicator dashboards ----------------------------------------------------------------------


def can_see_dashboards(user: Any) -> bool:
    """Every staff role sees aggregates of its programs (small cells suppressed without record
    access); families never do."""
    return is_staff_member(user)


def clinician_dashboard_programs(user: Any, clinician_id: int) -> set[int]:
    """Programs in which `user` may see one clinician's own indicators: the clinician
    themselves, their supervisors, and analysts granted record access to the program."""
    clinician_programs = set(
        Membership.objects.filter(user_id=clinician_id, role=Role.CLINICIAN).values_list(
            "program_id", flat=True
        )
    )
    if getattr(user, "pk", None) == clinician_id:
        return clinician_programs
    return clinician_programs & record_program_ids(user)


def get_clinician_dashboard_for(
    user: Any, clinician_id: int, *, request: HttpRequest | None = None
) -> tuple[User, set[int]]:
    """The clinician and the programs whose numbers `user` may see for them; else 404."""
    program_ids = (
        clinician_dashboard_programs(user, clinician_id) if is_staff_member(user) else set()
    )
    clinician = User.objects.filter(pk=clinician_id, is_active=True).first()
    if clinician is None or not program_ids:
        raise _deny(user, request, "accounts.user", clinician_id)
    return clinician, program_ids


# --- Medical Records Review ------------------------------------------------------------------


def review_program_ids(user: Any) -> set[int]:
    """Programs whose review cycles the user runs (analysts and administrators)."""
    return set(program_ids_for(user, Role.ANALYST, Role.ADMIN).values_list("program_id", flat=True))


def visible_cycles(user: Any) -> QuerySet[Any]:
    """Cycles the user runs (every program of the cycle is theirs) or reviews in."""
    from between.audits.models import ReviewCycle

    if not is_staff_member(user):
        return ReviewCycle.objects.none()
    runs = ReviewCycle.objects.exclude(
        programs__in=Program.objects.exclude(pk__in=review_program_ids(user))
    )
    return ReviewCycle.objects.filter(Q(pk__in=runs.values("pk")) | Q(reviewers=user)).distinct()


def can_run_cycle(user: Any, cycle: Any) -> bool:
    return set(cycle.programs.values_list("pk", flat=True)) <= review_program_ids(user)


def get_cycle_for(user: Any, cycle_id: int, *, request: HttpRequest | None = None) -> Any:
    cycle = visible_cycles(user).filter(pk=cycle_id).first()
    if cycle is None:
        raise _deny(user, request, "audits.reviewcycle", cycle_id)
    return cycle


def visible_pips(user: Any) -> QuerySet[Any]:
    """PIPs every one of whose programs the user runs as an analyst or administrator."""
    from between.improvement.models import Pip

    if not is_staff_member(user):
        return Pip.objects.none()
    return (
        Pip.objects.exclude(programs__in=Program.objects.exclude(pk__in=review_program_ids(user)))
        .filter(programs__isnull=False)
        .distinct()
    )


def get_pip_for(user: Any, pip_id: int, *, request: HttpRequest | None = None) -> Any:
    pip = visible_pips(user).filter(pk=pip_id).first()
    if pip is None:
        raise _deny(user, request, "improvement.pip", pip_id)
    return pip


def get_pip_period_for(user: Any, period_id: int, *, request: HttpRequest | None = None) -> Any:
    from between.improvement.models import PipPeriod

    period = (
        PipPeriod.objects.filter(pk=period_id, pip__in=visible_pips(user))
        .select_related("pip")
        .first()
    )
    if period is None:
        raise _deny(user, request, "improvement.pipperiod", period_id)
    return period


def training_program_ids(user: Any) -> set[int]:
    """Programs whose training events the user runs (trainers and administrators)."""
    return set(program_ids_for(user, Role.TRAINER, Role.ADMIN).values_list("program_id", flat=True))


def visible_events(user: Any) -> QuerySet[Any]:
    from between.training.models import TrainingEvent

    if not is_staff_member(user):
        return TrainingEvent.objects.none()
    return TrainingEvent.objects.filter(program_id__in=training_program_ids(user))


def get_event_for(user: Any, event_id: int, *, request: HttpRequest | None = None) -> Any:
    event = visible_events(user).select_related("course", "program").filter(pk=event_id).first()
    if event is None:
        raise _deny(user, request, "training.trainingevent", event_id)
    return event


def trainable_staff(program_id: int) -> QuerySet[User]:
    """Clinicians and supervisors of a program: who may attend its trainings."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__program_id=program_id,
            memberships__role__in=(Role.CLINICIAN, Role.SUPERVISOR),
        )
        .distinct()
        .order_by("last_name", "first_name", "id")
    )


def get_attendance_for(user: Any, attendance_id: int, *, request: HttpRequest | None = None) -> Any:
    """An attendance of an event the user runs, or the user's own."""
    from between.training.models import Attendance

    found = (
        Attendance.objects.filter(pk=attendance_id)
        .filter(Q(event__in=visible_events(user)) | Q(clinician_id=getattr(user, "pk", 0) or 0))
        .select_related("event__course", "clinician")
        .first()
    )
    if found is None or not is_staff_member(user):
        raise _deny(user, request, "training.attendance", attendance_id)
    return found


def get_corrective_action_for(
    user: Any, action_id: int, *, request: HttpRequest | None = None
) -> Any:
    """A corrective action of a cycle the user can see, or one they own."""
    from between.audits.models import CorrectiveAction

    action = (
        CorrectiveAction.objects.filter(pk=action_id)
        .filter(Q(cycle__in=visible_cycles(user)) | Q(owner_id=getattr(user, "pk", 0) or 0))
        .first()
    )
    if action is None or not is_staff_member(user):
        raise _deny(user, request, "audits.correctiveaction", action_id)
    return action


def get_record_review_for(user: Any, review_id: int, *, request: HttpRequest | None = None) -> Any:
    """A record assigned to this reviewer; opening it is a view of the client's record."""
    from between.audits.models import RecordReview

    review = (
        RecordReview.objects.filter(pk=review_id, reviewer_id=getattr(user, "pk", 0) or 0)
        .select_related("sampled__session__client", "sampled__cycle__tool_version")
        .first()
    )
    if review is None or not is_staff_member(user):
        raise _deny(user, request, "audits.recordreview", review_id)
    audit.record(
        user,
        AuditAction.VIEW,
        review.sampled.session,
        request=request,
        client_id=review.sampled.session.client_id,
    )
    return review


# --- Family portal ---------------------------------------------------------------------------


def family_clients(user: Any) -> QuerySet[Client]:
    """The children a family account is linked to (as a caregiver, or the youth's own account).

    Only the family part of `visible_clients`: a person who is also on staff sees their own
    family's homework here, never their caseload."""
    if not is_family(user):
        return Client.objects.none()
    return Client.objects.filter(
        pk__in=Client.objects.filter(Q(caregivers__user=user) | Q(portal_user=user)).values("pk")
    )


def family_assignments(user: Any) -> QuerySet[Assignment]:
    """Open homework of the family's own children: what the portal shows (never notes)."""
    return Assignment.objects.filter(
        client__in=family_clients(user).values("pk"), closed_at__isnull=True
    )


def get_family_assignment_for(
    user: Any, assignment_id: int, *, request: HttpRequest | None = None
) -> Assignment:
    """One open assignment of the family's own children; else 404, audited either way."""
    assignment = (
        family_assignments(user)
        .filter(pk=assignment_id)
        .select_related("client", "session", "template_version")
        .first()
    )
    if assignment is None:
        raise _deny(user, request, "homework.assignment", assignment_id)
    audit.record(user, AuditAction.VIEW, assignment, request=request)
    return assignment


def get_family_log_for(
    user: Any, log_id: int, *, request: HttpRequest | None = None
) -> PracticeLog:
    """A practice log this family member made, on open homework of their own children."""
    log = (
        PracticeLog.objects.filter(
            pk=log_id,
            logged_by_id=getattr(user, "pk", 0) or 0,
            assignment__in=family_assignments(user).values("pk"),
        )
        .select_related("assignment")
        .first()
    )
    if log is None:
        raise _deny(user, request, "homework.practicelog", log_id, write=True)
    return log


def get_invitation_for(
    user: Any, invitation_id: int, *, request: HttpRequest | None = None
) -> Invitation:
    """A portal invitation of a client whose record the user may change; else 404, audited."""
    invitation = (
        Invitation.objects.filter(pk=invitation_id, client__in=writable_clients(user).values("pk"))
        .select_related("client", "caregiver")
        .first()
    )
    if invitation is None:
        raise _deny(user, request, "portal.invitation", invitation_id, write=True)
    return invitation


def unread_alerts(user: Any) -> QuerySet[Alert]:
    """The user's own unread alerts about clients they may still see (or about no client)."""
    return (
        Alert.objects.filter(recipient_id=getattr(user, "pk", 0) or 0, read_at__isnull=True)
        .filter(Q(client__isnull=True) | Q(client__in=staff_visible_clients(user).values("pk")))
        .select_related("client")
    )


def get_alert_for(user: Any, alert_id: int, *, request: HttpRequest | None = None) -> Alert:
    alert = unread_alerts(user).filter(pk=alert_id).first()
    if alert is None:
        raise _deny(user, request, "notify.alert", alert_id, write=True)
    return alert
