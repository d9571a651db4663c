"""Each kind of item holds its own things in fields named for them (`text`, `linked_text`, `amended_on`,
`comment_status`), while the stored form keeps the keys the previous release wrote, so that stored snapshots,
their content hashes and the alert keys made from them hold across the upgrade. The hashes below were computed
by the previous code, where these kinds kept those values in `abstract`, `publication_date` and `editorial_note`."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.models import PAGE_REGION_NUMBER, Alert, Document, EventKind, ItemKind, Match, Sources
from monitor.notify.render import shown_number, webhook_payload

REGION = Document(
    source=Sources.page("bis"),
    number=PAGE_REGION_NUMBER,
    title="bis",
    type=ItemKind.PAGE_REGION,
    text="Press releases\nEntity List additions",
)
SECTION = Document(
    source=Sources.ECFR,
    number="15 CFR 744.23",
    title="s",
    type=ItemKind.CFR_SECTION,
    text="(a) General.",
    citation="90 FR 4544",
)
PART = Document(
    source=Sources.ECFR,
    number="title-15-part-744",
    title="15 CFR part 744",
    type=ItemKind.CFR_PART_STATE,
    amended_on=date(2025, 1, 15),
)
DOCKET_DOCUMENT = Document(
    source=Sources.REGULATIONS_GOV,
    number="BIS-2025-0001-0001",
    title="t",
    type="Rule",
    comment_status="open for comment",
)

CASES = [
    pytest.param(
        REGION, "abstract", "text", "a1950c7a6ab68c9438db2e9e29d121a777969420bd607b315294d364e62e1f5b", id="page-region"
    ),
    pytest.param(
        SECTION, "abstract", "text", "7093b6e180185d4b7c23f21312e5e8d149ede6ce2780e52bb51ecfeb3ad511da", id="cfr"
    ),
    pytest.param(
        PART,
        "publication_date",
        "amended_on",
        "f196d9e3a2d5103032de7b0067b72d1586fb5e3568ca2b11a93d39d14152f9f2",
        id="cfr-part",
    ),
    pytest.param(
        DOCKET_DOCUMENT,
        "editorial_note",
        "comment_status",
        "e02447fae311c8b933b7b958e9f1c5ce374555c72576d3d5743868b072a8a4ee",
        id="regulations-gov",
    ),
]


@pytest.mark.parametrize(("document", "stored_key", "field", "previous_hash"), CASES)
def test_stored_form_and_hash_are_the_previous_releases(
    document: Document, stored_key: str, field: str, previous_hash: str
) -> None:
    stored = document.to_dict()
    value = getattr(document, field)
    assert stored[stored_key] == (value.isoformat() if isinstance(value, date) else value)
    assert field not in stored
    assert document.content_hash() == previous_hash
    assert Document.from_dict(stored) == document


def test_a_kind_refuses_a_field_it_does_not_have() -> None:
    """A writer that puts a region's text in `abstract`, or a text on a Federal Register document, is stopped
    before the stored form could hold two meanings under one key."""
    mixed = Document(source=Sources.ECFR, number="15 CFR 744.1", title="s", type=ItemKind.CFR_SECTION, abstract="x")
    with pytest.raises(ValueError, match="has no abstract"):
        mixed.to_dict()
    with pytest.raises(ValueError, match="has no text"):
        Document(source=Sources.FEDERAL_REGISTER, number="2025-00001", title="t", text="x").content_hash()


def test_what_watchlists_read_by_kind() -> None:
    entry = Document(
        source=Sources.page("bis"),
        number="https://www.bis.gov/press/1",
        title="BIS adds entities",
        type=ItemKind.PAGE_ENTRY,
        abstract="March 3",
        linked_text="The Bureau of Industry and Security added AI chip makers.",
    )
    assert entry.searched_text == "March 3 The Bureau of Industry and Security added AI chip makers."
    assert REGION.searched_text == REGION.text
    fr = Document(source=Sources.FEDERAL_REGISTER, number="2025-00001", title="t", abstract="About AI.")
    assert fr.searched_text == "About AI."
    # A linked text is stored only with an alert that has one (snapshots never do): older rows read the same.
    assert entry.to_dict()["linked_text"] == entry.linked_text
    assert "linked_text" not in fr.to_dict()
    assert Document.from_dict(entry.to_dict()) == entry


# An item of a kind of source added later (monitor/sources/<kind>/ and the registry), whose number happens to
# look like a Federal Register number.
OTHER_KIND = Document(source="congress_gov", number="2025-12345", title="H.R. 1: An AI act", type="Bill")


def _alert(event: EventKind, document: Document) -> Alert:
    return Alert(key=f"{event}:k", event=event, watchlist="w", document=document, match=Match("w"))


def test_webhook_document_keys_mean_what_they_meant() -> None:
    """Webhook version 1: `abstract` still carries a region's or a section's text and an entry's linked text;
    `publication_date` and the document's keys are the same for every kind."""
    entry = Document(
        source=Sources.page("bis"),
        number="https://www.bis.gov/press/1",
        title="BIS adds entities",
        type=ItemKind.PAGE_ENTRY,
        abstract="March 3",
        publication_date=date(2025, 3, 3),
        linked_text="AI chip makers added.",
    )
    shown = {
        "page_changed": (REGION, REGION.text, None),
        "cfr_changed": (SECTION, SECTION.text, None),
        "published": (entry, "March 3 AI chip makers added.", "2025-03-03"),
    }
    keys = set()
    for event, (document, abstract, published) in shown.items():
        payload = webhook_payload(_alert(event, document))  # type: ignore[arg-type]
        assert payload["version"] == 1
        assert payload["document"]["abstract"] == abstract
        assert payload["document"]["publication_date"] == published
        keys.add(tuple(payload["document"]))
    assert len(keys) == 1


