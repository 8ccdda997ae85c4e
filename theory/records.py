"""The one result convention: frozen dataclasses whose ``record()`` is a tidy dict (one row of output).

Like ``scipy.optimize.OptimizeResult`` for every optimiser, every public result of the package
(``SaddleResult``, ``FrontierPoint``, ``PoolChoice``, ``KeepFractionFloor``, ``ScalingFit``,
``simulations.SimResult``, ``simulations.OrderParameters``) derives from :class:`Record`; the fields
that go into the record are listed once, in the class (``RECORD_FIELDS``; all fields when None).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import ClassVar


class Record:
    """Mixin for frozen dataclasses: ``record()`` returns the fields named in ``RECORD_FIELDS``."""

    RECORD_FIELDS: ClassVar[tuple[str, ...] | None] = None

    def record(self) -> dict:
        """The tidy record of this result (a dict of plain numbers, strings and booleans)."""
        d = asdict(self)  # type: ignore[call-overload]
        return {k: d[k] for k in (self.RECORD_FIELDS or tuple(d))}
