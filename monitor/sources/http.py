"""The one HTTP client every source uses: polite, bounded and strict about where it goes.

- one aiohttp session, a User-Agent that names the service and the operator's contact;
- per-host spacing between requests (the Federal Register asks for at most 5 requests a second);
- a cap on the decoded body size, counted while reading, so a gzip bomb stops at the cap;
- redirects followed only within the same host (with the user and password the URL gave, as aiohttp's own);
- hosts named as host[:port] (`host_of`), never with the `user:password@` a page's or feed's URL may carry;
- bodies kept for conditional requests are bounded (ResponseCache: entries and bytes, least recently used out);
- answers older than the caller can use (a shared cache in front of the API that ignores request headers, whose
  `Age` says so) are asked for again once with a query parameter that cache has never seen, and a second stale
  answer fails the poll: a stale list is never read as the current one;
- every failure becomes a SourceError whose message starts with the source's name and says what went wrong.

Every wait here (spacing, a Retry-After, the pause before a retry) is timed by the app's clock
(monitor.core.clock.Clock): the system's in the service, a fake one in tests, where those waits pass at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import aiohttp

from monitor import __version__
from monitor.core.backoff import parse_retry_after
from monitor.core.clock import Clock
from monitor.testhooks import SYSTEM_CLOCK

MAX_REDIRECTS = 5
READ_CHUNK = 64 * 1024
RETRIES = 2  # further attempts after a 429, a 5xx or a timeout, within one poll
RETRY_BASE = 1.0  # seconds; doubled each retry
MAX_RETRY_WAIT = 30.0  # a Retry-After longer than this ends the poll; the scheduler waits it out instead
MAX_CACHED_BODY = 4 * 1024 * 1024  # bodies kept for conditional requests (304 Not Modified)
# The whole cache of those bodies (ResponseCache): least recently used first out past either bound. Date windows
# put a new URL in it every day; unbounded, it grew for the life of the process.
MAX_CACHED_ENTRIES = 256
MAX_CACHED_BYTES = 32 * 1024 * 1024
# A query parameter that shared caches have never seen, so the request reaches the origin; the Federal
# Register API ignores parameters it does not know.
CACHE_BUSTER = "_"

log = logging.getLogger("monitor.http")


class ParseError(ValueError):
    """An upstream answer that arrived but cannot be read as the source expects it (a missing number, a date
    that is not one); the poll fails as a SourceError saying so, and nothing stored changes."""


class SourceError(Exception):
    """A failed poll. The source's stored state stays as it was; `reason` is a short label for metrics."""

    def __init__(self, message: str, reason: str = "error", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.retry_after = retry_after


def parse_age(value: str | None) -> float | None:
    """Seconds from an Age header (a shared cache's count of how old its copy is); None when absent or bad."""
    if not value or not value.strip().isdigit():
        return None
    return float(value.strip())


def host_of(url: str) -> str:
    """A URL's host[:port]: how errors, the log and the per-host spacing name it, without the `user:password@`
    a page's or feed's URL may carry."""
    return urlsplit(url).netloc.rpartition("@")[2]


def without_credentials(url: str) -> str:
    """`url` without the `user:password@` it may carry: what a page's entries are named and linked by, so that
    a page read with credentials never puts them in an item, the store or an alert."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    return urlunsplit((scheme, netloc.rpartition("@")[2], path, query, fragment)) if "@" in netloc else url


def with_credentials_of(source: str, target: str) -> str:
    """`target` (a redirect within `source`'s host) with the user and password `source` gave, unless it names
    its own: a page behind a login that redirects /feed to /feed/ is still asked with them. Never from https to
    plain http: the same host name, but the password would cross the network in clear (the redirect is then
    asked without them, and answers as the server answers a request without a login)."""
    source_scheme, source_netloc = urlsplit(source)[:2]
    userinfo, at, _ = source_netloc.rpartition("@")
    scheme, netloc, path, query, fragment = urlsplit(target)
    if not at or "@" in netloc or (source_scheme == "https" and scheme != "https"):
        return target
    return urlunsplit((scheme, f"{userinfo}@{netloc}", path, query, fragment))


def with_cache_buster(
    url: str, params: Sequence[tuple[str, str]] | None, now: float
) -> tuple[str, list[tuple[str, str]] | None]:
    """The same request under a URL no cache has seen: `_=<epoch seconds>` added to the query."""
    buster = (CACHE_BUSTER, str(int(now)))
    if params is not None:
        return url, [*params, buster]
    return url + ("&" if urlsplit(url).query else "?") + f"{buster[0]}={buster[1]}", None


class ResponseCache:
    """URL -> (ETag, Last-Modified, body) of its last 200, for If-None-Match / If-Modified-Since; bounded: at
    most `max_entries` URLs and `max_bytes` of bodies, past either the least recently used go first. A body
    larger than the whole cache is not kept (its next request is simply unconditional)."""

    def __init__(self, max_entries: int = MAX_CACHED_ENTRIES, max_bytes: int = MAX_CACHED_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[str, str, bytes]] = OrderedDict()
        self.size = 0  # bytes of bodies held

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> tuple[str, str, bytes] | None:
        if (entry := self._entries.get(key)) is not None:
            self._entries.move_to_end(key)
        return entry

    def __setitem__(self, key: str, entry: tuple[str, str, bytes]) -> None:
        if (old := self._entries.pop(key, None)) is not None:
            self.size -= len(old[2])
        if len(entry[2]) > self.max_bytes:
            return
        self._entries[key] = entry
        self.size += len(entry[2])
        while len(self._entries) > self.max_entries or self.size > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.size -= len(evicted[2])


@dataclass(frozen=True, slots=True)
class Response:
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    not_modified: bool = False  # a 304: `body` is the earlier answer, unchanged upstream
    past_cache: bool = False  # asked for under a cache buster (a shared cache had answered with an old copy)


class HostSpacing:
    """At most `rate` requests a second to each host, spaced evenly; and none at all to a host that asked us
    to wait (Retry-After) until that time has passed. Time is `clock`'s monotonic reading, and its sleep."""

    def __init__(self, rates: Mapping[str, float], default_rate: float = 5.0, clock: Clock = SYSTEM_CLOCK) -> None:
        self._rates = dict(rates)
        self._default = default_rate
        self.clock = clock
        self._next: dict[str, float] = {}
        self._blocked_until: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def block(self, host: str, seconds: float) -> None:
        until = self.clock.monotonic() + seconds
        self._blocked_until[host] = max(until, self._blocked_until.get(host, 0.0))

    def blocked_for(self, host: str) -> float:
        return max(0.0, self._blocked_until.get(host, 0.0) - self.clock.monotonic())

    async def wait(self, host: str) -> None:
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with lock:
            now = self.clock.monotonic()
            start = max(now, self._next.get(host, 0.0), self._blocked_until.get(host, 0.0))
            if start > now:
                await self.clock.sleep(start - now)
            # The next slot counts from when this request was really let go, not from when it was due: a sleep
            # that overran (a loaded machine) must not let the next request follow it closer than the rate allows.
            self._next[host] = self.clock.monotonic() + 1.0 / self._rates.get(host, self._default)


class HttpClient:
    def __init__(
        self,
        *,
        contact: str = "",
        timeout: float = 30.0,
        max_response_bytes: int = 50 * 1024 * 1024,
        spacing: HostSpacing | None = None,
        on_stale: Callable[[str], object] | None = None,
        on_not_modified: Callable[[str], object] | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        """`clock` times the pauses before retries and reads a Retry-After date; `spacing` has its own (the
        app hands both the same)."""
        agent = f"fr-monitor/{__version__}"
        if contact:
            agent += f" (+{contact})"
        self.user_agent = agent
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.clock = clock
        self.spacing = spacing or HostSpacing({}, clock=clock)
        self.on_stale = on_stale
        self.on_not_modified = on_not_modified
        self._session: aiohttp.ClientSession | None = None
        # URL -> (ETag, Last-Modified, body) of the last 200, for If-None-Match / If-Modified-Since.
        self._validators = ResponseCache()

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers={"User-Agent": self.user_agent},
                timeout=aiohttp.ClientTimeout(
                    total=self.timeout, connect=min(10.0, self.timeout), sock_read=self.timeout
                ),
                trust_env=False,
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def get(
        self,
        component: str,
        url: str,
        params: Sequence[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        rate_key: str | None = None,
    ) -> Response:
        """GET `url`; any status is returned, transport failures raise SourceError.

        Requests are spaced per host, or per `rate_key` when given (full-text downloads have their own,
        slower budget on the same host).
        """
        session = self._get_session()
        origin = host_of(url)
        for _ in range(MAX_REDIRECTS + 1):
            host = host_of(url)
            await self.spacing.wait(rate_key or host)
            try:
                async with session.get(url, params=params, headers=headers, allow_redirects=False) as resp:
                    if resp.status in (301, 302, 303, 307, 308) and "Location" in resp.headers:
                        target = urljoin(str(resp.url), resp.headers["Location"])
                        if host_of(target) != origin:
                            raise SourceError(
                                f"{component}: refused redirect from {origin} to another host {host_of(target)}",
                                "redirect",
                            )
                        url, params = with_credentials_of(url, target), None
                        continue
                    body = await self._read_capped(component, resp)
                    # Header names are case-insensitive (an "Etag" or "etag" is an ETag): kept so, not as a dict.
                    return Response(str(resp.url), resp.status, resp.headers.copy(), body)
            except SourceError:
                raise
            except TimeoutError:
                raise SourceError(f"{component}: timed out after {self.timeout:g}s ({host})", "timeout") from None
            except aiohttp.ClientError as exc:
                raise SourceError(f"{component}: request to {host} failed: {exc}", "network") from None
        raise SourceError(f"{component}: too many redirects", "redirect")

    async def _read_capped(self, component: str, resp: aiohttp.ClientResponse) -> bytes:
        declared = resp.content_length
        if declared is not None and declared > self.max_response_bytes and not resp.headers.get("Content-Encoding"):
            raise SourceError(
                f"{component}: response of {declared} bytes exceeds the {self.max_response_bytes}-byte cap",
                "too_large",
            )
        chunks: list[bytes] = []
        size = 0
        while chunk := await resp.content.read(READ_CHUNK):
            size += len(chunk)
            if size > self.max_response_bytes:
                raise SourceError(
                    f"{component}: response exceeds the {self.max_response_bytes}-byte cap (after decoding)",
                    "too_large",
                )
            chunks.append(chunk)
        return b"".join(chunks)

    async def fetch(
        self,
        component: str,
        url: str,
        params: Sequence[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        remember: bool = True,
        validators_of: str | None = None,
    ) -> Response:
        """GET with retries: a 429, a 5xx or a timeout is tried again (up to RETRIES times) after a backoff,
        never before the host's Retry-After has passed; a longer Retry-After ends the poll with it, so the
        scheduler can wait it out. Validators from an earlier answer are sent, and a 304 returns that answer
        (marked `not_modified`). `validators_of` names the request whose validators to send instead (the same
        request under a cache buster: the origin answers 304 only if its list is the one we hold)."""
        key = validators_of or request_key(url, params)
        host = host_of(url)
        request_headers = dict(headers or {})
        if cached := self._validators.get(key):
            etag, modified, _ = cached
            if etag:
                request_headers["If-None-Match"] = etag
            if modified:
                request_headers["If-Modified-Since"] = modified
        for attempt in range(RETRIES + 1):
            last = attempt == RETRIES
            try:
                response = await self.get(component, url, params, request_headers)
            except SourceError as exc:
                if exc.reason != "timeout" or last:
                    raise
                await self.clock.sleep(RETRY_BASE * 2**attempt)
                continue
            if response.status == 304 and cached:
                if self.on_not_modified is not None:
                    self.on_not_modified(component)
                return Response(response.url, 200, response.headers, cached[2], not_modified=True)
            if response.status == 429 or response.status >= 500:
                retry_after = parse_retry_after(response.headers.get("Retry-After"), self.clock())
                if retry_after is not None:
                    self.spacing.block(host, retry_after)
                if last or (retry_after is not None and retry_after > MAX_RETRY_WAIT):
                    raise SourceError(
                        f"{component}: unexpected status {response.status} from {host}",
                        f"http_{response.status}",
                        retry_after,
                    )
                if retry_after is None:
                    await self.clock.sleep(RETRY_BASE * 2**attempt)
                continue  # the spacing waits out a Retry-After before the next request
            if remember and response.status == 200 and len(response.body) <= MAX_CACHED_BODY:
                etag, modified = response.headers.get("ETag", ""), response.headers.get("Last-Modified", "")
                if etag or modified:
                    self._validators[key] = (etag, modified, response.body)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def get_json(
        self,
        component: str,
        url: str,
        params: Sequence[tuple[str, str]] | None = None,
        max_age: float | None = None,
    ) -> Any:
        """GET and decode JSON; a non-2xx status or a body that is not JSON raises SourceError. With `max_age`,
        an answer a shared cache kept longer than that is asked for again past the cache (see the top)."""
        return decode_json(component, await self.get_fresh(component, url, params, max_age))

    async def get_fresh(
        self,
        component: str,
        url: str,
        params: Sequence[tuple[str, str]] | None = None,
        max_age: float | None = None,
        past_cache: bool = False,
    ) -> Response:
        """GET a JSON answer no older than `max_age` (see get_json), undecoded: a caller that checks often reads
        `not_modified` and decodes only an answer that changed (decode_json). With `past_cache`, straight past
        the shared cache (for a caller that found it answering with old copies before)."""
        headers = {"Accept": "application/json"}
        host = host_of(url)
        if past_cache:
            response = await self.get_past_cache(component, url, params)
        else:
            response = await self.fetch(component, url, params, headers=headers)
        age = parse_age(response.headers.get("Age"))
        if max_age is not None and age is not None and age > max_age and not response.past_cache:
            log.warning(
                "stale answer from a cache in front of %s (Age %.0fs, more than %.0fs): asking the origin",
                host,
                age,
                max_age,
                extra={"source": component, "error": "stale"},
            )
            if self.on_stale is not None:
                self.on_stale(component)
            response = await self.get_past_cache(component, url, params)
        again = parse_age(response.headers.get("Age"))
        if response.past_cache and max_age is not None and again is not None and again > max_age:
            if self.on_stale is not None:
                self.on_stale(component)
            raise SourceError(
                f"{component}: answers from {host} stay stale (Age {again:.0f}s) even past the cache; "
                "nothing was read from them",
                "stale",
            )
        return response

    async def get_past_cache(
        self, component: str, url: str, params: Sequence[tuple[str, str]] | None = None
    ) -> Response:
        """The same request under a URL no shared cache has seen (`_=<epoch seconds>`), conditional on the
        answer held for the plain URL: the origin answers 304 only if its list is that one, so an unchanged list
        still costs nothing. A 200 is held for the plain URL (one entry per URL, never one per buster)."""
        fresh_url, fresh_params = with_cache_buster(url, params, time.time())
        response = await self.fetch(
            component,
            fresh_url,
            fresh_params,
            headers={"Accept": "application/json"},
            validators_of=request_key(url, params),
        )
        return dataclasses.replace(response, past_cache=True)


def request_key(url: str, params: Sequence[tuple[str, str]] | None) -> str:
    """The key a request's validators are kept under."""
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params) if params else "")


def decode_json(component: str, response: Response) -> Any:
    """An answer's JSON; a non-2xx status or a body that is not JSON raises SourceError."""
    if not 200 <= response.status < 300:
        detail = _error_detail(response.body)
        raise SourceError(f"{component}: unexpected status {response.status}{detail}", f"http_{response.status}")
    try:
        return json.loads(response.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        kind = "an HTML page" if response.body.lstrip()[:1] == b"<" else "malformed JSON"
        raise SourceError(f"{component}: response is {kind}, not JSON ({exc})", "malformed") from None


def _error_detail(body: bytes) -> str:
    """The API's own error message (FR answers {"status":400,"message":"..."}), shortened."""
    try:
        message = json.loads(body).get("message")
    except (ValueError, AttributeError):
        return ""
    return f": {str(message)[:200]}" if message else ""
