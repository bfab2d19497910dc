"""`make run`'s supervision: restart delays and the loop that restarts crashed processes."""

from __future__ import annotations

import pytest

from devstack.procs import DevstackError
from devstack.supervise import RestartPolicy, Supervisor, crashes_in_a_row, restart_delay

POLICY = RestartPolicy(first_delay=1.0, max_delay=30.0, stable_after=60.0)


@pytest.mark.parametrize(
    ("crashes", "delay"), [(1, 1.0), (2, 2.0), (3, 4.0), (5, 16.0), (6, 30.0), (500, 30.0)]
)
def test_restart_delay_doubles_up_to_the_cap(crashes: int, delay: float) -> None:
    """Each crash in a row doubles the wait, never past the cap, even after many crashes."""
    assert delay == restart_delay(POLICY, crashes)


def test_restart_delay_refuses_a_count_below_one() -> None:
    """Crash counts start at 1; anything else is a caller's bug, said plainly."""
    with pytest.raises(ValueError, match="counts from 1"):
        restart_delay(POLICY, 0)


def test_a_process_that_ran_long_enough_starts_its_count_again() -> None:
    """A crash after a stable run counts as the first; a quick crash adds to the count."""
    assert 1 == crashes_in_a_row(POLICY, previous=4, ran_for=60.0)
    assert 5 == crashes_in_a_row(POLICY, previous=4, ran_for=3.0)


class FakeProcess:
    """A process that can be crashed and whose restarts are counted, or made to fail."""

    def __init__(self) -> None:
        self.up = True
        self.restarts = 0
        self.fail_next = 0

    def running(self) -> bool:
        return self.up

    def restart(self) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise DevstackError("port in use")
        self.restarts += 1
        self.up = True


def _supervisor(now: list[float], proc: FakeProcess) -> Supervisor:
    supervisor = Supervisor(policy=POLICY, clock=lambda: now[0])
    supervisor.watch("router", proc.running, proc.restart)
    return supervisor


def test_a_crashed_process_is_restarted_after_its_delay_and_said(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A crash is noticed at once, said with its delay, and restarted when the delay is up."""
    now, proc = [0.0], FakeProcess()
    supervisor = _supervisor(now, proc)
    now[0] = 5.0
    proc.up = False
    supervisor.check()
    assert 0 == proc.restarts
    now[0] = 5.9
    supervisor.check()
    assert 0 == proc.restarts
    now[0] = 6.0
    supervisor.check()
    assert 1 == proc.restarts
    err = capsys.readouterr().err
    assert "router stopped unexpectedly; restarting it in 1 s" in err
    assert "router restarted" in err


def test_a_crash_loop_backs_off_and_a_failed_restart_is_tried_again(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Quick crashes double the wait; a restart that fails is retried later, not given up."""
    now, proc = [0.0], FakeProcess()
    supervisor = _supervisor(now, proc)
    proc.up = False
    supervisor.check()  # crash 1: wait 1 s
    now[0] = 1.0
    supervisor.check()
    assert 1 == proc.restarts
    proc.up = False
    now[0] = 2.0
    supervisor.check()  # crash 2 after 1 s up: wait 2 s
    proc.fail_next = 1
    now[0] = 4.0
    supervisor.check()  # the restart fails: crash 3, wait 4 s
    assert 1 == proc.restarts
    now[0] = 7.9
    supervisor.check()
    assert 1 == proc.restarts
    now[0] = 8.0
    supervisor.check()
    assert 2 == proc.restarts
    err = capsys.readouterr().err
    assert "restarting it in 2 s" in err
    assert "router did not start again (port in use); next try in 4 s" in err
