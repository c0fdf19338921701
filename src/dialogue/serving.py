"""How `dialogue serve` runs uvicorn, in one place so the tests serve the app the same way.

Behind a reverse proxy, uvicorn replaces the peer's address and scheme with those in
X-Forwarded-For and X-Forwarded-Proto, but only for a peer in `forwarded_allow_ips`. That
address is what the per-address limits count (`ratelimit.client_address`), and the scheme
decides whether cookies are `Secure` (`web.templating.secure_cookies`): trusting anyone
would let every client choose its own address and escape the limits.
"""

from __future__ import annotations

from typing import Any

from dialogue.adapters.websocket_protocol import GoingAwayProtocol
from dialogue.config import Settings


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of `uvicorn.run` / `uvicorn.Config` besides the app and address."""
    return {
        "ws": GoingAwayProtocol,
        "proxy_headers": settings.proxy_headers,
        # None leaves it to uvicorn: FORWARDED_ALLOW_IPS, else the loopback addresses.
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "ws_per_message_deflate": False,  # costs ~1.8x CPU per frame for small frames
    }
