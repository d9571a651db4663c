"""Target URLs: checking them and showing them safely. The one place that asks Apprise to parse a URL.

A target's URL is a secret (Slack tokens, SMTP passwords live in it). It is shown only in Apprise's privacy
form. A target whose host is an internal address (loopback, private, link-local, ...) is refused unless
`allow_private_targets = true`: an alert must not become a way to reach into the network the service runs in.

Apprise is imported only here and in the sender, on first use, with only the plugin a target's scheme needs
(`apprise_for`): Apprise would otherwise import all of its ~190 plugins. `console://`, `webhook://` and
`webhooks://` are ours and never reach Apprise.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from monitor.config_file import ConfigError
from monitor.notify.hosts import is_internal_host
from monitor.notify.schemes import CONSOLE, WEBHOOK_SCHEMES, scheme_of
from monitor.settings import TargetSettings


class TargetRefused(Exception):
    """A target URL that is unusable or not allowed; its message never contains the URL's secrets."""


_PROTOCOL = re.compile(r"^\s*(?:secure_)?protocol\s*=\s*(.+)$", re.M)
_QUOTED = re.compile(r"[\"']([A-Za-z0-9+.-]+)[\"']")


# The plugin modules of the schemes teams use most, so that loading one does not first read the source of every
# plugin (the scan below: about 0.3 s, at every start and check-config). A test holds this table to what the scan
# finds in the installed Apprise; any other scheme is found by the scan.
COMMON_PLUGIN_MODULES = {
    "slack": "slack",
    "mailto": "email",
    "mailtos": "email",
    "json": "custom_json",
    "jsons": "custom_json",
    "xml": "custom_xml",
    "xmls": "custom_xml",
    "form": "custom_form",
    "forms": "custom_form",
    "discord": "discord",
    "workflow": "workflows",
    "workflows": "workflows",
    "gchat": "google_chat",
    "mmost": "mattermost",
    "mmosts": "mattermost",
    "matrix": "matrix",
    "matrixs": "matrix",
    "ntfy": "ntfy",
    "ntfys": "ntfy",
    "tgram": "telegram",
    "pagerduty": "pagerduty",
    "opsgenie": "opsgenie",
}


@cache
def _plugin_modules() -> dict[str, str]:
    """Apprise's plugin modules by the URL schemes they declare, read from their source text, so that finding
    the one a target needs does not import all ~190 of them (about 16 MiB)."""
    import apprise.plugins

    folder = Path(apprise.plugins.__file__).parent
    found: dict[str, str] = {}
    for entry in sorted(folder.iterdir()):
        name = entry.name.removesuffix(".py")
        if name.startswith(("_", "base")) or not (entry.suffix == ".py" or entry.is_dir()):
            continue
        files = [entry] if entry.is_file() else sorted(entry.glob("*.py"))
        for file in files:
            for declared in _PROTOCOL.findall(file.read_text(encoding="utf-8", errors="replace")):
                for scheme in _QUOTED.findall(declared):
                    found.setdefault(scheme.lower(), name)
    return found


def apprise_for(url: str) -> ModuleType:
    """Apprise, with the plugin this URL needs loaded, and only that one where its scheme is known; any other
    URL (an https:// URL Apprise recognises by its host, say) loads them all, as Apprise itself would."""
    import apprise
    from apprise.plugins import N_MGR

    scheme = scheme_of(url)
    module = COMMON_PLUGIN_MODULES.get(scheme) or _plugin_modules().get(scheme)
    with quiet_apprise():
        if module is None:
            N_MGR.load_modules()  # type: ignore[no-untyped-call]
        elif module not in (N_MGR._module_map or {}):  # Apprise offers no public way to ask
            package = (Path(apprise.plugins.__file__).parent / module).is_dir()
            with tempfile.TemporaryDirectory() as listing:
                # load_modules imports apprise.plugins.<name> for each name it lists in a folder.
                (Path(listing) / (module if package else f"{module}.py")).touch()
                N_MGR.load_modules(path=listing)  # type: ignore[no-untyped-call]
    return apprise


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
    apprise = apprise_for(url)
    with quiet_apprise():
        plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        raise TargetRefused(f"not a usable Apprise URL (scheme {scheme_of(url) or '(none)'!r})")
    return plugin


def privacy_url(url: str) -> str:
    """The URL as Apprise shows it with secrets masked, cut to scheme and host: paths and query strings often
    carry tokens Apprise does not know are secret. A fixed placeholder when it cannot be parsed."""
    scheme = scheme_of(url)
    if scheme == CONSOLE:
        return "console://"
    if scheme in WEBHOOK_SCHEMES:
        parts = urlsplit(url)
        user = "****@" if parts.username or parts.password else ""
        port = f":{parts.port}" if parts.port else ""
        tail = "/…" if parts.path.strip("/") or parts.query else ""
        return f"{scheme}://{user}{parts.hostname or ''}{port}{tail}"
    try:
        plugin = instantiate(url)
    except TargetRefused:
        return "(unparsable URL hidden)"
    shown = str(plugin.url(privacy=True))
    scheme, _, rest = shown.partition("://")
    netloc, sep, tail = rest.partition("/")
    netloc = netloc.split("?", 1)[0]
    return f"{scheme}://{netloc}" + ("/…" if (sep and tail.strip("/?")) or "?" in rest else "")


def target_host(url: str) -> str | None:
    if scheme_of(url) == CONSOLE:
        return None
    if scheme_of(url) in WEBHOOK_SCHEMES:
        return urlsplit(url).hostname
    host = getattr(instantiate(url), "host", None)
    return host if isinstance(host, str) else None


def check_target_url(url: str, *, allow_private: bool) -> None:
    """Raise TargetRefused if `url` is unusable, or points at an internal host and that is not allowed."""
    if scheme_of(url) in WEBHOOK_SCHEMES and not urlsplit(url).hostname:
        raise TargetRefused(f"{scheme_of(url)}:// needs a host")
    host = target_host(url)
    if host and not allow_private and is_internal_host(host):
        raise TargetRefused(
            f"{privacy_url(url)} points at an internal address; set allow_private_targets = true to allow it"
        )


def check_targets(targets: Mapping[str, TargetSettings], allow_private: bool, where: str) -> None:
    """Every target URL parsed and checked: ConfigError naming each target that cannot be used. Separate from
    loading settings, so commands that send nothing never load Apprise."""
    problems = target_url_problems(targets, allow_private, where)
    if problems:
        raise ConfigError(problems)


def target_url_problems(targets: Mapping[str, TargetSettings], allow_private: bool, where: str) -> list[str]:
    problems = []
    for name, target in targets.items():
        try:
            check_target_url(target.resolve_url(), allow_private=allow_private)
        except (ValueError, TargetRefused) as exc:
            problems.append(f"{where}: targets.{name}: {exc}")
    return problems
