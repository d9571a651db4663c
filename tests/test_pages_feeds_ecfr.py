"""BIS pages, feeds and the eCFR against in-process fakes with realistic synthetic content, and the HTTP
layer's size cap, redirect rule and Retry-After."""

from __future__ import annotations

import gzip
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from monitor.app import App
from monitor.settings.loading import load_settings
from monitor.sources import http as http_layer
from monitor.sources.feeds.source import FeedError, parse_feed
from monitor.sources.http import HostSpacing, HttpClient, SourceError
from monitor.sources.pages.source import PageError, parse_page
from tests.kit.clock import Clock
from tests.kit.fakes import FIXTURES, Receiver, ai_diffusion_rule, offline
from tests.kit.fixtures import serving

# -- a fake bis.gov ----------------------------------------------------------------------------------------

RESCISSION = (
    "/press-release/department-commerce-announces-rescission-biden-era-artificial-intelligence-diffusion-rule",
    "Department of Commerce Announces Rescission of Biden-Era Artificial Intelligence Diffusion Rule, "
    "Strengthens Chip-Related Export Controls",
    "May 13, 2025",
)
OLDER = [
    ("/press-release/bis-adds-entities-entity-list-1", "Commerce Adds Entities to the Entity List", "April 25, 2025"),
    ("/press-release/bis-imposes-penalty", "BIS Imposes Civil Penalty on Exporter", "April 2, 2025"),
]


def bis_page(entries: list[tuple[str, str, str]], counter: int) -> str:
    items = "\n".join(
        f'<li class="item"><span class="date">{when}</span> <a href="{href}">{title}</a></li>'
        for href, title, when in entries
    )
    return f"""<!doctype html><html><head><title>All Press Releases | Bureau of Industry and Security</title>
<link rel="canonical" href="https://www.bis.gov/news-updates/all-press-releases"></head>
<body><header><nav><a href="/">Home</a> <a href="/licensing">Licensing</a> Visitors today: {counter}</nav></header>
<main><h1>All Press Releases</h1><ul class="list">{items}</ul>
<p class="updated">Last updated: 2025-05-13 10:{counter % 60:02d}:00</p></main>
<footer>Generated {counter} at request time · <a href="/privacy">Privacy</a></footer>
<script>var t = {counter};</script></body></html>"""


HOME = """<!doctype html><html><head><title>Home | Bureau of Industry and Security</title>
<link rel="canonical" href="https://www.bis.gov/"></head><body><main><h1>Welcome to BIS</h1>
<a href="/news">News</a></main></body></html>"""
CAPTCHA = """<!doctype html><html><head><title>Just a moment...</title></head>
<body><main>Checking your browser before accessing www.bis.gov. Please verify you are human.</main></body></html>"""


@dataclass
class FakeBis:
    entries: list[tuple[str, str, str]] = field(default_factory=lambda: list(OLDER))
    mode: str = "ok"  # ok | home | captcha | no_main | redirect_home | empty
    counter: itertools.count = field(default_factory=itertools.count)  # type: ignore[type-arg]
    server: TestServer | None = None
    release_text: str = "The Department of Commerce today announced the rescission of the AI Diffusion Rule."

    async def page(self, request: web.Request) -> web.Response:
        n = next(self.counter)
        if self.mode == "home":
            return web.Response(text=HOME, content_type="text/html")
        if self.mode == "captcha":
            return web.Response(text=CAPTCHA, content_type="text/html")
        if self.mode == "redirect_home":
            raise web.HTTPFound("/")
        if self.mode == "no_main":
            return web.Response(text="<html><body><div>moved</div></body></html>", content_type="text/html")
        if self.mode == "empty":
            return web.Response(text="<html><body><main> </main></body></html>", content_type="text/html")
        return web.Response(text=bis_page(self.entries, n), content_type="text/html")

    async def home(self, _: web.Request) -> web.Response:
        return web.Response(text=HOME, content_type="text/html")

    async def release(self, _: web.Request) -> web.Response:
        return web.Response(
            text=f"<html><body><main><p>{self.release_text}</p></main></body></html>", content_type="text/html"
        )

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/news-updates/all-press-releases"))


