"""Every watchlist filter, regexes, fields, and full-text matching (fetched once, politely, size-capped)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from monitor.app import App
from monitor.core.matching import Matcher
from monitor.core.watchlist import CfrRange, Watchlist, WatchlistError
from monitor.models import Agency, Document
from monitor.settings.loading import load_settings
from monitor.sources.full_text import RATE_KEY as FULL_TEXT_RATE_KEY
from tests.kit.clock import Clock, at
from tests.kit.fakes import synthetic_document

BIS = Agency("Industry and Security Bureau", "industry-and-security-bureau")


def doc(**fields: object) -> Document:
    values: dict[str, object] = {"source": "federal_register", "number": "2026-00001", "title": "chips rule"}
    values.update(fields)
    return Document(**values)  # type: ignore[arg-type]


def matches(watchlist: Watchlist, document: Document, full_text: str | None = None) -> bool:
    return bool(Matcher([watchlist]).match(document, full_text))


@pytest.mark.parametrize(
    ("spec", "reference", "inside"),
    [
        ("15:744", "15 CFR 744", True),
        ("15:744", "15 CFR 745", False),
        ("15:730-774", "15 CFR 730", True),
        ("15:730-774", "15 CFR 774", True),
        ("15:730-774", "15 CFR 775", False),
        ("15:730-774", "14 CFR 744", False),
        ("15 : 744", "15 CFR 744", True),
    ],
)
def test_cfr_ranges(spec: str, reference: str, inside: bool) -> None:
    assert CfrRange.parse(spec).contains(reference) is inside


FILTER_CASES = [
    ("agencies pass", {"agencies": ["industry-and-security-bureau"]}, {"agencies": (BIS,)}, True),
    ("agencies fail", {"agencies": ["industry-and-security-bureau"]}, {}, False),
    ("types pass", {"types": ["RULE"]}, {"type": "Rule"}, True),
    ("types fail", {"types": ["RULE"]}, {"type": "Notice"}, False),
    ("cfr pass", {"cfr": ["15:730-774"]}, {"cfr_references": ("15 CFR 744",)}, True),
    ("cfr fail", {"cfr": ["15:730-774"]}, {"cfr_references": ("40 CFR 52",)}, False),
    ("rins pass, any case", {"rins": ["0694-aj90"]}, {"regulation_id_numbers": ("0694-AJ90",)}, True),
    ("rins fail", {"rins": ["0694-AJ90"]}, {"regulation_id_numbers": ("0694-AJ01",)}, False),
    ("dockets pass", {"dockets": ["BIS-2025-0001"]}, {"docket_ids": ("BIS-2025-0001",)}, True),
    ("dockets fail", {"dockets": ["BIS-2025-0001"]}, {"docket_ids": ()}, False),
    ("significant pass", {"significant": True}, {"significant": True}, True),
    ("significant fail", {"significant": True}, {"significant": False}, False),
    ("not significant", {"significant": False}, {"significant": False}, True),
    ("sources pass", {"sources": ["public_inspection"]}, {"source": "public_inspection"}, True),
    ("sources fail", {"sources": ["public_inspection"]}, {"source": "federal_register"}, False),
]


@pytest.mark.parametrize(("_id", "options", "fields", "expected"), FILTER_CASES, ids=[c[0] for c in FILTER_CASES])
def test_filters(_id: str, options: dict[str, object], fields: dict[str, object], expected: bool) -> None:
    watchlist = Watchlist.build("w", "chips", **options)  # type: ignore[arg-type]
    assert matches(watchlist, doc(**fields)) is expected


def test_filter_failure_says_why() -> None:
    watchlist = Watchlist.build("w", "chips", cfr=["15:730-774"])
    reason = watchlist.filter_failure(doc(cfr_references=("40 CFR 52",)))
    assert reason == "CFR references 40 CFR 52 are outside 15:730-774"


def test_regex_alone_or_beside_a_query() -> None:
    watchlist = Watchlist.build("w", None, regex=[r"\b3A090\b"])
    assert matches(watchlist, doc(title="ECCN 3A090 revisions"))
    assert not matches(watchlist, doc(title="ECCN 3A0901"))
    both = Watchlist.build("w", "drones", regex=[r"\b4E091\b"])
    (match,) = Matcher([both]).match(doc(title="x", abstract="technology 4e091 controls"))
    assert [(h.term, h.field) for h in match.hits] == [(r"/\b4E091\b/", "abstract")]
    assert "«4e091»" in match.snippet


def test_fields_restrict_where_terms_count() -> None:
    title_only = Watchlist.build("w", "chips", fields=["title"])
    assert matches(title_only, doc(title="chips"))
    assert not matches(title_only, doc(title="rule", abstract="chips"))


def test_full_text_is_searched_only_when_asked() -> None:
    deep = Watchlist.build("w", '"model weights"', fields=["title", "full_text"])
    shallow = Watchlist.build("v", '"model weights"')
    document = doc(title="Revisions")
    text = "Section 734.9 ... controls on model weights of closed models"
    assert matches(deep, document, text)
    assert not matches(shallow, document, text)
    assert Matcher([deep]).needs_full_text(document)
    assert not Matcher([shallow]).needs_full_text(document)
    filtered = Watchlist.build("w", "x", fields=["full_text"], types=["NOTICE"])
    assert not Matcher([filtered]).needs_full_text(doc(type="Rule"))  # filters first: no download


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"regex": ["(unclosed"]}, "invalid regex '(unclosed': missing ), unterminated subpattern at position 1"),
        ({"fields": ["body"]}, "fields must be among"),
        ({"cfr": ["744"]}, "is not TITLE:PART"),
    ],
)
def test_invalid_watchlists_name_themselves(options: dict[str, object], message: str) -> None:
    with pytest.raises(WatchlistError, match=r"watchlist 'bad'") as caught:
        Watchlist.build("bad", "chips", **options)  # type: ignore[arg-type]
    assert message in str(caught.value)


FULL_TEXT_WATCHLIST = """
[[watchlists]]
name = "deep"
query = '"model weights"'
fields = ["title", "full_text"]
"""


async def test_full_text_fetched_once_politely_and_capped(fake_fr, receiver, write_config):
    config = write_config(fake_fr, receiver, extra=FULL_TEXT_WATCHLIST)
    config.write_text(config.read_text().replace("per_page = 2", "per_page = 2\nfull_text_max_chars = 1000"))
    app = App(load_settings(config))
    await app.run_once()
    await app.close()
    numbers = [f"2026-4000{i}" for i in range(3)]
    for number in numbers:
        raw = f"https://www.federalregister.gov/documents/full_text/text/2026/11/25/{number}.txt"
        fake_fr.add(synthetic_document(number, "Revisions to the EAR", raw_text_url=raw))
    fake_fr.full_texts[numbers[0]] = "preamble " + "controls on model weights"
    fake_fr.full_texts[numbers[1]] = "x " * 1000 + "model weights"  # beyond the cap: not searched
    clock = Clock(at("2026-11-25 10:00"))  # the rate limiter's waits pass on it, at once
    app = App(load_settings(config), clock=clock)
    # When each download was let go by the rate limiter, on the fake clock.
    released: list[float] = []
    wait = app.http.spacing.wait

    async def timed_wait(key: str) -> None:
        await wait(key)
        if key == FULL_TEXT_RATE_KEY:
            released.append(clock.monotonic())

    app.http.spacing.wait = timed_wait  # type: ignore[method-assign]
    await app.run_once()
    assert [r["title"] for r in receiver.received] == ["[deep] Published: Revisions to the EAR"]
    assert numbers[0] in receiver.received[0]["message"]
    fetches = fake_fr.full_text_fetches
    assert sorted(n for n, _ in fetches) == sorted(numbers)  # the missing one (404) was tried too
    gaps = [b - a for a, b in itertools.pairwise(released)]
    assert len(released) == 3 and all(gap >= 1 - 1e-9 for gap in gaps), gaps  # at most one full-text download a second
    assert app.store.snapshots.load_full_text(numbers[0]) is not None
    assert len(app.store.snapshots.load_full_text(numbers[1]) or "") == 1000
    await app.close()

    changed = synthetic_document(
        numbers[0], "Revisions to the EAR", raw_text_url=fake_fr.documents[-3]["raw_text_url"], dates="Corrected."
    )
    fake_fr.add(changed)
    app = App(load_settings(config))
    await app.run_once()
    await app.close()
    fetched = [n for n, _ in fake_fr.full_text_fetches]
    assert fetched.count(numbers[0]) == 1  # cached: the update did not download it again
    assert fetched.count(numbers[2]) == 2  # the one that could not be read (404) is held and tried again


def test_untrusted_full_text_url_is_not_fetched() -> None:
    from monitor.sources.full_text import FullTextFetcher

    fetcher = FullTextFetcher(None, "http://127.0.0.1:9/api/v1/", 1000)  # type: ignore[arg-type]
    good = doc(raw_text_url="https://www.federalregister.gov/documents/full_text/text/2026/x.txt")
    assert fetcher.text_url(good) == "http://127.0.0.1:9/documents/full_text/text/2026/x.txt"
    assert fetcher.text_url(doc(raw_text_url="https://evil.example/x.txt")) is None
    assert fetcher.text_url(doc(raw_text_url="http://www.federalregister.gov/x.txt")) is None


def test_dates_survive_round_trip() -> None:
    original = doc(effective_on=date(2025, 1, 13), agencies=(BIS,))
    assert Document.from_dict(original.to_dict()) == original
