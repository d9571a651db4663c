"""README figures say what they were measured on: the relevance figures are the dev half's, the half the
built-in watchlist was tuned on (and the README and the bench say so), and every timing figure a benchmark
gives names the machine it came from (or, for a bench on a moved clock, says so)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bench.relevance import DEFAULT_DATA, measured_on
from monitor.app import build_matcher
from monitor.settings.loading import load_settings
from monitor.sources.federal_register.source import parse_document

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
RELEVANCE = ROOT / "tests" / "fixtures" / "relevance"


def _blocks(text: str) -> list[str]:
    """Paragraphs and list items, each one piece of text."""
    return [b for b in re.split(r"\n\s*\n|\n(?=- \*\*)", text) if b.strip()]


def test_the_relevance_figures_are_the_tuned_halfs_and_say_so() -> None:
    corpus = json.loads((RELEVANCE / "dev_corpus.json").read_text())
    labels = json.loads((RELEVANCE / "dev_labels.json").read_text())
    matcher = build_matcher(load_settings())
    alerted = set()
    for raw in corpus:
        document = parse_document(raw)
        text_file = RELEVANCE / "full_text" / f"{document.number}.txt"
        full_text = text_file.read_text() if matcher.needs_full_text(document) and text_file.exists() else None
        if matcher.match(document, full_text):
            alerted.add(document.number)
    positives = {number for number, label in labels.items() if label["ai"]}
    recall = len(alerted & positives) / len(positives)
    precision = len(alerted & positives) / len(alerted)
    (paragraph,) = [b for b in _blocks(README) if re.search(r"recall \d", b)]
    flat = " ".join(paragraph.split())
    assert f"recall {recall:.0%}" in flat and f"precision {precision:.1%}" in flat, (recall, precision)
    assert f"all {len(positives)} AI-related documents" in flat
    assert f"{len(alerted - positives)} false alarms" in flat
    for said in ("dev half", "the same half the watchlist was tuned on", "held out", "upper bound"):
        assert said in flat, said


def test_the_relevance_bench_says_which_half_it_measured() -> None:
    (line,) = [line for line in README.splitlines() if line.startswith("python bench/relevance.py")]
    assert "dev half it was tuned on" in line
    assert "tuned on" in measured_on(DEFAULT_DATA) and "dev half" in measured_on(DEFAULT_DATA)
    assert "not the dev half" in measured_on(Path("/elsewhere/held_out"))


def test_every_timing_figure_names_its_machine() -> None:
    timed = re.compile(r"\b\d+(?:\.\d+)? ?(?:ms|s|seconds|minutes)\b")
    figures = [b for b in _blocks(README) if "bench/" in b and timed.search(b)]
    assert len(figures) >= 2  # the console's and the catch-up's at least
    for block in figures:  # the machine, or for figures on a moved clock, that they are
        flat = " ".join(block.split())
        assert any(said in flat for said in ("2-vCPU", "measured on", "simulated", "moved clock")), block
