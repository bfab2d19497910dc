"""`make run` prints a one-time local sign-in link per person, and each link signs in."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_make_run import _make_run_env, _start, _stop

pytestmark = pytest.mark.e2e


def test_make_run_prints_local_sign_in_links_that_work(tmp_path: Path) -> None:
    """The banner has a link per demo person; opening one signs that person in, once."""
    env, (intake, _, _, _) = _make_run_env(tmp_path)
    proc, output = _start(tmp_path, env)
    try:
        links = dict(
            re.findall(r"^\s+(\S+)\s+(http://\S+/v1/auth/local/\S+)$", output.text(), re.M)
        )
        assert {"aoife", "sean"} <= set(links), output.text()
        assert links["aoife"].startswith(f"http://127.0.0.1:{intake}/")
        with httpx.Client() as browser:
            assert 303 == browser.get(links["aoife"]).status_code
            me = browser.get(f"http://127.0.0.1:{intake}/v1/me").json()
            assert "aoife" == me["person"]
            assert 403 == browser.get(links["aoife"]).status_code
    finally:
        assert 0 == _stop(proc)
