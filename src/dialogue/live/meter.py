"""What the hub counts for `/metrics` while it delivers: frames handed out, and how long
after its append each event went out.

Counted once per fan-out pass, never per frame or per socket: the pass adds up its frames
in a local integer and makes one `inc`, and observes one latency per event (prometheus
values take a lock on each update, and the fan-out is the hot loop; PERFORMANCE-NOTES).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime

from prometheus_client import Counter, Histogram

from dialogue.db import as_utc

# From 1 ms to 10 s: local delivery is milliseconds, a loaded instance tens of them, a
# lost ring caught up by the hub's sweep about a second.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class DeliveryMeter:
    def __init__(self, delivered: Counter, latency: Histogram) -> None:
        self._live = delivered.labels("live")
        self._replay = delivered.labels("replay")
        self._latency = latency

    def fanned_out(self, frames: int, appended: Iterable[datetime]) -> None:
        """One pass delivered `frames` frames of events appended at these times."""
        if not frames:
            return
        self._live.inc(frames)
        now = time.time()
        for at in appended:
            self._latency.observe(max(0.0, now - as_utc(at).timestamp()))

    def replayed(self, frames: int) -> None:
        """A joining socket caught up on `frames` frames of the log (no latency: they are old)."""
        if frames:
            self._replay.inc(frames)
