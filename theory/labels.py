r"""Label channels: how a teacher field t = T . x becomes the label y = +-1 (``docs/theory.md``, section 8).

One definition serves the theory (the conditional probability P(y | t)) and the Monte Carlo (:meth:`sample`):

=============  ==========================================================================================
``clean``      y = sign(t) (the default; the model of Sorscher et al. 2022)
``flip:E``     y = sign(t), flipped independently with probability E in [0, 1/2) (Kolossov et al.'s
               "misspec" labels with A = 1 - E, B = E)
``logit:B``    P(y = +1 | t) = sigmoid(B t), B > 0: the teacher's own temperature (B -> inf is clean)
=============  ==========================================================================================

Labels are noisy in the pool, before any selection. The test error reported everywhere is the error
against the clean teacher, eps = P(sign(J . x) != sign(t)) = arccos(R) / pi; the error against noisy test
labels is :meth:`LabelChannel.noisy_error` (eta + (1 - 2 eta) eps for flips).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate

from theory.specs import Named, parse_cached

_PARSED: dict = {}  # spec string -> its object (parsed once; the objects are immutable)
KINDS = ("clean", "flip", "logit")
LABELS_HELP = ("label channel: clean (y = sign(t), the default), flip:E (each pool label flipped with probability "
               "E in [0, 0.5)), logit:B (P(y = +1 | t) = sigmoid(B t), B > 0); eps is always measured against "
               "the clean teacher, eps_noisy against noisy test labels")


@dataclass(frozen=True, eq=False)
class LabelChannel(Named):
    """A label channel: ``kind`` in ``KINDS`` and its parameter (E for flip, B for logit)."""

    kind: str = "clean"
    param: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"labels must be clean, flip:E or logit:B, got {self.kind!r}")
        if self.kind == "clean":
            if self.param is not None:
                raise ValueError(f"labels clean take no parameter, got {self.param!r}")
            return
        if self.param is None or isinstance(self.param, bool) or not math.isfinite(float(self.param)):
            got = "" if self.param is None else f", got {self.kind}:{self.param}"
            raise ValueError(f"labels {self.kind} needs a finite number, e.g. {self.kind}:0.05{got}")
        p = float(self.param)
        object.__setattr__(self, "param", p)
        if self.kind == "flip" and not 0.0 <= p < 0.5:
            raise ValueError(f"labels flip:E need E in [0, 0.5), got {p:g}")
        if self.kind == "logit" and not p > 0.0:
            raise ValueError(f"labels logit:B need B > 0, got {p:g}")

    @classmethod
    def parse(cls, spec: str | LabelChannel) -> LabelChannel:
        """A channel from its string (``"clean"``, ``"flip:0.05"``, ``"logit:5"``) or a LabelChannel."""
        return parse_cached(cls, spec, "labels", _PARSED)

    def __str__(self) -> str:
        return self.kind if self.param is None else f"{self.kind}:{self.param:.12g}"

    @property
    def is_clean(self) -> bool:
        return self.kind == "clean" or (self.kind == "flip" and self.param == 0.0)

    @property
    def code(self) -> int:
        """Integer tag for the compiled quadrature: 0 a function of sign(t) (clean, flip), 1 logit."""
        return 1 if self.kind == "logit" else 0

    @property
    def flip_probability(self) -> float:
        """eta of flip:eta (0 for clean; logit channels have no constant flip probability)."""
        if self.kind == "logit":
            raise ValueError("the logit channel has no constant flip probability")
        return 0.0 if self.kind == "clean" else float(self.param)

    def prob_plus(self, t: np.ndarray) -> np.ndarray:
        """P(y = +1 | t)."""
        t = np.asarray(t, dtype=float)
        if self.kind == "logit":
            return 0.5 * (1.0 + np.tanh(0.5 * self.param * t))
        eta = self.flip_probability
        return np.where(t > 0, 1.0 - eta, np.where(t < 0, eta, 0.5))

    def sample(self, rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
        """Labels y = +-1 for teacher fields t (one uniform per example; clean labels draw none)."""
        t = np.asarray(t, dtype=float)
        if self.kind == "clean":
            return np.where(t >= 0, 1.0, -1.0)
        return np.where(rng.random(t.shape) < self.prob_plus(t), 1.0, -1.0)

    def noisy_error(self, eps: float, R: float | None = None) -> float:
        """P(sign(J . x) != y) for a fresh noisy label, from the clean error eps (and R for logit).

        flip:eta: eta + (1 - 2 eta) eps. logit:B: with t and the student's field s of correlation R,
        P = 1/2 - E[tanh(B t / 2) sign(s)] / 2, a one-dimensional integral (scipy quad, epsabs 1e-13):
        E[tanh(B t/2) sign(s)] = E_t[tanh(B t/2) (2 Phi(R t / sqrt(1 - R^2)) - 1)].
        """
        if self.kind != "logit":
            eta = self.flip_probability
            return eta + (1.0 - 2.0 * eta) * eps
        if R is None:
            R = math.cos(math.pi * eps)
        s = math.sqrt(max(1.0 - R * R, 0.0))

        def integrand(t: float) -> float:
            agree = math.erf(R * t / (s * math.sqrt(2.0))) if s > 0 else math.copysign(1.0, t)
            return math.tanh(0.5 * self.param * t) * agree * math.exp(-0.5 * t * t) / math.sqrt(2 * math.pi)

        value, _ = integrate.quad(integrand, -12.0, 12.0, points=[0.0], epsabs=1e-13, limit=200)
        return 0.5 - 0.5 * value
