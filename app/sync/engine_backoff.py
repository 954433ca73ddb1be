"""Timing of the sync engine: its settings and the backoff with jitter between failed passes."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class EngineSettings:
    """Timing of the background loop (seconds) and page sizes."""

    interval: float = 30.0
    backoff_base: float = 2.0
    backoff_cap: float = 300.0
    page_size: int = 100
    push_batch: int = 50


def backoff_delay(failures: int, settings: EngineSettings, rng: random.Random) -> float:
    """Exponential backoff with equal jitter: half the capped delay fixed, half random, so terminals spread out."""
    # The exponent is bounded: 2.0 ** 1024 overflows, and a terminal may be offline for days (a pass every 5 min).
    ceiling = float(min(settings.backoff_cap, settings.backoff_base * 2.0 ** min(max(0, failures - 1), 64)))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)
