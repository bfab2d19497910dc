"""Descriptions of the shared models' fields, shown in the OpenAPI document (``/docs``)."""

from __future__ import annotations

_ESCALATION = {
    "external_id": "Your id for it (ticket, case or alert id). The escalation id is derived "
    "from (source, external_id): a repeat is merged as an extra report",
    "title": "Short summary, 1-200 characters; shown in every notification",
    "description": "Free text, may be sensitive (at most 20,000 characters); never sent by "
    "chat or e-mail for sensitive policy areas or graphic content",
    "policy_area": "Policy area of the harm; drives severity, routing and skills",
    "content_refs": "The content concerned (at most 100)",
    "region": "ISO 3166-1 alpha-2 country code, upper case, e.g. `IE`",
    "language": "BCP 47 language tag, e.g. `en` or `pt-BR`",
    "reach": "How far the content has spread",
    "signals": "Risk signals from the source",
    "regulatory": "Regulatory regime and its clock",
    "reporter": "Who reported it upstream",
    "occurred_at": "When it happened, with a time zone",
}
_REGULATORY = {
    "regime": "Regime whose clock applies (lengths are configuration)",
    "received_at": "When the order was received; the clock starts here (default: intake time)",
    "deadline": "Explicit deadline set by the order, overriding the regime's clock",
    "reference": "The order's reference number",
}
_REACH = {
    "impressions_24h": "Impressions in the last 24 hours",
    "followers": "Followers of the account that posted it",
    "accounts_involved": "Accounts involved (scale of the actor), at least 1",
}
_SIGNALS = {
    "imminence": "How close a threat to life or safety is; `imminent_specific` is a "
    "credible threat with a target, time or place (floor P0)",
    "minors": "Whether minors are involved",
    "at_risk_user": "A user at risk (e.g. self-harm) is involved",
    "high_profile_account": "A high-profile account is involved (stakeholder, capped)",
    "press_inquiry": "The press is asking (stakeholder, capped)",
    "advertiser_impact": "Advertisers are affected (stakeholder, capped)",
    "executive_request": "An executive asked (stakeholder, capped)",
    "ongoing": "The harm is ongoing",
    "graphic": "Graphic content: notifications carry no description or links",
    "violation_likelihood": "How likely a violation is, 0..1 (default 0.5); damps the harm score",
}
_DEADLINES = {
    "acknowledge_by": "Acknowledge deadline (tier SLA)",
    "resolve_by": "Resolve deadline: the earlier of the tier SLA and the regulatory clock "
    "minus its safety buffer",
    "regulatory_deadline": "Deadline set by the regulatory regime, if any",
}
_REASON = {
    "factor": "The factor or rule, e.g. `policy_area` or `floor:imminent_threat`",
    "points": "Points it added to the score (0 for floors and ceilings)",
    "detail": "Human explanation",
}
_STATE = {
    "id": "Escalation id (UUID)",
    "status": "Lifecycle status",
    "source": "Source of the key that created it",
    "priority": "Tier, score and the reasons behind them",
    "team": "Team it was routed to",
    "owner": "Person who owns it",
    "level": "Escalation level notified now (1 = first)",
    "deadlines": "Its clocks",
    "reports": "Number of reports merged into it (1 = no duplicates)",
    "history": "Every state change and refused command, oldest first",
    "created_at": "When the router stored it",
    "updated_at": "Last change",
}

