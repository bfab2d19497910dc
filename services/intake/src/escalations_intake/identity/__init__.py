"""People signing in with a browser: OpenID Connect, local links, sessions and CSRF.

``oidc`` talks to the provider through authlib, ``claims`` maps its verified e-mail to a
configured person, ``flow`` and ``local`` are the steps of a sign-in, ``session_auth`` is
the guard's session port, and ``routes`` the endpoints (docs/sign-in.md).
"""
