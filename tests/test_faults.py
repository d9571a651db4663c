"""Proof under faults: a flaky upstream (seeded, reproducible), flaky receivers, and the SIGKILL soak.

The flaky upstream throws, in a seeded order, 5xx bursts, 429 with Retry-After in seconds and as an HTTP
date, read timeouts, truncated JSON, a 200 HTML maintenance page, empty results, a missing field, a gzip
bomb and a redirect to another host, between real new documents. Expected: no false alert, no crash,
nothing stored lost, no request before a Retry-After expires, and the first poll after a fault recovers.
The app runs on a fake clock (tests.kit.clock.Clock): a Retry-After is waited out, and checked, on fake time.
"""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import random
from pathlib import Path

import pytest
from aiohttp import web

from monitor.app import App
from monitor.settings.loading import load_settings
from tests.kit.clock import Clock, at
from tests.kit.fakes import FakeFederalRegister, Receiver, offline, synthetic_document

ROOT = Path(__file__).resolve().parent.parent
FAULTS = [
    "5xx_burst",
    "429_seconds",
    "429_http_date",
    "read_timeout",
    "truncated_json",
    "html_maintenance",
    "empty_results",
    "missing_field",
    "gzip_bomb",
    "redirect_away",
]


class FlakyFederalRegister(FakeFederalRegister):
    """The fake Federal Register, with one scripted fault per request while `fault` is set. It tells time by
    the app's fake clock: `monotonic` for when a request came, the clock's Unix time for an HTTP date."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock
        self.fault: str | None = None
        self.remaining = 0
        self.times: list[float] = []
        self.not_before = 0.0  # fake monotonic time before which a request breaks the Retry-After promise
        self.early: list[float] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        now = self.clock.monotonic()
        self.times.append(now)
        if now < self.not_before - 1e-9:  # (a fake sleep's sum may miss its end by a float's last bit)
            self.early.append(now)
        if self.fault is None or self.remaining <= 0:
            return await super().handle(request)
        self.remaining -= 1
        fault = self.fault
        if fault == "5xx_burst":
            return web.json_response({"status": 503}, status=503)
        if fault == "429_seconds":
            self.not_before = now + 2
            return web.json_response({"status": 429}, status=429, headers={"Retry-After": "2"})
        if fault == "429_http_date":
            self.not_before = now + 3  # the fake clock's Unix time is whole seconds: exactly 3 s away
            when = email.utils.formatdate(self.clock() + 3, usegmt=True)
            return web.json_response({"status": 429}, status=429, headers={"Retry-After": when})
        if fault == "read_timeout":
            await asyncio.sleep(2)  # past the client's 0.5 s timeout (aiohttp's own, so on real time)
            return web.json_response({})
        if fault == "truncated_json":
            return web.Response(
                text='{"count": 5, "results": [{"document_number": "2026-', content_type="application/json"
            )
        if fault == "html_maintenance":
            return web.Response(
                text="<html><body><h1>Down for maintenance</h1></body></html>", content_type="text/html"
            )
        if fault == "empty_results":
            return web.json_response({"description": "nothing", "count": 0})
        if fault == "missing_field":
            return web.json_response({"count": 1, "results": [{"document_number": "2026-99999", "type": "Rule"}]})
        if fault == "gzip_bomb":
            bomb = gzip.compress(b"[" * (8 * 1024 * 1024))
            return web.Response(body=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
        if fault == "redirect_away":
            raise web.HTTPFound("http://10.0.0.1/api/v1/documents.json")
        raise AssertionError(fault)


async def test_flaky_upstream_seeded(tmp_path, serve):
    rng = random.Random(20261126)
    clock = Clock(at("2026-11-25 10:00"))
    fake = FlakyFederalRegister(clock)
    app_ = web.Application()
    app_.router.add_get("/api/v1/documents.json", fake.handle)
    app_.router.add_get("/api/v1/documents", fake.handle)
    fake.server = await serve(app_)
    receiver = await Receiver().start()
    try:
        config = tmp_path / "monitor.toml"
        config.write_text(
            offline(
                f'data_dir = "{tmp_path / "data"}"\nallow_private_targets = true\n[web]\nenabled = false\n'
                f'[federal_register]\nbase_url = "{fake.base_url}"\nper_page = 100\n'
                "[http]\ntimeout = 0.5\nmax_response_bytes = 1048576\n"
                f'[delivery]\nbackoff_base = "0s"\n[targets.hook]\nurl = "{receiver.url()}"\n'
                "[[watchlists]]\nname = 'ai'\nquery = '\"artificial intelligence\"'\n"
            )
        )
        app = App(load_settings(config), clock=clock)
        await app.run_once()
        expected: list[str] = []
        order = rng.sample(FAULTS, len(FAULTS))
        for i, fault in enumerate(order):
            stored = app.store.snapshots.load_snapshot_hashes(
                "federal_register", [d["document_number"] for d in fake.documents]
            )
            # a burst lasts past the client's retries within one poll; single faults are retried through
            fake.fault, fake.remaining = fault, (3 if fault in ("5xx_burst", "read_timeout") else 1)
            outcome = await app.poll(app.sources[0])
            if fault == "empty_results":
                assert outcome.ok  # a valid empty answer: nothing new, nothing removed
            elif fault in ("429_seconds", "429_http_date"):
                assert outcome.ok, (fault, outcome.error)  # waited out the Retry-After, then succeeded
            else:
                assert not outcome.ok, fault
            # nothing stored changed or was lost
            after = app.store.snapshots.load_snapshot_hashes("federal_register", list(stored))
            assert after == stored, fault
            assert receiver.attempts == len(expected), f"false alert after {fault}"
            # the fault ends; a real document arrives; the next poll recovers and alerts exactly once
            fake.fault = None
            number = f"2026-8{i:04d}"
            fake.add(synthetic_document(number, f"Artificial Intelligence rule {i}", publication_date="2026-11-25"))
            expected.append(number)
            recovered = await app.poll(app.sources[0])
            await app.dispatcher.dispatch_due()
            assert recovered.ok, (fault, recovered.error)
            assert [r["message"].split("\n")[0].rsplit(" ", 1)[-1] for r in receiver.received] == expected
        assert fake.early == [], "a request was sent before its Retry-After expired"
        assert len(fake.times) > 2 * len(FAULTS)  # the check above saw every request
        assert app.store.integrity_check() == "ok"
        await app.close()
    finally:
        await receiver.close()


class DroppingReceiver:
    """Accepts the connection, reads the request, and closes without answering."""

    def __init__(self) -> None:
        self.attempts = 0
        self.server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.attempts += 1
        await reader.read(65536)
        writer.close()

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])


@pytest.mark.parametrize(
    ("behaviour", "state", "attempts"),
    [
        ("500", "dead", 3),  # retried to max_attempts, then dead
        ("429", "dead", 3),
        ("404", "dead", 1),  # permanent: dead at once
        ("slow", "pending", 1),  # timed out: may have arrived, so not re-sent at once
        ("drop", "dead", 3),  # connection closed without an answer: retried like a 5xx
        ("200_wrong_body", "sent", 1),  # a 2xx is acceptance, whatever the body says
    ],
)
async def test_flaky_receivers(fake_fr, tmp_path, behaviour, state, attempts):
    receiver = await Receiver().start()
    dropper = DroppingReceiver()
    try:
        if behaviour == "drop":
            url = f"json://127.0.0.1:{await dropper.start()}/x"
        else:
            url = receiver.url()
            if behaviour in ("500", "429", "404"):
                receiver.fail_with, receiver.fail_times = int(behaviour), 99
            elif behaviour == "slow":
                receiver.delay = 2.5
            elif behaviour == "200_wrong_body":
                receiver.script = [(200, {"Content-Type": "text/html"})]
        config = tmp_path / "monitor.toml"
        config.write_text(
            offline(
                f'data_dir = "{tmp_path / "data"}"\nallow_private_targets = true\n[web]\nenabled = false\n'
                f'[federal_register]\nbase_url = "{fake_fr.base_url}"\nper_page = 100\n'
                '[delivery]\nbackoff_base = "0s"\nbackoff_max = "0s"\nmax_attempts = 3\ntimeout = 1\n'
                f'[targets.hook]\nurl = "{url}"\n'
                "[[watchlists]]\nname = 'ai'\nquery = '\"artificial intelligence\"'\n"
            )
        )
        app = App(load_settings(config))
        await app.run_once()
        fake_fr.add(synthetic_document("2026-88888", "Artificial Intelligence rule"))
        await app.run_once()
        ((delivery, _),) = app.store.outbox.load_deliveries(None)
        await app.close()
        assert (delivery.state, delivery.attempts) == (state, attempts)
        seen = dropper.attempts if behaviour == "drop" else receiver.attempts
        assert seen == attempts
    finally:
        await receiver.close()
        if dropper.server is not None:
            dropper.server.close()


async def test_soak_small_and_its_negative_control(python):
    """CI's small version of scripts/soak: a few kills lose nothing, and the control proves loss is seen."""

    async def soak(*args: str) -> tuple[int, str]:
        proc = await asyncio.create_subprocess_exec(
            python,
            str(ROOT / "scripts" / "soak"),
            *args,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), 120)
        return int(proc.returncode or 0), out.decode()

    code, out = await soak("--kills", "3", "--seed", "7")
    assert code == 0, out
    assert "missed: 0" in out and "integrity_check: ok" in out and "dead deliveries: 0" in out
    code, out = await soak("--kills", "1", "--seed", "8", "--negative-control")
    assert code == 0, out
    assert "missed: 1" in out and "negative control: detected the lost alert" in out
