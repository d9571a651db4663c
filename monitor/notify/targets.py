"""Target URLs: checking them at load and showing them safely.

A target's URL is a secret (Slack tokens, SMTP passwords live in it). It is parsed by Apprise and shown only in
Apprise's privacy form. A target whose host is an internal address (loopback, private, link-local, ...) is
refused unless `allow_private_targets = true`: an alert must not become a way to reach into the network the
service runs in.
"""

from __future__ import annotations

import ipaddress
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import apprise
from apprise.decorators import notify as apprise_plugin

# Hostnames that always mean "this machine" or "this network", whatever DNS says.
_INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
_INTERNAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


class TargetRefused(Exception):
    """A target URL that is unusable or not allowed; its message never contains the URL's secrets."""


@apprise_plugin(on="console", name="Console (standard output)")  # type: ignore[untyped-decorator,no-untyped-call]
def _console(body: str, title: str, *args: Any, **kwargs: Any) -> bool:
    """The built-in target: prints alerts, so a first run shows something without any set-up."""
    sys.stdout.write(f"{title}\n{body}\n\n" if title else f"{body}\n\n")
    sys.stdout.flush()
    return True


@contextmanager
def quiet_apprise() -> Iterator[None]:
    """Parse URLs without Apprise logging about them (its messages can quote the URL)."""
    logger = logging.getLogger("apprise")
    previous = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(previous)


def instantiate(url: str) -> Any:
    with quiet_apprise():
        plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        scheme = url.split("://", 1)[0] if "://" in url else "(none)"
        raise TargetRefused(f"not a usable Apprise URL (scheme {scheme!r})")
    return plugin


def privacy_url(url: str) -> str:
    """The URL as Apprise shows it with secrets masked, cut to scheme and host: paths and query strings often
    carry tokens Apprise does not know are secret. A fixed placeholder when it cannot be parsed."""
    try:
        plugin = instantiate(url)
    except TargetRefused:
        return "(unparsable URL hidden)"
    scheme = url.split("://", 1)[0].lower()
    if scheme in ("webhook", "webhooks"):  # our own plugin: Apprise's privacy form would drop the host
        parts = urlsplit(url)
        user = "****@" if parts.username or parts.password else ""
        port = f":{parts.port}" if parts.port else ""
        tail = "/…" if parts.path.strip("/") or parts.query else ""
        return f"{scheme}://{user}{parts.hostname or ''}{port}{tail}"
    shown = str(plugin.url(privacy=True))
    scheme, _, rest = shown.partition("://")
    netloc, sep, tail = rest.partition("/")
    netloc = netloc.split("?", 1)[0]
    return f"{scheme}://{netloc}" + ("/…" if (sep and tail.strip("/?")) or "?" in rest else "")


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


def check_target_url(url: str, *, allow_private: bool) -> None:
    """Raise TargetRefused if `url` is unusable, or points at an internal host and that is not allowed."""
    plugin = instantiate(url)
    host = getattr(plugin, "host", None)
    if isinstance(host, str) and not allow_private and is_internal_host(host):
        raise TargetRefused(
            f"{privacy_url(url)} points at an internal address; set allow_private_targets = true to allow it"
        )


# Registers the webhook:// and webhooks:// plugins with Apprise, so they parse wherever a target URL is
# checked. Imported last: the module uses is_internal_host from above.
from monitor.notify import webhook as _webhook  # noqa: E402, F401
