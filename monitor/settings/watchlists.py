"""The [[watchlists]] tables, and the built-in AI watchlist."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    Field,
    model_validator,
)

from monitor.core.watchlist import FullTextMode, UrgentCondition, Watchlist, WatchlistError
from monitor.settings.types import NAME_PATTERN, EventName, Section, TypeCode, _lower, parse_duration

# Which sources there are is the registry's to say: loading checks each name against the configured sources.
SourceName = Annotated[str, Field(min_length=1)]
FieldName = Annotated[Literal["title", "abstract", "action", "agencies", "full_text"], BeforeValidator(_lower)]
_DEFAULT_FIELDS: tuple[FieldName, ...] = ("title", "abstract", "action", "agencies")


class WatchlistSettings(Section):
    name: str = Field(pattern=NAME_PATTERN)
    query: str | None = None
    regex: list[str] = Field(default_factory=list)
    fields: list[FieldName] = Field(default_factory=lambda: list(_DEFAULT_FIELDS))
    full_text: Annotated[FullTextMode, BeforeValidator(_lower)] = Field(
        "never", description="search the full text: never, without_abstract (documents with no abstract), always"
    )
    agencies: list[str] = Field(default_factory=list)
    types: list[TypeCode] = Field(default_factory=list)
    cfr: list[str] = Field(default_factory=list, description='"15:744" or "15:730-774"')
    rins: list[str] = Field(default_factory=list)
    dockets: list[str] = Field(default_factory=list)
    significant: bool | None = None
    sources: list[SourceName] = Field(default_factory=list)
    notify: list[str] | None = Field(None, description="target names; all targets when left out")
    events: list[EventName] = Field(default_factory=list, description="event kinds; all when empty")
    follow: bool = True
    reminders: list[str] = Field(default_factory=lambda: ["7d", "1d"])
    urgent: list[Annotated[UrgentCondition, BeforeValidator(_lower)]] = Field(
        default_factory=list,
        description="what makes an alert urgent (sent to every target at once, digests included): "
        "significant, presidential, special_filing, interim_final",
    )

    def reminder_days(self) -> list[int]:
        return [int(parse_duration(r) // 86400) for r in self.reminders]

    @model_validator(mode="after")
    def _check_reminders(self) -> WatchlistSettings:
        for value in self.reminders:
            seconds = parse_duration(value)
            if seconds <= 0 or seconds % 86400:
                raise ValueError(f"reminder {value!r} must be a whole number of days, like '7d'")
        return self

    def compile(self, notify: tuple[str, ...] = ()) -> Watchlist:
        """The matching form of this watchlist; WatchlistError names the watchlist and the position."""
        return Watchlist.build(
            self.name,
            self.query,
            regex=self.regex,
            fields=self.fields,
            full_text=self.full_text,
            agencies=self.agencies,
            types=self.types,
            cfr=self.cfr,
            rins=self.rins,
            dockets=self.dockets,
            significant=self.significant,
            sources=self.sources,
            notify=notify,
            events=self.events,
            follow=self.follow,
            reminders=self.reminder_days(),
            urgent=self.urgent,
        )

    @model_validator(mode="after")
    def _check_compiles(self) -> WatchlistSettings:
        try:
            self.compile()
        except WatchlistError as exc:
            shown = "".join(f"\n      {line}" for line in exc.pointer.splitlines())
            raise ValueError(f"{exc.detail}{shown}") from None
        return self


# The built-in watchlist, tuned on real labelled Federal Register documents (bench/relevance.py prints its recall
# and precision). Each line earns its place: AI named outright (the acronym only where the document does not
# define it as something else), AI named in other words, and the export-control context of AI chips.
DEFAULT_AI_QUERY = (
    '"artificial intelligence" | =AI[artificial intelligence] | "AI diffusion" '
    '| "machine learning" | "deep learning" | "neural network*" | "large language model*" | "foundation model*" '
    '| "frontier model*" | "generative model*" | "model weights" | "natural language processing" '
    '| "computer vision" | chatbot* | deepfake* '
    '| "automated decision*" | "algorithmic decision*" | "predictive analytics" | "predictive data analytics" '
    '| "decision support intervention*" | "algorithm transparency" | "algorithmic transparency" '
    '| "advanced computing" | supercomput* | "data center validated end user*" '
    '| ((semiconductor* | "integrated circuit*" | chip*) '
    '("export administration regulations" | "export control*" | "commerce control list" '
    '| "foreign direct product") -polysilicon)'
)


def _default_watchlists() -> list[WatchlistSettings]:
    # Presidential documents come with no abstract: only their text says whether they concern AI.
    # Significant rules, presidential documents and special filings are told at once, even to digest targets.
    return [
        WatchlistSettings(
            name="ai-export-controls",
            query=DEFAULT_AI_QUERY,
            full_text="without_abstract",
            urgent=["significant", "presidential", "special_filing"],
        )
    ]
