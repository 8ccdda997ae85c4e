r"""Learners: which student is trained on the kept examples (``docs/theory.md``, section 8).

One definition serves the theory and the Monte Carlo. The convention, for every learner but the
max-margin one: the student w in R^N minimises

    sum_{mu kept} loss(y_mu, w . x_mu / sqrt(N)) + (lambda / 2) |w|^2,

with a loss of :mod:`theory.losses` (one module and one :class:`theory.losses.Loss` object each; ``t`` the
pre-activation w . x / sqrt(N), ``y`` = +-1, m = y t the margin):

==================  ========================  ==========================================================
``hinge:L``         max(0, 1 - m)             the soft-margin SVM; -> the max-margin student as L -> 0
``logistic:L``      ln(1 + exp(-m))           logistic regression with ridge L
``square:L``        (1 - m)^2 / 2             ridge regression (least squares) on the +-1 labels
``squared-hinge:L`` max(0, 1 - m)^2 / 2       the squared hinge (scikit-learn's LinearSVC default)
==================  ========================  ==========================================================

and ``max-margin`` (the default) is the hard-margin SVM: min |w|^2 subject to y_mu w . x_mu >= 1, the
student of Sorscher et al. (2022) and of sections 1-7 of ``docs/theory.md``. A loss registered with
:func:`theory.losses.register` is a learner ``name:L`` at once.

The theory needs each loss through its proximal map (:meth:`Learner.prox`): for a step V > 0,

    h = prox_{V loss(y, .)}(omega) = argmin_h [ loss(y, h) + (h - omega)^2 / (2 V) ],

with loss'(y, h) = (omega - h) / V and d h / d omega = 1 / (1 + V loss''(y, h)) (0 on the hinge's kink).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from theory.losses import LOSSES, Loss, get_loss
from theory.losses.logistic import logistic_prox, logistic_prox_scalar, sigmoid_scalar  # noqa: F401 - re-exported
from theory.specs import Named, parse_cached

_PARSED: dict = {}  # spec string -> its object (parsed once; the objects are immutable)
CONVEX_KINDS = LOSSES.keys()  # the registered losses (a live view: a loss registered later is in it)


def learner_help() -> str:
    """The ``--learner`` help: max-margin and every registered loss with its formula."""
    losses = ", ".join(f"{name}:L ({loss.formula})" for name, loss in LOSSES.items())
    return ("max-margin (hard-margin SVM, the default) or a convex loss with ridge L >= 0 (L = 0: the ridgeless "
            "limit, the max-margin student where the kept data are separable, the unregularised minimiser beyond): "
            + losses
            + "; the student minimises sum over kept examples of loss(m = y w.x/sqrt(N)) + (L/2)|w|^2")


LEARNER_HELP = learner_help()


@dataclass(frozen=True, eq=False)
class Learner(Named):
    """A learner: ``kind`` in ``KINDS`` and, for the convex losses, the ridge ``lam`` > 0."""

    kind: str = "max-margin"
    lam: float | None = None

    def __post_init__(self) -> None:
        if self.kind != "max-margin" and self.kind not in LOSSES:
            raise ValueError(f"learner must be max-margin or one of {', '.join(f'{k}:L' for k in LOSSES)}, "
                             f"got {self.kind!r}")
        if self.kind == "max-margin":
            if self.lam is not None:
                raise ValueError(f"learner max-margin takes no ridge, got {self.lam!r} (use hinge:L for a soft margin)")
            return
        lam = self.lam
        if lam is None or isinstance(lam, bool):
            raise ValueError(f"learner {self.kind} needs a ridge L >= 0, e.g. {self.kind}:0.1 ({self.kind}:0 is the "
                             f"ridgeless limit)")
        lam = float(lam)
        if not (math.isfinite(lam) and lam >= 0.0):
            raise ValueError(f"learner {self.kind}:L needs a finite ridge L >= 0 (0: the ridgeless limit), "
                             f"got {self.lam!r}")
        object.__setattr__(self, "lam", lam)

    @classmethod
    def parse(cls, spec: str | Learner) -> Learner:
        """A learner from its string (``"max-margin"``, ``"logistic:0.01"``, ...) or a Learner."""
        return parse_cached(cls, spec, "learner", _PARSED)

    def __str__(self) -> str:
        return self.kind if self.lam is None else f"{self.kind}:{self.lam:.12g}"

    @property
    def is_max_margin(self) -> bool:
        return self.kind == "max-margin"

    @property
    def route(self) -> str:
        """The theory's route for this learner (:data:`theory.point.ROUTES`)."""
        return "max-margin" if self.kind == "max-margin" else "convex"

    @property
    def loss_function(self) -> Loss:
        """The loss (:class:`theory.losses.Loss`) of a convex learner."""
        if self.kind == "max-margin":
            raise ValueError("the max-margin learner has no loss (it is the hinge:L limit L -> 0)")
        return get_loss(self.kind)

    def with_ridge(self, lam: float) -> Learner:
        """The same loss with ridge ``lam``."""
        return Learner(self.kind, lam)

    # ---- the loss and its proximal map (numpy, vectorised), from the loss's margin functions -----------------
    def loss(self, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        """loss(y, t) elementwise."""
        return self.loss_function.value(np.asarray(y, dtype=float) * np.asarray(t, dtype=float))

    def derivative(self, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        """d loss / d t elementwise (hinge: the left derivative at the kink)."""
        y = np.asarray(y, dtype=float)
        return y * self.loss_function.derivative(y * np.asarray(t, dtype=float))

    def curvature(self, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        """d^2 loss / d t^2 elementwise (hinge: 0 away from the kink)."""
        return self.loss_function.curvature(np.asarray(y, dtype=float) * np.asarray(t, dtype=float))

    def prox(self, y: np.ndarray, omega: np.ndarray, V: float) -> np.ndarray:
        """h = prox_{V loss(y, .)}(omega) elementwise (see the module docstring): y prox_+(y omega)."""
        y = np.asarray(y, dtype=float)
        return y * self.loss_function.prox(y * np.asarray(omega, dtype=float), V)
