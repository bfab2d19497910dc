"""Third-party payloads as their public documentation shows them (OpenAPI examples, tests)."""

from __future__ import annotations

from typing import Any

# Alertmanager webhook_config payload, version 4, as Alertmanager sends it for one firing alert.
ALERTMANAGER_SAMPLE: dict[str, Any] = {
    "receiver": "escalations",
    "status": "firing",
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "CsamHashMatchSpike",
                "instance": "matcher-2.example.org",
                "job": "hash_matcher",
                "policy_area": "child_safety",
                "region": "ie",
                "severity": "critical",
            },
            "annotations": {
                "description": "Hash matches per minute are 12x the weekly baseline.",
                "summary": "Spike in known-CSAM hash matches on uploads",
            },
            "startsAt": "2026-11-25T09:08:45.828Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example.org:9090/graph?g0.expr=rate%28matches%5B5m%5D%29&g0.tab=1",
            "fingerprint": "1a30ba71cca2921f",
        }
    ],
    "groupLabels": {"alertname": "CsamHashMatchSpike"},
    "commonLabels": {
        "alertname": "CsamHashMatchSpike",
        "instance": "matcher-2.example.org",
        "job": "hash_matcher",
        "policy_area": "child_safety",
        "region": "ie",
        "severity": "critical",
    },
    "commonAnnotations": {
        "description": "Hash matches per minute are 12x the weekly baseline.",
        "summary": "Spike in known-CSAM hash matches on uploads",
    },
    "externalURL": "http://alertmanager.example.org:9093",
    "version": "4",
    "groupKey": '{}/{severity="critical"}:{alertname="CsamHashMatchSpike"}',
    "truncatedAlerts": 0,
}

# PagerDuty Events API v2 "trigger" event, the example of PagerDuty's developer docs.
PAGERDUTY_SAMPLE: dict[str, Any] = {
    "payload": {
        "summary": "Example alert on host1.example.com",
        "timestamp": "2015-07-17T08:42:58.315+0000",
        "source": (
            "monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003"
        ),
        "severity": "info",
        "component": "postgres",
        "group": "prod-datapipe",
        "class": "deploy",
        "custom_details": {"ping time": "1500ms", "load avg": 0.75},
    },
    "routing_key": "samplekeyhere",
    "dedup_key": "samplekeyhere",
    "images": [
        {
            "src": "https://www.pagerduty.com/wp-content/uploads/2016/05/pagerduty-logo-green.png",
            "href": "https://example.com/",
            "alt": "Example text",
        }
    ],
    "links": [{"href": "https://example.com/", "text": "Link text"}],
    "event_action": "trigger",
    "client": "Example Monitoring Client",
    "client_url": "https://monitoring.example.com",
}
