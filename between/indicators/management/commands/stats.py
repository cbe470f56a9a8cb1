"""`between stats`: SPC charts, agreement and before/after comparisons from the command line.

between stats pchart --input weekly.csv --chart laney --phase-start 2024-07 --format json
between stats kappa --input double_reviewed.csv
between stats compare --baseline 12/90 --remeasure 41/88

The statistics live in `between.stats` (no Django there); this command parses and prints.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from between.stats.report import (
    POSITIONS_HELP,
    InputError,
    compare_from_fractions,
    kappa_from_csv,
    pchart_from_csv,
    render_compare,
    render_kappa,
    render_pchart,
    to_json,
)
from between.stats.rules import RULE_SETS
from between.stats.spc import CHART_TYPES

PCHART_EPILOG = (
    "JSON: {chart, rules, rules_description, points: [{period, numerator, denominator, "
    "proportion, center_line, lower_limit, upper_limit, outside_limits, signals, excluded, "
    "phase}], runs: {longest_run, longest_run_limit, crossings, crossings_minimum, signal, ...}, "
    "phases: [...]}. `runs` is the runs analysis of the last phase; a longer run than "
    "longest_run_limit or fewer crossings than crossings_minimum is a signal (null when the "
    "rule set has no such limit). Signal codes: outside_limits, long_run, few_crossings "
    "(anhoej); shift, trend, too_few_runs, too_many_runs (ihi); shift, trend, "
    "two_of_three_beyond_2_sigma (nhs)."
)


class Command(BaseCommand):
    help = (
        "Statistics for quality improvement: p, Laney p′ and run charts with runs rules "
        "(pchart), Cohen's kappa for two raters (kappa), and a remeasurement against a "
        "baseline proportion (compare)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="COMMAND")

        pchart = commands.add_parser(
            "pchart",
            help="Chart a proportion over time from a CSV of period,numerator,denominator.",
            description="Chart a proportion over time: p chart (varying subgroup sizes), "
            "Laney p′ chart, or run chart, with phases, a frozen baseline, excluded points "
            "and a choice of runs rules.",
            epilog=PCHART_EPILOG,
        )
        pchart.add_argument(
            "--input",
            required=True,
            help="CSV with a header row and the columns period,numerator,denominator "
            "(other columns are ignored), one row per period in time order.",
        )
        pchart.add_argument(
            "--chart", choices=CHART_TYPES, default="p", help="Chart type (default p)."
        )
        pchart.add_argument(
            "--exclude",
            action="append",
            metavar="POINTS",
            help="Comma-separated points to leave out of the centre line, limits and runs "
            "analysis (they are still plotted and checked against the limits). " + POSITIONS_HELP,
        )
        pchart.add_argument(
            "--phase-start",
            action="append",
            metavar="POINTS",
            help="Start a new phase at these points (comma-separated or repeated), e.g. at an "
            "intervention; each phase gets its own centre line, limits and runs analysis. "
            + POSITIONS_HELP,
        )
        pchart.add_argument(
            "--baseline",
            type=int,
            metavar="K",
            help="Freeze the limits computed from the first K points and extend them "
            "unchanged to the later points of the first phase.",
        )
        pchart.add_argument(
            "--rules",
            choices=RULE_SETS,
            default="anhoej",
            help="Runs rules: anhoej (Anhøj & Olesen 2014, default), ihi (Perla, Provost & "
            "Murray 2011) or nhs (NHS Making Data Count).",
        )
        _add_format(pchart)

        kappa = commands.add_parser(
            "kappa",
            help="Cohen's kappa for two raters from a CSV of rater_a,rater_b.",
            description="Cohen's kappa for two raters over any categorical labels "
            "(e.g. yes/no/na). JSON: {n, observed_agreement, expected_agreement, kappa, "
            "categories, table}; kappa is null when both raters used one single category.",
        )
        kappa.add_argument(
            "--input",
            required=True,
            help="CSV with a header row and the columns rater_a,rater_b, one row per item.",
        )
        _add_format(kappa)

        compare = commands.add_parser(
            "compare",
            help="Compare a remeasurement proportion with a baseline proportion.",
            description="Wilson 95% intervals, difference (remeasure − baseline), pooled z "
            "test, Pearson chi-square without continuity correction, Fisher's exact test, "
            "relative risk (remeasure/baseline) and the sample odds ratio "
            "[x2/(n2 − x2)]/[x1/(n1 − x1)] (not the conditional MLE). Undefined ratios "
            "(zero cells) are null, with a note.",
        )
        compare.add_argument("--baseline", required=True, metavar="X/N", help="e.g. 12/90")
        compare.add_argument("--remeasure", required=True, metavar="X/N", help="e.g. 41/88")
        _add_format(compare)

    def handle(self, *args: Any, **options: Any) -> None:
        as_json = options["format"] == "json"
        try:
            if options["subcommand"] == "pchart":
                data = pchart_from_csv(
                    options["input"],
                    chart=options["chart"],
                    rules=options["rules"],
                    exclude=options["exclude"] or (),
                    phase_starts=options["phase_start"] or (),
                    baseline=options["baseline"],
                )
                text = to_json(data) if as_json else render_pchart(data)
            elif options["subcommand"] == "kappa":
                data = kappa_from_csv(options["input"])
                text = to_json(data) if as_json else render_kappa(data)
            else:
                data = compare_from_fractions(options["baseline"], options["remeasure"])
                text = to_json(data) if as_json else render_compare(data)
        except InputError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(text.rstrip("\n"))


def _add_format(parser: CommandParser) -> None:
    parser.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="table (readable, default) or json.",
    )