@serving
async def bis() -> AsyncIterator[FakeBis]:
    fake = FakeBis()
    app = web.Application()
    app.router.add_get("/news-updates/all-press-releases", fake.page)
    app.router.add_get("/", fake.home)
    app.router.add_get("/press-release/{slug}", fake.release)
    fake.server = TestServer(app, host="127.0.0.1")
    await fake.server.start_server()
    yield fake
    await fake.server.close()


def page_config(
    tmp_path: Path, bis: FakeBis, receiver: Receiver, extra: str = "", follow: bool = False, targets: str = ""
) -> Path:
    config = tmp_path / "monitor.toml"
    config.write_text(
        offline(
            f'data_dir = "{tmp_path / "data"}"\nallow_private_targets = true\n'
            "[federal_register]\nenabled = false\n[web]\nenabled = false\n"
            '[delivery]\nbackoff_base = "0s"\nbackoff_max = "0s"\n'
            f'[targets.hook]\nurl = "{receiver.url()}"\n{targets}'
            f'[[pages]]\nname = "bis-press"\nurl = "{bis.url}"\nselector = "main"\n'
            f"ignore = ['Last updated: .*']\nfollow_links = {'true' if follow else 'false'}\n"
            '[[watchlists]]\nname = "ai"\nquery = \'"artificial intelligence" | "AI diffusion"\'\n' + extra
        )
    )
    return config


async def cycle(config: Path) -> list[Any]:
    app = App(load_settings(config))
    try:
        return await app.run_once()
    finally:
        await app.close()


async def test_new_press_release_alerts_once_and_footer_noise_never(bis, receiver, tmp_path):
    config = page_config(tmp_path, bis, receiver)
    await cycle(config)  # baseline
    for _ in range(3):
        await cycle(config)  # the counter, timestamp and script change on every request: nothing to say
    assert receiver.attempts == 0
    bis.entries.insert(0, RESCISSION)
    await cycle(config)
    await cycle(config)
    assert len(receiver.received) == 1
    alert = receiver.received[0]
    assert alert["title"].startswith("[ai] Published: Department of Commerce Announces Rescission")
    assert 'Matched: "artificial intelligence" (title)' in alert["message"]
    # the new entry explained the page change: no page_changed alert repeats it
    assert "Page changed" not in alert["title"]


async def test_reordering_and_whitespace_are_not_changes(bis, receiver, tmp_path):
    config = page_config(tmp_path, bis, receiver, extra="sources = ['page:bis-press']\n")
    await cycle(config)
    bis.entries.reverse()
    await cycle(config)
    assert receiver.attempts == 0


async def test_page_changed_when_text_changes_without_new_entries(bis, receiver, tmp_path):
    extra = "[[watchlists]]\nname = 'bis-page'\nquery = 'zzznotaword'\nsources = ['page:bis-press']\n"
    config = page_config(tmp_path, bis, receiver, extra=extra)
    await cycle(config)
    bis.entries[0] = (OLDER[0][0], OLDER[0][1], "April 26, 2025")  # a date corrected in place
    await cycle(config)
    (alert,) = receiver.received
    assert alert["title"] == "[bis-page] Page changed: bis-press"
    assert "Added: April 26, 2025 Commerce Adds Entities to the Entity List" in alert["message"]
    assert "Removed: April 25, 2025 Commerce Adds Entities to the Entity List" in alert["message"]


@pytest.mark.parametrize("mode", ["home", "captcha", "no_main", "redirect_home", "empty"])
async def test_failed_fetches_are_never_removals(bis, receiver, tmp_path, mode):
    extra = "[[watchlists]]\nname = 'bis-page'\nquery = 'zzznotaword'\nsources = ['page:bis-press']\n"
    config = page_config(tmp_path, bis, receiver, extra=extra)
    await cycle(config)
    bis.mode = mode
    (outcome,) = await cycle(config)
    assert not outcome.ok and outcome.error.startswith("page:bis-press: ")
    bis.mode = "ok"
    await cycle(config)
    assert receiver.attempts == 0  # neither the outage nor the recovery looked like a change


