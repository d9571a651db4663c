"""The life of a rule against the fake: public inspection -> publication -> correction -> follow -> reminders,
withdrawals, and outages that must never look like withdrawals.

The AI Diffusion timeline is reconstructed from the facts in SOURCES.md (2025-00636: on public inspection
2025-01-13, published 2025-01-15, RIN 0694-AJ90). Every record here is synthetic; the companion rule, the
correction and the later rule under the same RIN carry made-up numbers in the 2025-9xxxx range.
"""

from __future__ import annotations

from typing import Any

import pytest

from monitor.app import App
from monitor.settings.loading import load_settings
from tests.kit.fakes import FakeFederalRegister, Receiver, ai_diffusion_rule, pi_document, synthetic_document
from tests.kit.service import step

PI_EXTRA = "[public_inspection]\nenabled = true\n"


def events(receiver: Receiver) -> list[tuple[str, str]]:
    return [(r["title"].split("] ", 1)[1].split(":", 1)[0], r["title"].split(": ", 1)[1]) for r in receiver.received]


def pi_diffusion() -> dict[str, Any]:
    return pi_document(
        "2025-00636",
        "Framework for Artificial Intelligence Diffusion",
        "2025-01-13T08:45:00.000-05:00",
        "2025-01-15",
    )


def companion_rule() -> dict[str, Any]:
    return synthetic_document(
        "2025-90711",
        "Implementation of Additional Due Diligence Measures for Advanced Computing Integrated Circuits",
        action="Interim final rule.",
        publication_date="2025-01-16",
        effective_on="2025-01-16",
        comments_close_on="2025-03-17",
    )


async def test_ai_diffusion_timeline(fake_fr: FakeFederalRegister, receiver: Receiver, write_config, machine_tz):
    config = write_config(fake_fr, receiver, extra=PI_EXTRA)
    fake_fr.pi_documents = [pi_document("2025-00500", "Sunshine Act Meetings", "2025-01-10T08:45:00Z", "2025-01-13")]
    sent: list[tuple[str, tuple[str, str]]] = []

    async def run(when: str) -> None:
        before = len(receiver.received)
        await step(config, when)
        sent.extend((when, e) for e in events(receiver)[before:])

    await run("2025-01-10 12:00")  # install: silent baseline of both sources
    assert sent == []

    fake_fr.pi_documents = [pi_diffusion()]
    await run("2025-01-13 09:00")
    assert sent[-1] == ("2025-01-13 09:00", ("On public inspection", "Framework for Artificial Intelligence Diffusion"))
    pi_alert = receiver.received[-1]["message"]
    assert "Publishes: 2025-01-15" in pi_alert and "Filing: special" in pi_alert and "Pages: 168" in pi_alert
    assert "PDF: https://public-inspection.federalregister.gov/2025-00636.pdf" in pi_alert
    assert "Filed: 2025-01-13 08:45 ET" in pi_alert

    await run("2025-01-14 09:00")  # still on the list the next day: nothing new
    assert len(sent) == 1

    fake_fr.pi_documents = [pi_document("2025-00800", "Sunshine Act Meetings", "2025-01-15T08:45:00Z", "2025-01-16")]
    fake_fr.add(ai_diffusion_rule())
    await run("2025-01-15 09:00")
    assert sent[-1] == ("2025-01-15 09:00", ("Published", "Framework for Artificial Intelligence Diffusion"))
    published = receiver.received[-1]["message"]
    assert "On public inspection: since 2025-01-13 08:45 ET, 2 days before publication" in published
    assert "Effective: 2025-01-13" in published and "Comments close: 2025-05-15" in published

    fake_fr.add(companion_rule())
    await run("2025-01-16 09:00")
    assert sent[-1][1] == ("Published", companion_rule()["title"])

    correction = synthetic_document(
        "C1-2025-90001",
        "Export Administration Regulations; Revisions; Correction",
        action="Interim final rule; correction.",
        publication_date="2025-01-29",
        correction_of="https://www.federalregister.gov/api/v1/documents/2025-00636",
    )
    fake_fr.add(correction)
    await run("2025-01-29 09:00")
    assert sent[-1] == ("2025-01-29 09:00", ("Correction", correction["title"]))
    assert "Corrects: 2025-00636" in receiver.received[-1]["message"]

    await run("2025-03-10 07:30")  # the companion's comments close 2025-03-17: 7-day reminder not before 08:00
    assert sent[-1][0] == "2025-01-29 09:00"
    await run("2025-03-10 08:30")
    assert sent[-1] == ("2025-03-10 08:30", ("Deadline", companion_rule()["title"]))
    assert "Reminder: Comments close 2025-03-17, in 7 days" in receiver.received[-1]["message"]

    await run("2025-05-08 08:30")
    assert sent[-1] == ("2025-05-08 08:30", ("Deadline", "Framework for Artificial Intelligence Diffusion"))
    assert "Reminder: Comments close 2025-05-15, in 7 days" in receiver.received[-1]["message"]
    await run("2025-05-14 08:05")
    assert "Reminder: Comments close 2025-05-15, in 1 day" in receiver.received[-1]["message"]

    later = synthetic_document(
        "2025-90950",
        "Rescission of Export Administration Regulations Revisions",
        action="Final rule.",
        publication_date="2025-06-02",
        regulation_id_numbers=["0694-AJ90"],
    )
    fake_fr.add(later)
    await run("2025-06-02 09:00")
    assert sent[-1] == ("2025-06-02 09:00", ("Published", later["title"]))
    assert "RIN 0694-AJ90 (follows an earlier match)" in receiver.received[-1]["message"]

    total = len(sent)
    for when in ("2025-06-02 10:00", "2025-06-03 09:00", "2025-06-03 09:00"):
        await run(when)  # restarts and re-polls: nothing is ever sent twice
    assert len(sent) == total

    # The replay's alerts, each with the simulated time it was sent (printed for the closing note).
    print(f"\nTZ={machine_tz}")
    for when, (event, title) in sent:
        print(f"  {when} ET  {event:<20} {title}")
    assert [e for _, (e, _) in sent] == [
        "On public inspection",
        "Published",
        "Published",
        "Correction",
        "Deadline",
        "Deadline",
        "Deadline",
        "Published",
    ]


