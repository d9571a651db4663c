"""Delivery through real Apprise over real sockets: e-mail to an SMTP sink, Slack and webhooks to local
receivers; outcome classes, Retry-After, timeouts, digests, per-target events, the ops target, and the CLI."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from monitor.app import App
from monitor.settings.loading import load_settings
from tests.kit.clock import Clock
from tests.kit.fakes import FakeFederalRegister, Receiver, ai_diffusion_rule, offline, synthetic_document
from tests.kit.fixtures import serving
from tests.kit.service import fr_monitor
from tests.kit.service import run_once as cycle


@serving
async def slack() -> AsyncIterator[list[dict[str, Any]]]:
    """A fake Slack incoming-webhook endpoint; Apprise's Slack plugin is pointed at it for the test."""
    from apprise.plugins.slack import NotifySlack

    posts: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        posts.append(await request.json())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/services/{a}/{b}/{c}", hook)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    original = NotifySlack.webhook_url
    NotifySlack.webhook_url = str(server.make_url("/services"))
    yield posts
    NotifySlack.webhook_url = original
    await server.close()


def config_with_targets(fr: FakeFederalRegister, tmp_path: Path, targets: str, extra: str = "") -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(
        offline(
            f'data_dir = "{tmp_path / "data"}"\nallow_private_targets = true\n'
            f'[federal_register]\nbase_url = "{fr.base_url}"\nper_page = 100\n'
            '[delivery]\nbackoff_base = "10m"\nbackoff_max = "1h"\ntimeout = 5\n'
            f"{targets}\n"
            '[[watchlists]]\nname = "ai"\nquery = \'"artificial intelligence" | "advanced computing"\'\n'
            f"{extra}"
        )
    )
    return path


HOSTILE_TITLE = "Artificial Intelligence <!channel> <script>alert(1)</script> <http://evil.example|official>"


async def test_email_reaches_the_smtp_sink_with_both_parts(fake_fr, smtp, tmp_path):
    sink, port = smtp
    targets = (
        f'[targets.mail]\nurl = "mailto://127.0.0.1:{port}?from=alerts@example.com&to=team@example.com&mode=insecure"'
    )
    config = config_with_targets(fake_fr, tmp_path, targets)
    await cycle(config)
    fake_fr.add(synthetic_document("2026-50001", HOSTILE_TITLE, abstract="About artificial intelligence & more."))
    await cycle(config)
    (message,) = sink.messages
    assert message["Subject"].startswith("[ai] Published: Artificial Intelligence")
    text = message.get_body(("plain",)).get_content()
    html_part = message.get_body(("html",)).get_content()
    assert "2026-50001" in text
    assert "<script>" not in html_part and "&lt;script&gt;" in html_part
    assert 'href="http://evil' not in html_part
    assert "<!channel>" not in html_part


async def test_slack_gets_escaped_text(fake_fr, slack, tmp_path):
    config = config_with_targets(fake_fr, tmp_path, '[targets.team]\nurl = "slack://T000AAAA/B000BBBB/CCCCCCCC"')
    await cycle(config)
    fake_fr.add(synthetic_document("2026-50002", HOSTILE_TITLE))
    await cycle(config)
    (post,) = slack
    payload = json.dumps(post)
    assert "<!channel>" not in payload and "<http://evil" not in payload
    text = post["attachments"][0]["text"] if "attachments" in post else post.get("text", "")
    assert "2026-50002" in text and post.get("attachments", [{}])[0].get("title", "").startswith("[ai] Published")


async def test_webhook_receiver_gets_the_documented_json(fake_fr, receiver, tmp_path):
    port = receiver.server.port  # type: ignore[union-attr]
    config = config_with_targets(fake_fr, tmp_path, f'[targets.hook]\nurl = "webhook://127.0.0.1:{port}/alerts"')
    await cycle(config)
    fake_fr.add(ai_diffusion_rule())
    await cycle(config)
    (payload,) = receiver.received
    assert payload["schema"] == "fr-monitor.alert" and payload["version"] == 1
    assert payload["event"] == "published" and payload["source"] == "federal_register"
    assert payload["document"]["number"] == "2025-00636"
    assert payload["document"]["regulation_id_numbers"] == ["0694-AJ90"]
    assert payload["alert_id"] == "published:federal_register:2025-00636:ai"
    assert {"term": '"artificial intelligence"', "field": "title"} in payload["matched"]


