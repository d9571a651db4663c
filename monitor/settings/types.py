"""The value types of settings: durations, intervals, case-insensitive enumerations, secrets, and the strict
base every config table shares."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
)

from monitor.models import EventKind

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DURATION = 100 * 365.25 * 86400  # longer is a mistake, and past it a planned time can leave the calendar


def parse_duration(value: Any) -> float:
    """'90s', '5m', '1h', '1d', '1h30m' or a plain number of seconds -> seconds."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a string like '90s', '5m', '1h'")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        if re.fullmatch(r"\d+(\.\d+)?", text):
            seconds = float(text)
        elif text and _DURATION_PART.sub("", text).strip() == "":
            seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(text))
        else:
            raise ValueError(f"{value!r} is not a duration; write e.g. '90s', '5m', '1h' or seconds")
    else:
        raise ValueError("a duration is a number of seconds or a string like '90s', '5m', '1h'")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    # TOML has nan and inf, and 400 nines read as seconds are inf too: as an interval, each ended in an unexpected
    # error where a time was shown or planned from it, as did one whose next time falls past the year 9999.
    if not seconds <= MAX_DURATION:
        raise ValueError("a duration is a number of seconds up to 100 years, or a string like '90s', '5m', '1h'")
    return seconds


_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def human_duration(seconds: float) -> str:
    """The other way: 900 -> "15m", 5400 -> "1h30m", 21600 -> "6h", 0.5 -> "0.5s"."""
    if seconds < 1:
        return f"{seconds:g}s"
    left, parts = round(seconds), []
    for unit, size in _UNITS:
        if left >= size:
            parts.append(f"{left // size}{unit}")
            left %= size
    return "".join(parts)


def _positive_duration(value: Any) -> float:
    seconds = parse_duration(value)
    if seconds <= 0:
        raise ValueError("must be more than 0 (an interval or timeout of 0 cannot work)")
    return seconds


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _web_url(value: str) -> str:
    """An http(s) URL a source is read from, one the HTTP client can take apart: a host, and a port in range.
    Checked here, not at the first poll, where it was an unexpected error and a traceback. The message never
    quotes the URL: it may carry a user and password."""
    if not re.match(r"https?://", value):
        raise ValueError("must start with http:// or https://")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError when out of range or not a number)
    except ValueError as exc:
        raise ValueError(f"not a usable URL: {exc}") from None
    if not parts.hostname:
        raise ValueError("not a usable URL: no host")
    return value


Duration = Annotated[float, BeforeValidator(parse_duration)]
Interval = Annotated[float, BeforeValidator(_positive_duration)]  # intervals and timeouts: never 0
# Enumerated values are accepted in any case ("info", "Rule"), stored in their canonical one.
EventName = Annotated[EventKind, BeforeValidator(_lower)]  # the one list of events: monitor.models
WebUrl = Annotated[str, AfterValidator(_web_url)]  # a source's URL: http(s), a host, a valid port
TypeCode = Annotated[Literal["RULE", "PRORULE", "NOTICE", "PRESDOCU"], BeforeValidator(_upper)]


def _clock_time(value: Any) -> Any:
    if not isinstance(value, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value.strip()):
        raise ValueError(f"{value!r} is not a time of day: write HH:MM on a 24-hour clock, US Eastern, like '08:00'")
    return value.strip()


def read_secret(env: str | None, file: Path | None, file_key: str) -> str:
    """A secret from an environment variable or a file (Docker secrets). Errors say where it should be, never
    what it is."""
    if env is not None:
        value = os.environ.get(env, "").strip()
        if not value:
            raise ValueError(f"environment variable {env} is not set or empty")
        return value
    assert file is not None
    try:
        value = file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"cannot read {file_key} {file}: {exc.strerror}") from None
    if not value:
        raise ValueError(f"{file_key} {file} is empty")
    return value


class Section(BaseModel):
    """A config table: unknown keys are errors, values are checked strictly."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# What a configured page, feed, target or watchlist may be named: it appears in source names ("page:NAME"),
# URLs of the console and metric labels.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
