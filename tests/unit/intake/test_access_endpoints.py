"""The role x endpoint table (docs/contract/access.md) covers the whole intake API."""

from __future__ import annotations

from escalations.core.access_endpoints import ENDPOINTS
from escalations_intake.http.app import create_app
from escalations_intake.settings import IntakeSettings

# Endpoints that no person's role decides (docs/contract/access.md, "Endpoints").
NOT_ROLES = {
    ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/v1/me"),
    ("GET", "/v1/ack/{token}"), ("POST", "/v1/ack/{token}"), ("GET", "/v1/feeds/{secret}.ics"),
    ("POST", "/v1/integrations/alertmanager"), ("POST", "/v1/integrations/pagerduty"),
    ("POST", "/v2/enqueue"),
}  # fmt: skip


def test_every_endpoint_has_its_action_in_the_access_table() -> None:
    """Each documented endpoint is in access_endpoints.ENDPOINTS or is not a person's to call."""
    paths = create_app(IntakeSettings()).openapi()["paths"]
    served = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    listed = {(endpoint.method, endpoint.path) for endpoint in ENDPOINTS}
    assert (set(), set()) == (listed - served, served - listed - NOT_ROLES)
