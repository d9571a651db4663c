"""Urgent alerts: what makes one urgent, its headline on every channel, and its way through a digest target (at
once, then again in the next digest, marked as sent already)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from monitor.core.watchlist import Watchlist, WatchlistError, urgent_conditions_met
from monitor.models import Document
from monitor.notify.render import render_alert, render_digest
from monitor.notify.samples import sample_alert
from monitor.settings.loading import load_settings
from monitor.store.store import Store
from tests.kit.clock import Clock
from tests.kit.fakes import FakeFederalRegister, Receiver, synthetic_document
from tests.kit.golden import golden
from tests.kit.service import run_once as cycle

BASE = Document(source="federal_register", number="2027-00001", title="t", type="Rule", action="Final rule.")


@pytest.mark.parametrize(
    ("changes", "met"),
    [
        ({}, set()),
        ({"significant": True}, {"significant"}),
        ({"type": "Presidential Document", "action": ""}, {"presidential"}),
        ({"source": "public_inspection", "filing_type": "special"}, {"special_filing"}),
        ({"source": "public_inspection", "filing_type": "regular"}, set()),
        ({"source": "federal_register", "filing_type": "special"}, set()),  # only a public inspection filing
        ({"action": "Interim final rule; request for comments."}, {"interim_final"}),
        ({"action": "Final rule; delay of effective date."}, set()),
        ({"significant": True, "action": "Interim final rule."}, {"significant", "interim_final"}),
    ],
    ids=lambda v: json.dumps(v, sort_keys=True) if isinstance(v, dict) else ",".join(sorted(v)) or "none",
)
def test_urgent_conditions(changes: dict[str, object], met: set[str]) -> None:
    assert urgent_conditions_met(dataclasses.replace(BASE, **changes)) == met  # type: ignore[arg-type]


def test_a_watchlist_is_urgent_only_for_the_conditions_it_names() -> None:
    significant = dataclasses.replace(BASE, significant=True)
    assert Watchlist.build("w", "t", urgent=["significant"]).is_urgent(significant)
    assert not Watchlist.build("w", "t", urgent=["presidential"]).is_urgent(significant)
    assert not Watchlist.build("w", "t").is_urgent(significant)
    with pytest.raises(WatchlistError, match="urgent sometimes is not among significant, presidential"):
        Watchlist.build("w", "t", urgent=["sometimes"])


def test_the_built_in_watchlist_marks_significant_presidential_and_special_filings_urgent() -> None:
    (watchlist,) = load_settings().watchlists
    assert watchlist.urgent == ["significant", "presidential", "special_filing"]


def test_an_unknown_urgent_condition_is_a_config_error(tmp_path) -> None:
    from monitor.config_file import ConfigError

    path = tmp_path / "c.toml"
    path.write_text('[[watchlists]]\nname = "w"\nquery = "ai"\nurgent = ["significant", "loud"]\n')
    with pytest.raises(ConfigError, match="urgent"):
        load_settings(path)


CHANNELS = ("slack", "email", "webhook", "text")


@pytest.mark.parametrize("channel", CHANNELS)
def test_urgent_headline_on_every_channel(channel: str) -> None:
    urgent = dataclasses.replace(sample_alert("published"), urgent=True)
    message = render_alert(urgent, channel, alert_id=42)  # type: ignore[arg-type]
    golden(f"urgent.{channel}.txt", f"TITLE: {message.title}\nFORMAT: {message.body_format}\n\n{message.body}\n")
    assert message.title.startswith("Urgent: [ai-export-controls] Published:")
    if channel == "email":
        assert "<h2>Urgent: [ai-export-controls] Published:" in message.body
    if channel == "webhook":
        assert json.loads(message.body)["urgent"] is True
    plain = render_alert(sample_alert("published"), channel, alert_id=42)  # type: ignore[arg-type]
    assert "Urgent" not in plain.title
    if channel == "webhook":
        assert json.loads(plain.body)["urgent"] is False


@pytest.mark.parametrize("channel", CHANNELS)
def test_digest_marks_what_was_sent_at_once(channel: str) -> None:
    urgent = dataclasses.replace(sample_alert("published"), urgent=True)
    alerts = [urgent, sample_alert("updated")]
    message = render_digest(alerts, channel, "daily", frozenset({urgent.key}))  # type: ignore[arg-type]
    golden(f"digest_urgent.{channel}.txt", f"TITLE: {message.title}\nFORMAT: {message.body_format}\n\n{message.body}\n")
    if channel == "webhook":
        entries = json.loads(message.body)["alerts"]
        assert [(e["urgent"], e["sent_already"]) for e in entries] == [(True, True), (False, False)]
    else:
        assert message.body.count("urgent: sent at once") == 1


async def test_urgent_alert_through_a_digest_target(fake_fr: FakeFederalRegister, receiver: Receiver, write_config):
    """A daily digest target hears an urgent alert at once, then again in its next digest, marked as sent
    already, beside the routine alerts it batched; nothing is sent a third time."""
    now_target, daily = receiver, await Receiver().start()
    try:
        extra = (
            'urgent = ["significant"]\n'  # the watchlist's, then a second target
            f'[targets.daily]\nurl = "webhook://127.0.0.1:{daily.server.port}/d"\ndigest = "daily 08:00"\n'  # type: ignore[union-attr]
        )
        config = write_config(fake_fr, now_target, extra)
        clock = Clock(1_800_001_200.0)  # 2027-01-15 03:20 ET
        await cycle(config, clock)
        fake_fr.add(synthetic_document("2026-70001", "Artificial Intelligence significant rule", significant=True))
        fake_fr.add(synthetic_document("2026-70002", "Artificial Intelligence routine notice"))
        clock.now += 60
        await cycle(config, clock)
        titles = sorted(r["title"] for r in now_target.received)
        assert titles == [
            "Urgent: [ai] Published: Artificial Intelligence significant rule",
            "[ai] Published: Artificial Intelligence routine notice",
        ]
        (at_once,) = daily.received  # the urgent one, on its own, hours before the digest
        assert at_once["schema"] == "fr-monitor.alert" and at_once["urgent"] is True
        assert at_once["document"]["number"] == "2026-70001"

        clock.now += 5 * 3600  # 08:20 ET: past the digest time (a fresh App each cycle: a restart too)
        await cycle(config, clock)
        digest = daily.received[-1]
        assert digest["schema"] == "fr-monitor.digest" and len(daily.received) == 2
        assert sorted((a["document"]["number"], a["urgent"], a["sent_already"]) for a in digest["alerts"]) == [
            ("2026-70001", True, True),
            ("2026-70002", False, False),
        ]
        clock.now += 86400
        await cycle(config, clock)
        assert len(daily.received) == 2 and len(now_target.received) == 2
        store = Store.open_existing(config.parent / "data")
        try:
            assert store.outbox.count_deliveries() == {"sent": 4}
        finally:
            store.close()
    finally:
        await daily.close()


def test_readme_webhook_example_has_every_field_of_the_payload() -> None:
    """The README's payload example (where `"urgent"` is documented) names exactly the fields we send."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("#### Webhook payload", 1)[1]
    example = json.loads(re.search(r"```json\n(.*?)\n```", section, re.S)[1])  # type: ignore[index]
    payload = json.loads(render_alert(sample_alert("published"), "webhook", alert_id=1).body)
    assert set(example) == set(payload) and set(example["document"]) == set(payload["document"])
