"""Local sign-in for `make run`: one-time links, and refused where it would be dangerous."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.e2e.identity.conftest import SignIn

pytestmark = pytest.mark.e2e


def test_a_local_link_signs_its_person_in_once(sign_in: SignIn) -> None:
    """The link signs its person in and opens the console; used again it is refused."""
    link = sign_in.local_link("sean")
    first = sign_in.browser()
    answer = first.get(link)
    assert (303, "/console") == (answer.status_code, answer.headers["location"])
    assert "sean" == first.get("/v1/me").json()["person"]
    again = sign_in.browser().get(link)
    assert (403, True) == (again.status_code, "unknown, used or expired" in again.text)


@pytest.mark.parametrize(
    "unsafe",
    [
        {"INTAKE_HOST": "0.0.0.0"},  # noqa: S104 - the public bind that must be refused
        {"INTAKE_PUBLIC_URL": "https://escalations.example.org"},
    ],
    ids=["public bind", "https public url"],
)
def test_local_sign_in_is_refused_at_start_up(unsafe: dict[str, str]) -> None:
    """The intake will not start with local sign-in on a public address or in production."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "INTAKE_LOCAL_SIGN_IN": "true",
        **unsafe,
    }
    done = subprocess.run(
        [sys.executable, "-m", "escalations_intake"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert 2 == done.returncode, done.stderr
    assert "INTAKE_LOCAL_SIGN_IN" in done.stderr
