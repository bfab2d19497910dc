"""Microsoft Teams incoming webhook (or Workflows webhook) with an Adaptive Card."""

from __future__ import annotations

from escalations_notifier.channels.chat import ChatWebhookChannel

# Teams webhooks: 400 is a malformed card and 404 a removed connector (permanent); 429
# means throttled (Microsoft Learn, "Rate limiting for connectors") and 5xx is transient.
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
# "The message size limit is 28 KB" (Microsoft Learn, incoming webhooks and Workflows);
# larger posts are refused with 413. Counted as 28,000 bytes of the UTF-8 body, a margin
# below 28 KiB for the connector's own wrapping.
MAX_BYTES = 28_000


class TeamsChannel(ChatWebhookChannel):
    """POSTs a message with one Adaptive Card attachment to a Teams webhook."""

    name = "teams"
    label = "Teams webhook"
    retryable = RETRYABLE_STATUS
    max_bytes = MAX_BYTES
