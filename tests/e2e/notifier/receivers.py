"""Local receivers for the notifier under test: an HTTP server and an SMTP server.

The HTTP receiver answers scripted statuses per path (then 202), verifies webhook
signatures, and records every request. The SMTP server is aiosmtpd with AUTH.
"""

from __future__ import annotations

import ssl
import subprocess
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from devstack.ports import free_port
from escalations.signing import HEADER, verify

DOWN = -1


@dataclass
class Request:
    """One request the receiver got, and what it answered."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    signed: bool | None
    # When it arrived (time.monotonic()): the fault-injection tests measure recovery by it.
    at: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        """Return the body parsed as JSON."""
        return orjson.loads(self.body)


@dataclass
class HttpReceiver:
    """A threaded HTTP server on a free loopback port."""

    secret: bytes
    delay: float = 0.0
    requests: list[Request] = field(default_factory=list)
    script: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Called with each request's path after it is recorded and before it is answered (a
    # test may stop Postgres or kill the notifier there: between a send and its record).
    hook: Callable[[str], None] | None = None

    def start(self) -> HttpReceiver:
        """Start serving in a daemon thread."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.answer(self.path)
                header = self.headers.get(HEADER)
                signed = (
                    None
                    if header is None
                    else verify(receiver.secret, body, header, int(time.time()))
                )
                with receiver.lock:
                    receiver.requests.append(
                        Request(self.path, dict(self.headers), body, status, signed)
                    )
                if receiver.hook is not None:
                    receiver.hook(self.path)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                """Keep the test output quiet: no access log."""

        class Server(ThreadingHTTPServer):
            request_queue_size = 1024  # the notifier opens hundreds of connections at once

        self.server = Server(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        """Return the full URL of a path on this receiver."""
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def answer(self, path: str) -> int:
        """Return the next scripted status for a path (202 when nothing is scripted)."""
        with self.lock:
            queue = self.script[path]
            if queue and queue[0] == DOWN:
                return 503
            return queue.pop(0) if queue else 202

    def fail(self, path: str, *statuses: int) -> None:
        """Answer the next requests to ``path`` with ``statuses``."""
        with self.lock:
            self.script[path] = list(statuses)

    def down(self, path: str) -> None:
        """Answer 503 to ``path`` until ``up``."""
        self.fail(path, DOWN)

    def up(self, path: str) -> None:
        """Answer 202 to ``path`` again."""
        self.fail(path)

    def received(self, path: str, accepted_only: bool = True) -> list[Request]:
        """Return the requests to a path (by default only those answered 2xx)."""
        with self.lock:
            return [
                r for r in self.requests if r.path == path and (r.status < 300 or not accepted_only)
            ]


@dataclass
class Mail:
    """One e-mail the SMTP server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str | None


class SmtpReceiver:
    """aiosmtpd on a free port, requiring STARTTLS, then AUTH with the given credentials."""

    def __init__(self, username: str, password: str, tls: ssl.SSLContext) -> None:
        self.mails: list[Mail] = []
        self._credentials = (username.encode(), password.encode())
        self.controller = Controller(
            self,
            hostname="127.0.0.1",
            port=free_port(),
            authenticator=self._authenticate,
            auth_required=True,
            tls_context=tls,
            require_starttls=True,
        )

    def _authenticate(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == self._credentials
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        """Record the message."""
        message = message_from_bytes(envelope.content, policy=policy.default)  # type: ignore[arg-type]
        login = session.auth_data.login.decode() if session.auth_data else None
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), message, login))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    @property
    def port(self) -> int:
        """Return the port it listens on."""
        return int(self.controller.port)

    def start(self) -> SmtpReceiver:
        """Start the server thread."""
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop the server."""
        self.controller.stop()


def self_signed(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """Make a certificate for 127.0.0.1 with openssl; return it and a server TLS context."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",  # noqa: S607 - openssl from PATH
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return cert, context
