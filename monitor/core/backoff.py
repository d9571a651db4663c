"""Retry schedule maths: exponential backoff with jitter, capped."""

from __future__ import annotations

import email.utils
import random


def doubling(failures: int, base: float, cap: float) -> float:
    """`base` after the first failure, doubling with each failure after it, never more than `cap`. The exponent is
    bounded where 2**n still converts to a float: a source down for weeks (a thousand failures in a row) must not
    raise OverflowError and end its loop, and no cap is anywhere near 2**1000 times its base."""
    return float(min(cap, base * 2 ** min(max(failures, 1) - 1, 1000)))


def next_retry_delay(
    attempts: int, base: float, cap: float, rng: random.Random | None = None, jitter: float = 0.2
) -> float:
    """Seconds to wait after the `attempts`-th failed attempt (1 = first failure).

    The delay doubles each time from `base` up to `cap`; a jitter of +-20% keeps many failed deliveries
    from retrying in lockstep against a receiver that has just recovered.
    """
    if attempts < 1:
        raise ValueError("attempts starts at 1")
    delay = doubling(attempts, base, cap)
    spread = (rng or random).uniform(-jitter, jitter)
    return max(0.0, float(delay * (1 + spread)))


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)
