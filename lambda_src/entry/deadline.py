"""A guard that stops the core before Lambda's timeout, so the entry still has time to answer.

The core's own retriers stop starting calls near the end; this catches what they cannot: one call or loop
that blocks. Lambda runs a Python handler on the process's main thread, where ``signal.setitimer`` can
interrupt it (outside the main thread, or with no time to spare, the guard does nothing).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class DeadlineReached(BaseException):
    """Raised inside the core when the guard fires: a BaseException, so the core's ``except Exception``
    handlers let it through to the entry, which answers."""


def _fire(signum: int, frame: FrameType | None) -> None:
    raise DeadlineReached("the invocation reached its deadline")


@contextmanager
def guard(seconds: float) -> Iterator[None]:
    """Raise DeadlineReached in the block after ``seconds`` (no guard when not positive or not on the main thread)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
