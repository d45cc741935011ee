"""Who is the client: its IP address, as far as the trusted proxies in front of us say."""

from __future__ import annotations

import hashlib
import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client address, honouring ``TRUSTED_PROXY_COUNT``.

    Each proxy appends the address it received the request from to ``X-Forwarded-For``, and the
    last proxy is ``REMOTE_ADDR``. With N trusted proxies the last N addresses of that chain are
    theirs, so the client is the one before them: the right-most hop we did not add ourselves.
    Anything further left was written by the client and may be forged.
    """
    remote = request.META.get("REMOTE_ADDR") or ""
    trusted = int(settings.TRUSTED_PROXY_COUNT)
    if trusted <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    chain = [hop.strip() for hop in forwarded.split(",") if hop.strip()] + [remote]
    # A shorter chain than expected means a proxy was bypassed; its left end is all we have.
    candidate = chain[-(trusted + 1)] if len(chain) > trusted else chain[0]
    return candidate if _is_ip(candidate) else remote


def rate_limit_ident(ip: str) -> str:
    """The key to count an address under. One IPv6 host usually owns a whole /64, so count that."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # a dual-stack socket's view of an IPv4 client
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def key_digest(value: object) -> str:
    """A rate-limit key part for a client-supplied value: fixed length, any text welcome.

    Request bodies are checked after the throttles run, so the value may be anything, a lone
    surrogate included (which UTF-8 cannot encode): ``surrogatepass`` encodes every ``str``.
    Non-strings key as the empty value.
    """
    text = value.strip() if isinstance(value, str) else ""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
