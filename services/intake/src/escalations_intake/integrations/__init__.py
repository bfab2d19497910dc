"""Senders that speak their own protocol: the Alertmanager webhook, PagerDuty Events v2."""
