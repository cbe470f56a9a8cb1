"""The app behind gunicorn on loopback, for the benchmarks that go through HTTP.

`gunicorn_server` starts gunicorn on a free 127.0.0.1 port against the benchmark database
(the environment's DATABASE_URL), waits until it answers, and stops it with SIGTERM (gunicorn's
graceful stop) when the block ends. `time_get` times GET requests over one keep-alive
connection (gthread workers keep connections open, so one connection stays with one worker
and its chart cache). `wrk_post` runs wrk, a bounded load tool (fixed connections and
duration), with a generated Lua script that posts a different JSON body and key each time.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.measure import time_it

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    workers: int
    threads: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(host: str, port: int) -> bool:
    try:
        connection = http.client.HTTPConnection(host, port, timeout=2)
        connection.request("GET", "/")
        connection.getresponse().read()
        connection.close()
        return True
    except OSError:
        return False


@contextmanager
def gunicorn_server(
    *,
    workers: int,
    threads: int,
    log: Path,
    database_url: str,
    timeout: float = 60.0,
    app: str = "between.wsgi:application",
) -> Iterator[Server]:
    """gunicorn serving between.wsgi on a free loopback port; stopped cleanly afterwards."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "between.settings",
        "BETWEEN_ALLOWED_HOSTS": "127.0.0.1",
        "BETWEEN_DEBUG": "false",
        "BETWEEN_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    }
    command = [
        sys.executable, "-m", "gunicorn", app,
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--keep-alive", "30",
        "--backlog", "512",
        "--graceful-timeout", "10",
        "--log-level", "warning",
        # Import the app once, then fork: the workers start in a second, not one by one.
        "--preload",
    ]  # fmt: skip
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + timeout
        while not _answers("127.0.0.1", port):
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}: see {log}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer in {timeout:.0f} s: see {log}")
            time.sleep(0.2)
        yield Server("127.0.0.1", port, workers, threads, log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def time_get(
    server: Server,
    path: str,
    params: dict[str, str],
    cookies: dict[str, str],
    *,
    runs: int,
    warmups: int,
) -> dict[str, Any]:
    """Median and p95 of GET `path` over one keep-alive connection, after `warmups`."""
    from urllib.parse import urlencode

    target = f"{path}?{urlencode(params)}"
    headers = {
        "Host": server.host,
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "Accept": "text/html",
    }
    connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
    sizes: list[int] = []

    def get() -> None:
        connection.request("GET", target, headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path} through gunicorn answered {response.status}")
        sizes.append(len(body))

    try:
        started = time.perf_counter()
        get()  # draws the chart in this worker (cached after it)
        first_ms = (time.perf_counter() - started) * 1000
        timing = time_it(get, runs=runs, warmups=warmups)
    finally:
        connection.close()
    return {**timing, "first_request_ms": round(first_ms, 3), "bytes": sizes[-1]}


# --- wrk -----------------------------------------------------------------------------------

LUA = r"""
-- Generated by bench/server.py: posts practice logs, a new idempotency key each time.
local bodies = %(bodies)s
local tokens = %(tokens)s
local counter = 0
thread_id = 0  -- a global: thread:set() in setup() writes the thread's globals
local next_id = 1

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
end

function init(args)
  counter = thread_id * 7919
end

function request()
  counter = counter + 1
  local i = (counter %% #bodies) + 1
  local key = string.format("%(run)s-%%d-%%d", thread_id, counter)
  local body = string.format(bodies[i], key)
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "Bearer " .. tokens[i]
  return wrk.format("POST", "%(path)s", headers, body)
end

function done(summary, latency, requests)
  local out = {
    requests = summary.requests,
    duration_us = summary.duration,
    bytes = summary.bytes,
    errors_connect = summary.errors.connect,
    errors_read = summary.errors.read,
    errors_write = summary.errors.write,
    errors_status = summary.errors.status,
    errors_timeout = summary.errors.timeout,
    p50_us = latency:percentile(50),
    p90_us = latency:percentile(90),
    p95_us = latency:percentile(95),
    p99_us = latency:percentile(99),
    max_us = latency.max,
    mean_us = latency.mean,
  }
  local parts = {}
  for k, v in pairs(out) do
    table.insert(parts, string.format('"%%s": %%s', k, tostring(v)))
  end
  io.write("WRK_JSON {" .. table.concat(parts, ", ") .. "}\n")
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal here


def wrk_available() -> str | None:
    return shutil.which("wrk")


def wrk_post(
    server: Server,
    path: str,
    bodies: Sequence[str],
    tokens: Sequence[str],
    *,
    connections: int,
    threads: int,
    seconds: int,
    run_id: str,
) -> dict[str, Any]:
    """POST `bodies[i]` (with `%s` where the idempotency key goes) as `tokens[i]`, round
    robin, from `connections` connections for `seconds`; wrk's figures as plain data."""
    wrk = wrk_available()
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    script = LUA % {
        "bodies": "{" + ", ".join(_lua_string(b) for b in bodies) + "}",
        "tokens": "{" + ", ".join(_lua_string(t) for t in tokens) + "}",
        "path": path,
        "run": run_id,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
        script_path = handle.name
    try:
        completed = subprocess.run(  # noqa: S603 (wrk from PATH, fixed arguments)
            [
                wrk, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
                "--timeout", "10s", "-s", script_path, server.base,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )  # fmt: skip
    finally:
        Path(script_path).unlink(missing_ok=True)
    line = next((x for x in completed.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if completed.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    raw = json.loads(line.removeprefix("WRK_JSON "))
    seconds_run = raw["duration_us"] / 1e6
    errors = sum(int(raw[k]) for k in raw if k.startswith("errors_"))
    return {
        "tool": "wrk",
        "connections": connections,
        "threads": threads,
        "seconds": round(seconds_run, 2),
        "requests": int(raw["requests"]),
        "per_second": round(raw["requests"] / seconds_run, 1) if seconds_run else None,
        "errors": errors,
        "errors_by_kind": {
            k.removeprefix("errors_"): int(v) for k, v in raw.items() if k.startswith("errors_")
        },
        "median_ms": round(raw["p50_us"] / 1000, 3),
        "p90_ms": round(raw["p90_us"] / 1000, 3),
        "p95_ms": round(raw["p95_us"] / 1000, 3),
        "p99_ms": round(raw["p99_us"] / 1000, 3),
        "max_ms": round(raw["max_us"] / 1000, 3),
        "mean_ms": round(raw["mean_us"] / 1000, 3),
    }
