"""Setting up: `check-config`, `healthcheck` and `test-notify`."""

from __future__ import annotations

import sys

from monitor.cli.asking import ask, service_address
from monitor.settings.loading import ConfigError, load_settings
from monitor.settings.model import Settings

EXIT_CONFIG = 2


def check_config(settings: Settings, as_json: bool) -> int:
    import json

    from monitor.store.base import DB_FILENAME
    from monitor.store.silences import count_silences_read_only
    from monitor.summary import format_summary, summarise, summary_json
    from monitor.testhooks import wall_clock

    counted = count_silences_read_only(settings.data_dir / DB_FILENAME, wall_clock())
    if as_json:
        summary = json.loads(summary_json(settings))
        summary["silences"] = {"active": counted[0], "total": counted[1]} if counted else None
        print(json.dumps(summary, indent=2))
        return 0
    print("configuration is valid\n" + format_summary(summarise(settings)))
    if counted is None:
        print("silences: none (no database in data_dir yet)")
    else:
        print(f"silences: {counted[0]} active, {counted[1]} in all (`fr-monitor silence list`)")
    return 0


def healthcheck(config: str | None) -> int:
    """For the image's HEALTHCHECK (no curl in the image): healthy when the running service is alive (/healthz)
    and ready (/readyz), the verdict the console's overview opens with; not ready prints the problems /readyz
    names. It asks the running service, so a config file edited into an invalid state (which the running
    service rejects on reload) does not make a healthy service look sick: only the [web] address is read from
    it then, and the answer says so. A config that is missing, or whose [web] address cannot be read, is exit 2.
    Every answer names the address it tried."""
    from monitor.settings.loading import load_web_settings

    note = ""
    try:
        web = load_settings(config, secrets=False).web
    except ConfigError as exc:
        fallback = load_web_settings(config)
        if fallback is None:
            print(
                f"fr-monitor: healthcheck: cannot tell which address to ask: {exc.problems[0]} "
                "(fix --config or MONITOR_CONFIG; `fr-monitor check-config` lists every problem)",
                file=sys.stderr,
            )
            return EXIT_CONFIG
        web = fallback
        note = (
            f" (the configuration is invalid, {len(exc.problems)} problem(s): see `fr-monitor check-config`; "
            "its [web] address was used)"
        )
    base = service_address(web)
    try:
        alive, _ = ask(f"{base}/healthz")
        ready, answer = ask(f"{base}/readyz")
    except OSError as exc:
        reason = getattr(exc, "reason", exc)
        text = getattr(reason, "strerror", None) or str(reason)
        print(f"fr-monitor: unhealthy: {base}/healthz: {text}{note}", file=sys.stderr)
        return 1
    if not alive:
        print(f"fr-monitor: unhealthy: {base}/healthz: the event loop is stalled{note}", file=sys.stderr)
        return 1
    if not ready:
        problems = answer.get("problems") or ["not ready"]
        print(
            f"fr-monitor: unhealthy: not ready ({base}/readyz): " + "; ".join(map(str, problems)) + note,
            file=sys.stderr,
        )
        return 1
    print(f"healthy: {base}{note}")
    return 0


async def test_notify(settings: Settings, target: str) -> int:
    from monitor.notify.render import channel_of, render_alert
    from monitor.notify.samples import sample_alert
    from monitor.notify.sender import AppriseSender
    from monitor.notify.targets import privacy_url

    urls = settings.target_urls()
    if target not in urls:
        print(f"fr-monitor: no target named {target!r}; known: {', '.join(sorted(urls))}", file=sys.stderr)
        return EXIT_CONFIG
    url = urls[target]
    message = render_alert(sample_alert(test=True), channel_of(url))
    sender = AppriseSender(settings.delivery.timeout, settings.allow_private_targets)
    try:
        outcome = await sender.send(url, message)
    finally:
        await sender.close()
    if outcome.ok:
        print(f"sample alert sent to {target} ({privacy_url(url)})")
        return 0
    print(f"fr-monitor: sample alert to {target} ({privacy_url(url)}) failed: {outcome.error}", file=sys.stderr)
    return 1
