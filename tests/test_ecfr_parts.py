"""The eCFR, part by part: one part that fails is a failed read of that part only; the others still alert, and
the failed part is read again (silently, as its own baseline) once it answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from monitor.app import App
from monitor.core.identity import ecfr_part_item, ecfr_part_item_of_section
from monitor.settings.loading import load_settings
from tests.kit.fakes import Receiver, offline
from tests.kit.service import fr_monitor


@pytest.mark.parametrize(
    ("section", "item"),
    [
        ("15 CFR 744.23", "title-15-part-744"),
        ("15 CFR 734.9", "title-15-part-734"),
        ("2 CFR 200.1", "title-2-part-200"),
    ],
)
def test_part_item_of_a_section(section: str, item: str) -> None:
    assert ecfr_part_item_of_section(section) == item
    title, part = item.removeprefix("title-").split("-part-")
    assert ecfr_part_item(int(title), part) == item


def part_xml(part: str, sections: dict[str, str]) -> str:
    divs = "".join(
        f'<DIV8 N="{n}" TYPE="SECTION"><HEAD>§ {n} {head}</HEAD><P>(a) {head} text.</P>'
        "<CITA>[90 FR 4544, Jan. 15, 2025]</CITA></DIV8>"
        for n, head in sections.items()
    )
    return f'<?xml version="1.0"?><ECFR><DIV5 N="{part}" TYPE="PART">{divs}</DIV5></ECFR>'


@dataclass
class PartwiseEcfr:
    amended: str = "2025-01-01"
    parts: dict[str, dict[str, str]] = field(default_factory=dict)  # part -> section -> heading
    broken: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)
    server: TestServer | None = None

    async def titles(self, _: web.Request) -> web.Response:
        return web.json_response({"titles": [{"number": 15, "latest_amended_on": self.amended}]})

    async def full(self, request: web.Request) -> web.Response:
        part = request.query.get("part", "")
        self.requests.append(part)
        if part in self.broken or part not in self.parts:
            return web.json_response({"error": "not found"}, status=404)
        return web.Response(text=part_xml(part, self.parts[part]), content_type="application/xml")

    async def start(self) -> PartwiseEcfr:
        app = web.Application()
        app.router.add_get("/v1/titles.json", self.titles)
        app.router.add_get("/v1/full/{date}/title-15.xml", self.full)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self


def write_config(tmp_path: Path, fake: PartwiseEcfr, receiver: Receiver) -> Path:
    config = tmp_path / "monitor.toml"
    config.write_text(
        offline(
            f'data_dir = "{tmp_path / "data"}"\nallow_private_targets = true\nops_alert_after_failures = 2\n'
            "[web]\nenabled = false\n"
            "[federal_register]\nenabled = false\n"
            f'[ecfr]\nenabled = true\nbase_url = "{fake.server.make_url("/v1/")}"\nparts = ["15:734", "15:744"]\n'  # type: ignore[union-attr]
            f'[targets.hook]\nurl = "{receiver.url()}"\n[targets.ops]\nurl = "{receiver.url("ops")}"\n'
            "[[watchlists]]\nname = 'ear'\nquery = 'zzznotaword'\ncfr = ['15:730-774']\nnotify = ['hook']\n"
        )
    )
    return config


async def test_one_failing_part_does_not_hold_up_the_others(receiver: Receiver, tmp_path: Path) -> None:
    fake = await PartwiseEcfr(parts={"734": {"734.1": "Scope."}, "744": {"744.1": "General."}}).start()
    try:
        config = write_config(tmp_path, fake, receiver)
        fake.broken = {"734"}
        app = App(load_settings(config))
        try:
            (baseline,) = await app.run_once()
            assert baseline.ok and [p for p, _ in baseline.failed_parts] == ["15 CFR part 734"]
            # Part 744 is amended; 734 still answers 404.
            fake.amended = "2025-02-01"
            fake.parts["744"]["744.24"] = "Artificial intelligence model weights."
            (second,) = await app.run_once()
        finally:
            await app.close()
        assert second.ok and [p for p, _ in second.failed_parts] == ["15 CFR part 734"]
        alerts = [r["title"] for r in receiver.received if "Regulation text changed" in r["title"]]
        assert alerts == ["[ear] Regulation text changed: § 744.24 Artificial intelligence model weights."]
        (ops,) = [r for r in receiver.received if "is failing" in r["title"]]
        assert ops["title"] == "fr-monitor: ecfr 15 CFR part 734 is failing"
        # run --once names the part and exits 1; once 734 answers, its first read is a silent baseline.
        code, _, err = await fr_monitor("run", "--once", "--config", str(config))
        assert code == 1 and "source ecfr failed for 15 CFR part 734: ecfr: unexpected status 404" in err
        fake.broken = set()
        code, _, err = await fr_monitor("run", "--once", "--config", str(config))
        assert code == 0, err
        assert len([r for r in receiver.received if "Regulation text changed" in r["title"]]) == 1
        assert fake.requests[-1] == "734"
        # And now that both are read, a poll with nothing amended asks for no part at all.
        asked = len(fake.requests)
        code, _, err = await fr_monitor("run", "--once", "--config", str(config))
        assert code == 0 and len(fake.requests) == asked
    finally:
        await fake.server.close()  # type: ignore[union-attr]


async def test_every_part_failing_fails_the_poll(receiver: Receiver, tmp_path: Path) -> None:
    fake = await PartwiseEcfr(parts={"734": {"734.1": "Scope."}, "744": {"744.1": "General."}}).start()
    try:
        fake.broken = {"734", "744"}
        app = App(load_settings(write_config(tmp_path, fake, receiver)))
        try:
            (outcome,) = await app.run_once()
        finally:
            await app.close()
        assert not outcome.ok and "404" in outcome.error
    finally:
        await fake.server.close()  # type: ignore[union-attr]


async def test_a_failing_part_is_counted_across_runs(receiver: Receiver, tmp_path: Path) -> None:
    """`run --once` under cron is a new process each time: a part's failures in a row are kept in the store."""
    fake = await PartwiseEcfr(parts={"734": {"734.1": "Scope."}, "744": {"744.1": "General."}}).start()
    try:
        fake.broken = {"734"}
        config = write_config(tmp_path, fake, receiver)
        for _ in range(3):
            app = App(load_settings(config))
            try:
                await app.run_once()
            finally:
                await app.close()
        told = [r["title"] for r in receiver.received if "is failing" in r["title"]]
        assert told == ["fr-monitor: ecfr 15 CFR part 734 is failing"]  # once, at the second failure
        fake.broken = set()
        app = App(load_settings(config))
        try:
            await app.run_once()
            status = app.store.load_source_status("ecfr 15 CFR part 734")
        finally:
            await app.close()
        assert status is not None and status.consecutive_failures == 0
    finally:
        await fake.server.close()  # type: ignore[union-attr]
