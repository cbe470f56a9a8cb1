"""A very small HTTP client for the reliability tests: one new connection per request (so that
simultaneous requests are simultaneous at the server), cookies kept per browser, no redirects
followed. Standard library only."""

from __future__ import annotations

import http.client
import json
import re
import threading
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


@dataclass
class Browser:
    """One person's browser (or script): its cookies, and the CSRF token of the last page."""

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, Any] | None = None,
        payload: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> Response:
        sent = {"Host": f"{self.host}:{self.port}", **(headers or {})}
        body: bytes | None = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif payload is not None:
            body = json.dumps(payload).encode()
            sent["Content-Type"] = "application/json"
        with self._lock:
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            text = answer.read().decode("utf-8", "replace")
            cookies = answer.headers.get_all("Set-Cookie") or []
            received = {k.lower(): v for k, v in answer.getheaders()}
        finally:
            connection.close()
        with self._lock:
            for line in cookies:
                jar: SimpleCookie = SimpleCookie()
                jar.load(line)
                for name, morsel in jar.items():
                    self.cookies[name] = morsel.value
        token = CSRF_INPUT.search(text)
        if token is not None:
            self.csrf = token.group(1)
        return Response(answer.status, received, text)

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict[str, Any], **kwargs: Any) -> Response:
        """A form post carrying the CSRF token of the last page this browser loaded."""
        return self.request("POST", path, form={"csrfmiddlewaretoken": self.csrf, **form}, **kwargs)
