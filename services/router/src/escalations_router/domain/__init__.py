"""The router's domain: escalation and clock records and the rules that change them. No I/O.

``records`` holds the escalation and clock as plain dataclasses; ``state`` applies reports
and commands to them, ``timers`` fires what a clock has due, ``rise`` raises a tier,
``refire`` places a report among incarnations and ``retried`` spots a client's retry, each
returning an ``outcome.Outcome`` (history entries and events). ``decider`` is the port to
the shared core (``escalations.core``) and ``core_decider`` its implementation, with the
schedule the router stored (``duty``, ``schedule``) and the per-person load
(``load_book``). The Postgres adapter (``escalations_router.postgres``) maps rows to these
records and back.
"""
