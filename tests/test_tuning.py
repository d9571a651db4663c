"""backfill and explain: trying watchlists against history, and seeing why they match."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

from monitor.app import App
from monitor.core.clock import month_windows
from monitor.settings.loading import load_settings
from monitor.tuning import backfill, explain, format_explanations
from tests.kit.fakes import FakeFederalRegister, Receiver, ai_diffusion_rule, synthetic_document
from tests.kit.service import fr_monitor


def year_of_documents(count: int, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)
    start = date(2025, 1, 1)
    docs: list[dict[str, object]] = []
    for i in range(count):
        day = start + timedelta(days=rng.randrange(365))
        docs.append(synthetic_document(f"2025-{10000 + i}", f"Routine notice {i}", publication_date=day.isoformat()))
    return docs


def test_month_windows() -> None:
    windows = list(month_windows(date(2025, 1, 15), date(2025, 12, 31)))
    assert windows[0] == (date(2025, 12, 1), date(2025, 12, 31))
    assert windows[-1] == (date(2025, 1, 15), date(2025, 1, 31))
    assert len(windows) == 12
    assert list(month_windows(date(2024, 2, 3), date(2024, 2, 10))) == [(date(2024, 2, 3), date(2024, 2, 10))]
    # The first day there is: no day before it to step to (OverflowError, a traceback from `backfill --since`).
    assert list(month_windows(date.min, date(1, 2, 3))) == [(date(1, 2, 1), date(1, 2, 3)), (date.min, date(1, 1, 31))]


async def test_backfill_finds_what_would_have_alerted(fake_fr: FakeFederalRegister, receiver: Receiver, write_config):
    fake_fr.documents = [*year_of_documents(300), ai_diffusion_rule()]
    fake_fr.filter_dates = True
    config = write_config(fake_fr, receiver)
    config.write_text(config.read_text().replace("per_page = 2", "per_page = 100"))
    app = App(load_settings(config))
    try:
        hits = await backfill(app, date(2025, 1, 1), date(2025, 12, 31), app.evaluator.matcher)
    finally:
        await app.close()
    assert [(h.document.number, h.match.watchlist) for h in hits] == [("2025-00636", "ai")]
    assert len(fake_fr.requests) == 12  # one page a month at per_page 100
    assert receiver.attempts == 0  # without --send nothing goes out


async def test_backfill_splits_windows_the_api_would_cap(fake_fr, receiver, write_config):
    fake_fr.documents = year_of_documents(400)
    fake_fr.filter_dates = True
    fake_fr.window_limit = 20  # any window holding more than 20 "hits the cap"
    config = write_config(fake_fr, receiver)
    config.write_text(config.read_text().replace("per_page = 2", "per_page = 1000"))
    app = App(load_settings(config))
    try:
        source_docs = await backfill(app, date(2025, 1, 1), date(2025, 12, 31), app.evaluator.matcher)
    finally:
        await app.close()
    assert source_docs == []
    windows = [
        (q["conditions[publication_date][gte]"][0], q["conditions[publication_date][lte]"][0]) for q in fake_fr.requests
    ]
    # every document was still reached: the windows that answered (not capped) cover the whole year
    assert windows[0] == ("2025-12-01", "2025-12-31")
    assert len(windows) > 12


async def test_backfill_send_sends_once_ever(fake_fr, receiver, write_config, tmp_path: Path):
    fake_fr.documents = [ai_diffusion_rule()]
    config = write_config(fake_fr, receiver)
    for _ in range(2):
        code, out, err = await fr_monitor(
            "backfill", "--config", str(config), "--since", "2025-01-01", "--until", "2025-01-31", "--send"
        )
        assert code == 0, err
        assert "2025-00636 [ai] Framework for Artificial Intelligence Diffusion" in out
    assert len(receiver.received) == 1
    # and the live service, seeing the same document later, does not send it again
    code, _, err = await fr_monitor("run", "--once", "--config", str(config))
    assert code == 0, err
    fake_fr.add(ai_diffusion_rule())
    code, _, _ = await fr_monitor("run", "--once", "--config", str(config))
    assert len(receiver.received) == 1


async def test_backfill_json_and_watchlist_choice(fake_fr, receiver, write_config):
    fake_fr.documents = [ai_diffusion_rule()]
    config = write_config(fake_fr, receiver)
    code, out, err = await fr_monitor(
        "backfill",
        "--config",
        str(config),
        "--since",
        "2025-01-01",
        "--until",
        "2025-01-31",
        "--json",
        "--watchlist",
        "ai",
    )
    assert code == 0, err
    (hit,) = json.loads(out)
    assert hit["document_number"] == "2025-00636" and hit["watchlist"] == "ai"
    assert {"term": '"artificial intelligence"', "field": "title"} in hit["matched"]
    code, _, err = await fr_monitor("backfill", "--config", str(config), "--since", "2025-01-01", "--watchlist", "nope")
    assert code == 2 and "no watchlist named 'nope'" in err
    code, _, err = await fr_monitor("backfill", "--config", str(config), "--since", "January")
    assert code == 2 and "is not a date" in err


async def test_explain_matched_and_filtered(fake_fr, receiver, write_config):
    extra = """
[[watchlists]]
name = "notices-only"
query = '"artificial intelligence"'
types = ["NOTICE"]
"""
    fake_fr.documents = [ai_diffusion_rule()]
    config = write_config(fake_fr, receiver, extra=extra)
    app = App(load_settings(config))
    try:
        evidence, explanations = await explain(app, "2025-00636", None)
    finally:
        await app.close()
    text = format_explanations(evidence, explanations)
    assert "evaluated: fetched from the documents API now" in text
    assert "ai: MATCHES" in text
    assert '"artificial intelligence" in title, abstract' in text
    assert '"model weights" in abstract' in text
    assert '"advanced computing" in abstract' in text
    assert "notices-only: no match" in text
    assert "filtered out: type Rule is not among Notice" in text

    code, out, err = await fr_monitor("explain", "2025-00636", "--config", str(config), "--watchlist", "ai")
    assert code == 0, err
    assert "ai: MATCHES" in out and "notices-only" not in out
    code, _, err = await fr_monitor("explain", "2099-99999", "--config", str(config))
    assert code == 2 and "Record Not Found" in err and "no Federal Register document has that number" in err


async def test_explain_evaluates_what_the_alerts_evaluated(fake_fr, receiver, write_config):
    """The published snapshot when there is one; the public inspection one (and a warning that it has no
    abstract) when that is all the monitor has seen."""
    from tests.kit.fakes import pi_document

    config = write_config(fake_fr, receiver, extra="[public_inspection]\nenabled = true\n")
    fake_fr.documents = [ai_diffusion_rule()]
    fake_fr.pi_documents = [
        pi_document(
            "2025-00636",
            "Framework for Artificial Intelligence Diffusion",
            "2025-01-13T08:45:00.000-05:00",
            "2025-01-15",
        ),
        pi_document("2026-40001", "Controls on Model Weights", "2026-11-25T08:45:00.000-05:00", "2026-11-27"),
    ]
    app = App(load_settings(config))
    try:
        await app.run_once()
        published = format_explanations(*await explain(app, "2025-00636", "ai"))
        filed = format_explanations(*await explain(app, "2026-40001", "ai"))
    finally:
        await app.close()
    assert "evaluated: the stored Federal Register snapshot, unchanged since " in published
    assert '"model weights" in abstract' in published
    assert "evaluated: the stored public inspection snapshot" in filed
    assert "public inspection documents have no abstract" in filed