@pytest.mark.parametrize(
    ("document", "fr_number", "entry_url", "shown"),
    [
        pytest.param(
            Document(source=Sources.FEDERAL_REGISTER, number="2025-00636", title="t"),
            "2025-00636",
            "",
            "2025-00636",
            id="fr",
        ),
        pytest.param(
            Document(source=Sources.PUBLIC_INSPECTION, number="2025-00636", title="t"),
            "2025-00636",
            "",
            "2025-00636",
            id="pi",
        ),
        pytest.param(
            Document(source=Sources.feed("fr-rss"), number="C1-2025-01234", title="t", type=ItemKind.FEED_ITEM),
            "C1-2025-01234",
            "",
            "C1-2025-01234",
            id="feed-fr",
        ),
        pytest.param(
            Document(source=Sources.feed("blog"), number="https://blog.example/1", title="t", type=ItemKind.FEED_ITEM),
            "",
            "",
            "",
            id="feed-guid-link",
        ),
        pytest.param(
            Document(
                source=Sources.page("bis"), number="https://www.bis.gov/press/1", title="t", type=ItemKind.PAGE_ENTRY
            ),
            "",
            "https://www.bis.gov/press/1",
            "",
            id="page-entry",
        ),
        pytest.param(REGION, "", "", "", id="page-region"),
        pytest.param(SECTION, "", "", "15 CFR 744.23", id="cfr-section"),
        pytest.param(DOCKET_DOCUMENT, "", "", "BIS-2025-0001-0001", id="regulations-gov"),
        # a kind of source the shared layers do not know: its numbers are its own, whatever they look like
        pytest.param(OTHER_KIND, "", "", "2025-12345", id="another-kind"),
    ],
)
def test_what_a_number_is_by_kind(document: Document, fr_number: str, entry_url: str, shown: str) -> None:
    assert document.fr_number == fr_number
    assert document.entry_url == entry_url
    assert shown_number(document) == shown


@pytest.mark.parametrize(
    ("document", "kind"),
    [
        (Document(source=Sources.FEDERAL_REGISTER, number="2025-00636", title="t", type="Rule"), ItemKind.FR_DOCUMENT),
        (Document(source=Sources.feed("fr"), number="2025-00636", title="t", type="Rule"), ItemKind.FR_DOCUMENT),
        (
            Document(source=Sources.PUBLIC_INSPECTION, number="2025-00636", title="t", type="Rule"),
            ItemKind.PUBLIC_INSPECTION,
        ),
        (DOCKET_DOCUMENT, ItemKind.DOCKET_DOCUMENT),
        (Document(source=Sources.feed("fr"), number="x", title="t", type=ItemKind.FEED_ITEM), ItemKind.FEED_ITEM),
        (REGION, ItemKind.PAGE_REGION),
        (SECTION, ItemKind.CFR_SECTION),
        (PART, ItemKind.CFR_PART_STATE),
        (OTHER_KIND, ItemKind.DOCUMENT),
    ],
    ids=[
        "fr",
        "feed-completed",
        "pi",
        "regulations-gov",
        "feed-item",
        "page-region",
        "cfr-section",
        "cfr-part",
        "another-kind",
    ],
)
def test_each_item_says_what_it_is(document: Document, kind: str) -> None:
    assert document.kind == kind
