"""Output a person can read: aligned tables with headers, times in US Eastern (monitor.core.clock), long URLs
shortened. Untrusted text is shown as text (no terminal control characters)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from monitor.core.clock import format_eastern_time

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def eastern(timestamp: float | None) -> str:
    """A Unix time in US Eastern, as alerts and the console show it; "-" for none."""
    return "-" if timestamp is None else format_eastern_time(timestamp)


def clean(text: str) -> str:
    """One line of plain text: control characters (escape sequences a title could carry) become spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())


def short(text: str, width: int) -> str:
    """Cut to `width`, visibly; a URL keeps its host and the end of its path."""
    text = clean(text)
    if len(text) <= width:
        return text
    if text.startswith(("http://", "https://")):
        parts = urlsplit(text)
        host = parts.netloc.removeprefix("www.")
        tail = parts.path.rstrip("/").rsplit("/", 1)[-1]
        shown = f"{host}/…/{tail}"
        if len(shown) <= width:
            return shown
    return text[: max(1, width - 1)] + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int] | None = None) -> str:
    """Columns as wide as their widest cell (capped by `widths`, 0 for no cap); the last column is not padded."""
    cells = [[short(c, widths[i]) if widths and widths[i] else clean(c) for i, c in enumerate(row)] for row in rows]
    sizes = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = []
    for row in [list(headers), *cells]:
        padded = [c.ljust(sizes[i]) for i, c in enumerate(row[:-1])] + [row[-1]]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)
