"""Who may call the API: API keys (``api_keys``), the per-request check (``guard``), rate limits.

The key store's own names are exported here too: tools that issue keys (the key command,
the dev stack, tests) import them from ``escalations_intake.auth``.
"""

from escalations_intake.auth.api_keys import Principal, Scope, new_key, store_key

__all__ = ["Principal", "Scope", "new_key", "store_key"]
