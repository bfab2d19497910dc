"""Retries find stakeholder addresses again, or park when the subscription or callback is gone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from escalations_notifier.addresses import Addresses, no_address
from escalations_notifier.context import Callback, Subscription, request_of
from escalations_notifier.stake_ids import parse_rule, rule_recipient, scope

from .stakeholder_data import CALLBACK_URL, COMMS_SLACK, SOURCE_EMAIL, planner


class Rows:
    """The adapter's look-ups over fixed rows; records each batch it is asked for."""

    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    async def subscriptions(self, ids: Iterable[str]) -> dict[str, Subscription]:
        """Only ``live`` is still subscribed."""
        self.asked.append(list(ids))
        live = {"live": Subscription("live", "webhook", "https://sub.test/h")}
        return {i: live[i] for i in self.asked[-1] if i in live}

    async def callbacks(self, sources: Iterable[str]) -> dict[str, Callback]:
        """``desk`` has both; ``gone`` was removed."""
        self.asked.append(list(sources))
        return {s: Callback(CALLBACK_URL, SOURCE_EMAIL) for s in self.asked[-1] if s == "desk"}

    async def reporters(self, escalations: Iterable[str]) -> dict[str, str]:
        """``e1`` has a reporter e-mail."""
        self.asked.append(list(escalations))
        return {e: "r@example.net" for e in self.asked[-1] if e == "e1"}


def test_every_recipient_kind_is_found_again_or_not_at_all() -> None:
    """Config recipients from the planner, the rest from the rows; one look-up per table."""
    rows = Rows()
    wanted = [
        ("sub:live", "webhook"), ("sub:live", "slack"), ("sub:removed", "webhook"),
        ("source:desk", "webhook"), ("source:desk", "email"), ("source:gone", "webhook"),
        ("reporter:e1", "email"), ("reporter:e2", "email"),
        ("rule:comms-press:0", "slack"), ("rule:comms-press:0", "teams"), ("rule:nope:0", "slack"),
        ("ana", "email"), ("team:desk", "slack"),
    ]  # fmt: skip
    found = asyncio.run(Addresses(planner(), rows).lookup(wanted))
    assert found == {
        ("sub:live", "webhook"): "https://sub.test/h", ("sub:live", "slack"): None,
        ("sub:removed", "webhook"): None, ("source:desk", "webhook"): CALLBACK_URL,
        ("source:desk", "email"): SOURCE_EMAIL, ("source:gone", "webhook"): None,
        ("reporter:e1", "email"): "r@example.net", ("reporter:e2", "email"): None,
        ("rule:comms-press:0", "slack"): COMMS_SLACK, ("rule:comms-press:0", "teams"): None,
        ("rule:nope:0", "slack"): None, ("ana", "email"): "ana@example.com",
        ("team:desk", "slack"): "https://hooks.slack.test/services/T/B/desk-secret",
    }  # fmt: skip
    assert [["live", "removed"], ["desk", "gone"], ["e1", "e2"]] == rows.asked


def test_a_removed_stakeholder_is_parked_with_a_reason_that_names_no_address() -> None:
    """The reason names the recipient id and the channel only."""
    assert "no webhook address for sub:x any more (removed)" == no_address("sub:x", "webhook")
    assert "no email contact for ana in the configuration" == no_address("ana", "email")


def test_recipient_ids_and_scopes() -> None:
    """Rule ids round-trip (names may hold colons); long scopes become a stable UUID."""
    assert ("a:b", 3) == parse_rule(rule_recipient("a:b", 3))
    assert None is parse_rule("sub:x")
    long = "t" * 64
    assert (36, scope(long), "desk") == (len(scope(long)), scope(long), scope("desk"))


def test_request_facts_are_read_tolerantly() -> None:
    """A phone number is no e-mail address; a missing regime is none."""
    request = request_of({"reporter": {"contact": "+353 1 555"}, "signals": {"press_inquiry": True},
                          "external_id": "X", "regulatory": {"reference": "R"}})  # fmt: skip
    assert (None, frozenset({"press_inquiry"}), "X", "R") == (
        request.reporter_contact, request.signals, request.external_id, request.reference
    )  # fmt: skip
    assert "a@b.example" == request_of({"reporter": {"contact": " a@b.example "}}).reporter_contact
