"""Documents that leave the public inspection list resolve, whatever the [federal_register] filters, and a
backlog of any size is walked through, a bounded slice each poll."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import monitor.runner
from monitor.app import App
from monitor.settings.loading import load_settings
from monitor.store.store import Store
from tests.kit.clock import Clock, at
from tests.kit.fakes import BIS, FakeFederalRegister, Receiver, pi_document, synthetic_document
from tests.kit.service import step as kit_step

EPA = {"raw_name": "ENVIRONMENTAL PROTECTION AGENCY", "name": "Environmental Protection Agency", "id": 145,
       "slug": "environmental-protection-agency"}  # fmt: skip
WITHDRAWN_NOTE = "This document was withdrawn by the agency before publication."


async def step(config: Path, when: str) -> None:
    """One `run --once` at a simulated time, as a fresh process would; every source polled."""
    outcomes = await kit_step(config, when)
    assert all(o.ok for o in outcomes), outcomes


def resolutions(config: Path) -> dict[str, str | None]:
    store = Store.open(load_settings(config).data_dir)
    try:
        return {r[0]: r[1] for r in store.db.execute("SELECT number, resolution FROM pi_status").fetchall()}
    finally:
        store.close()


def filtered_config(write_config: Any, fake_fr: FakeFederalRegister, receiver: Receiver) -> Path:
    """Public inspection on, and the Federal Register source filtered to BIS: it stores no other agency's."""
    config: Path = write_config(fake_fr, receiver, extra="[public_inspection]\nenabled = true\n")
    agencies = '[federal_register]\nagencies = ["industry-and-security-bureau"]\n'
    config.write_text(config.read_text().replace("[federal_register]\n", agencies))
    return config


def filed(number: str, title: str, agency: dict[str, Any]) -> dict[str, Any]:
    return pi_document(number, title, "2026-11-23T08:45:00Z", "2026-11-24", agencies=[agency])


async def test_a_backlog_larger_than_a_poll_resolves_under_an_agency_filter(
    fake_fr: FakeFederalRegister, receiver: Receiver, write_config
):
    config = filtered_config(write_config, fake_fr, receiver)
    bound = monitor.runner.MAX_DEPARTURES_PER_POLL
    # Filed on the 23rd: mostly other agencies' documents (the Federal Register source never stores them), a few
    # BIS ones, and some that will be withdrawn, two of them matching the `ai` watchlist.
    others = [filed(f"2026-2{i:04d}", f"Air Plan Approval {i}", EPA) for i in range(2 * bound + 15)]
    bis = [filed(f"2026-3{i:04d}", f"Entity List Additions {i}", BIS) for i in range(5)]
    pulled = [filed(f"2026-1{i:04d}", f"Emission Standards {i}", EPA) for i in range(8)]
    pulled += [filed(f"2026-4{i:04d}", f"Artificial Intelligence Export Controls {i}", BIS) for i in range(2)]
    staying = filed("2026-50000", "Sunshine Act Meetings", EPA)
    listed = [*others, *bis, *pulled, staying]
    assert len(listed) - 1 > 2 * bound  # more departures than two polls may ask about
    fake_fr.pi_documents = listed
    await step(config, "2026-11-23 09:00")  # baseline: every document on the list is tracked

    # The 24th: all but one left the list. Published ones are in the documents API (only the BIS ones in the
    # filtered search); the pulled ones answer a direct fetch with a withdrawal note.
    fake_fr.pi_documents = [staying]
    fake_fr.documents += [synthetic_document(d["document_number"], d["toc_doc"], agencies=[EPA]) for d in others]
    fake_fr.documents += [synthetic_document(d["document_number"], d["toc_doc"]) for d in bis]
    for doc in pulled:
        fake_fr.pi_archive[doc["document_number"]] = dict(doc, editorial_note=WITHDRAWN_NOTE)

    polls = ["2026-11-24 09:00", "2026-11-24 09:05", "2026-11-24 09:10"]
    for when in polls:
        await step(config, when)
    states = resolutions(config)
    assert states.pop("2026-50000") is None  # still on the list
    assert {n: s for n, s in states.items() if s != "published"} == {d["document_number"]: "withdrawn" for d in pulled}
    assert sum(s == "published" for s in states.values()) == len(others) + len(bis)

    # Bounded: at most two requests a poll for departures, each about at most `bound` numbers, and no number
    # asked about twice.
    asked = [n for request in fake_fr.number_fetches for n in request.split(",")]
    assert len(fake_fr.number_fetches) <= len(polls) and len(fake_fr.pi_fetches) <= len(polls)
    assert all(len(r.split(",")) <= bound for r in fake_fr.number_fetches + fake_fr.pi_fetches)
    assert len(asked) == len(set(asked)) == len(others) + len(pulled)  # the BIS ones the source had stored

    withdrawals = [r["title"] for r in receiver.received if "Withdrawn before publication" in r["title"]]
    assert sorted(withdrawals) == [f"[ai] Withdrawn before publication: {d['toc_doc']}" for d in pulled[-2:]]


