"""A TLS front for a local HTTP server, as a deployment's ingress would put before the intake.

Clients that only speak HTTPS (the ``pagerduty`` SDK refuses other base URLs) reach the
intake through it. The certificate is self-signed for 127.0.0.1, made with ``openssl``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

from devstack.ports import free_ports


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # fixed arguments, no shell
        [  # noqa: S607  # openssl from PATH, as the system provides it
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


@contextlib.contextmanager
def tls_front(target_port: int, folder: Path) -> Iterator[tuple[str, ssl.SSLContext]]:
    """Serve HTTPS on a free port, forwarding to 127.0.0.1:``target_port``.

    Yields the HTTPS base URL and a client context that trusts the certificate.
    """
    cert, key = _certificate(folder)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    (port,) = free_ports(1)
    loop = asyncio.new_event_loop()
    started = threading.Event()

    async def forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target_port)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    async def serve() -> asyncio.Server:
        server = await asyncio.start_server(forward, "127.0.0.1", port, ssl=server_context)
        started.set()
        return server

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(serve())
        loop.run_forever()
        server.close()
        # Connections kept alive by clients are still being forwarded: end them here, so
        # no coroutine is left for the garbage collector.
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(server.wait_closed())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield f"https://127.0.0.1:{port}", ssl.create_default_context(cafile=str(cert))
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
