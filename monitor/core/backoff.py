"""Retry schedule maths: exponential backoff with jitter, capped."""

from __future__ import annotations

import random


def next_retry_delay(
    attempts: int, base: float, cap: float, rng: random.Random | None = None, jitter: float = 0.2
) -> float:
    """Seconds to wait after the `attempts`-th failed attempt (1 = first failure).

    The delay doubles each time from `base` up to `cap`; a jitter of +-20% keeps many failed deliveries
    from retrying in lockstep against a receiver that has just recovered.
    """
    if attempts < 1:
        raise ValueError("attempts starts at 1")
    delay = min(cap, base * (2 ** (attempts - 1)))
    spread = (rng or random).uniform(-jitter, jitter)
    return max(0.0, float(delay * (1 + spread)))