async def test_webhook_to_internal_address_refused_unless_allowed(monkeypatch):
    from monitor.notify import hosts

    real = socket.getaddrinfo

    def fake_dns(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "intranet.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 80))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    assert hosts.resolves_internal("intranet.example.com", 80)
    assert hosts.resolves_internal("127.0.0.1", 80)
    assert not hosts.resolves_internal("example.invalid", 80)

    from monitor.notify.render import Message
    from monitor.notify.sender import AppriseSender

    outcome = await AppriseSender(5, allow_private=False).send("webhook://intranet.example.com/x", Message("t", "{}"))
    assert not outcome.ok and not outcome.retryable and "internal address" in outcome.error
    outcome = await AppriseSender(5, allow_private=False).send("json://intranet.example.com/x", Message("t", "b"))
    assert not outcome.ok and not outcome.retryable and "internal address" in outcome.error


@pytest.mark.parametrize(
    ("script", "state", "attempts", "min_delay"),
    [
        ([(500, {})], "pending", 1, 0),
        ([(429, {"Retry-After": "3000"})], "pending", 1, 3000),
        ([(401, {})], "dead", 1, None),
        ([(404, {})], "dead", 1, None),
        ([(302, {"Location": "http://10.0.0.1/steal"})], "dead", 1, None),
        ([(200, {})], "sent", 1, None),
    ],
)
async def test_outcome_classes(fake_fr, receiver, tmp_path, script, state, attempts, min_delay):
    port = receiver.server.port  # type: ignore[union-attr]
    config = config_with_targets(fake_fr, tmp_path, f'[targets.hook]\nurl = "webhook://127.0.0.1:{port}/alerts"')
    clock = Clock(1_800_000_000.0)
    await cycle(config, clock)
    fake_fr.add(ai_diffusion_rule())
    receiver.script = list(script)
    app = await cycle(config, clock)
    app = App(load_settings(config))
    try:
        ((delivery, _),) = app.store.outbox.load_deliveries(None)
    finally:
        await app.close()
    assert (delivery.state, delivery.attempts) == (state, attempts)
    if min_delay is not None:
        assert delivery.next_attempt_at - clock.now >= min_delay
    assert receiver.attempts == 1  # a redirect is never followed


async def test_timeout_is_not_resent_at_once(fake_fr, receiver, tmp_path):
    port = receiver.server.port  # type: ignore[union-attr]
    config = config_with_targets(fake_fr, tmp_path, f'[targets.hook]\nurl = "json://127.0.0.1:{port}/x"')
    config.write_text(config.read_text().replace("timeout = 5", "timeout = 1"))
    clock = Clock(1_800_000_000.0)
    await cycle(config, clock)
    fake_fr.add(ai_diffusion_rule())
    receiver.delay = 2.5  # beyond the 1 s delivery timeout: Apprise gives up waiting, the receiver may get it
    await cycle(config, clock)
    app = App(load_settings(config))
    try:
        ((delivery, _),) = app.store.outbox.load_deliveries(None)
    finally:
        await app.close()
    assert delivery.state == "pending" and "may have got it" in delivery.last_error
    assert delivery.next_attempt_at - clock.now >= 300


async def test_target_events_filter_and_hourly_digest(fake_fr, tmp_path):
    rec_all, rec_digest = await Receiver().start(), await Receiver().start()
    try:
        targets = (
            f'[targets.only-updates]\nurl = "json://127.0.0.1:{rec_all.server.port}/a"\nevents = ["updated"]\n'  # type: ignore[union-attr]
            f'[targets.hourly]\nurl = "webhook://127.0.0.1:{rec_digest.server.port}/d"\ndigest = "hourly"\n'  # type: ignore[union-attr]
        )
        config = config_with_targets(fake_fr, tmp_path, targets)
        clock = Clock(1_800_001_200.0)  # 2027-01-15 08:20 UTC, 03:20 ET
        await cycle(config, clock)
        fake_fr.add(ai_diffusion_rule())
        fake_fr.add(synthetic_document("2026-50003", "Advanced Computing Items"))
        clock.now += 60
        await cycle(config, clock)
        assert rec_all.attempts == 0 and rec_digest.attempts == 0  # not an update; digest not yet due
        clock.now += 40 * 60  # past the top of the hour; a fresh process (restart) sends it
        await cycle(config, clock)
        assert rec_digest.attempts == 1
        (digest,) = rec_digest.received
        assert digest["schema"] == "fr-monitor.digest" and len(digest["alerts"]) == 2
        clock.now += 3600
        await cycle(config, clock)
        assert rec_digest.attempts == 1  # sent once
    finally:
        await rec_all.close()
        await rec_digest.close()


async def test_ops_target_hears_once_on_failure_and_once_on_recovery(fake_fr, tmp_path):
    failing, ops = await Receiver().start(), await Receiver().start()
    try:
        targets = (
            f'[targets.team]\nurl = "json://127.0.0.1:{failing.server.port}/t"\n'  # type: ignore[union-attr]
            f'[targets.ops]\nurl = "json://127.0.0.1:{ops.server.port}/o"\n'  # type: ignore[union-attr]
        )
        config = config_with_targets(fake_fr, tmp_path, targets)
        clock = Clock(1_800_000_000.0)
        await cycle(config, clock)
        for i in range(3):
            fake_fr.add(synthetic_document(f"2026-5010{i}", f"Artificial Intelligence notice {i}"))
        failing.fail_with, failing.fail_times = 503, 100
        await cycle(config, clock)
        assert failing.attempts == 3
        assert [m["title"] for m in ops.received] == ["fr-monitor: target team is failing"]
        failing.fail_times = 0
        clock.now += 7200
        await cycle(config, clock)
        assert len(failing.received) == 3
        assert [m["title"] for m in ops.received][1:] == ["fr-monitor: target team recovered"]
    finally:
        await failing.close()
        await ops.close()


async def test_deliveries_retry_and_test_notify_commands(fake_fr, receiver, tmp_path):
    port = receiver.server.port  # type: ignore[union-attr]
    config = config_with_targets(fake_fr, tmp_path, f'[targets.hook]\nurl = "json://127.0.0.1:{port}/x"')
    await cycle(config)
    fake_fr.add(ai_diffusion_rule())
    receiver.fail_with, receiver.fail_times = 404, 1
    await cycle(config)
    code, out, _ = await fr_monitor("deliveries", "--state", "dead", "--config", str(config))
    assert code == 0 and re.search(r"^1\s+1\s+hook\s+dead\s+1\s+-\s+published\s+ai\s+2025-00636", out, re.M), out
    assert "receiver answered HTTP 404" in out
    code, out, _ = await fr_monitor("deliveries", "--state", "pending", "--config", str(config))
    assert "no deliveries in state pending" in out
    code, out, _ = await fr_monitor("retry", "--dead", "--config", str(config))
    assert code == 0 and "queued again: delivery 1 to hook (was dead" in out and "1 queued with a fresh set" in out
    code, out, _ = await fr_monitor("retry", "--config", str(config))  # --dead is the default: none left
    assert code == 0 and "no dead deliveries: nothing to queue again" in out
    code, _, err = await fr_monitor("run", "--once", "--config", str(config))
    assert code == 0, err
    assert len(receiver.received) == 1
    code, _, err = await fr_monitor("retry", "99", "--config", str(config))
    assert code == 2 and "no unsent delivery with id 99" in err

    code, out, err = await fr_monitor("test-notify", "hook", "--config", str(config))
    assert code == 0, err
    assert (
        receiver.received[-1]["title"]
        == "[ai-export-controls] Published: [TEST] Framework for Artificial Intelligence Diffusion"
    )
    code, _, err = await fr_monitor("test-notify", "nope", "--config", str(config))
    assert code == 2 and "no target named 'nope'" in err


async def test_digest_and_retry_survive_a_real_restart(fake_fr, tmp_path):
    hook, daily = await Receiver().start(), await Receiver().start()
    try:
        targets = (
            f'[targets.hook]\nurl = "json://127.0.0.1:{hook.server.port}/h"\n'  # type: ignore[union-attr]
            f'[targets.daily]\nurl = "json://127.0.0.1:{daily.server.port}/d"\ndigest = "daily 08:00"\n'  # type: ignore[union-attr]
        )
        config = config_with_targets(fake_fr, tmp_path, targets)
        assert (await fr_monitor("run", "--once", "--config", str(config)))[0] == 0
        fake_fr.add(ai_diffusion_rule())
        hook.fail_with, hook.fail_times = 500, 1
        assert (await fr_monitor("run", "--once", "--config", str(config)))[0] == 0
        assert hook.attempts == 1 and daily.attempts == 0
        # a new process, a day and a half later: the retry's backoff and the digest's time have both passed
        later = {"FR_MONITOR_CLOCK_OFFSET": str(36 * 3600)}
        assert (await fr_monitor("run", "--once", "--config", str(config), env=later))[0] == 0
        assert len(hook.received) == 1 and daily.attempts == 1
        assert daily.received[0]["title"] == "fr-monitor daily digest: 1 alert"
        assert (await fr_monitor("run", "--once", "--config", str(config), env=later))[0] == 0
        assert hook.attempts == 2 and daily.attempts == 1
    finally:
        await hook.close()
        await daily.close()


async def test_webhook_sends_share_a_connection_then_let_it_go(serve) -> None:
    """The alerts of one poll go over one connection; an idle one is dropped on our side before a server's idle
    timeout could close it under us (a POST on a connection the server closed would fail for nothing)."""
    import asyncio

    from monitor.notify import webhook
    from monitor.notify.render import Message
    from monitor.notify.sender import AppriseSender

    peers: list[Any] = []

    async def handle(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername") if request.transport else None)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", handle)
    server = await serve(app)
    sender = AppriseSender(5, allow_private=True)
    try:
        url = f"webhook://127.0.0.1:{server.port}/hook"
        for _ in range(3):
            assert (await sender.send(url, Message("t", "{}"))).ok
        assert len(set(peers)) == 1, peers
        await asyncio.sleep(webhook.KEEPALIVE_SECONDS + 0.5)
        assert (await sender.send(url, Message("t", "{}"))).ok
        assert len(peers) == 4 and peers[3] != peers[0]
    finally:
        await sender.close()
