"""Privacy in logs: a pytest plugin that fails the run when a log record carries a person's name,
phone number or email address.

The rule (README, BETWEEN_LOG_LEVEL): application logs carry ids, never names, notes or contact
details. Logs leave the database's access control (they go to
files, aggregators and support tickets), so a name in a log is a disclosure.

How it works, in one process (no xdist here):

1. At session start a handler is attached to the root logger (and to any logger that does not
   propagate). The root logger is kept at INFO, the level production logs at (settings.LOGGING),
   and the project's own `between.*` loggers are opened to DEBUG, so a leak in a debug line is
   caught before someone turns debugging on in production. Every record is written, formatted
   *with its traceback* (exception messages and reprs carry values), as one JSON line to
   `<basetemp>/logscan/records.jsonl`, tagged with the test that was running.
2. While the tests run, every synthetic person the tests create is collected: clients' and
   caregivers' given and family names, caregivers' phones and emails, family accounts' phones and
   their users' names and emails (post_save, plus `bulk_create`, which sends no signal and is
   what the synthetic county generator uses).
3. At session finish the records are scanned for each value (case-insensitive, on word
   boundaries; phones in any common spelling) and the run fails when one is found, with a report
   naming the logger, the test and the value (the values are synthetic, so printing them is fine).

It works the same when only a subset of the tests runs. `--no-logscan` turns it off (for a quick
local loop); CI never passes it. Not covered: logs of subprocesses a test starts (their records
never reach this process), staff names (usernames are names and may be logged by sign-in
throttling), values changed with QuerySet.update(), and `django.*` debug records (production
never emits them).
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest

# Shorter tokens are skipped as single words: "Kai", "Ana", "Lee", "Eva" match inside ordinary
# text ("ana" is a Spanish word, "lee" a verb, "eva"luation is safe but "EVA" is an acronym) and a
# hit would say nothing. The *full* name ("Kai Lopez") is still scanned for, whatever its length.
MIN_NAME_LENGTH = 4
# Test fixtures give some people placeholder names that are ordinary words; a log line that says
# "client 12" or "test" is not a disclosure. Real synthetic names (synth/names.py) are not here.
GENERIC_WORDS = frozenset(
    {
        "test", "tester", "testing", "client", "caregiver", "parent", "mother", "father", "child",
        "kid", "youth", "family", "someone", "somebody", "else", "other", "person", "user",
        "staff", "name", "none", "null", "example", "sample", "unknown", "guardian", "first",
        "last", "new", "old",
    }
)  # fmt: skip
# A phone number needs this many digits to be told apart from ids, counts and timestamps.
MIN_PHONE_DIGITS = 7
RECORD_FORMAT = "%(levelname)s %(name)s %(message)s"


# --- Values and patterns (pure; unit-tested in tests/test_logscan.py) --------------------------


@dataclass(frozen=True)
class SyntheticValue:
    """One thing that must never appear in a log: `kind` is name, full name, phone or email."""

    kind: str
    text: str
    source: str  # e.g. "Client.family_name", for the report


@dataclass(frozen=True)
class Leak:
    value: SyntheticValue
    logger: str
    level: str
    test: str
    excerpt: str


def ascii_fold(text: str) -> str:
    """'Sofía' -> 'Sofia': logs, usernames and addresses often carry the unaccented spelling."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def skip_reason(kind: str, text: str) -> str | None:
    """Why a value is not scanned for (None: it is). Kept with the value so the report can say."""
    text = text.strip()
    if not text:
        return "empty"
    if kind == "name":
        if len(text) < MIN_NAME_LENGTH:
            return f"shorter than {MIN_NAME_LENGTH} characters (matches ordinary words)"
        if text.lower() in GENERIC_WORDS or ascii_fold(text).lower() in GENERIC_WORDS:
            return "a generic placeholder word, not a name"
    if kind == "phone" and len(re.sub(r"\D", "", text)) < MIN_PHONE_DIGITS:
        return f"fewer than {MIN_PHONE_DIGITS} digits"
    if kind == "email" and "@" not in text:
        return "not an address"
    return None


