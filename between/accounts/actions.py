"""Changes to accounts and memberships. A membership change is a privilege change: audited."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from between.accounts import audit
from between.accounts.models import AuditAction, Membership, Role, User
from between.clinic.models import Program


@transaction.atomic
def create_user(
    actor: User | None,
    *,
    username: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    password: str | None = None,
    preferred_language: str = "en",
    is_admin_site_user: bool = False,
    check_password: bool = True,
) -> User:
    """Create a sign-in. Without a password the account cannot sign in until one is set."""
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        preferred_language=preferred_language,
        is_staff=is_admin_site_user,
        is_superuser=is_admin_site_user,
    )
    user.full_clean(exclude=["password"])
    if password:
        if check_password:
            validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit.record(actor, AuditAction.CREATE, user)
    return user


@transaction.atomic
def grant_role(
    actor: User | None,
    user: User,
    program: Program,
    role: str,
    *,
    has_record_access: bool = False,
) -> Membership:
    """Give a user a role in a program (idempotent: granting twice changes nothing)."""
    role = Role(role)
    membership, created = Membership.objects.get_or_create(
        user=user, program=program, role=role, defaults={"has_record_access": has_record_access}
    )
    if not created and membership.has_record_access != has_record_access:
        membership.has_record_access = has_record_access
        membership.save(update_fields=["has_record_access"])
        created = True
    if created:
        audit.record(
            actor, AuditAction.PRIVILEGE_CHANGE, user, program_id=program.pk, detail=f"grant:{role}"
        )
    user.__dict__.pop("_between_roles", None)
    return membership


@transaction.atomic
def revoke_role(actor: User | None, user: User, program: Program, role: str) -> bool:
    deleted, _ = Membership.objects.filter(user=user, program=program, role=role).delete()
    if deleted:
        audit.record(
            actor,
            AuditAction.PRIVILEGE_CHANGE,
            user,
            program_id=program.pk,
            detail=f"revoke:{role}",
        )
    user.__dict__.pop("_between_roles", None)
    return bool(deleted)
