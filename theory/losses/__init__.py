r"""The losses of the convex learners: one module each, one :class:`Loss` object each, one registry.

A convex learner ``name:L`` minimises sum_kept loss(y, w . x / sqrt N) + (L / 2)|w|^2 (``docs/theory.md``,
section 8). Every loss here depends on the margin m = y t alone, and one :class:`Loss` holds all that the theory's
three quadrature routes and the Monte Carlo need of it (the interface is :class:`theory.losses.base.Loss`). The
built-in losses:

=================  =============================  ====================================================
``hinge``          max(0, 1 - m)                  :mod:`theory.losses.hinge` (the soft-margin SVM)
``logistic``       ln(1 + e^-m)                   :mod:`theory.losses.logistic`
``square``         (1 - m)^2 / 2                  :mod:`theory.losses.square` (ridge regression)
``squared-hinge``  max(0, 1 - m)^2 / 2            :mod:`theory.losses.squared_hinge` (LinearSVC's default)
=================  =============================  ====================================================

A new loss is one module that builds a :class:`Loss` and calls :func:`register` (or a user's script that does the
same: ``tests/test_losses.py`` registers the exponential loss e^-m without touching the library). Its name is then
a learner, ``name:L``, everywhere: ``theory.Params``, the command lines, the Monte Carlo, the frontier.
"""

from __future__ import annotations

from theory.losses.base import DERIVATIVE_SIGNATURE, NODE_SIGNATURE, POINT_SIGNATURE, Loss

LOSSES: dict[str, Loss] = {}


def register(loss: Loss) -> Loss:
    """Add ``loss`` to the registry under ``loss.name`` (a name already taken by another loss is an error)."""
    if not isinstance(loss, Loss):
        raise ValueError(f"register takes a theory.losses.Loss, got {type(loss).__name__}")
    if loss.name == "max-margin" or (loss.name in LOSSES and LOSSES[loss.name] is not loss):
        raise ValueError(f"the learner name {loss.name!r} is taken")
    LOSSES[loss.name] = loss
    return loss


def get_loss(name: str) -> Loss:
    """The registered loss ``name``; ``ValueError`` naming the registered ones otherwise."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; registered: {', '.join(LOSSES)}") from None


# the built-in losses register themselves on import
from theory.losses import hinge, logistic, square, squared_hinge  # noqa: E402,F401

__all__ = ["DERIVATIVE_SIGNATURE", "LOSSES", "Loss", "NODE_SIGNATURE", "POINT_SIGNATURE", "get_loss", "register"]
