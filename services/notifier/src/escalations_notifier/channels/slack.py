"""Slack-compatible incoming webhook with Block Kit (Slack, Mattermost, Rocket.Chat).

Mattermost and Rocket.Chat ignore ``blocks`` and show ``text``, so the fallback text
carries the headline, title and links in Slack's ``<url|label>`` link syntax.
"""

from __future__ import annotations

from escalations_notifier.channels.chat import ChatWebhookChannel

# Slack's incoming-webhook errors: 400 invalid_payload, 403 action_prohibited,
# 404 channel_not_found, 410 channel_is_archived are permanent; 429 rate_limited (with
# Retry-After) and 5xx are transient (api.slack.com "Handling errors" and "Rate limits").
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class SlackChannel(ChatWebhookChannel):
    """POSTs a Block Kit message (``text`` fallback plus ``blocks``) to an incoming webhook."""

    name = "slack"
    label = "Slack webhook"
    retryable = RETRYABLE_STATUS
