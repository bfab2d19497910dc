"""HTTP load for the intake benchmark: an asyncio keep-alive client (closed and open loop)
and ``wrk`` (when installed), each posting a new external id per request.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import orjson

BODY = {
    "title": "Credible threat naming a school and a time",
    "description": "User posted a threat against a named school for Friday 9am",
    "policy_area": "violent_threat",
    "region": "IE",
    "language": "en",
    "signals": {"imminence": "likely", "violation_likelihood": 0.8},
    "content_refs": [{"kind": "pin", "id": "111", "url": "https://example.com/pin/111"}],
}
WRK_SCRIPT = """
local counter = 0
local prefix = "{prefix}-" .. tostring(math.random(1, 1e9)) .. "-"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {key}"
request = function()
  counter = counter + 1
  local body = '{{"external_id": "' .. prefix .. counter .. '", ' .. '{rest}'
  return wrk.format(nil, "/v1/escalations", nil, body)
end
"""


@dataclass
class Run:
    """Figures of one load run."""

    sent: int
    accepted: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        """Return accepted requests per second."""
        return self.accepted / self.seconds

    def percentile(self, share: float) -> float:
        """Return a latency percentile in milliseconds."""
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


class Connection:
    """A minimal HTTP/1.1 keep-alive client connection (cheap enough to load the server)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        """Connect to the intake."""
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def post(self, head: bytes, body: bytes) -> int:
        """Send one POST and return its status."""
        self.writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return int(status_line.split()[1])


def _head(key: str) -> bytes:
    return (
        "POST /v1/escalations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {key}\r\nContent-Length: "
    ).encode()


def _body(prefix: str, n: int) -> bytes:
    return orjson.dumps({**BODY, "external_id": f"{prefix}-{n}"})


async def closed_loop(port: int, key: str, clients: int, seconds: float) -> Run:
    """Drive the intake as hard as ``clients`` concurrent keep-alive connections can."""
    head, prefix, counter = _head(key), uuid.uuid4().hex[:8], itertools.count()
    latencies: list[float] = []
    accepted = sent = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal accepted, sent
        connection = await Connection.open(port)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status = await connection.post(head, _body(prefix, next(counter)))
            latencies.append((time.perf_counter() - started) * 1000)
            sent += 1
            accepted += status == 202
        connection.writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return Run(sent, accepted, time.perf_counter() - started, latencies)


async def open_loop(port: int, key: str, rate: int, seconds: float, pool: int = 64) -> Run:
    """Send ``rate`` requests a second on schedule; latency counts from the scheduled time."""
    head, prefix = _head(key), uuid.uuid4().hex[:8]
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(pool):
        idle.put_nowait(await Connection.open(port))
    latencies: list[float] = []
    statuses: list[int] = []

    async def one(n: int, due: float) -> None:
        connection = await idle.get()
        statuses.append(await connection.post(head, _body(prefix, n)))
        latencies.append((time.perf_counter() - due) * 1000)
        idle.put_nowait(connection)

    tasks = []
    start = time.perf_counter()
    for n in range(int(rate * seconds)):
        due = start + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    return Run(len(statuses), statuses.count(202), elapsed, latencies)


def wrk_run(
    port: int, key: str, clients: int, seconds: float, rate: int | None = None
) -> Run | None:
    """Run wrk (if installed) with unique external ids; None when wrk is missing.

    With ``rate``, each connection waits ``clients / rate`` seconds before each request
    (wrk's ``delay``), which paces the whole run at about ``rate`` requests a second.
    """
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    rest = orjson.dumps(BODY).decode()[1:]
    script = WRK_SCRIPT.format(prefix=uuid.uuid4().hex[:8], key=key, rest=rest.replace("'", "\\'"))
    if rate is not None:
        script += f"delay = function() return {1000 * clients / rate:.3f} end\n"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    argv = [
        wrk,
        "-t2",
        f"-c{clients}",
        f"-d{int(seconds)}s",
        "--latency",
        "-s",
        handle.name,
        f"http://127.0.0.1:{port}",
    ]
    # argv is built here from the wrk found on PATH and our own script file.
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout  # noqa: S603
    Path(handle.name).unlink()
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    duration = float(re.search(r"requests in ([\d.]+)s", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))  # type: ignore[union-attr]
    accepted = total - (int(bad.group(1)) if bad else 0)
    return Run(total, accepted, duration, [p50] * 51 + [p99] * 49)


def _ms(text: str) -> float:
    value, unit = float(re.match(r"[\d.]+", text).group()), re.sub(r"[\d.]", "", text)  # type: ignore[union-attr]
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
