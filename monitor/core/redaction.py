"""Secrets taken out of error text before it is recorded: in the store (a source's last error, a text that could
not be read), in memory for /readyz (a loop's latest error), in what `run --once` prints and the ops target is
told, and in every log line.

Error text quotes what it met: a host with the credentials of the URL it came from (`request to
user:password@host failed`, a page or feed URL with a user and password in it), or a whole URL with its query
(an aiohttp error about a URL it could not use, an `?api_key=` or `?token=`). /readyz shows a source's last error
and is open without auth, so whatever is recorded must hold no secret. Rules, in order:

1. credentials before a host, with or without a scheme (`https://user:pw@host`, `user:pw@host`, `token@host`)
   become `***@host` (an e-mail address's local part goes too: it is not worth telling apart);
2. the value of every query parameter (`?key=abc&page=2`) becomes `***`.

A URL's path is kept: a source's paths are public, and target URLs (whose paths hold tokens, as a Slack webhook's
does) never reach error text at all; deliveries say what failed in words of their own (monitor.notify.outcome).
"""

from __future__ import annotations

import re

MASK = "***"

# Greedy up to the last "@" before the host, so a password with an unescaped "@" goes whole.
_CREDENTIALS = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)?[^\s/?#'\"<>()\[\]{}|\\]+@(?=[\w\[])")
_QUERY_VALUE = re.compile(r"(?P<key>[?&;][^\s=&;#'\"<>]+)=[^\s&;#'\"<>]*")


def redact_secrets(text: str) -> str:
    """`text` with credentials before a host and query values masked (see the rules above); idempotent."""
    if "@" in text:
        text = _CREDENTIALS.sub(lambda m: f"{m['scheme'] or ''}{MASK}@", text)
    if "=" in text:
        text = _QUERY_VALUE.sub(lambda m: f"{m['key']}={MASK}", text)
    return text
