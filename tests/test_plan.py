"""The poll's decision, pure: from known, fetched and enriched to the plan the store saves in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.core.lifecycle import Evaluator, Memory
from monitor.core.matching import Matcher
from monitor.core.plan import THIN_NOTE, Enriched, Known, plan_poll, queue
from monitor.core.routing import Routing, TargetRoute
from monitor.core.watchlist import Watchlist
from monitor.models import Change, Document

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC).timestamp()  # 10:00 ET
ROUTING = Routing({"slack": TargetRoute(), "digest": TargetRoute(digest="daily 08:00")})


def evaluator() -> Evaluator:
    return Evaluator(Matcher([Watchlist.build("ai", '"artificial intelligence"', notify=["slack", "digest"])]))


def document(number: str, title: str, **fields: object) -> Document:
    return Document(source="federal_register", number=number, title=title, **fields)  # type: ignore[arg-type]


def test_a_new_matching_document_is_queued_to_each_target_when_due() -> None:
    new = Change("new", document("2026-00001", "Artificial Intelligence Rule", regulation_id_numbers=("0694-AJ90",)))
    plan = plan_poll("federal_register", False, Enriched([new], [new]), Known({}, Memory()), evaluator(), ROUTING, NOW)
    (queued,) = plan.alerts
    assert queued.alert.event == "published" and queued.alert.watchlist == "ai"
    due = dict(queued.deliveries)
    assert due["slack"] == NOW
    assert datetime.fromtimestamp(due["digest"], UTC) == datetime(2026, 11, 19, 13, 0, tzinfo=UTC)  # 08:00 ET
    assert plan.follow_keys == {"2026-00001": ("RIN 0694-AJ90",)}
    assert plan.concerned == ((new.document, "ai"),)


def test_a_baseline_alerts_nothing_but_remembers_who_was_concerned() -> None:
    new = Change("new", document("2026-00001", "Artificial Intelligence Rule"))
    plan = plan_poll("federal_register", True, Enriched([new], [new]), Known({}, Memory()), evaluator(), ROUTING, NOW)
    assert plan.alerts == () and plan.baseline
    assert plan.concerned == ((new.document, "ai"),) and plan.changes == (new,)


def test_thin_items_say_so_and_what_is_stored_is_what_the_source_shows() -> None:
    shown = Change("new", Document(source="feed:fr", number="2026-00002", title="Artificial Intelligence Notice"))
    completed = Change(
        "new", Document(source="feed:fr", number="2026-00002", title="Artificial Intelligence Notice", type="Notice")
    )
    enriched = Enriched([shown], [completed], thin=frozenset({"2026-00002"}))
    plan = plan_poll("feed:fr", False, enriched, Known({}, Memory()), evaluator(), ROUTING, NOW)
    (queued,) = plan.alerts
    assert queued.alert.facts[-1].value == THIN_NOTE
    assert plan.changes == (shown,)


def test_withdrawals_join_the_plan_and_nothing_is_added_after() -> None:
    pulled = Document(source="public_inspection", number="2026-00003", title="Artificial Intelligence Rule")
    enriched = Enriched([], [], withdrawn=[pulled], on_list=["2026-00004"], resolved={"2026-00003": "withdrawn"})
    known = Known({}, Memory(), withdrawn_memory=Memory(matched={"2026-00003": frozenset({"ai"})}))
    plan = plan_poll("public_inspection", False, enriched, known, evaluator(), ROUTING, NOW)
    assert [q.alert.event for q in plan.alerts] == ["withdrawn"]
    assert plan.on_list == ("2026-00004",) and plan.resolved == {"2026-00003": "withdrawn"}
    assert plan.events == ("withdrawn",)


def test_queue_respects_each_targets_events() -> None:
    routing = Routing({"slack": TargetRoute(events=frozenset({"withdrawn"}))})
    new = Change("new", document("2026-00001", "Artificial Intelligence Rule"))
    alerts = plan_poll(
        "federal_register", False, Enriched([new], [new]), Known({}, Memory()), evaluator(), ROUTING, NOW
    )
    (queued,) = queue([alerts.alerts[0].alert], routing, NOW)
    assert [t for t, _ in queued.deliveries] == ["digest"]  # slack hears only of withdrawals