async def test_withdrawn_document_alerts_once(fake_fr, receiver, write_config):
    config = write_config(fake_fr, receiver, extra=PI_EXTRA)
    other = pi_document("2026-20100", "Sunshine Act Meetings", "2026-11-23T08:45:00Z", "2026-11-25")
    fake_fr.pi_documents = [other]
    await step(config, "2026-11-23 09:00")
    doomed = pi_document(
        "2026-20111", "Advanced Computing Items; Revisions", "2026-11-24T11:15:00.000-05:00", "2026-11-26"
    )
    fake_fr.pi_documents = [other, doomed]
    await step(config, "2026-11-24 12:00")
    assert events(receiver) == [("On public inspection", "Advanced Computing Items; Revisions")]

    fake_fr.pi_documents = [other]  # gone from the list, not published: fetched directly
    fake_fr.pi_archive["2026-20111"] = dict(
        doomed, editorial_note="This document was withdrawn by the agency before publication."
    )
    await step(config, "2026-11-24 16:30")
    await step(config, "2026-11-24 17:00")
    assert events(receiver)[1:] == [("Withdrawn before publication", "Advanced Computing Items; Revisions")]
    assert "Editorial note: This document was withdrawn" in receiver.received[-1]["message"]
    assert fake_fr.pi_fetches == ["2026-20111"]  # resolved: not fetched again


async def test_published_document_is_not_withdrawn(fake_fr, receiver, write_config):
    config = write_config(fake_fr, receiver, extra=PI_EXTRA)
    fake_fr.pi_documents = [pi_document("2026-20100", "Sunshine Act", "2026-11-23T08:45:00Z", "2026-11-25")]
    await step(config, "2026-11-23 09:00")
    fake_fr.pi_documents.append(pi_diffusion())
    await step(config, "2026-11-23 12:00")
    fake_fr.pi_documents = fake_fr.pi_documents[:1]
    fake_fr.add(ai_diffusion_rule())
    await step(config, "2026-11-24 09:00")
    assert [e for e, _ in events(receiver)] == ["On public inspection", "Published"]
    assert fake_fr.pi_fetches == []  # the Federal Register already had it: no confirmation needed


@pytest.mark.parametrize("outage", ["status:503", "status:404", "empty", "half", "malformed"])
async def test_public_inspection_outage_yields_no_withdrawal(fake_fr, receiver, write_config, outage):
    config = write_config(fake_fr, receiver, extra=PI_EXTRA)
    docs = [
        pi_document(f"2026-2020{i}", f"Advanced Computing Notice {i}", "2026-11-23T08:45:00Z", "2026-11-25")
        for i in range(4)
    ]
    fake_fr.pi_documents = docs
    await step(config, "2026-11-23 09:00")
    app = App(load_settings(config))
    before = app.store.snapshots.load_snapshot_hashes("public_inspection", [d["document_number"] for d in docs])
    await app.close()

    fake_fr.pi_mode = outage
    outcomes = await step(config, "2026-11-23 12:00")
    assert receiver.attempts == 0
    assert fake_fr.pi_fetches == []
    app = App(load_settings(config))
    try:
        assert (
            app.store.snapshots.load_snapshot_hashes("public_inspection", [d["document_number"] for d in docs])
            == before
        )
        assert app.store.lifecycle.load_on_list() == {d["document_number"] for d in docs}
    finally:
        await app.close()
    pi_outcome = next(o for o in outcomes if o.source == "public_inspection")
    assert pi_outcome.ok is (outage == "empty")


async def test_updated_public_inspection_document_reports_the_new_pdf(fake_fr, receiver, write_config):
    config = write_config(fake_fr, receiver, extra=PI_EXTRA)
    fake_fr.pi_documents = [pi_document("2026-20100", "Sunshine Act", "2026-11-23T08:45:00Z", "2026-11-25")]
    await step(config, "2026-11-23 09:00")
    fake_fr.pi_documents.append(pi_diffusion())
    await step(config, "2026-11-23 10:00")
    replaced = dict(pi_diffusion(), pdf_updated_at="2025-01-13T15:02:00.000-05:00", page_views={"count": 90})
    fake_fr.pi_documents[1] = replaced
    await step(config, "2026-11-23 16:00")
    assert [e for e, _ in events(receiver)] == ["On public inspection", "Updated"]
    assert "pdf_updated_at: 2025-01-13T13:45:00+00:00 → 2025-01-13T20:02:00+00:00" in receiver.received[-1]["message"]


async def test_follow_can_be_turned_off(fake_fr, receiver, write_config):
    extra = """
[[watchlists]]
name = "no-follow"
query = '"artificial intelligence"'
follow = false
events = ["published"]
"""
    config = write_config(fake_fr, receiver, extra=extra)
    await step(config, "2026-11-23 09:00")
    fake_fr.add(ai_diffusion_rule())
    await step(config, "2026-11-23 10:00")
    fake_fr.add(synthetic_document("2026-90950", "Unrelated Wording", regulation_id_numbers=["0694-AJ90"]))
    await step(config, "2026-11-23 11:00")
    watchlists = [r["title"].split("]")[0][1:] for r in receiver.received]
    assert watchlists.count("no-follow") == 1 and watchlists.count("ai") == 2
