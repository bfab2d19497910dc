"""Delivery channels: one module per channel, one ``send()`` each, listed in one registry."""

from __future__ import annotations

from escalations_notifier.channels.base import Channel, DeliveryError, Message
from escalations_notifier.channels.email import EmailChannel, SmtpConfig
from escalations_notifier.channels.http import HttpClients
from escalations_notifier.channels.pagerduty import PagerDutyChannel
from escalations_notifier.channels.slack import SlackChannel
from escalations_notifier.channels.teams import TeamsChannel
from escalations_notifier.channels.webhook import WebhookChannel
from escalations_notifier.settings import NotifierSettings
from escalations_notifier.templates import Templates

# The registry: every channel the notifier knows, in the order of core Channel.
CHANNELS: tuple[str, ...] = ("email", "pagerduty", "slack", "teams", "webhook")


def build_channels(
    settings: NotifierSettings, http: HttpClients, templates: Templates
) -> dict[str, Channel]:
    """Return the adapters this deployment can use (e-mail only when an SMTP host is set)."""
    channels: dict[str, Channel] = {
        "pagerduty": PagerDutyChannel(http, settings.pagerduty_url, templates),
        "slack": SlackChannel(http, templates),
        "teams": TeamsChannel(http, templates),
        "webhook": WebhookChannel(
            http, settings.webhook_secret.get_secret_value().encode(), templates
        ),
    }
    if settings.smtp_host:
        channels["email"] = EmailChannel(
            SmtpConfig(
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_starttls,
                settings.smtp_username,
                settings.smtp_password,
                settings.smtp_from,
                settings.request_timeout_seconds,
                str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
            ),
            templates,
        )
    return channels


__all__ = ["CHANNELS", "Channel", "DeliveryError", "Message", "build_channels"]
