"""`between stats`: SPC charts, agreement and before/after comparisons from the command line.

between stats pchart --input weekly.csv --chart laney --phase-start 2024-07 --format json
between stats kappa --input double_reviewed.csv
between stats compare --baseline 12/90 --remeasure 41/88
between stats prevalence --apparent 412/1000 --sensitivity 45/50 --specificity 140/150

The statistics live in `between.stats` (no Django there); this command parses and prints.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from between.stats.prevalence import DEFAULT_DRAWS, DEFAULT_SEED, INTERVAL_METHODS
from between.stats.report import (
    POSITIONS_HELP,
    InputError,
    compare_from_fractions,
    kappa_from_csv,
    pchart_from_csv,
    prevalence_from_arguments,
    render_compare,
    render_kappa,
    render_pchart,
    render_prevalence,
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

PREVALENCE_EPILOG = (
    "JSON: {apparent, sensitivity, specificity, corrected, clipped, corrected_unclipped, "
    "youden_j, ci_low, ci_high, method, confidence, standard_error, n, n_positive, "
    "n_negative, draws, seed, formula, notes}. ci_low, ci_high and method are null when no "
    "count is given. standard_error is the delta-method standard error, or the standard "
    "deviation of the bootstrap estimates. A count left out treats its proportion as known "
    "exactly (the interval then leaves out that proportion's sampling error)."
)


class Command(BaseCommand):
    help = (
        "Statistics for quality improvement: p, Laney p′ and run charts with runs rules "
        "(pchart), Cohen's kappa for two raters (kappa), and a remeasurement against a "
        "baseline proportion (compare), and a prevalence corrected for a detector's "
        "sensitivity and specificity (prevalence)."
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

        prevalence = commands.add_parser(
            "prevalence",
            help="Correct a detector's apparent prevalence for its sensitivity and specificity.",
            description="Rogan–Gladen corrected prevalence (apparent + Sp − 1)/(Se + Sp − 1), "
            "clipped to [0, 1], with a 95% interval from the delta method (Greiner & Gardner "
            "2000; Reiczigel et al. 2010) or a parametric bootstrap when the counts are "
            "known. Give each proportion as a decimal (0.412) or as X/N (412/1000); X/N also "
            "gives its count. Fails when Se + Sp ≤ 1 (the detector is no better than chance).",
            epilog=PREVALENCE_EPILOG,
        )
        prevalence.add_argument(
            "--apparent",
            required=True,
            metavar="P",
            help="Share of notes the detector flags, e.g. 0.412 or 412/1000.",
        )
        prevalence.add_argument(
            "--sensitivity",
            required=True,
            metavar="SE",
            help="Flagged among reviewed notes that document homework, e.g. 0.9 or 45/50.",
        )
        prevalence.add_argument(
            "--specificity",
            required=True,
            metavar="SP",
            help="Not flagged among reviewed notes without homework, e.g. 0.95 or 140/150.",
        )
        prevalence.add_argument(
            "--n", type=int, metavar="N", help="Number of notes behind --apparent."
        )
        prevalence.add_argument(
            "--n-positive",
            type=int,
            metavar="N1",
            help="Reviewed notes that document homework (behind --sensitivity).",
        )
        prevalence.add_argument(
            "--n-negative",
            type=int,
            metavar="N0",
            help="Reviewed notes without homework (behind --specificity).",
        )
        prevalence.add_argument(
            "--interval",
            choices=INTERVAL_METHODS,
            default="delta",
            help=f"delta (default) or bootstrap ({DEFAULT_DRAWS} parametric draws, "
            "percentile interval).",
        )
        prevalence.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"Random seed for --interval bootstrap (default {DEFAULT_SEED}).",
        )
        _add_format(prevalence)

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
            elif options["subcommand"] == "prevalence":
                data = prevalence_from_arguments(
                    options["apparent"],
                    options["sensitivity"],
                    options["specificity"],
                    n=options["n"],
                    n_positive=options["n_positive"],
                    n_negative=options["n_negative"],
                    interval=options["interval"],
                    seed=options["seed"],
                )
                text = to_json(data) if as_json else render_prevalence(data)
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
