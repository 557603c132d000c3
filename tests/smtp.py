"""A real SMTP server on loopback (aiosmtpd) for mail tests, started and stopped by fixtures.

`responses` queues SMTP answers to give instead of accepting the next messages (e.g.
"451 try later", "550 no such user"), to test retries and incidents.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def html(self) -> str | None:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else None

    @property
    def everything(self) -> str:
        """Headers, text and HTML: what must never contain personal data."""
        return f"{self.message['Subject']}\n{self.text}\n{self.html or ''}"


class _Handler:
    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.responses: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            if self.responses:
                return self.responses.pop(0)
            msg = message_from_bytes(envelope.content, policy=default)
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.handler = _Handler()
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)

    @property
    def responses(self) -> list[str]:
        return self.handler.responses

    def to(self, addr: str) -> list[Received]:
        return [m for m in self.messages if addr in m.rcpt_tos]

    def start(self) -> SmtpServer:
        self._controller = Controller(self.handler, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def send_queued_mail(app, server: SmtpServer) -> int:
    """Send what the app's outbox holds to `server`, secrets opened with the app's SECRET_KEY."""
    from engine.jobs.outbox import OutboxSweep, SmtpSettings
    from engine.jobs.sealing import mail_sealer

    svc = app.extensions["jobtraject"]
    sweep = OutboxSweep(svc.db, svc.clock, SmtpSettings(host=server.host, port=server.port, timeout=5),
                        worker_id="test-mail", sealer=mail_sealer(app.config["SECRET_KEY"]))
    return sweep.sweep().sent


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()
