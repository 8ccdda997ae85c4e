"""Progress on long work: a tqdm bar on stderr that appears only after 2 s and only when stderr is a terminal
(library layer; the command lines turn it on, the API with ``show_progress``)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable

DELAY = 2.0  # seconds before a bar appears (work shorter than this draws nothing)
TICK = 1.0  # seconds between redraws of a shown bar that no update moved (its elapsed time keeps moving)
_BAR_CLASS = None


def progress(iterable: Iterable | None, total: int | None = None, desc: str = "", unit: str = "it"):
    """A tqdm progress bar over ``iterable`` (or a manual one when None) on stderr, shown after :data:`DELAY` s,
    counting ``unit`` (e.g. ``"seed"``). Every update redraws it (at most every 0.1 s: ``miniters=0``, so that it
    does not stand still when updates slow down after fast ones), and so does a clock every :data:`TICK` s, so that
    its elapsed time moves during one long step, as far as the step lets the clock thread run (numpy, scipy and
    Python code do; a numba kernel compiled without ``nogil`` holds the GIL until it returns: the max-margin
    active set of one seed at N = 1300, ~6 s, is one such call). Off (tqdm's ``disable=None``: no bar, no clock)
    when stderr is not a terminal, so that a log file or a pipe gets clean lines."""
    return _bar_class()(iterable, total=total, desc=desc, unit=unit, delay=DELAY, file=sys.stderr, leave=False,
                        disable=None, miniters=0, dynamic_ncols=True)


def _bar_class():
    """tqdm with the clock of :func:`progress` (built on first use: tqdm is imported only when a bar is drawn)."""
    global _BAR_CLASS
    if _BAR_CLASS is None:
        from tqdm import tqdm

        class TickingBar(tqdm):
            """A tqdm bar redrawn every :data:`TICK` s by a daemon thread, from :data:`DELAY` s on, until closed."""

            def __init__(self, *args, **kwargs):
                self._clock = None  # before tqdm's __init__, which may close a bar at once
                super().__init__(*args, **kwargs)
                if not self.disable:
                    self._stop = threading.Event()
                    self._clock = threading.Thread(target=self._tick, daemon=True, name="progress clock")
                    self._clock.start()

            def _tick(self) -> None:
                while not self._stop.wait(TICK):
                    if time.time() >= self.start_t + self.delay:
                        self.refresh()  # (not lock_args=(False,): tqdm 4.70's write lock would stay held)

            def close(self) -> None:
                clock = getattr(self, "_clock", None)
                if clock is not None:
                    self._stop.set()
                    if clock is not threading.current_thread():
                        clock.join()
                    self._clock = None
                super().close()

        _BAR_CLASS = TickingBar
    return _BAR_CLASS
