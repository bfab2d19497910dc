"""Delivery channels: one module per channel, one ``send()`` each, listed in ``CHANNELS``."""

from escalations_notifier.channels.base import Channel, DeliveryError, Message

# The registry: channel name -> adapter class. Issue-by-issue, more channels join here.
CHANNELS: tuple[str, ...] = ("webhook",)

__all__ = ["CHANNELS", "Channel", "DeliveryError", "Message"]
