"""Who may call the API: API keys, personal tokens, sessions, the per-request check, rates.

Sources use API keys (``api_keys``); people use personal tokens (``tokens``) or a session
(the ``sessions`` port); ``guard`` checks every request, ``rate_limit`` holds its rates.

The key store's own names are exported here too: tools that issue keys (the key command,
the dev stack, tests) import them from ``escalations_intake.auth``.
"""

from escalations_intake.auth.api_keys import new_key, store_key
from escalations_intake.auth.people import person_principal
from escalations_intake.auth.principal import Principal, Scope

__all__ = ["Principal", "Scope", "new_key", "person_principal", "store_key"]
