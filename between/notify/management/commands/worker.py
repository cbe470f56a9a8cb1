"""`between worker`: queue due reminders and send due messages, until SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection

from between.notify import actions


class Command(BaseCommand):
    help = (
        "Queue due practice reminders and send due messages (email, SMS, portal inbox), retrying "
        "failures with backoff. Runs until SIGTERM or Ctrl-C, finishing the message in hand; "
        "--once runs a single pass (for tests and cron). Several workers may run at once: each "
        "message is claimed by exactly one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run one pass and exit")
        parser.add_argument(
            "--interval",
            type=float,
            default=10.0,
            help="seconds to wait between passes when there is nothing more to send (default 10)",
        )
        parser.add_argument(
            "--id",
            dest="worker_id",
            default=f"{socket.gethostname()}-{os.getpid()}",
            help="this worker's name in claim tokens (default host-pid)",
        )
        parser.add_argument(
            "--batch", type=int, default=100, help="messages claimed per pass (default 100)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = threading.Event()

        def stop(signum: int, frame: FrameType | None) -> None:
            stopping.set()

        # Signal handlers can only be installed from the main thread (not when embedded).
        main = threading.current_thread() is threading.main_thread()
        signals = (signal.SIGTERM, signal.SIGINT) if main else ()
        previous = {sig: signal.signal(sig, stop) for sig in signals}
        try:
            self._loop(stopping, options)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _loop(self, stopping: threading.Event, options: dict[str, Any]) -> None:
        worker_id, batch = options["worker_id"], options["batch"]
        self.stdout.write(f"worker {worker_id} started")
        while not stopping.is_set():
            if not connection.in_atomic_block:  # (tests run the command inside a transaction)
                close_old_connections()  # long-running: drop a broken or expired connection
            queued = actions.schedule_reminders()
            sent = actions.send_due(worker_id, limit=batch)
            if queued or sent:
                self.stdout.write(f"queued {queued} reminders, sent {sent} messages")
            if options["once"]:
                break
            if sent < batch:  # a full batch means more may be waiting: go again at once
                stopping.wait(options["interval"])
        self.stdout.write(f"worker {worker_id} stopped")
