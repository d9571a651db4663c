"""Rendering: golden files for every event x channel, and hostile text that must stay harmless."""

from __future__ import annotations

import dataclasses
import html
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.models import EVENTS, Document
from monitor.notify.render import (
    SLACK_MESSAGE_LIMIT,
    Message,
    channel_of,
    render_alert,
    render_digest,
    render_ops,
)
from monitor.notify.samples import sample_alert
from tests.kit.golden import golden

CHANNELS = ("slack", "email", "webhook", "text")


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("event", EVENTS)
def test_golden(event: str, channel: str) -> None:
    message = render_alert(sample_alert(event), channel, alert_id=42)  # type: ignore[arg-type]
    golden(f"{event}.{channel}.txt", f"TITLE: {message.title}\nFORMAT: {message.body_format}\n\n{message.body}\n")


@pytest.mark.parametrize("channel", CHANNELS)
def test_golden_digest(channel: str) -> None:
    alerts = [sample_alert(e) for e in ("published", "updated", "deadline")] + [sample_alert("published", "other")]
    message = render_digest(alerts, channel, "daily")  # type: ignore[arg-type]
    golden(f"digest.{channel}.txt", f"TITLE: {message.title}\nFORMAT: {message.body_format}\n\n{message.body}\n")


@pytest.mark.parametrize(
    ("url", "channel"),
    [
        ("slack://T000/B000/XXXX", "slack"),
        ("https://hooks.slack.com/services/T/B/X", "slack"),
        ("mailtos://u:p@smtp.example.com", "email"),
        ("mailto://u:p@smtp.example.com", "email"),
        ("webhooks://example.com/hook", "webhook"),
        ("json://example.com/x", "text"),
        ("console://", "text"),
    ],
)
def test_channel_of(url: str, channel: str) -> None:
    assert channel_of(url) == channel


def test_webhook_payload_is_versioned_and_structured() -> None:
    payload = json.loads(render_alert(sample_alert("updated"), "webhook", alert_id=7).body)
    assert payload["schema"] == "fr-monitor.alert" and payload["version"] == 1
    assert payload["alert_id"] == "updated:sample:2025-00636:ai-export-controls"
    assert payload["event"] == "updated" and payload["watchlist"] == "ai-export-controls"
    assert payload["document"]["number"] == "2025-00636"
    assert payload["changes"] == [{"field": "comments_close_on", "before": "2025-03-16", "after": "2025-05-15"}]
    assert payload["urls"]["html"].startswith("https://www.federalregister.gov/")


def hostile(title: str, abstract: str = "", snippet: str = ""):  # type: ignore[no-untyped-def]
    alert = sample_alert("published")
    document = Document.from_dict({**alert.document.to_dict(), "title": title, "abstract": abstract})
    match = type(alert.match)(alert.match.watchlist, alert.match.hits, snippet)
    return dataclasses.replace(alert, document=document, match=match)


MENTION = re.compile(r"<[!@#]|@(channel|here|everyone)\b", re.IGNORECASE)
SLACK_LINK = re.compile(r"<[a-z][a-z0-9+.-]*:", re.IGNORECASE)
BARE_URL = re.compile(r"[a-z][a-z0-9+.-]*://|\bwww\.", re.IGNORECASE)
OUR_LINKS = re.compile(
    r"https://(www\.federalregister\.gov|public-inspection\.federalregister\.gov|www\.govinfo\.gov)/[^\s]*"
)


def slack_as_apprise_sends_it(text: str) -> str:
    # Apprise's Slack plugin escapes & < > in plain text (body_format=TEXT); what Slack then sees:
    return html.escape(text, quote=False)


def assert_slack_safe(text: str) -> None:
    visible = OUR_LINKS.sub("", text)
    assert not MENTION.search(visible), visible
    assert not SLACK_LINK.search(visible), visible
    assert not BARE_URL.search(visible), visible


