"""Privilege changes are audit events naming who made them: roles granted or revoked (by action
or in the admin site), a user's flags, groups or permissions changed, two-step sign-in reset."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import admin
from django.test import Client as HttpClient
from django.test import RequestFactory

from between.accounts.admin import UserAdmin
from between.accounts.models import AuditAction, AuditEvent, Membership, User
from tests.conftest import PASSWORD, County


def privilege_events() -> list[tuple[int | None, str, str]]:
    return list(
        AuditEvent.objects.filter(action=AuditAction.PRIVILEGE_CHANGE)
        .order_by("id")
        .values_list("actor_id", "object_id", "detail")
    )


def test_it_audits_roles_granted_and_revoked_in_the_admin_site(county: County) -> None:
    root = User.objects.create_superuser("root-admin", password=PASSWORD)
    site = HttpClient()
    site.force_login(root)
    before = len(privilege_events())
    response = site.post(
        "/admin/accounts/membership/add/",
        {
            "user": county.trainer.pk,
            "program": county.bayside.pk,
            "role": "supervisor",
            "created_at_0": "2026-11-01",
            "created_at_1": "09:00:00",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=county.trainer, program=county.bayside)
    response = site.post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    events = privilege_events()[before:]
    assert events == [
        (root.pk, str(county.trainer.pk), "grant:supervisor"),
        (root.pk, str(county.trainer.pk), "revoke:supervisor"),
    ]


def test_it_audits_a_change_of_a_users_flags_or_permissions(county: County) -> None:
    root = User.objects.create_superuser("root-admin", password=PASSWORD)
    request = RequestFactory().post("/admin/accounts/user/1/change/")
    request.user = root
    model_admin = UserAdmin(User, admin.site)
    form = SimpleNamespace(
        instance=county.clinician,
        changed_data=["first_name", "is_superuser", "user_permissions"],
        save_m2m=lambda: None,
    )
    model_admin.save_related(request, form, [], True)
    assert privilege_events()[-1] == (
        root.pk,
        str(county.clinician.pk),
        "user:is_superuser,user_permissions",
    )
    # A change of name alone is not a privilege change.
    before = len(privilege_events())
    form.changed_data = ["first_name"]
    model_admin.save_related(request, form, [], True)
    assert len(privilege_events()) == before
