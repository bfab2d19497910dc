"""POSTing JSON to an HTTP endpoint and classifying the answer, shared by the HTTP channels."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import urlsplit

import aiohttp

from escalations_notifier.channels.base import DeliveryError, retry_after_seconds

# Proxy variables aiohttp honours with ``trust_env``; it then re-reads the environment (and
# ~/.netrc) on every request, so it is only switched on when one of them is set.
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy")


def endpoint_of(url: str) -> str:
    """Return scheme://host:port of a URL: the breaker key, which holds no path secret."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


class HttpClients:
    """One aiohttp session for every HTTP channel: keep-alive connections, a few per endpoint.

    The session is opened on first use, inside the running event loop. aiohttp's connector
    keys its pool on (host, port, TLS), the same as ``endpoint_of``, and caps the
    connections to each at ``per_endpoint``; more concurrent sends wait for a free one.
    """

    def __init__(self, timeout: float, per_endpoint: int = 4, total: int = 256) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._per_endpoint = per_endpoint
        self._total = total
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """Return the shared session, opening it if needed."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._total,
                limit_per_host=self._per_endpoint,
                keepalive_timeout=30,
                ttl_dns_cache=60,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                cookie_jar=aiohttp.DummyCookieJar(),  # webhooks are stateless: keep no cookies
                trust_env=any(os.environ.get(name) for name in PROXY_VARIABLES),
            )
        return self._session

    async def aclose(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None


async def post(
    clients: HttpClients,
    what: str,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    retryable: frozenset[int],
) -> None:
    """POST ``body``; return on a 2xx answer, else raise ``DeliveryError`` naming ``what``.

    The URL never appears in the error: for Slack and Teams it is the credential. Only the
    exception's type name is kept, since aiohttp's messages name the URL or host.
    """
    try:
        async with clients.session.post(
            url, data=body, headers=headers, allow_redirects=False
        ) as response:
            # Reading the whole answer lets the connection go back to the pool for reuse.
            await response.read()
            status = response.status
            retry_after = response.headers.get("Retry-After")
    except aiohttp.InvalidURL as exc:
        raise DeliveryError(f"{what} address is not a valid URL", retryable=False) from exc
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise DeliveryError(f"{what} unreachable: {type(exc).__name__}", retryable=True) from exc
    if 200 <= status < 300:
        return
    raise DeliveryError(
        f"{what} answered {status}",
        retryable=status in retryable,
        retry_after=retry_after_seconds(retry_after, datetime.now(UTC)),
    )
