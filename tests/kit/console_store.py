"""A realistic store for the console: the AI Diffusion timeline and a few hundred other documents, made the way
the service makes it (polls of fakes at simulated times), plus a document whose title is hostile markup.

Synthetic records (see tests/test_lifecycle.py): the companion rule, the correction and the rescission under
RIN 0694-AJ90 carry made-up numbers in the 2025-9xxxx range.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from monitor.app import App
from monitor.settings.loading import load_settings
from tests.kit.clock import Clock
from tests.kit.fakes import FakeFederalRegister, Receiver, ai_diffusion_rule, offline, pi_document, synthetic_document

ET = ZoneInfo("America/New_York")
HOSTILE = '<script>alert("x")</script> Artificial Intelligence <img src=x onerror=alert(1)> @channel <!here>'
HOSTILE_NUMBER = "2025-90999"


def at(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ET).timestamp()


def routine(count: int) -> list[dict[str, Any]]:
    subjects = ["Air Plan Approval", "Airworthiness Directives", "Fisheries Closure", "Sunshine Act Meeting"]
    return [
        synthetic_document(
            f"2025-{10000 + i}",
            f"{subjects[i % len(subjects)]} {i}",
            type=["Rule", "Proposed Rule", "Notice"][i % 3],
            publication_date=f"2025-01-{1 + i % 14:02d}",
        )
        for i in range(count)
    ]


def write_config(tmp_path: Path, fr: FakeFederalRegister, receiver: Receiver, web_extra: str = "") -> Path:
    config = tmp_path / "monitor.toml"
    config.write_text(
        offline(
            f'data_dir = "{tmp_path / "data"}"\nallow_private_targets = true\n'
            f"[web]\nport = 0\n{web_extra}"
            f'[federal_register]\nbase_url = "{fr.base_url}"\nrequests_per_second = 100\nper_page = 1000\n'
            "[public_inspection]\nenabled = true\n"
            f'[targets.hook]\nurl = "{receiver.url()}"\n'
            '[targets.slack]\nurl = "slack://T000AAAA/B000BBBB/SECRETSLACKTOKEN"\n'
            '[[watchlists]]\nname = "ai"\nquery = \'"artificial intelligence" | "advanced computing"\'\n'
            'notify = ["hook"]\n'
            '[[watchlists]]\nname = "bis-rules"\nquery = "export"\nagencies = ["industry-and-security-bureau"]\n'
            'notify = ["hook"]\n'
        )
    )
    return config


async def step(config: Path, when: str) -> None:
    app = App(load_settings(config), clock=Clock(at(when)))
    try:
        await app.run_once()
    finally:
        await app.close()


async def build_timeline(tmp_path: Path, fr: FakeFederalRegister, receiver: Receiver, web_extra: str = "") -> Path:
    """Polls that leave the AI Diffusion timeline (and hundreds of unmatched documents) in the store."""
    config = write_config(tmp_path, fr, receiver, web_extra)
    fr.documents = routine(300)
    await step(config, "2025-01-10 09:00")  # baseline
    fr.pi_documents = [
        pi_document(
            "2025-00636",
            "Framework for Artificial Intelligence Diffusion",
            "2025-01-13T08:45:00.000-05:00",
            "2025-01-15",
        )
    ]
    await step(config, "2025-01-13 09:00")
    fr.add(ai_diffusion_rule())
    fr.add(synthetic_document(HOSTILE_NUMBER, HOSTILE, publication_date="2025-01-15"))
    await step(config, "2025-01-15 09:00")
    fr.add(
        synthetic_document(
            "2025-90711",
            "Implementation of Additional Due Diligence Measures for Advanced Computing Integrated Circuits",
            publication_date="2025-01-16",
            comments_close_on="2025-03-17",
        )
    )
    await step(config, "2025-01-16 09:00")
    fr.add(
        synthetic_document(
            "C1-2025-90800",
            "Export Administration Regulations; Revisions; Correction",
            publication_date="2025-01-29",
            correction_of="https://www.federalregister.gov/api/v1/documents/2025-00636",
        )
    )
    await step(config, "2025-01-29 09:00")
    fr.add(
        synthetic_document(
            "2025-90900",
            "Rescission of EAR Revisions",
            publication_date="2025-06-02",
            regulation_id_numbers=["0694-AJ90"],
        )
    )
    await step(config, "2025-06-02 09:00")
    return config