HOSTILE = st.lists(
    st.sampled_from([*"<>@!#|&*_~`[]()/:.\"' \n", "channel", "here", "everyone", "http", "www", "a", "U123"]),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(title=HOSTILE, abstract=HOSTILE, snippet=HOSTILE)
def test_hostile_text_stays_harmless_in_slack_and_text(title: str, abstract: str, snippet: str) -> None:
    alert = hostile(title, abstract, snippet)
    for channel in ("slack", "text"):
        message = render_alert(alert, channel)  # type: ignore[arg-type]
        assert_slack_safe(message.title)
        assert_slack_safe(message.body)
        # and once Apprise has escaped it for Slack, no markup survives
        sent = slack_as_apprise_sends_it(message.body)
        assert "<" not in OUR_LINKS.sub("", sent)


@settings(max_examples=300, deadline=None)
@given(title=HOSTILE, abstract=HOSTILE, snippet=HOSTILE)
def test_hostile_text_is_escaped_in_email(title: str, abstract: str, snippet: str) -> None:
    message = render_alert(hostile(title, abstract, snippet), "email")
    tags = re.findall(r"<\s*/?\s*([a-z0-9]+)", message.body, re.IGNORECASE)
    assert set(tags) <= {"h2", "p", "strong", "a"}
    hrefs = re.findall(r'href="([^"]*)"', message.body)
    assert all(OUR_LINKS.fullmatch(html.unescape(h)) for h in hrefs), hrefs
    assert "\n" not in message.title and "\r" not in message.title
    assert_email_text_safe(message)


def assert_email_text_safe(message: Message) -> None:
    """What a reader sees of an e-mail (its subject, its body without tags, and the plain-text part Apprise makes
    from it): no address a mail client would turn into a link, but the ones this module vouches for."""
    text = html.unescape(re.sub(r"<[^>]*>", "", message.body))
    for seen in (message.title, OUR_LINKS.sub("", text)):
        assert not BARE_URL.search(seen), seen


@pytest.mark.parametrize(
    "title",
    [
        "<!channel> urgent",
        "<!here|here> read",
        "ping <@U024BE7LH> and <#C024BE7LH>",
        "see <http://evil.example|the official rule>",
        "@channel @here @everyone",
        "visit https://evil.example/login or www.evil.example",
        "*bold* _it_ ~strike~ `code`",
    ],
)
def test_known_attacks(title: str) -> None:
    message = render_alert(hostile(title), "slack")
    assert_slack_safe(message.title)
    assert_slack_safe(message.body)
    email = render_alert(hostile(title, abstract=title, snippet=title), "email")
    assert_email_text_safe(email)  # an e-mail client links bare URLs as a chat does


def test_long_text_is_cut_visibly_never_dropped() -> None:
    alert = hostile("T" * 50_000, "A" * 50_000, "S" * 50_000)
    message = render_alert(alert, "slack")
    assert len(message.title) + len(message.body) <= SLACK_MESSAGE_LIMIT
    assert "…" in message.body
    assert "https://www.federalregister.gov/" in message.body  # the link survives the cut
    for line in message.body.splitlines():
        assert len(line) <= 3000


def test_many_changes_are_summarised() -> None:
    from monitor.models import FieldChange

    alert = sample_alert("updated")
    many = tuple(FieldChange(f"field{i}", "a", "b") for i in range(40))
    alert = dataclasses.replace(alert, changes=many)
    assert "and 28 more changed fields" in render_alert(alert, "text").body


def hostile_entry(number: str, title: str, html_url: str = ""):  # type: ignore[no-untyped-def]
    """A page entry as a hostile page would make it: its number is whatever its link says."""
    alert = sample_alert("published")
    document = Document(source="page:bis", number=number, title=title, type="Page entry", html_url=html_url)
    return dataclasses.replace(alert, document=document)


DIGEST_ATTACKS = [
    hostile_entry("https://evil.example/login", "Read the <http://evil.example|official rule>"),
    hostile_entry("<!channel>", "<!here> @everyone see www.evil.example"),
    hostile_entry("<@U024BE7LH>", "ping <#C024BE7LH>"),
    hostile("visit https://evil.example/login <!channel>"),
]


@pytest.mark.parametrize("channel", ["slack", "text"])
def test_digest_defuses_numbers_and_titles(channel: str) -> None:
    message = render_digest(DIGEST_ATTACKS, channel, "daily")  # type: ignore[arg-type]
    assert_slack_safe(message.body)
    assert "<" not in OUR_LINKS.sub("", slack_as_apprise_sends_it(message.body))
    assert "evil" in message.body  # defused, not dropped


def test_email_digest_links_only_what_it_vouches_for() -> None:
    message = render_digest(DIGEST_ATTACKS, "email", "daily")
    tags = re.findall(r"<\s*/?\s*([a-z0-9]+)", message.body, re.IGNORECASE)
    assert set(tags) <= {"h2", "h3", "ul", "li", "a"}
    hrefs = re.findall(r'href="([^"]*)"', message.body)
    assert hrefs and all(OUR_LINKS.fullmatch(html.unescape(h)) for h in hrefs), hrefs
    text = re.sub(r"<[^>]*>", "", message.body)  # what a reader sees; a client must find no address to link
    assert not BARE_URL.search(html.unescape(text)), text


OPS_ATTACKS = [
    "the full text of 2025-99999 (<!channel> see https://evil.example/login) could not be read",
    "federal_register: unexpected status 400: <@U024BE7LH> @here <http://evil.example|official> www.evil.example",
]


@pytest.mark.parametrize("text", OPS_ATTACKS)
def test_ops_messages_defuse_the_upstream_text_they_quote(text: str) -> None:
    message = render_ops(f"fr-monitor: {text}", f"- {text}\nfr-monitor backfill --since 2026-10-06 --send")
    assert_slack_safe(message.title)
    assert_slack_safe(message.body)
    assert "evil" in message.body and "fr-monitor backfill --since 2026-10-06 --send" in message.body


async def test_the_dispatcher_tells_ops_defused() -> None:
    from typing import Any, cast

    from monitor.notify.dispatcher import Dispatcher
    from monitor.notify.sender import SendOutcome
    from monitor.settings import DeliverySettings

    sent: list[Message] = []

    class Sender:
        async def send(self, url: str, message: Message) -> SendOutcome:
            sent.append(message)
            return SendOutcome(ok=True)

    dispatcher = Dispatcher(
        cast(Any, None), Sender(), {"ops": "slack://T000/B000/XXXX"}, DeliverySettings(), cast(Any, None)
    )
    await dispatcher.tell_ops("fr-monitor: 1 document could not be read", f"- {OPS_ATTACKS[0]}")
    (message,) = sent
    assert_slack_safe(message.body)
    assert "evil" in message.body
