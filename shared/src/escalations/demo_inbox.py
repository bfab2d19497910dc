"""The demo inbox: receives the notifier's signed webhooks and shows them.

`make run` points every demo person's webhook contact here, so a person trying the
product sees each notification arrive: printed on the terminal, listed at
``GET /`` (JSON), and appended to a JSON-lines file. The end-to-end tests read that file.
Signatures are verified with ``NOTIFIER_WEBHOOK_SECRET``; a bad one is refused with 401.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from escalations.signing import HEADER, verify


def _line(payload: dict[str, Any]) -> str:
    """Return one line about a delivery: a responder's message, or a stakeholder's.

    Responders' messages carry the escalation; requesters', subscribers', handoff packets
    and digests carry a one-line ``summary`` instead (docs/notifications.md).
    """
    event = payload.get("type") or payload.get("event") or "?"
    escalation = payload.get("escalation")
    if isinstance(escalation, dict):
        return f"{event} [{escalation.get('tier')}] {escalation.get('title')}"
    return f"{event} {payload.get('summary') or payload.get('headline') or ''}".rstrip()


def create_app(secret: bytes, store: Path) -> Starlette:
    """Return the inbox app writing to ``store``."""
    received: list[dict[str, object]] = []

    async def deliver(request: Request) -> Response:
        body = await request.body()
        header = request.headers.get(HEADER, "")
        valid = verify(secret, body, header, int(time.time()))
        if not valid:
            return JSONResponse({"error": "bad signature"}, status_code=401)
        entry = {
            "person": request.path_params["person"],
            "received_at": time.time(),
            "event_id": request.headers.get("x-escalation-event-id"),
            "payload": orjson.loads(body),
        }
        received.append(entry)
        with store.open("ab") as out:
            out.write(orjson.dumps(entry) + b"\n")
        print(f"inbox: {entry['person']} <- {_line(entry['payload'])}", flush=True)
        return JSONResponse({"status": "received"}, status_code=202)

    async def listing(_: Request) -> Response:
        return JSONResponse({"count": len(received), "notifications": received[-100:]})

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/inbox/{person}", deliver, methods=["POST"]),
            Route("/", listing),
            Route("/healthz", healthz),
        ]
    )


def main() -> None:
    """Serve the inbox until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m escalations.demo_inbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8083)
    parser.add_argument("--store", type=Path, required=True)
    args = parser.parse_args()
    secret = os.environ["NOTIFIER_WEBHOOK_SECRET"].encode()
    args.store.parent.mkdir(parents=True, exist_ok=True)
    app = create_app(secret, args.store)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