async def test_linked_page_text_is_matched_when_asked(bis, receiver, tmp_path):
    config = page_config(tmp_path, bis, receiver, follow=True)
    config.write_text(config.read_text().replace('"AI diffusion"\'', '"AI diffusion" | "export enforcement"\''))
    await cycle(config)
    bis.release_text = "Also: new export enforcement priorities."
    bis.entries.insert(0, ("/press-release/quiet-title", "Under Secretary Remarks", "May 20, 2025"))
    await cycle(config)
    (alert,) = receiver.received
    assert "Under Secretary Remarks" in alert["title"] and '"export enforcement" (abstract)' in alert["message"]


async def test_operator_told_once_after_repeated_failures(bis, tmp_path):
    receiver, ops = await Receiver().start(), await Receiver().start()
    try:
        config = page_config(tmp_path, bis, receiver, targets=f'[targets.ops]\nurl = "{ops.url()}"\n')
        await cycle(config)
        bis.mode = "captcha"
        for _ in range(5):
            await cycle(config)
        assert [m["title"] for m in ops.received] == ["fr-monitor: source page:bis-press is failing"]
    finally:
        await receiver.close()
        await ops.close()


def test_parse_page_units() -> None:
    page = parse_page(
        bis_page([RESCISSION, *OLDER], 7).encode(),
        "https://www.bis.gov/news-updates/all-press-releases",
        "main",
        [],
        "page:x",
        "x",
    )
    entries = [d for d in page.entries if d.number != "#region"]
    assert next(e.number for e in entries) == "https://www.bis.gov" + RESCISSION[0]
    assert str(entries[0].publication_date) == "2025-05-13"
    assert all("Visitors" not in line for line in page.lines)  # outside the region
    with pytest.raises(PageError, match="soft-404"):
        parse_page(HOME.encode(), "https://www.bis.gov/news-updates/all-press-releases", "main", [], "p", "x")
    with pytest.raises(PageError, match="captcha"):
        parse_page(CAPTCHA.encode(), "https://www.bis.gov/x", "main", [], "p", "x")


# -- feeds ---------------------------------------------------------------------------------------------


def test_real_rss_fixture() -> None:
    items = parse_feed((FIXTURES / "rss" / "senate-appropriations-press.xml").read_bytes(), "feed:senate")
    assert len(items) > 5
    first = items[0]
    assert first.title.startswith("Murray, Kaptur Demand Energy Department")
    assert first.number.startswith("http://www.appropriations.senate.gov/news/")  # keyed by guid
    assert str(first.publication_date) == "2026-09-16"
    assert any("\u2019" in i.title for i in items)  # &amp;#x2019; decoded to a real apostrophe


