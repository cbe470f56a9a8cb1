"""scripts/pip_audit.py judges pip-audit's JSON report: any known vulnerability fails, a package
that could not be looked up fails, and a run that reached no service says NOT AUDITED (failing
only where the audit is declared possible)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "pip_audit.py"


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pip_audit_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dep(
    name: str, vulns: list[dict[str, object]] | None = None, skip: str = ""
) -> dict[str, object]:
    item: dict[str, object] = {"name": name, "version": "1.0", "vulns": vulns or []}
    if skip:
        item["skip_reason"] = skip
    return item


VULN: dict[str, object] = {
    "id": "GHSA-aaaa-bbbb-cccc",
    "aliases": ["CVE-2026-0001"],
    "fix_versions": ["1.0.1"],
}


def test_it_passes_a_clean_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert load().judge({"dependencies": [dep("django"), dep("rich")]}) == 0
    assert "no known vulnerabilities in 2" in capsys.readouterr().out


def test_it_fails_on_a_known_vulnerability(capsys: pytest.CaptureFixture[str]) -> None:
    assert load().judge({"dependencies": [dep("django"), dep("leaky", [VULN])]}) == 1
    out = capsys.readouterr().out
    assert "VULNERABLE leaky 1.0: GHSA-aaaa-bbbb-cccc" in out and "fixed in: 1.0.1" in out


def test_it_fails_when_some_packages_could_not_be_looked_up() -> None:
    report = {"dependencies": [dep("django"), dep("ghost", skip="not found on PyPI")]}
    assert load().judge(report) == 1


def test_it_says_not_audited_when_no_service_answered(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    report = {"dependencies": [dep("django", skip="not found on PyPI")]}
    monkeypatch.delenv("BETWEEN_PIP_AUDIT_REQUIRED", raising=False)
    assert load().judge(report) == 0
    assert "NOT AUDITED" in capsys.readouterr().out
    monkeypatch.setenv("BETWEEN_PIP_AUDIT_REQUIRED", "true")
    assert load().judge(report) == 1
