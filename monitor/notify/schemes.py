"""The target URL schemes that are ours and never reach Apprise, named once. Standard library only: checking a
configuration needs these names without importing an HTTP client.

`console://` prints alerts, so a first run shows something without any set-up; `webhook://` and `webhooks://`
POST our JSON payload over HTTP and HTTPS (monitor.notify.webhook).
"""

from __future__ import annotations

CONSOLE = "console"
WEBHOOK_SCHEMES = {"webhook": "http", "webhooks": "https"}  # our scheme -> the scheme it POSTs over


def scheme_of(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""