# The abstract as the Federal Register sends it: HTML, escaped twice.
DESCRIPTION = (
    "&amp;lt;p&amp;gt;BIS revises the EAR &amp;amp;amp; controls "
    "&amp;lt;em&amp;gt;model weights&amp;lt;/em&amp;gt;.&amp;lt;/p&amp;gt;"
)
FR_RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>Federal Register: Industry and Security Bureau documents ({stamp})</title>
<link>https://www.federalregister.gov/</link><description>x</description>
<item>
<title>Framework for Artificial Intelligence Diffusion</title>
<link>https://www.federalregister.gov/documents/2025/01/15/2025-00636/framework-for-artificial-intelligence-diffusion</link>
<description>{description}</description>
<pubDate>Wed, 15 Jan 2025 00:00:00 -0500</pubDate>
<guid>https://www.federalregister.gov/d/2025-00636</guid>
</item></channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Example</title><id>urn:x</id><updated>2025-05-13T10:00:00Z</updated>
<entry><title>Advanced computing guidance</title><id>urn:entry:1</id><updated>2025-05-13T10:00:00Z</updated>
<link href="https://example.gov/guidance"/><summary>On artificial intelligence chips.</summary></entry>
</feed>"""


def test_federal_register_rss_quirks() -> None:
    (item,) = parse_feed(FR_RSS.format(stamp="2025-01-15", description=DESCRIPTION).encode(), "feed:fr")
    assert item.number == "2025-00636"  # from the link, not the guid
    assert item.abstract == "BIS revises the EAR & controls model weights ."
    assert str(item.publication_date) == "2025-01-15"
    # the channel title's rolling date changes nothing about the item
    (again,) = parse_feed(FR_RSS.format(stamp="2025-01-16", description=DESCRIPTION).encode(), "feed:fr")
    assert again.content_hash() == item.content_hash()


def test_atom() -> None:
    (item,) = parse_feed(ATOM.encode(), "feed:atom", "https://example.gov/feed")
    assert item.number == "urn:entry:1" and item.html_url == "https://example.gov/guidance"


XXE = """<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title><item><title>&xxe;</title><link>https://x/y</link></item></channel></rss>"""
LAUGHS = """<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]><rss version="2.0"><channel><title>&lol3;</title></channel></rss>"""


@pytest.mark.parametrize("body", [XXE, LAUGHS, "<html><body>not a feed</body>", "{}"])
def test_hostile_or_broken_feeds_are_refused(body: str) -> None:
    with pytest.raises(FeedError):
        parse_feed(body.encode(), "feed:x")


