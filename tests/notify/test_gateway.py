"""The SMS gateway backend against a local HTTP server on 127.0.0.1 (ephemeral port): success,
5xx and timeouts retried, 4xx permanent. Production refuses `gateway` without its settings."""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from between.notify.backends import GatewaySMSBackend, PermanentError, RetryableError
from between.notify.models import Message
from tests.test_settings import production, refusal, start


class Gateway(BaseHTTPRequestHandler):
    """Answers by path: /ok (201 with a sid), /busy (503), /bad (400), /slow (sleeps)."""

    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(
            {"path": self.path, "headers": dict(self.headers), "body": body.decode()}
        )
        if self.path == "/slow":
            time.sleep(1.0)
        status = {"/ok": 201, "/busy": 503, "/bad": 400}.get(self.path, 200)
        answer = json.dumps({"sid": "SM0042"}).encode() if status == 201 else b"{}"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[str]:
    Gateway.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def backend(url: str, **changes: Any) -> GatewaySMSBackend:
    options: dict[str, Any] = {
        "url": url,
        "user": "AC-test",
        "token": "not-a-real-token",
        "sender": "+16195550000",
        "body_format": "form",
        "timeout": 3,
        **changes,
    }
    return GatewaySMSBackend(**options)


def message() -> Message:
    return Message(pk=7, to_address="+16195550100", body="Hola ¿qué tal?")


def test_it_posts_the_message_with_basic_auth(gateway: str) -> None:
    assert backend(f"{gateway}/ok").send(message()) == "SM0042"
    [request] = Gateway.received
    fields = urllib.parse.parse_qs(request["body"])
    assert fields == {"To": ["+16195550100"], "From": ["+16195550000"], "Body": ["Hola ¿qué tal?"]}
    expected = base64.b64encode(b"AC-test:not-a-real-token").decode()
    assert request["headers"]["Authorization"] == f"Basic {expected}"


def test_it_can_post_json(gateway: str) -> None:
    assert backend(f"{gateway}/ok", body_format="json").send(message()) == "SM0042"
    assert json.loads(Gateway.received[0]["body"])["to"] == "+16195550100"


def test_it_retries_when_the_gateway_is_down(gateway: str) -> None:
    with pytest.raises(RetryableError) as error:
        backend(f"{gateway}/busy").send(message())
    assert error.value.code == "http_503"


def test_it_retries_when_the_gateway_is_slow(gateway: str) -> None:
    with pytest.raises(RetryableError) as error:
        backend(f"{gateway}/slow", timeout=0.2).send(message())
    assert error.value.code == "timeout"


def test_it_gives_up_when_the_gateway_refuses(gateway: str) -> None:
    with pytest.raises(PermanentError) as error:
        backend(f"{gateway}/bad").send(message())
    assert error.value.code == "http_400"


def test_it_refuses_the_gateway_in_production_without_its_url(tmp_path: Path) -> None:
    env = production(
        tmp_path,
        BETWEEN_SMS_BACKEND="gateway",
        BETWEEN_SMS_GATEWAY_TOKEN="x",
        BETWEEN_SMS_WEBHOOK_SECRET="y",
    )
    assert "BETWEEN_SMS_GATEWAY_URL" in refusal(start(env))
