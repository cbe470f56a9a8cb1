"""Fails when an installed dependency has a known vulnerability. Run by scripts/test (checks).

pip-audit's default service (PyPI's JSON API, which carries the OSV/PYSEC/GHSA advisories of
each release) gives no severity, so "fail on high severity" is implemented as its superset:
fail on *any* known vulnerability, with an explicit ignore list below for the ones we have read
and judged unreachable or unfixable. Each entry says why and when; review it at every release.

What is audited: the packages installed in .venv (the versions the tests ran with), except the
project itself (installed editable, not on PyPI).

A dependency the service could not look up is not a clean one. When *no* dependency could be
looked up (no network, or an index mirror without PyPI's per-release JSON API, as on the
development machine this project is built on), the audit did not happen: it says NOT AUDITED
loudly and fails only where the audit is declared possible (BETWEEN_PIP_AUDIT_REQUIRED=true, for
a CI with PyPI's full API). When only some could not be looked up, it fails everywhere (a
package missing from PyPI is worth a look).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PIP_AUDIT = ROOT / ".venv" / "bin" / "pip-audit"

# Vulnerability id (PYSEC-/GHSA-/CVE-) -> why it is acceptable for now, and since when.
# Empty: every known vulnerability fails the check. Add an entry only with a reason a reviewer
# can check, e.g. "GHSA-xxxx: affects the X backend, which we do not use; no fixed release (date)".
IGNORED: dict[str, str] = {}

EDITABLE = "distribution marked as editable"


def run_audit(report: Path) -> subprocess.CompletedProcess[str]:
    command = [
        str(PIP_AUDIT),
        "--skip-editable",
        "--progress-spinner",
        "off",
        "--desc",
        "off",
        "--format",
        "json",
        "--output",
        str(report),
        "--timeout",
        "30",
    ]
    for vuln_id in IGNORED:
        command += ["--ignore-vuln", vuln_id]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT)


def not_audited(reason: str) -> int:
    required = os.environ.get("BETWEEN_PIP_AUDIT_REQUIRED", "false") == "true"
    print(f"pip-audit could not reach a vulnerability service: {reason}")
    if required:
        print("BETWEEN_PIP_AUDIT_REQUIRED=true: the dependency audit must run.")
        return 1
    print(
        "NOT AUDITED: dependencies were not checked for known vulnerabilities (needs PyPI's "
        "per-release JSON API, https://pypi.org/pypi/<name>/<version>/json)."
    )
    return 0


def main() -> int:
    if not PIP_AUDIT.exists():
        print(f"{PIP_AUDIT} is missing: install the dev extras (pip install -e '.[dev]').")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "audit.json"
        done = run_audit(report_path)
        if not report_path.exists():
            return not_audited(done.stderr.strip().splitlines()[-1] if done.stderr else "no report")
        report = json.loads(report_path.read_text())
    return judge(report)


def judge(report: dict[str, Any]) -> int:
    """0 when no audited dependency has a known vulnerability, else 1 (see the module text)."""
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    unaudited = [d for d in deps if d.get("skip_reason") and d["skip_reason"] != EDITABLE]
    vulnerable = [d for d in audited if d.get("vulns")]

    if unaudited and not audited:
        return not_audited(f"none of {len(unaudited)} dependencies could be looked up")

    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed release"
            aliases = ", ".join(vuln.get("aliases") or [])
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} ({aliases})")
            print(f"    fixed in: {fixes}")
    for dep in unaudited:
        print(f"NOT AUDITED {dep['name']}: {dep['skip_reason']}")
    for vuln_id, why in IGNORED.items():
        print(f"ignored {vuln_id}: {why}")

    if vulnerable or unaudited:
        print(
            f"pip-audit: {sum(len(d['vulns']) for d in vulnerable)} known vulnerabilities in "
            f"{len(vulnerable)} packages, {len(unaudited)} packages not audited."
        )
        return 1
    print(f"pip-audit: no known vulnerabilities in {len(audited)} installed packages.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
