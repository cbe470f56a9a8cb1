"""`between synth`: create a synthetic county (reproducible by seed), optionally with demo sign-ins.

between synth --demo
between synth --programs 100 --clinicians 1200 --clients 25000 --months 12 --seed 7 --slug big
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_slug
from django.utils import timezone

from between.audits.actions import scan_notes
from between.clinic.models import Organization
from between.indicators.actions import add_intervention, refresh_summary
from between.indicators.models import Intervention
from between.outcomes.synth import plant_outcomes
from between.synth.demo import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DemoAccountsRefused,
    demo_accounts_of,
)
from between.synth.generator import CountyExists, CountyParams, CountySummary, generate_county

DEMO_PRESET = {"programs": 4, "clinicians": 40, "clients": 600, "months": 12, "seed": 2026}
# PSC-35 points per unit of homework exposure planted in the demo county's outcomes.
DEMO_OUTCOME_EFFECT = -6.0
DEFAULT_MONTHS, DEFAULT_SEED = 12, 2026
SITE_URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = (
        "Create a synthetic county: programs, staff, clients, caregivers, episodes, sessions, "
        "progress notes and homework (assignments, practice logs, reviews, no-homework reasons), "
        "the same for the same seed and end date. Does nothing when the organization exists "
        "already."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--programs", type=int, help="Number of programs (clinics).")
        parser.add_argument(
            "--clinicians",
            type=int,
            help="Number of clinicians, spread over the programs (at least one per program); "
            "each program also gets a supervisor.",
        )
        parser.add_argument(
            "--clients", type=int, help="Number of children in care (10-25 per clinician)."
        )
        parser.add_argument(
            "--months",
            type=int,
            help=f"Months of history up to the end date (default {DEFAULT_MONTHS}).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            help=f"Random seed: the same seed and end date give the same data "
            f"(default {DEFAULT_SEED}).",
        )
        parser.add_argument(
            "--end-date",
            help="Last day of the history, YYYY-MM-DD (default today in the county's zone); "
            "scheduled sessions fall in the 14 days after it.",
        )
        parser.add_argument(
            "--slug",
            default="demo-county",
            help="Slug of the organization to create (default demo-county).",
        )
        parser.add_argument(
            "--name",
            help="Name of the organization (default 'Demo County (synthetic)', or made from "
            "the slug).",
        )
        parser.add_argument(
            "--demo-accounts",
            action="store_true",
            help="Also create one demo sign-in per role, with a shared published password "
            "(refused when BETWEEN_MODE=production).",
        )
        parser.add_argument(
            "--demo",
            action="store_true",
            help="Preset for a demo: 4 programs, 40 clinicians, 600 clients, 12 months, seed "
            "2026 and demo accounts (options given explicitly still apply).",
        )
        parser.add_argument(
            "--outcome-effect",
            type=float,
            help="Also give each child a PSC-35 at intake and at follow-up, planting this change "
            "in the total per unit of homework exposure (share of sessions with homework; "
            "negative = fewer symptoms). --demo plants "
            f"{DEMO_OUTCOME_EFFECT} unless given; 0 plants no effect.",
        )
        parser.add_argument(
            "--quiet", action="store_true", help="No progress bar (it shows only on a terminal)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with_demo_accounts = bool(options["demo"] or options["demo_accounts"])
        if with_demo_accounts and settings.PRODUCTION:
            raise CommandError(
                "Demo accounts share a published password: --demo and --demo-accounts are "
                "refused when BETWEEN_MODE=production."
            )
        params = self._params(options, with_demo_accounts)
        verbosity = int(options["verbosity"])

        existing = Organization.objects.filter(slug=params.slug).first()
        if existing is not None:
            self._say_exists(existing, verbosity)
            return

        show_bar = not options["quiet"] and verbosity > 0 and sys.stderr.isatty()
        try:
            summary = self._generate(params, show_bar)
        except CountyExists:  # created by someone else in the meantime
            self._say_exists(Organization.objects.get(slug=params.slug), verbosity)
            return
        except DemoAccountsRefused as error:
            raise CommandError(str(error)) from error
        if with_demo_accounts and summary.pip_start is not None:
            self._demo_interventions(summary.pip_start)
        # The dashboards read the indicator summary, the records review the note detector's
        # answers: fill both for the new county.
        refresh_summary(today=summary.end_date)
        scan_notes()
        effect = options.get("outcome_effect")
        if effect is None and options["demo"]:
            effect = DEMO_OUTCOME_EFFECT
        if effect is not None:
            planted = plant_outcomes(
                Organization.objects.get(pk=summary.organization_id),
                effect=effect,
                seed=summary.seed,
            )
            if verbosity > 0:
                self.stdout.write(
                    f"Outcomes: {planted.administrations} PSC-35 forms for {planted.clients} "
                    f"children, planted change {effect:+g} points per unit of homework exposure."
                )
        if verbosity > 0:
            self._report(summary)

    @staticmethod
    def _demo_interventions(pip_start: date) -> None:
        """The synthetic PIP's changes, so the demo charts show their phases."""
        add_intervention(
            None,
            label="Homework training",
            kind=Intervention.Kind.TRAINING,
            started_on=pip_start,
        )
        add_intervention(
            None,
            label="Supervisor prompts",
            kind=Intervention.Kind.SUPERVISION,
            started_on=pip_start + timedelta(days=61),
        )

    def _params(self, options: dict[str, Any], with_demo_accounts: bool) -> CountyParams:
        sizes = {name: options[name] for name in DEMO_PRESET}
        if options["demo"]:
            sizes = {
                name: DEMO_PRESET[name] if value is None else value for name, value in sizes.items()
            }
        missing = [
            f"--{name}" for name in ("programs", "clinicians", "clients") if sizes[name] is None
        ]
        if missing:
            raise CommandError(f"Give {', '.join(missing)} (or use --demo for the demo preset).")
        slug = options["slug"]
        try:
            validate_slug(slug)
        except ValidationError as error:
            raise CommandError(
                f"--slug {slug!r} is not a slug: use letters, digits, - and _."
            ) from error
        params = CountyParams(
            programs=sizes["programs"],
            clinicians=sizes["clinicians"],
            clients=sizes["clients"],
            months=DEFAULT_MONTHS if sizes["months"] is None else sizes["months"],
            seed=DEFAULT_SEED if sizes["seed"] is None else sizes["seed"],
            end_date=self._end_date(options["end_date"]),
            slug=slug,
            name=options["name"] or self._default_name(slug),
            with_demo_accounts=with_demo_accounts,
        )
        problems = params.problems()
        if problems:
            message = "; ".join(problems)
            raise CommandError(f"{message[:1].upper()}{message[1:]}.")
        return params

    @staticmethod
    def _end_date(raw: str | None) -> date | None:
        if raw is None:
            return None
        try:
            day = date.fromisoformat(raw)
        except ValueError as error:
            raise CommandError(f"--end-date {raw!r} is not a date like 2026-03-31.") from error
        if day > timezone.localdate():
            raise CommandError(f"--end-date {raw} is in the future: sessions would be, too.")
        return day

    @staticmethod
    def _default_name(slug: str) -> str:
        if slug == "demo-county":
            return "Demo County (synthetic)"
        return f"{slug.replace('-', ' ').replace('_', ' ').title()} (synthetic)"

    def _generate(self, params: CountyParams, show_bar: bool) -> CountySummary:
        if not show_bar:
            return generate_county(params)
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("clients", total=params.clients)
            return generate_county(
                params, progress=lambda done, _total: bar.update(task, completed=done)
            )

    def _say_exists(self, organization: Organization, verbosity: int) -> None:
        if verbosity == 0:
            return
        self.stdout.write(
            f"The organization {organization.slug!r} ({organization.name}) exists already; "
            "nothing changed."
        )
        self._sign_ins(demo_accounts_of(organization))

    def _report(self, summary: CountySummary) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {summary.name} ({summary.slug}): seed {summary.seed}, history up to "
                f"{summary.end_date:%Y-%m-%d}, in {summary.elapsed_seconds:.1f} s."
            )
        )
        rows = [
            ("programs", summary.programs),
            ("clinicians", summary.clinicians),
            ("supervisors", summary.supervisors),
            ("clients", summary.clients),
            ("caregivers", summary.caregivers),
            ("episodes", summary.episodes),
            ("sessions", summary.sessions),
            ("  of which scheduled", summary.scheduled_sessions),
            ("progress notes", summary.notes),
            ("  of which in Spanish", summary.spanish_notes),
            ("homework assignments", summary.assignments),
            ("practice logs", summary.practice_logs),
            ("homework reviews", summary.reviews),
            ("no-homework reasons", summary.no_homework),
        ]
        for label, count in rows:
            self.stdout.write(f"  {label:<22}{count:>10,}")
        self.stdout.write(f"  {'elapsed seconds':<22}{summary.elapsed_seconds:>10.1f}")
        for warning in summary.warnings:
            self.stdout.write(self.style.WARNING(f"Warning: {warning}."))
        if summary.demo_accounts:
            self._sign_ins([row for row in DEMO_ACCOUNTS if row[0] in summary.demo_accounts])

    def _sign_ins(self, accounts: list[tuple[str, str]]) -> None:
        if not accounts:
            return
        self.stdout.write(f"\nDemo sign-ins at {SITE_URL} (synthetic data only):")
        width = max(len(username) for username, _ in accounts) + 2
        self.stdout.write(f"  {'username':<{width}}{'password':<{len(DEMO_PASSWORD) + 2}}sees")
        for username, shows in accounts:
            self.stdout.write(
                f"  {username:<{width}}{DEMO_PASSWORD:<{len(DEMO_PASSWORD) + 2}}{shows}"
            )
