"""Progress on long work: a tqdm bar on stderr that appears only after 2 s and only when stderr is a terminal
(library layer; the command lines turn it on, the API with ``show_progress``)."""

from __future__ import annotations

import sys
from collections.abc import Iterable


def progress(iterable: Iterable | None, total: int | None = None, desc: str = "", unit: str = "it"):
    """A tqdm progress bar over ``iterable`` (or a manual one when None) on stderr, shown after 2 s, counting
    ``unit`` (e.g. ``"seed"``) and redrawn by every update (at most every 0.1 s: ``miniters=0``, so that it does not
    stand still when updates slow down after fast ones); off (tqdm's ``disable=None``) when stderr is not a terminal,
    so that a log file or a pipe gets clean lines."""
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=unit, delay=2.0, file=sys.stderr, leave=False, disable=None,
                miniters=0, dynamic_ncols=True)
