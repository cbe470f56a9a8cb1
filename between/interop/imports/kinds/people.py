"""Programs, staff, clients and caregivers from the EHR, upserted by the EHR's ids.

The rules are clinic/actions.py's (create_program, register_client, add_caregiver) and
accounts/actions.py's (create_user, grant_role), checked row by row so that a file is reported
whole before anything is written.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from between.accounts import actions as account_actions
from between.accounts.models import STAFF_ROLES, AuditAction, Membership, Role, User
from between.clinic.models import (
    Caregiver,
    Client,
    ClientCaregiver,
    DiagnosisGroup,
    Episode,
    Language,
    Program,
    ProgramKind,
    Relationship,
)
from between.interop.imports.kinds.base import (
    Context,
    Counts,
    Directory,
    Field,
    Kind,
    Row,
    RowError,
    changed_detail,
    choice_field,
    client_index,
    differences,
)
from between.interop.imports.models import StaffLink


def _email(value: str, name: str = "email") -> None:
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise RowError(_("%(field)s is not an email address") % {"field": name}) from None


class ProgramsKind(Kind):
    name = "programs"
    fields = (
        Field("program_code", required=True, max_length=32),
        Field("name", required=True, max_length=200),
        choice_field("kind", ProgramKind.choices, "outpatient"),
        Field("is_active", type="bool", default=True),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.directory = Directory(ctx)

    def check(self, rows: list[Row]) -> list[tuple[int, str]]:
        def one(row: Row) -> None:
            code = row.values["program_code"]
            pk = self.directory.programs.get(code)
            if pk is None and self.ctx.program_ids is not None:
                raise RowError(
                    _("new program %(code)s: only a superuser or the command line adds programs")
                    % {"code": code}
                )
            if pk is not None:
                self.directory.require_scope(pk)

        return self.check_rows(rows, one)

    def key(self, row: Row) -> tuple[Any, ...]:
        return (row.values["program_code"],)

    def upsert(self, rows: list[Row], *, write: bool) -> Counts:
        ctx, counts = self.ctx, Counts()
        stored = {
            p["code"]: p
            for p in Program.objects.filter(
                organization=ctx.organization, code__in=[r.values["program_code"] for r in rows]
            ).values("pk", "code", "name", "kind", "is_active")
        }
        new: list[Program] = []
        changed: list[tuple[Program, list[str]]] = []
        for row in rows:
            code = row.values["program_code"]
            wanted = {k: row.values[k] for k in ("name", "kind", "is_active")}
            found = stored.get(code)
            if found is None:
                new.append(Program(organization=ctx.organization, code=code, **wanted))
                counts.created += 1
            elif diff := differences(found, wanted):
                changed.append((Program(pk=found["pk"], code=code, **wanted), diff))
                counts.updated += 1
            else:
                counts.unchanged += 1
        if write:
            Program.objects.bulk_create(new)
            for program in new:
                ctx.record(AuditAction.CREATE, "clinic.program", program.pk, program_id=program.pk)
            Program.objects.bulk_update([p for p, _ in changed], ["name", "kind", "is_active"])
            for program, diff in changed:
                ctx.record(
                    AuditAction.UPDATE,
                    "clinic.program",
                    program.pk,
                    program_id=program.pk,
                    detail=changed_detail(diff),
                )
        return counts


class StaffKind(Kind):
    """One row per role of a staff member in a program; the staff id is kept (StaffLink) so that
    session files can name the clinician by it."""

    name = "staff"
    fields = (
        Field("staff_id", required=True),
        Field("username", required=True, max_length=150),
        Field("given_name", max_length=150),
        Field("family_name", max_length=150),
        Field("email", max_length=254),
        Field("program_code", required=True, max_length=32),
        choice_field("role", [(r.value, r.label) for r in Role if r in STAFF_ROLES], ""),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.directory = Directory(ctx)
        links = StaffLink.objects.filter(organization=ctx.organization)
        self.links: dict[str, int] = dict(links.values_list("ehr_id", "user_id"))
        self.link_of_user: dict[int, str] = {u: e for e, u in self.links.items()}
        self.usernames_seen: dict[str, tuple[str, int]] = {}

    def check(self, rows: list[Row]) -> list[tuple[int, str]]:
        users = dict(
            User.objects.filter(username__in=[r.values["username"] for r in rows]).values_list(
                "username", "pk"
            )
        )
        usernames = {pk: name for name, pk in users.items()}

        def one(row: Row) -> None:
            values = row.values
            staff_id, username = values["staff_id"], values["username"]
            if not values["role"]:
                raise RowError(_("missing required field %(field)s") % {"field": "role"})
            try:
                UnicodeUsernameValidator()(username)
            except ValidationError:
                raise RowError(_("username is not a valid sign-in name")) from None
            _email(values["email"])
            row.resolved["program_id"] = self.directory.program(values["program_code"])
            if values["role"] == Role.ADMIN and self.ctx.program_ids is not None:
                raise RowError(_("only a superuser or the command line grants the admin role"))
            linked = self.links.get(staff_id)
            if linked is not None and usernames.get(linked, username) != username:
                raise RowError(_("staff id %(id)s belongs to another user") % {"id": staff_id})
            pk = users.get(username)
            if pk is not None and self.link_of_user.get(pk, staff_id) != staff_id:
                raise RowError(
                    _("username of staff id %(id)s has another staff id") % {"id": staff_id}
                )
            first = self.usernames_seen.setdefault(staff_id, (username, row.line))
            if first[0] != username:
                raise RowError(
                    _("staff id %(id)s has another username on line %(line)s")
                    % {"id": staff_id, "line": first[1]}
                )

        return self.check_rows(rows, one)

    def key(self, row: Row) -> tuple[Any, ...]:
        return (row.values["staff_id"], row.resolved["program_id"], row.values["role"])

    def upsert(self, rows: list[Row], *, write: bool) -> Counts:
        # Staff are few (a county has about 1,200): the account actions run row by row.
        ctx, counts = self.ctx, Counts()
        users = {
            u.username: u
            for u in User.objects.filter(username__in=[r.values["username"] for r in rows])
        }
        held = set(
            Membership.objects.filter(user__in=users.values()).values_list(
                "user_id", "program_id", "role"
            )
        )
        new_usernames: set[str] = set()
        for row in rows:
            values, program_id = row.values, row.resolved["program_id"]
            user = users.get(values["username"])
            wanted = {
                "first_name": values["given_name"],
                "last_name": values["family_name"],
                "email": values["email"],
            }
            is_new_user = user is None and values["username"] not in new_usernames
            diff = differences(user.__dict__, wanted) if user is not None else []
            has_role = user is not None and (user.pk, program_id, values["role"]) in held
            if is_new_user or not has_role:
                counts.created += 1
            elif diff or (user is not None and user.pk not in self.link_of_user):
                counts.updated += 1
            else:
                counts.unchanged += 1
            new_usernames.add(values["username"])
            if not write:
                continue
            if user is None:
                user = account_actions.create_user(ctx.actor, username=values["username"], **wanted)
                users[user.username] = user
            elif diff:
                User.objects.filter(pk=user.pk).update(**wanted)
                for name, value in wanted.items():
                    setattr(user, name, value)
                ctx.record(
                    AuditAction.UPDATE, "accounts.user", user.pk, detail=changed_detail(diff)
                )
            if user.pk not in self.link_of_user:
                link = StaffLink.objects.create(
                    organization=ctx.organization, ehr_id=values["staff_id"], user=user
                )
                self.links[link.ehr_id] = user.pk
                self.link_of_user[user.pk] = link.ehr_id
                ctx.record(AuditAction.CREATE, "interop_imports.stafflink", link.pk)
            if not has_role:
                program = Program.objects.get(pk=program_id)
                account_actions.grant_role(ctx.actor, user, program, values["role"])
                held.add((user.pk, program_id, values["role"]))
        return counts


class ClientsKind(Kind):
    name = "clients"
    fields = (
        Field("client_id", required=True),
        Field("given_name", required=True, max_length=100),
        Field("family_name", required=True, max_length=100),
        Field("birth_date", required=True, type="date"),
        Field("program_code", required=True, max_length=32),
        choice_field("preferred_language", Language.choices, "en"),
        choice_field("diagnosis_group", DiagnosisGroup.choices, "other"),
        Field("primary_clinician", max_length=150),
        Field("opened_on", type="date", default=None),
    )
    compared = (
        "program_id",
        "given_name",
        "family_name",
        "birth_date",
        "preferred_language",
        "diagnosis_group",
        "primary_clinician_id",
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.directory = Directory(ctx)
        self.clients = client_index(ctx)

    def check(self, rows: list[Row]) -> list[tuple[int, str]]:
        def one(row: Row) -> None:
            values = row.values
            program_id = self.directory.program(values["program_code"])
            if values["birth_date"] > self.ctx.today:
                raise RowError(_("birth_date is in the future"))
            found = self.clients.get(values["client_id"])
            if found is not None and not self.ctx.in_scope(found[1]):
                raise RowError(
                    _("client %(id)s is in a program you do not administer")
                    % {"id": values["client_id"]}
                )
            clinician = None
            if values["primary_clinician"]:
                clinician = self.directory.clinician(
                    values["primary_clinician"], program_id, "primary_clinician"
                )
            row.resolved = {
                "program_id": program_id,
                "given_name": values["given_name"],
                "family_name": values["family_name"],
                "birth_date": values["birth_date"],
                "preferred_language": values["preferred_language"],
                "diagnosis_group": values["diagnosis_group"],
                "primary_clinician_id": clinician,
            }

        return self.check_rows(rows, one)

    def key(self, row: Row) -> tuple[Any, ...]:
        return (row.values["client_id"],)

    def upsert(self, rows: list[Row], *, write: bool) -> Counts:
        ctx, counts = self.ctx, Counts()
        stored = {
            c["ehr_id"]: c
            for c in Client.objects.filter(
                organization=ctx.organization, ehr_id__in=[r.values["client_id"] for r in rows]
            ).values("pk", "ehr_id", *self.compared)
        }
        new: list[tuple[Client, Row]] = []
        changed: list[tuple[Client, list[str]]] = []
        for row in rows:
            ehr_id = row.values["client_id"]
            found = stored.get(ehr_id)
            client = Client(
                organization_id=ctx.organization.pk,
                ehr_id=ehr_id,
                pk=found["pk"] if found else None,
                **row.resolved,
            )
            if found is None:
                new.append((client, row))
                counts.created += 1
            elif diff := differences(found, row.resolved):
                changed.append((client, diff))
                counts.updated += 1
            else:
                counts.unchanged += 1
        if write:
            Client.objects.bulk_create([c for c, _ in new])
            Episode.objects.bulk_create(
                Episode(
                    client=client,
                    program_id=client.program_id,
                    opened_on=row.values["opened_on"] or ctx.today,
                )
                for client, row in new
            )
            for client, _row in new:
                ctx.record(AuditAction.CREATE, "clinic.client", client.pk, client_id=client.pk)
            fields = [f.removesuffix("_id") if f.endswith("_id") else f for f in self.compared]
            Client.objects.bulk_update([c for c, _ in changed], fields)
            for client, diff in changed:
                ctx.record(
                    AuditAction.UPDATE,
                    "clinic.client",
                    client.pk,
                    client_id=client.pk,
                    program_id=client.program_id,
                    detail=changed_detail(diff),
                )
        return counts


class CaregiversKind(Kind):
    """One row per caregiver and child: a caregiver of siblings is on several rows, which must
    agree on the caregiver's own details."""

    name = "caregivers"
    fields = (
        Field("caregiver_id", required=True),
        Field("client_id", required=True),
        Field("given_name", required=True, max_length=100),
        Field("family_name", required=True, max_length=100),
        choice_field("relationship", Relationship.choices, "other"),
        choice_field("language", Language.choices, "en"),
        Field("phone", max_length=32),
        Field("email", max_length=254),
        Field("is_primary", type="bool", default=False),
    )
    details = ("given_name", "family_name", "language", "phone", "email")

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.clients = client_index(ctx)
        self.directory = Directory(ctx)
        self.first_seen: dict[str, tuple[int, int]] = {}

    def check(self, rows: list[Row]) -> list[tuple[int, str]]:
        def one(row: Row) -> None:
            values = row.values
            found = self.clients.get(values["client_id"])
            if found is None:
                raise RowError(_("unknown client %(id)s") % {"id": values["client_id"]})
            self.directory.require_scope(found[1])
            _email(values["email"])
            signature = hash(tuple(values[k] for k in self.details))
            first = self.first_seen.setdefault(values["caregiver_id"], (signature, row.line))
            if first[0] != signature:
                raise RowError(
                    _("caregiver %(id)s has other details on line %(line)s")
                    % {"id": values["caregiver_id"], "line": first[1]}
                )
            row.resolved = {"client_id": found[0]}

        return self.check_rows(rows, one)

    def key(self, row: Row) -> tuple[Any, ...]:
        return (row.values["caregiver_id"], row.values["client_id"])

    def upsert(self, rows: list[Row], *, write: bool) -> Counts:
        ctx, counts = self.ctx, Counts()
        stored = {
            c["ehr_id"]: c
            for c in Caregiver.objects.filter(
                organization=ctx.organization,
                ehr_id__in={r.values["caregiver_id"] for r in rows},
            ).values("pk", "ehr_id", *self.details)
        }
        links = {
            (link["caregiver_id"], link["client_id"]): link
            for link in ClientCaregiver.objects.filter(
                caregiver_id__in=[c["pk"] for c in stored.values()]
            ).values("pk", "caregiver_id", "client_id", "relationship", "is_primary")
        }
        made: dict[str, Caregiver] = {}
        changed: dict[str, tuple[Caregiver, list[str], int]] = {}
        new_links: list[tuple[str, int, dict[str, Any]]] = []
        changed_links: list[tuple[ClientCaregiver, int, int]] = []
        for row in rows:
            values, client_id = row.values, row.resolved["client_id"]
            ehr_id = values["caregiver_id"]
            wanted = {k: values[k] for k in self.details}
            link_wanted = {k: values[k] for k in ("relationship", "is_primary")}
            found = stored.get(ehr_id)
            is_created = is_updated = False
            if found is None:
                if ehr_id not in made:
                    made[ehr_id] = Caregiver(organization=ctx.organization, ehr_id=ehr_id, **wanted)
                    is_created = True
                new_links.append((ehr_id, client_id, link_wanted))
                is_created = True
            else:
                diff = differences(found, wanted)
                if diff and ehr_id not in changed:
                    caregiver = Caregiver(pk=found["pk"], **wanted)
                    changed[ehr_id] = (caregiver, diff, client_id)
                    is_updated = True
                link = links.get((found["pk"], client_id))
                if link is None:
                    new_links.append((ehr_id, client_id, link_wanted))
                    is_created = True
                elif differences(link, link_wanted):
                    changed_links.append(
                        (ClientCaregiver(pk=link["pk"], **link_wanted), found["pk"], client_id)
                    )
                    is_updated = True
            if is_created:
                counts.created += 1
            elif is_updated:
                counts.updated += 1
            else:
                counts.unchanged += 1
        if write:
            Caregiver.objects.bulk_create(made.values())
            pks = {ehr: c["pk"] for ehr, c in stored.items()} | {
                ehr: c.pk for ehr, c in made.items()
            }
            ClientCaregiver.objects.bulk_create(
                ClientCaregiver(caregiver_id=pks[ehr], client_id=client_id, **wanted)
                for ehr, client_id, wanted in new_links
            )
            first_client = {ehr: client_id for ehr, client_id, _ in reversed(new_links)}
            for ehr, caregiver in made.items():
                ctx.record(
                    AuditAction.CREATE,
                    "clinic.caregiver",
                    caregiver.pk,
                    client_id=first_client.get(ehr),
                )
            for ehr, client_id, _ in new_links:
                if ehr not in made:
                    ctx.record(
                        AuditAction.UPDATE,
                        "clinic.caregiver",
                        pks[ehr],
                        client_id=client_id,
                        detail="import:link",
                    )
            Caregiver.objects.bulk_update([c for c, _, _ in changed.values()], list(self.details))
            for caregiver, diff, client_id in changed.values():
                ctx.record(
                    AuditAction.UPDATE,
                    "clinic.caregiver",
                    caregiver.pk,
                    client_id=client_id,
                    detail=changed_detail(diff),
                )
            ClientCaregiver.objects.bulk_update(
                [link for link, _, _ in changed_links], ["relationship", "is_primary"]
            )
            for _link, caregiver_pk, client_id in changed_links:
                ctx.record(
                    AuditAction.UPDATE,
                    "clinic.caregiver",
                    caregiver_pk,
                    client_id=client_id,
                    detail="import:relationship",
                )
        return counts