FIELD_DOCS: dict[str, dict[str, str]] = {
    "EscalationIn": _ESCALATION,
    "SimulateRequest": _ESCALATION,
    "EscalationView": {**_ESCALATION, **_STATE},
    "ContentRef": {
        "kind": "Kind of content, lower case, e.g. `pin`, `board`, `account`, `comment`",
        "id": "Id of the content on the platform",
        "url": "Link to it: http or https only, at most 2,048 characters once normalised "
        "(percent-encoding and a trailing `/` can lengthen a URL)",
    },
    "Reach": _REACH,
    "Signals": _SIGNALS,
    "Regulatory": _REGULATORY,
    "Reporter": {"name": "Name of the reporter", "contact": "How to reach them"},
    "Accepted": {
        "id": "The escalation id: stable for a known external_id",
        "status": "Always `received`",
        "duplicate": "True when it repeats an earlier (source, external_id)",
    },
    "EscalationPage": {
        "items": "Escalations, newest first (without history)",
        "next_cursor": "Pass as `cursor` for the next page; null on the last page",
    },
    "HistoryEntry": {
        "at": "When",
        "actor": "Person, source or `router`",
        "action": "What happened, e.g. `assigned`, `acknowledged`, `rejected`",
        "from_status": "Status before",
        "to_status": "Status after",
        "reason": "Why",
    },
    "PriorityView": {
        "tier": "P0 (most urgent) to P4",
        "score": "Score 0..100",
        "reasons": "Every factor and rule behind the score and tier",
    },
    "Priority": {
        "tier": "P0 (most urgent) to P4",
        "score": "Score 0..100",
        "reasons": "Every factor and rule behind the score and tier",
        "deadlines": "Clocks implied by the tier and the regulatory regime",
        "tier_since": "Since when this tier holds",
    },
    "escalations__contracts__events__Deadlines": _DEADLINES,
    "escalations__core__scoring__Deadlines": _DEADLINES,
    "escalations__core__scoring_factors__Reason": _REASON,
    "escalations_intake__views__Reason": _REASON,
    "Deadlines": _DEADLINES,
    "Reason": _REASON,
    "AssignmentDecision": {
        "owner": "The chosen owner, or null if nobody could be assigned",
        "candidates": "Everyone considered, with why each was or was not chosen",
        "flags": "Notes such as a fallback to all on duty or an exceeded wellbeing cap",
    },
    "CandidateRecord": {
        "person_id": "The candidate",
        "chosen": "Whether they were chosen",
        "reason": "Why chosen or skipped",
        "graphic_in_window": "Graphic escalations they had in the wellbeing window",
        "open_count": "Open escalations they own",
        "last_assigned_at": "When they were last assigned one",
    },
    "OnDuty": {
        "person": "Person id",
        "target": "Policy target that pages them: `schedule`, `team` or `person`",
        "team": "Team whose schedule put them there",
        "layer": "Schedule layer, or `override`",
    },
    "Page": {
        "at": "When this level is paged (if nobody acknowledged)",
        "level": "Escalation level",
        "round": "Round of the policy (repeats)",
        "people": "Who is paged",
    },
    "PolicyEvent": {
        "kind": "`notify`, `sla_warning`, `sla_breach` ...",
        "at": "When",
        "level": "Escalation level concerned",
        "round": "Round of the policy",
        "targets": "Targets of the level",
        "budget": "Which clock (acknowledge, resolve, regulatory)",
    },
    "PolicyTarget": {
        "kind": "`schedule` (the team's), `team` (another team's schedule) or `person`",
        "id": "Team or person id (none for `schedule`)",
    },
    "RouteDecision": {
        "team": "Team chosen",
        "rule": "Name of the routing rule that matched, or null for the default team",
        "index": "Position of that rule",
    },
    "Simulation": {
        "at": "The simulated arrival instant",
        "priority": "Score, tier and reasons",
        "deadlines": "Its clocks",
        "route": "Which routing rule chose the team",
        "team": "Team it would go to",
        "owner": "Who would own it",
        "assignment": "The decision record",
        "graphic": "Whether it counts as graphic for wellbeing caps and notifications",
        "dsa_category": "DSA transparency database category",
        "pages": "Who is paged at each level and when, if nobody acknowledges",
        "events": "SLA warnings and breaches that would fire",
        "next_rescore_at": "When a regulatory clock would raise its tier next",
    },
    "ReassignBody": {"reason": "Why, for the history (at most 2,000 characters)"},
    "ResolveBody": {"note": "Free text for the history (at most 5,000 characters)"},
    "TimeOffBody": {"reason": "Shown in the history (at most 500 characters)"},
}
# ``POST /v1/simulate`` answers the simulation with the live state it used.
FIELD_DOCS["SimulationAnswer"] = {
    **FIELD_DOCS["Simulation"],
    "state": "The live state it used: candidates' load, overrides and time off",
}
# ``POST /v1/escalations/{id}/reveal`` answers the escalation's view, revealed.
FIELD_DOCS["RevealedView"] = FIELD_DOCS["EscalationView"]
# ``GET /v1/teams/{team}/handoffs`` answers the router's ``shift.handoff`` packets.
FIELD_DOCS["ShiftHandoff"] = {
    "handoff_id": "Handoff id (one per team and instant)",
    "team": "The team whose on-call people changed",
    "at": "When the handoff happened",
    "outgoing": "Who handed over (person ids)",
    "incoming": "Who took over (person ids)",
    "shift_end": "When the incoming shift ends, if known within a week",
    "open": "The team's open escalations, most urgent first",
    "open_total": "How many escalations of the team were open",
    "unacknowledged": "How many of them were not yet acknowledged",
    "notes": "The handoff notes left since the previous handoff",
}
FIELD_DOCS["PacketItem"] = {
    "id": "Escalation id",
    "title": "Its title (a sensitive escalation's with URLs masked)",
    "tier": "P0 (most urgent) to P4",
    "status": "Its status at the handoff",
    "owner": "Who owns it, or null",
    "sensitive": "Whether it is sensitive (no description, URLs or content ids are sent)",
    "created_at": "When it was received",
    "deadlines": "Its clocks",
    "due_in_shift": "The earliest deadline that falls in the incoming shift, or null",
}
FIELD_DOCS["HandoffNote"] = {
    "id": "Note id",
    "by": "Who left it",
    "text": "The note, as written (plain text)",
    "at": "When it was left",
}
