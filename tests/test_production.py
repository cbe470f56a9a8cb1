"""The same code runs in production: gunicorn, production settings, collected static files."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BETWEEN_", "DJANGO_"))}
    env.update(
        BETWEEN_MODE="production",
        BETWEEN_SECRET_KEY=secrets.token_urlsafe(60),
        BETWEEN_ALLOWED_HOSTS="127.0.0.1",
        BETWEEN_VAR_DIR=str(tmp_path),
        BETWEEN_PROXY_COUNT="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    )
    return env


def between(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "between.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_it_serves_the_sign_in_page_from_gunicorn_in_production_mode(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    assert between(env, "migrate", "--noinput", "-v0").returncode == 0
    collected = between(env, "collectstatic", "--noinput", "-v0")
    assert collected.returncode == 0, collected.stderr
    assert "css/between.css" in (tmp_path / "static" / "staticfiles.json").read_text()

    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "between.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/accounts/sign-in/",
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"},
        )
        response = None
        for _ in range(50):
            try:
                response = urllib.request.urlopen(request, timeout=5)  # noqa: S310 (loopback only)
                break
            except OSError:
                time.sleep(0.2)
        assert response is not None, "gunicorn did not answer"
        body = response.read().decode()
        assert response.status == 200
        assert "Strict-Transport-Security" in response.headers
        assert "object-src 'none'" in response.headers["Content-Security-Policy"]
        # The page links the hashed, collected stylesheet, which whitenoise serves.
        css = body.split('href="/static/css/')[1].split('"')[0]
        assert css.startswith("between.") and css != "between.css"
        static = urllib.request.Request(
            f"http://127.0.0.1:{port}/static/css/{css}", headers={"X-Forwarded-Proto": "https"}
        )
        assert urllib.request.urlopen(static, timeout=5).status == 200  # noqa: S310
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_it_answers_a_missing_page_with_its_own_translated_page(
    client: object, settings: object
) -> None:
    settings.DEBUG = False  # type: ignore[attr-defined]
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="es")  # type: ignore[attr-defined]
    assert response.status_code == 404
    assert "Página no encontrada" in response.content.decode()
