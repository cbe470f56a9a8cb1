"""Settings come from the environment; production mode refuses to start when unsafe.

Each start is a fresh interpreter, since settings are read once at import.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from between.environment import env_bool, env_int, env_secret

ROOT = Path(__file__).resolve().parent.parent
SETUP = "import django; django.setup()"


def strong_secret() -> str:
    return secrets.token_urlsafe(60)[:60]


def clean_environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    """The test runner's environment without any setting of ours, plus `variables`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("BETWEEN_", "DJANGO_")) and name != "DATABASE_URL"
    }
    env["DJANGO_SETTINGS_MODULE"] = "between.settings"
    env["BETWEEN_VAR_DIR"] = str(tmp_path / "var")
    env.update(variables)
    return env


def production(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    """A complete production environment, with some variables changed or (None) removed."""
    variables: dict[str, str | None] = {
        "BETWEEN_MODE": "production",
        "BETWEEN_SECRET_KEY": strong_secret(),
        "BETWEEN_ALLOWED_HOSTS": "between.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        **overrides,
    }
    return clean_environment(
        tmp_path, **{name: value for name, value in variables.items() if value is not None}
    )


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run(env, "-c", SETUP)


def refusal(result: subprocess.CompletedProcess[str]) -> str:
    """The last line of the traceback: the exception and its message."""
    assert result.returncode != 0, result.stdout
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured:"), result.stderr
    return last_line


# --- production mode ---------------------------------------------------------------------------


def test_it_starts_in_production_with_a_complete_configuration(tmp_path: Path) -> None:
    result = start(production(tmp_path))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", ["BETWEEN_SECRET_KEY", "BETWEEN_ALLOWED_HOSTS", "DATABASE_URL"])
def test_it_refuses_production_without_a_required_variable(tmp_path: Path, missing: str) -> None:
    message = refusal(start(production(tmp_path, **{missing: None})))
    assert missing in message


def test_it_refuses_production_with_debug_on(tmp_path: Path) -> None:
    message = refusal(start(production(tmp_path, BETWEEN_DEBUG="true")))
    assert "BETWEEN_DEBUG" in message


@pytest.mark.parametrize("secret", ["too-short-secret", "a" * 60])
def test_it_refuses_production_with_a_weak_secret(tmp_path: Path, secret: str) -> None:
    message = refusal(start(production(tmp_path, BETWEEN_SECRET_KEY=secret)))
    assert "BETWEEN_SECRET_KEY" in message


def test_it_reads_the_production_secret_from_a_file(tmp_path: Path) -> None:
    secret = strong_secret()
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(secret + "\n")
    env = production(tmp_path, BETWEEN_SECRET_KEY=None, BETWEEN_SECRET_KEY_FILE=str(secret_file))
    check = f"{SETUP}; from django.conf import settings; assert settings.SECRET_KEY == {secret!r}"
    result = run(env, "-c", check)
    assert result.returncode == 0, result.stderr


def test_it_refuses_a_mode_it_does_not_know(tmp_path: Path) -> None:
    message = refusal(start(clean_environment(tmp_path, BETWEEN_MODE="prod")))
    assert "BETWEEN_MODE" in message


def test_it_refuses_an_idle_limit_that_is_not_a_number(tmp_path: Path) -> None:
    message = refusal(start(clean_environment(tmp_path, BETWEEN_STAFF_IDLE_MINUTES="abc")))
    assert "BETWEEN_STAFF_IDLE_MINUTES" in message
    assert "'abc'" in message


def test_it_passes_the_deploy_checks_in_production(tmp_path: Path) -> None:
    result = run(
        production(tmp_path),
        "-m",
        "between.cli",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output


# --- the helpers -------------------------------------------------------------------------------


def test_it_reads_a_secret_from_the_named_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_file = tmp_path / "token"
    secret_file.write_text("  from-the-file\n")
    monkeypatch.setenv("BETWEEN_TEST_TOKEN", "from-the-variable")
    monkeypatch.setenv("BETWEEN_TEST_TOKEN_FILE", str(secret_file))
    assert env_secret("BETWEEN_TEST_TOKEN") == "from-the-file"


def test_it_reads_a_secret_from_the_variable_without_a_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BETWEEN_TEST_TOKEN", "from-the-variable")
    monkeypatch.delenv("BETWEEN_TEST_TOKEN_FILE", raising=False)
    assert env_secret("BETWEEN_TEST_TOKEN") == "from-the-variable"
    assert env_secret("BETWEEN_TEST_ABSENT", "fallback") == "fallback"


def test_it_names_a_secret_file_that_cannot_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BETWEEN_TEST_TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="BETWEEN_TEST_TOKEN_FILE"):
        env_secret("BETWEEN_TEST_TOKEN")


def test_it_reads_booleans_and_refuses_anything_else(monkeypatch: pytest.MonkeyPatch) -> None:
    for raw, expected in [("true", True), ("Yes", True), ("0", False), ("off", False)]:
        monkeypatch.setenv("BETWEEN_TEST_FLAG", raw)
        assert env_bool("BETWEEN_TEST_FLAG") is expected
    monkeypatch.setenv("BETWEEN_TEST_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="BETWEEN_TEST_FLAG"):
        env_bool("BETWEEN_TEST_FLAG")


def test_it_refuses_a_number_below_its_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BETWEEN_TEST_COUNT", "0")
    with pytest.raises(ImproperlyConfigured, match="BETWEEN_TEST_COUNT must be at least 1"):
        env_int("BETWEEN_TEST_COUNT", 5, minimum=1)
    monkeypatch.setenv("BETWEEN_TEST_COUNT", "")
    assert env_int("BETWEEN_TEST_COUNT", 5, minimum=1) == 5


def test_it_refuses_production_without_two_step_sign_in(tmp_path: Path) -> None:
    message = refusal(start(production(tmp_path, BETWEEN_MFA_REQUIRED="false")))
    assert "BETWEEN_MFA_REQUIRED" in message