async def test_unresolved_departures_take_turns(fake_fr: FakeFederalRegister, receiver: Receiver, write_config):
    """Documents neither published nor confirmed withdrawn yet (the API lags) go to the back of the queue: the
    others are asked about first, so a stuck few never starve the rest."""
    config = filtered_config(write_config, fake_fr, receiver)
    bound = monitor.runner.MAX_DEPARTURES_PER_POLL
    lagging = [filed(f"2026-2{i:04d}", f"Air Plan Approval {i}", EPA) for i in range(bound)]
    later = [filed(f"2026-3{i:04d}", f"Water Quality Standards {i}", EPA) for i in range(bound)]
    staying = filed("2026-50000", "Sunshine Act Meetings", EPA)
    fake_fr.pi_documents = [*lagging, *later, staying]
    await step(config, "2026-11-23 09:00")
    fake_fr.pi_documents = [staying]
    fake_fr.documents += [synthetic_document(d["document_number"], d["toc_doc"], agencies=[EPA]) for d in later]
    await step(config, "2026-11-24 09:00")  # asks about the lagging ones: none resolves
    await step(config, "2026-11-24 09:05")  # then the later ones, though their numbers sort after
    states = resolutions(config)
    assert all(states[d["document_number"]] == "published" for d in later)
    assert all(states[d["document_number"]] is None for d in lagging)
    assert fake_fr.number_fetches[1].split(",") == [d["document_number"] for d in later]


async def test_one_malformed_record_does_not_hide_the_others_withdrawals(
    fake_fr: FakeFederalRegister, receiver: Receiver, write_config, caplog
):
    """The by-number answer holds one record that does not parse: the other documents' withdrawals still resolve,
    and the bad one is logged, not dropped in silence."""
    config = filtered_config(write_config, fake_fr, receiver)
    pulled = [filed(f"2026-1{i:04d}", f"Emission Standards {i}", EPA) for i in range(2)]
    staying = filed("2026-50000", "Sunshine Act Meetings", EPA)
    fake_fr.pi_documents = [*pulled, staying]
    await step(config, "2026-11-23 09:00")
    fake_fr.pi_documents = [staying]
    good, bad = pulled
    fake_fr.pi_archive[good["document_number"]] = dict(good, editorial_note=WITHDRAWN_NOTE)
    fake_fr.pi_archive[bad["document_number"]] = dict(bad, editorial_note=WITHDRAWN_NOTE, publication_date="soon")
    await step(config, "2026-11-24 09:00")
    states = resolutions(config)
    assert states[good["document_number"]] == "withdrawn"
    assert states[bad["document_number"]] is None  # asked about again later
    assert any(
        "not checked for a withdrawal" in r.getMessage() and getattr(r, "document_number", "") == bad["document_number"]
        for r in caplog.records
    ), caplog.text


async def test_departures_given_up_on_are_counted_and_logged(
    fake_fr: FakeFederalRegister, receiver: Receiver, write_config, caplog
):
    """A document that left the list and is neither published nor confirmed withdrawn 7 days after its
    publication date is resolved as gone: counted in frmonitor_departures_resolved_total{resolution} (as the
    published and withdrawn ones are) and logged with its number, never dropped in silence."""
    config = filtered_config(write_config, fake_fr, receiver)
    lost = [filed(f"2026-2{i:04d}", f"Air Plan Approval {i}", EPA) for i in range(3)]
    published = filed("2026-30000", "Entity List Additions", BIS)
    staying = filed("2026-50000", "Sunshine Act Meetings", EPA)
    fake_fr.pi_documents = [*lost, published, staying]
    await step(config, "2026-11-23 09:00")
    fake_fr.pi_documents = [staying]
    fake_fr.documents.append(synthetic_document(published["document_number"], published["toc_doc"]))
    counts: list[dict[str, float]] = []
    for when in ("2026-11-24 09:00", "2026-12-02 09:00", "2026-12-02 09:05"):  # published on the 24th: 8 days on
        app = App(load_settings(config), clock=Clock(at(when)))
        try:
            outcomes = await app.run_once()
            counts.append(
                {
                    resolution: app.metrics.registry.get_sample_value(
                        "frmonitor_departures_resolved_total", {"resolution": resolution}
                    )
                    or 0.0
                    for resolution in ("published", "withdrawn", "gone")
                }
            )
        finally:
            await app.close()
        assert all(o.ok for o in outcomes), outcomes
    assert counts == [
        {"published": 1.0, "withdrawn": 0.0, "gone": 0.0},  # the 24th: one published, the others not yet known
        {"published": 0.0, "withdrawn": 0.0, "gone": 3.0},  # 8 days after their publication date: given up
        {"published": 0.0, "withdrawn": 0.0, "gone": 0.0},  # each counted once
    ]
    assert {n: s for n, s in resolutions(config).items() if s == "gone"} == {d["document_number"]: "gone" for d in lost}
    logged = [r for r in caplog.records if r.getMessage().startswith("given up: left the public inspection list")]
    assert sorted(getattr(r, "document_number", "") for r in logged) == [d["document_number"] for d in lost]
    assert all(r.levelname == "WARNING" and getattr(r, "source", "") == "public_inspection" for r in logged)