def _word_pattern(text: str) -> str:
    spellings = {text, ascii_fold(text)} - {""}
    # Inner whitespace of a full name matches any run of whitespace ("Kai  Lopez").
    alternatives = sorted(
        (r"\s+".join(re.escape(part) for part in s.split()) for s in spellings),
        key=len,
        reverse=True,
    )
    return r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)"


def _phone_pattern(text: str) -> str:
    """Any common spelling: +16195550100, +1 (619) 555-0100, 619.555.0100, 6195550100."""
    digits = re.sub(r"\D", "", text)
    sep = r"[\s().\-]{0,2}"
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 10:  # North American: with or without the country code
        return r"(?<!\d)(?:\+?1" + sep + r")?\(?" + sep.join(digits) + r"(?!\d)"
    return r"(?<!\d)\+?" + sep.join(digits) + r"(?!\d)"


def pattern_for(value: SyntheticValue) -> re.Pattern[str]:
    if value.kind == "phone":
        return re.compile(_phone_pattern(value.text))
    if value.kind == "email":
        return re.compile(r"(?<![\w.+-])" + re.escape(value.text) + r"(?![\w-])", re.IGNORECASE)
    return re.compile(_word_pattern(value.text), re.IGNORECASE)


def scannable(values: Iterable[SyntheticValue]) -> tuple[list[SyntheticValue], dict[str, int]]:
    """The values worth scanning for, and a count of the others by the reason they were skipped."""
    kept: dict[tuple[str, str], SyntheticValue] = {}
    skipped: dict[str, int] = {}
    for value in values:
        reason = skip_reason(value.kind, value.text)
        if reason:
            skipped[f"{value.kind}: {reason}"] = skipped.get(f"{value.kind}: {reason}", 0) + 1
            continue
        key = (value.kind, value.text.strip().casefold())
        if key in kept and value.source not in kept[key].source.split(", "):
            sources = sorted({*kept[key].source.split(", "), value.source})
            kept[key] = SyntheticValue(value.kind, kept[key].text, ", ".join(sources))
        else:
            kept.setdefault(key, value)
    return list(kept.values()), skipped


class Scanner:
    """Scans texts for many values at once: one combined regex finds the lines worth a closer
    look, then each value's own pattern says which value it was (thousands of records, a few
    hundred values)."""

    def __init__(self, values: Iterable[SyntheticValue]) -> None:
        self.values, self.skipped = scannable(values)
        self.patterns = [(value, pattern_for(value)) for value in self.values]
        combined = "|".join(f"(?:{p.pattern})" for _, p in self.patterns)
        self.any = re.compile(combined, re.IGNORECASE) if combined else None

    def find(self, text: str) -> list[SyntheticValue]:
        if self.any is None or not self.any.search(text):
            return []
        return [value for value, pattern in self.patterns if pattern.search(text)]


def scan_records(records: Iterable[dict[str, Any]], scanner: Scanner) -> list[Leak]:
    leaks = []
    for record in records:
        text = record.get("text", "")
        for value in scanner.find(text):
            match = pattern_for(value).search(text)
            start = max(0, match.start() - 60) if match else 0
            leaks.append(
                Leak(
                    value=value,
                    logger=record.get("logger", "?"),
                    level=record.get("level", "?"),
                    test=record.get("test", "?"),
                    excerpt=text[start : start + 160].replace("\n", " | "),
                )
            )
    return leaks


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def format_report(leaks: list[Leak], path: Path, *, limit: int = 40) -> list[str]:
    by_logger: dict[str, set[str]] = {}
    for leak in leaks:
        by_logger.setdefault(leak.logger, set()).add(leak.value.text)
    lines = [
        f"PRIVACY: {len(leaks)} log record(s) carry a synthetic person's name or contact "
        f"details ({len({leak.value for leak in leaks})} distinct value(s)); logs must carry "
        "ids only.",
        f"All records of this run: {path}",
        "The run fails for this even when every test passed (tests/logscan.py).",
    ]
    for logger, found in sorted(by_logger.items()):
        lines.append(f"  logger {logger}: {len(found)} value(s): {', '.join(sorted(found)[:10])}")
    lines.append("First records:")
    for leak in leaks[:limit]:
        lines.append(
            f"  [{leak.level} {leak.logger}] {leak.value.kind} {leak.value.text!r} "
            f"({leak.value.source}) in {leak.test}\n      ...{leak.excerpt}..."
        )
    return lines


