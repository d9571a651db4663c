"""The HTTP client's cache of bodies for conditional requests stays bounded however many URLs a long run asks
for (date windows make a new one every day), least recently used first out, and a 304 still answers with the
body kept."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from monitor.sources import http
from monitor.sources.http import HttpClient, ResponseCache


def entry(size: int) -> tuple[str, str, bytes]:
    return ('"x"', "", b"." * size)


@pytest.mark.parametrize(
    ("limits", "puts", "kept", "size"),
    [
        pytest.param((3, 100), [("a", 10), ("b", 10), ("c", 10)], ["a", "b", "c"], 30, id="within-both-bounds"),
        pytest.param((3, 100), [("a", 10), ("b", 10), ("c", 10), ("d", 10)], ["b", "c", "d"], 30, id="entries"),
        pytest.param((10, 25), [("a", 10), ("b", 10), ("c", 10)], ["b", "c"], 20, id="bytes"),
        pytest.param((10, 25), [("a", 10), ("big", 26)], ["a"], 10, id="body-larger-than-the-cache-not-kept"),
        pytest.param((3, 100), [("a", 10), ("a", 30)], ["a"], 30, id="replaced-not-counted-twice"),
        pytest.param((3, 100), [("a", 10), ("a", 200)], [], 0, id="replaced-by-a-body-too-large"),
    ],
)
def test_bounds(limits: tuple[int, int], puts: list[tuple[str, int]], kept: list[str], size: int) -> None:
    cache = ResponseCache(max_entries=limits[0], max_bytes=limits[1])
    for key, length in puts:
        cache[key] = entry(length)
    assert [k for k in ("a", "b", "c", "d", "big") if cache.get(k) is not None] == kept
    assert cache.size == size and len(cache) == len(kept)


def test_least_recently_used_goes_first() -> None:
    cache = ResponseCache(max_entries=2, max_bytes=100)
    cache["a"] = entry(1)
    cache["b"] = entry(1)
    assert cache.get("a") is not None  # "a" used: "b" is now the oldest
    cache["c"] = entry(1)
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None


class EtagServer:
    """Answers every /doc/{n} with a Last-Modified; a request carrying it (If-Modified-Since) gets 304."""

    def __init__(self) -> None:
        self.conditional: list[str] = []
        self.server: TestServer | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = ("x" * 1000 + request.match_info["n"]).encode()
        modified = "Wed, 25 Nov 2026 13:45:00 GMT"
        if request.headers.get("If-Modified-Since") == modified:
            self.conditional.append(request.match_info["n"])
            return web.Response(status=304)
        return web.Response(body=body, headers={"Last-Modified": modified}, content_type="application/json")

    def url(self, n: int) -> str:
        assert self.server is not None
        return str(self.server.make_url(f"/doc/{n}"))


@pytest.fixture
async def etag_server(serve: Callable[[web.Application], Awaitable[TestServer]]) -> EtagServer:
    fake = EtagServer()
    app = web.Application()
    app.router.add_get("/doc/{n}", fake.handle)
    fake.server = await serve(app)
    return fake


async def test_many_urls_keep_the_cache_bounded(etag_server: EtagServer) -> None:
    async with HttpClient(spacing=http.HostSpacing({}, default_rate=10_000)) as client:
        for n in range(http.MAX_CACHED_ENTRIES + 50):
            await client.fetch("test", etag_server.url(n))
        assert len(client._validators) == http.MAX_CACHED_ENTRIES

        # The newest URL is still kept: asked again, it is conditional, and the 304 answers with the body kept.
        newest = http.MAX_CACHED_ENTRIES + 49
        response = await client.fetch("test", etag_server.url(newest))
        assert response.status == 200 and response.body.endswith(str(newest).encode())
        assert etag_server.conditional == [str(newest)]
        # The oldest went first: asked again, it is an unconditional request.
        response = await client.fetch("test", etag_server.url(0))
        assert response.status == 200 and etag_server.conditional == [str(newest)]
