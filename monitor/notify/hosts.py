"""Whether a host is inside the network the service runs in (loopback, private, link-local, ...).

An alert must not become a way to reach into that network, so target hosts are checked at load and, for
targets that POST to a host the operator names, again after DNS at send time.
"""

from __future__ import annotations

import ipaddress
import socket

# Hostnames that always mean "this machine" or "this network", whatever DNS says.
_INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
_INTERNAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def is_internal_host(host: str) -> bool:
    host = host.strip("[]").rstrip(".").lower()
    if not host:
        return False
    if host in _INTERNAL_NAMES or host.endswith(_INTERNAL_SUFFIXES):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global


def resolves_internal(host: str, port: int) -> bool:
    """Whether any address `host` resolves to is internal (loopback, private, link-local...)."""
    if is_internal_host(host):
        return True
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError:
        return False  # unresolvable: the POST fails on its own, as a retryable connection error
    return any(is_internal_host(str(info[4][0])) for info in infos)