# --- Collecting the synthetic people the tests create ----------------------------------------


@dataclass
class Collector:
    values: set[SyntheticValue] = field(default_factory=set)

    def add(self, kind: str, text: object, source: str) -> None:
        if isinstance(text, str) and text.strip():
            self.values.add(SyntheticValue(kind, text.strip(), source))

    def person(self, given: object, family: object, source: str) -> None:
        self.add("name", given, f"{source}.given_name")
        self.add("name", family, f"{source}.family_name")
        if isinstance(given, str) and isinstance(family, str) and given.strip() and family.strip():
            self.add("full name", f"{given.strip()} {family.strip()}", source)

    def user(self, instance: Any, attribute: str, source: str) -> None:
        # Only a user already loaded with the instance: a query here would change the counts
        # that assertNumQueries budgets check (actions assign the user object, so it is cached).
        user = instance._state.fields_cache.get(attribute)
        if user is None:
            return
        self.person(user.first_name, user.last_name, f"{source} user")
        self.add("email", user.email, f"{source} user.email")

    def collect(self, instance: Any) -> None:
        name = type(instance).__name__
        if name == "Client":
            self.person(instance.given_name, instance.family_name, "Client")
            self.user(instance, "portal_user", "Client portal")
        elif name == "Caregiver":
            self.person(instance.given_name, instance.family_name, "Caregiver")
            self.add("phone", instance.phone, "Caregiver.phone")
            self.add("email", instance.email, "Caregiver.email")
            self.user(instance, "user", "Caregiver family")
        elif name == "FamilyAccount":
            self.add("phone", instance.phone, "FamilyAccount.phone")
            self.user(instance, "user", "FamilyAccount")


# --- The plugin -----------------------------------------------------------------------------