async def test_feed_and_api_share_one_alert(fake_fr, receiver, tmp_path):
    feed_body = {"text": FR_RSS.format(stamp="x", description=DESCRIPTION).replace("2025-00636", "2025-00999")}

    async def rss(_: web.Request) -> web.Response:
        return web.Response(text=feed_body["text"], content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/feed.rss", rss)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        config = tmp_path / "monitor.toml"
        config.write_text(
            offline(
                f'data_dir = "{tmp_path / "data"}"\nallow_private_targets = true\n[web]\nenabled = false\n'
                f'[federal_register]\nbase_url = "{fake_fr.base_url}"\n'
                f'[targets.hook]\nurl = "{receiver.url()}"\n'
                f'[[feeds]]\nname = "fr-bis"\nurl = "{server.make_url("/feed.rss")}"\n'
                "[[watchlists]]\nname = 'ai'\nquery = '\"artificial intelligence\"'\n"
            )
        )
        await cycle(config)  # baseline of both
        feed_body["text"] = FR_RSS.format(stamp="y", description=DESCRIPTION)  # the feed sees 2025-00636 first
        await cycle(config)
        fake_fr.add(ai_diffusion_rule())  # then the API does
        await cycle(config)
        await cycle(config)
        assert [r["title"] for r in receiver.received] == [
            "[ai] Published: Framework for Artificial Intelligence Diffusion"
        ]
    finally:
        await server.close()


# -- eCFR ------------------------------------------------------------------------------------------------


def part_xml(sections: dict[str, tuple[str, list[str], str]]) -> str:
    divs = "\n".join(
        f'<DIV8 N="{n}" TYPE="SECTION"><HEAD>§ {n} {head}</HEAD>'
        + "".join(f"<P>{p}</P>" for p in paragraphs)
        + (f"<CITA>[{cita}]</CITA>" if cita else "")
        + "</DIV8>"
        for n, (head, paragraphs, cita) in sections.items()
    )
    return f'<?xml version="1.0"?><ECFR><DIV5 N="744" TYPE="PART"><HEAD>PART 744</HEAD>{divs}</DIV5></ECFR>'


V1 = {
    "744.1": (
        "General provisions.",
        ["(a) Scope. This part describes end-use controls."],
        "61 FR 12786, Mar. 25, 1996",
    ),
    "744.23": (
        "Supercomputer and advanced computing end uses.",
        ["(a) General prohibitions. No license exception applies.", "(b) Additional prohibitions."],
        "88 FR 73503, Oct. 25, 2023",
    ),
}
V2 = {
    "744.1": V1["744.1"],
    "744.23": (
        "Supercomputer and advanced computing end uses.",
        [
            "(a) General prohibitions. No license exception applies to model weights.",
            "(b) Additional prohibitions.",
        ],
        "90 FR 4544, Jan. 15, 2025",
    ),
    "744.24": (
        "Artificial intelligence model weights.",
        ["(a) Scope. Controls on model weights."],
        "90 FR 4544, Jan. 15, 2025",
    ),
}


@dataclass
class FakeEcfr:
    amended: str = "2024-12-01"
    versions: dict[str, str] = field(default_factory=dict)  # date -> xml
    requests: list[str] = field(default_factory=list)
    server: TestServer | None = None

    async def titles(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        return web.json_response(
            {
                "titles": [
                    {
                        "number": 15,
                        "name": "Commerce",
                        "latest_amended_on": self.amended,
                        "latest_issue_date": self.amended,
                        "up_to_date_as_of": self.amended,
                        "reserved": False,
                    }
                ],
                "meta": {"date": self.amended, "import_in_progress": False},
            }
        )

    async def full(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        xml = self.versions.get(request.match_info["date"])
        if xml is None:
            return web.json_response({"error": "not found"}, status=404)
        return web.Response(text=xml, content_type="application/xml")


async def test_ecfr_one_alert_per_amended_section(receiver, tmp_path):
    fake = FakeEcfr(versions={"2024-12-01": part_xml(V1)})
    app = web.Application()
    app.router.add_get("/api/versioner/v1/titles.json", fake.titles)
    app.router.add_get("/api/versioner/v1/full/{date}/title-15.xml", fake.full)
    fake.server = TestServer(app, host="127.0.0.1")
    await fake.server.start_server()
    try:
        config = tmp_path / "monitor.toml"
        config.write_text(
            offline(
                f'data_dir = "{tmp_path / "data"}"\nallow_private_targets = true\n[web]\nenabled = false\n'
                "[federal_register]\nenabled = false\n"
                f'[ecfr]\nenabled = true\nbase_url = "{fake.server.make_url("/api/versioner/v1/")}"\n'
                'parts = ["15:744"]\n'
                f'[targets.hook]\nurl = "{receiver.url()}"\n'
                "[[watchlists]]\nname = 'ear-744'\nquery = 'zzznotaword'\ncfr = ['15:744']\n"
            )
        )
        await cycle(config)  # baseline: reads the part once
        await cycle(config)  # nothing amended: only titles.json
        assert [p.rsplit("/", 1)[-1] for p in fake.requests] == ["titles.json", "title-15.xml", "titles.json"]
        fake.amended = "2025-01-15"
        fake.versions["2025-01-15"] = part_xml(V2)
        await cycle(config)
        titles = sorted(r["title"] for r in receiver.received)
        assert titles == [
            "[ear-744] Regulation text changed: § 744.23 Supercomputer and advanced computing end uses.",
            "[ear-744] Regulation text changed: § 744.24 Artificial intelligence model weights.",
        ]
        amended = next(r["message"] for r in receiver.received if "744.23" in r["title"])
        assert "Change: § 744.23 amended" in amended
        assert "Amendment date: 2025-01-15" in amended and "Federal Register: 90 FR 4544, Jan. 15, 2025" in amended
        assert "− (a) General prohibitions." not in amended  # the diff is by sentence
        assert "− No license exception applies." in amended
        assert "+ No license exception applies to model weights." in amended
        assert "Section: https://www.ecfr.gov/current/title-15/section-744.23" in amended
        fake.amended = "2025-02-01"
        fake.versions["2025-02-01"] = part_xml({k: v for k, v in V2.items() if k != "744.24"})
        await cycle(config)
        removed = receiver.received[-1]
        assert removed["title"].endswith("§ 744.24 Artificial intelligence model weights.")
        assert "Change: § 744.24 removed" in removed["message"]
        assert len(receiver.received) == 3
    finally:
        await fake.server.close()


@pytest.mark.parametrize("xml", [XXE.replace("rss", "ECFR"), LAUGHS.replace("rss", "ECFR")])
def test_ecfr_refuses_entity_tricks(xml: str) -> None:
    from monitor.sources.ecfr.source import parse_sections
    from monitor.sources.http import ParseError

    with pytest.raises(ParseError, match=r"unsafe XML|well-formed"):
        parse_sections(xml.encode(), 15, "744")


# -- the HTTP layer -----------------------------------------------------------------------------------------


@dataclass
class Upstream:
    hits: list[float] = field(default_factory=list)  # the fake clock's monotonic time of each request
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    clock: Clock = field(default_factory=Clock)  # hand it to the client: its waits pass on it, at once


@serving
async def upstream() -> AsyncIterator[tuple[Upstream, TestServer]]:
    state = Upstream()

    async def limited(_: web.Request) -> web.Response:
        state.hits.append(state.clock.monotonic())
        if state.script:
            status, headers = state.script.pop(0)
            return web.json_response({"status": status}, status=status, headers=headers)
        return web.json_response({"ok": True})

    async def bomb(_: web.Request) -> web.Response:
        payload = gzip.compress(b" " * (20 * 1024 * 1024))  # 20 MB of spaces in about 20 KB
        return web.Response(body=payload, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})

    async def away(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query.get("to", "http://10.0.0.1/"))

    app = web.Application()
    app.router.add_get("/limited", limited)
    app.router.add_get("/bomb", bomb)
    app.router.add_get("/away", away)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield state, server
    await server.close()


async def test_decoded_size_cap_stops_a_gzip_bomb(upstream):
    _, server = upstream
    async with HttpClient(max_response_bytes=1024 * 1024) as http:
        with pytest.raises(SourceError, match=r"cap \(after decoding\)") as caught:
            await http.get_json("test", str(server.make_url("/bomb")))
    assert caught.value.reason == "too_large"


async def test_redirects_only_within_the_same_host(upstream):
    _, server = upstream
    async with HttpClient() as http:
        with pytest.raises(SourceError, match=r"refused redirect .* to another host 10\.0\.0\.1"):
            await http.get("test", str(server.make_url("/away")))
        same = f"http://127.0.0.1:{server.port}/limited"
        response = await http.get("test", str(server.make_url("/away").with_query(to=same)))
        assert response.status == 200


async def test_retry_after_is_honoured(upstream):
    state, server = upstream
    state.script = [(429, {"Retry-After": "2"}), (503, {"Retry-After": "1"})]
    async with HttpClient(clock=state.clock) as http:
        assert await http.get_json("test", str(server.make_url("/limited"))) == {"ok": True}
    first, second, third = state.hits
    # no request before its Retry-After expired (to a float's last bit: the fake sleeps are sums)
    assert second - first >= 2 - 1e-9 and third - second >= 1 - 1e-9


async def test_a_failed_request_is_retried_after_a_doubling_pause(upstream, monkeypatch):
    monkeypatch.setattr(http_layer, "RETRY_BASE", 1.0)  # the service's own pauses, 1 s then 2 s, on fake time
    state, server = upstream
    state.script = [(503, {}), (502, {})]
    spacing = HostSpacing({}, default_rate=10_000, clock=state.clock)  # spacing a ten-thousandth of a second
    async with HttpClient(clock=state.clock, spacing=spacing) as http:
        assert await http.get_json("test", str(server.make_url("/limited"))) == {"ok": True}
    first, second, third = state.hits
    assert second - first >= 1 - 1e-9 and third - second >= 2 - 1e-9


async def test_long_retry_after_ends_the_poll_and_blocks_the_host(upstream):
    state, server = upstream
    state.script = [(429, {"Retry-After": "120"})]
    async with HttpClient() as http:
        with pytest.raises(SourceError) as caught:
            await http.get_json("test", str(server.make_url("/limited")))
        assert caught.value.retry_after == 120
        assert http.spacing.blocked_for(f"127.0.0.1:{server.port}") > 100
    assert len(state.hits) == 1
