"""A realistic sample alert, for `fr-monitor test-notify` and the rendering tests.

Built from the public facts of the AI Diffusion rule (FR doc 2025-00636); marked as a test in its title so no
reader mistakes it for news.
"""

from __future__ import annotations

from datetime import date

from monitor.models import (
    PAGE_REGION_NUMBER,
    Agency,
    Alert,
    Document,
    EventKind,
    Fact,
    FieldChange,
    Hit,
    ItemKind,
    Match,
)

SAMPLE_DOCUMENT = Document(
    source="federal_register",
    number="2025-00636",
    title="Framework for Artificial Intelligence Diffusion",
    type="Rule",
    action="Interim final rule; request for comments.",
    abstract=(
        "BIS revises the Export Administration Regulations' controls on advanced computing integrated circuits "
        "and adds a control on the model weights of certain closed artificial intelligence models."
    ),
    agencies=(Agency("Industry and Security Bureau", "industry-and-security-bureau"),),
    publication_date=date(2025, 1, 15),
    effective_on=date(2025, 1, 13),
    comments_close_on=date(2025, 5, 15),
    cfr_references=("15 CFR 734", "15 CFR 740", "15 CFR 744"),
    regulation_id_numbers=("0694-AJ90",),
    citation="90 FR 4544",
    significant=True,
    html_url="https://www.federalregister.gov/documents/2025/01/15/2025-00636/framework-for-artificial-intelligence-diffusion",
    pdf_url="https://www.govinfo.gov/content/pkg/FR-2025-01-15/pdf/2025-00636.pdf",
)

_FACTS: dict[str, tuple[Fact, ...]] = {
    "public_inspection": (Fact("Filed", "2025-01-13 08:45 ET"), Fact("Filing", "special"), Fact("Pages", "168")),
    "published": (Fact("On public inspection", "since 2025-01-13 08:45 ET, 2 days before publication"),),
    "corrected": (Fact("Corrects", "2025-00636"),),
    "withdrawn": (Fact("Editorial note", "This document was withdrawn by the agency before publication."),),
    "deadline": (Fact("Reminder", "Comments close 2025-05-15, in 7 days"),),
    "page_changed": (
        Fact("Added", "Guidance on the rescission of the AI Diffusion Rule"),
        Fact("Removed", "Framework for Artificial Intelligence Diffusion: compliance dates"),
    ),
    "cfr_changed": (
        Fact("Change", "§ 744.23 amended"),
        Fact("Amendment date", "2025-01-15"),
        Fact("Federal Register", "90 FR 4544"),
        Fact("−", "(a) General prohibitions."),
        Fact("+", "(a) General prohibitions on advanced computing items."),
    ),
}

_PAGE = Document(
    source="page:bis-press-releases",
    number=PAGE_REGION_NUMBER,
    title="bis-press-releases",
    type=ItemKind.PAGE_REGION,
    html_url="https://www.bis.gov/news-updates/all-press-releases",
)
_SECTION = Document(
    source="ecfr",
    number="15 CFR 744.23",
    title="§ 744.23 Supercomputer, advanced computing item and semiconductor manufacturing item end uses.",
    type=ItemKind.CFR_SECTION,
    cfr_references=("15 CFR 744",),
    citation="90 FR 4544",
    html_url="https://www.ecfr.gov/current/title-15/section-744.23",
)


def sample_alert(event: EventKind = "published", watchlist: str = "ai-export-controls", test: bool = False) -> Alert:
    document = SAMPLE_DOCUMENT
    if test:
        document = Document.from_dict({**document.to_dict(), "title": f"[TEST] {document.title}"})
    if event == "public_inspection":
        document = Document.from_dict(
            {
                **document.to_dict(),
                "source": "public_inspection",
                "filed_at": "2025-01-13T13:45:00+00:00",
                "filing_type": "special",
                "num_pages": 168,
                "pdf_url": "https://public-inspection.federalregister.gov/2025-00636.pdf",
            }
        )
    if event == "page_changed":
        document = _PAGE
    elif event == "cfr_changed":
        document = _SECTION
    changes: tuple[FieldChange, ...] = ()
    if event == "updated":
        changes = (FieldChange("comments_close_on", "2025-03-16", "2025-05-15"),)
    return Alert(
        key=f"{event}:sample:{document.number}:{watchlist}",
        event=event,
        watchlist=watchlist,
        document=document,
        match=Match(
            watchlist,
            (Hit('"artificial intelligence"', "title"), Hit('"model weights"', "abstract")),
            "Framework for «Artificial Intelligence» Diffusion",
        ),
        changes=changes,
        facts=_FACTS.get(event, ()),
    )