class JsonLinesHandler(logging.Handler):
    """Writes each record, formatted with its traceback, as one JSON line."""

    def __init__(self, path: Path, current_test: Callable[[], str]) -> None:
        super().__init__(level=logging.NOTSET)
        self.path = path
        self.stream = path.open("a", encoding="utf-8")
        self.current_test = current_test
        self.setFormatter(logging.Formatter(RECORD_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = {
                "logger": record.name,
                "level": record.levelname,
                "test": self.current_test(),
                "text": self.format(record),
            }
            self.stream.write(json.dumps(line, ensure_ascii=False) + "\n")
            self.stream.flush()
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        self.stream.close()
        super().close()


class LogScan:
    WATCHED = ("clinic.Client", "clinic.Caregiver", "portal.FamilyAccount")

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.collector = Collector()
        self.test = "(collection)"
        self.handler: JsonLinesHandler | None = None
        self.path = Path()
        self.leaks: list[Leak] = []
        self.skipped: dict[str, int] = {}
        self.scanned = 0
        self.records = 0
        self._undo: list[Callable[[], object]] = []

    # Logging

    def _log_dir(self) -> Path:
        factory = getattr(self.config, "_tmp_path_factory", None)
        base = factory.getbasetemp() if factory else Path(tempfile.mkdtemp(prefix="logscan-"))
        directory = Path(base) / "logscan"
        directory.mkdir(parents=True, exist_ok=True)
        return directory

    def _attach(self) -> None:
        """Also re-run before each test: a test may reconfigure logging (dictConfig replaces
        the root's handlers) or create a logger that does not propagate."""
        assert self.handler is not None
        targets = [logging.getLogger()] + [
            logger
            for logger in logging.Logger.manager.loggerDict.values()
            if isinstance(logger, logging.Logger) and not logger.propagate
        ]
        for logger in targets:
            if self.handler not in logger.handlers:
                logger.addHandler(self.handler)
        root = logging.getLogger()
        if root.level > logging.INFO:
            root.setLevel(logging.INFO)
        project = logging.getLogger("between")
        if project.getEffectiveLevel() > logging.DEBUG:
            project.setLevel(logging.DEBUG)

    def start(self) -> None:
        self.path = self._log_dir() / "records.jsonl"
        self.path.unlink(missing_ok=True)
        self.handler = JsonLinesHandler(self.path, lambda: self.test)
        root, project = logging.getLogger(), logging.getLogger("between")
        self._undo.append(partial(root.setLevel, root.level))
        self._undo.append(partial(project.setLevel, project.level))
        self._attach()
        self._watch_models()

    def _watch_models(self) -> None:
        from django.apps import apps
        from django.db.models import QuerySet
        from django.db.models.signals import post_save

        if not apps.ready:  # run without pytest-django: no models, nothing to collect
            return
        models = tuple(apps.get_model(label) for label in self.WATCHED)

        def on_save(sender: Any, instance: Any, **kwargs: Any) -> None:
            self.collector.collect(instance)

        for model in models:
            post_save.connect(on_save, sender=model, weak=False, dispatch_uid=f"logscan-{model}")
            self._undo.append(
                partial(post_save.disconnect, sender=model, dispatch_uid=f"logscan-{model}")
            )

        # bulk_create sends no post_save; the synthetic county generator and the EHR import
        # create people with it.
        original = QuerySet.bulk_create
        collector = self.collector

        def bulk_create(qs: QuerySet[Any], objs: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
            objs = list(objs)
            if issubclass(qs.model, models):
                for obj in objs:
                    collector.collect(obj)
            return original(qs, objs, *args, **kwargs)

        QuerySet.bulk_create = bulk_create  # type: ignore[assignment,method-assign]
        self._undo.append(lambda: setattr(QuerySet, "bulk_create", original))

    def finish(self) -> None:
        for undo in reversed(self._undo):
            undo()
        if self.handler is not None:
            for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
                if isinstance(logger, logging.Logger) and self.handler in logger.handlers:
                    logger.removeHandler(self.handler)
            self.handler.close()
        scanner = Scanner(self.collector.values)
        self.skipped = scanner.skipped
        self.scanned = len(scanner.values)
        records = list(read_records(self.path))
        self.records = len(records)
        self.leaks = scan_records(records, scanner)

    # Hooks

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.start()

    def pytest_runtest_logstart(self, nodeid: str, location: object) -> None:
        self.test = nodeid
        if self.handler is not None:
            self._attach()

    def pytest_runtest_logfinish(self, nodeid: str, location: object) -> None:
        self.test = "(between tests)"

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        # trylast: after the runner has torn down session fixtures (the test database), whose
        # teardown may log too.
        self.test = "(session teardown)"
        self.finish()
        if self.leaks and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.leaks:
            terminalreporter.section("privacy in logs", sep="=", red=True, bold=True)
            for line in format_report(self.leaks, self.path):
                terminalreporter.write_line(line)
        else:
            skipped = "; ".join(f"{n} {why}" for why, n in sorted(self.skipped.items()))
            terminalreporter.write_line(
                f"logscan: {self.records} log records clean of {self.scanned} synthetic "
                f"names, phones and emails (not scanned: {skipped or 'none'}); {self.path}"
            )


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--no-logscan",
        action="store_true",
        help="do not scan the run's log records for synthetic names and contact details",
    )


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("no_logscan", False):
        config.pluginmanager.register(LogScan(config), "logscan")
