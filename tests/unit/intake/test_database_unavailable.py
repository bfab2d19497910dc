"""A request that meets Postgres away gets 503 with Retry-After, whatever the driver raised."""

from __future__ import annotations

import asyncpg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from escalations_intake.http.problems import install


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        ConnectionResetError("connection reset by peer"),
        TimeoutError("connect timed out"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_every_kind_of_database_outage_is_a_503_problem(error: Exception) -> None:
    """Refused, reset, timed out, starting up, shut down, full: 503, Retry-After, problem+json."""
    app = FastAPI()
    install(app)

    @app.get("/v1/escalations/{escalation_id}")
    async def read(escalation_id: str) -> None:
        raise error

    response = TestClient(app, raise_server_exceptions=False).get("/v1/escalations/esc-1")
    assert (503, "5", "application/problem+json") == (
        response.status_code, response.headers["retry-after"], response.headers["content-type"],
    )  # fmt: skip
    assert "retry later" in response.json()["detail"]


def test_a_bug_is_still_a_500() -> None:
    """An error that is not an outage is not disguised as one."""
    app = FastAPI()
    install(app)

    @app.get("/boom")
    async def boom() -> None:
        raise KeyError("bug")

    assert 500 == TestClient(app, raise_server_exceptions=False).get("/boom").status_code
