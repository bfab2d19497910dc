"""The delivery ledger's statements (ledger.py runs them; the comments say why each is so)."""

from __future__ import annotations

from sqlalchemy import text

# The stream-order checks below say "unfinished" as "not final", on purpose: the planner
# then finds older rows by escalation id alone. Spelled IN ('pending', 'retrying') it also
# scans the partial index ix_deliveries_due, whose dead entries (every row passes through
# pending) pile up between vacuums: claims got slower the bigger the table grew (measured:
# 500 rows took 40 ms at 4,000 rows in the table, 300 ms at 32,000).

# The two hot statements run on held connections (asyncpg's $n parameters) and take their
# rows as one JSON document: encoding ten arrays element by element cost the client more.
_CLAIM_TEMPLATE = """
WITH ins AS (
  INSERT INTO deliveries (event_id, recipient, channel, escalation_id, status, attempts,
                          last_error, created_at, updated_at, event_type, event_time, body,
                          next_attempt_at, owner)
  SELECT e, r, c, x, s, 0, err, now(), now(), t, et, b,
         CASE WHEN s = 'pending' THEN now() + make_interval(secs => $1)
              WHEN s = 'held' THEN na END, $3
  FROM jsonb_to_recordset($2::text::jsonb)
       AS u(e text, r text, c text, x text, s text, err text, t text, et timestamptz, b jsonb,
            na timestamptz)
  ON CONFLICT (event_id, recipient, channel) {conflict}
  RETURNING event_id, recipient, channel, escalation_id, status, created_at
)
SELECT ins.event_id, ins.recipient, ins.channel, ins.status,
       EXISTS (SELECT 1 FROM deliveries o
               WHERE o.escalation_id = ins.escalation_id AND o.recipient = ins.recipient
                 AND o.channel = ins.channel AND o.created_at < ins.created_at
                 AND o.status NOT IN ('sent', 'dead_lettered', 'skipped', 'held',
                                      'not_needed')) AS blocked
FROM ins
"""

FINISH = """
UPDATE deliveries d
SET status = u.s, attempts = u.a, last_error = u.err, updated_at = now(),
    sent_at = CASE WHEN u.s = 'sent' THEN now() END,
    next_attempt_at = CASE WHEN u.s = 'retrying' THEN now() + make_interval(secs => u.delay) END
FROM jsonb_to_recordset($1::text::jsonb)
     AS u(e text, r text, c text, s text, a int, err text, delay float8)
WHERE d.event_id = u.e AND d.recipient = u.r AND d.channel = u.c
"""

# Take due rows whose stream has nothing older still unfinished, and lease them.
# A row still ``pending`` when its lease ran out was being sent by a notifier that died or
# could not record the outcome: that attempt's outcome is unknown, so the lease counts it
# in ``redeliveries`` and returns the status it found (the re-send is marked, deliver.py).
LEASE = text("""
UPDATE deliveries d
SET status = 'pending', next_attempt_at = now() + make_interval(secs => :lease),
    updated_at = now(), owner = :owner,
    redeliveries = d.redeliveries + CASE WHEN due.status = 'pending' THEN 1 ELSE 0 END
FROM (
  SELECT q.event_id, q.recipient, q.channel, q.status FROM deliveries q
  WHERE q.status IN ('pending', 'retrying', 'held') AND q.next_attempt_at <= now()
    AND q.body IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM deliveries o
                    WHERE o.escalation_id = q.escalation_id AND o.recipient = q.recipient
                      AND o.channel = q.channel AND o.created_at < q.created_at
                      AND o.status NOT IN ('sent', 'dead_lettered', 'skipped', 'held',
                                           'not_needed'))
  ORDER BY q.next_attempt_at
  LIMIT :limit
  FOR UPDATE SKIP LOCKED
) due
WHERE d.event_id = due.event_id AND d.recipient = due.recipient AND d.channel = due.channel
RETURNING d.event_id, d.recipient, d.channel, d.escalation_id, d.event_type, d.event_time,
          d.body, d.attempts, d.created_at, due.status
""")

PAGED = text("""
SELECT DISTINCT escalation_id, recipient, channel FROM deliveries
WHERE escalation_id = ANY(CAST(:ids AS text[])) AND channel IN ('pagerduty', 'webhook')
  AND status IN ('sent', 'pending', 'retrying')
  AND coalesce(event_type, '') NOT IN ('escalation.acknowledged', 'escalation.resolved')
ORDER BY escalation_id, recipient, channel
""")


# Held rows of escalations that were closed: final, with the reason (when, by whom).
DROP_HELD = """
UPDATE deliveries d
SET status = 'not_needed', last_error = u.why, next_attempt_at = NULL, updated_at = now()
FROM jsonb_to_recordset($1::text::jsonb) AS u(x text, why text)
WHERE d.escalation_id = u.x AND d.status = 'held'
RETURNING d.event_id, d.recipient, d.channel
"""


# A claim first tried, then tried again after a failure whose outcome is unknown (the
# connection broke): rows the first try wrote for this notifier, and nobody has touched
# since, are this notifier's to send. Only a retry takes them: a redelivered Kafka event
# must not find its own rows owned a second time.
CLAIM = _CLAIM_TEMPLATE.format(conflict="DO NOTHING")
CLAIM_AGAIN = _CLAIM_TEMPLATE.format(
    conflict=(
        "DO UPDATE SET updated_at = deliveries.updated_at"
        " WHERE deliveries.owner = $3 AND deliveries.status = EXCLUDED.status"
        " AND deliveries.attempts = 0 AND deliveries.redeliveries = 0"
    )
)

# At start: rows this instance was sending when it stopped (its lease not yet run out) are
# due at once, so a restarted notifier does not wait out its own lease.
RECLAIM_OWN = """
UPDATE deliveries SET next_attempt_at = now(), updated_at = now()
WHERE status = 'pending' AND next_attempt_at > now() AND owner = $1
RETURNING 1
"""

# When an endpoint answers again, the channel's waiting retries are due now, not after
# their backoff (many waited out a circuit that was open).
WAKE = """
UPDATE deliveries SET next_attempt_at = now()
WHERE status = 'retrying' AND next_attempt_at > now() AND channel = ANY($1::text[])
"""
