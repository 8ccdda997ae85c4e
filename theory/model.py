"""The pruned teacher-student perceptron: parameters and the pruning window.

Symbols (see ``docs/theory.md``):

* N            input dimension; inputs x ~ N(0, I_N), teacher T, label y = sign(T.x).
* theta        probe angle [``probe_angle_deg``, in degrees]: the probe J_p = cos(theta) T + sin(theta) v.
* f            keep fraction [``keep_fraction``] of the P = alpha_tot N examples that is kept.
* keep         the selection rule: ``"hard"`` keeps the f P smallest |J_p.x|, ``"easy"`` the f P largest;
               ``"random"``, ``"band:S"``, ``"mix:M"``, ``"soft:T"`` in :mod:`theory.rules`.
* alpha_prune  f P / N [``alpha_prune``], the size of the pruned training set in units of N.
* alpha_tot    P / N = alpha_prune / f [``alpha_total``], the size of the pool.

With z = J_p.x ~ N(0, 1) the kept set is the window K of z with P(z in K) = f:
hard K = {|z| < gamma}, gamma = sqrt(2) erfinv(f); easy K = {|z| > gamma}, gamma = sqrt(2) erfcinv(f).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from scipy import special

KEEP_POLICIES = ("hard", "easy")


# The budgets for which the saddle-point solver is tested to converge at every f in [1e-9, 1] and
# theta in [0, 89.9] degrees (python -m benchmarks.convergence_map). Outside it the error leaves
# what double precision resolves: eps = 1/2 - O(sqrt(alpha)) below, eps ~ 1/(2 alpha) ~ 1e-8 above.
ALPHA_RANGE = (1e-6, 1e7)


def validate_alpha(alpha: float, name: str = "alpha_prune") -> float:
    """Return ``alpha`` as a float or raise ``ValueError`` unless it is in ``ALPHA_RANGE``."""
    a = _as_float(alpha, name)
    if not a > 0 or not math.isfinite(a):
        raise ValueError(f"{name} must be a finite number > 0, got {alpha!r}")
    lo, hi = ALPHA_RANGE
    if not lo <= a <= hi:
        raise ValueError(f"{name} must be in [{lo:g}, {hi:g}] (the range the saddle-point solver supports "
                         f"in double precision), got {alpha!r}")
    return a


def validate_keep_fraction(keep_fraction: float, name: str = "keep_fraction") -> float:
    """Return f as a float or raise ``ValueError`` unless 0 < f <= 1 (``name``: what the message calls it)."""
    f = _as_float(keep_fraction, name)
    if not 0.0 < f <= 1.0:
        raise ValueError(f"{name} must be in (0, 1], got {keep_fraction!r}")
    return f


# The keep fractions the theory answers (python -m benchmarks.convergence_map: every f in [1e-9, 1] converges at
# every alpha_prune in ALPHA_RANGE and theta in [0, 89.9]); below it eps and the window edge leave what double
# precision resolves (theory.solve -f 1e-20 gave eps = nan). The Monte Carlo goes lower (MC_KEEP_FRACTION_MIN).
THEORY_KEEP_FRACTION_RANGE = (1e-9, 1.0)
# The Monte Carlo draws the kept examples as order statistics of a pool of alpha_prune N / f: below this f the
# window edge and the pool size leave double precision (f = 1e-300 overflowed in numpy).
MC_KEEP_FRACTION_MIN = 1e-100
# The ridges the command lines accept (L of hinge:L, logistic:L, square:L): the theory is tested down to 1e-6
# (tests/test_convex.py) and the frontier searches [1e-4, 10]; below 1e-6 the Monte Carlo logistic and square
# students fail their KKT certificate (logistic:1e-9, square:1e-12) or numpy's Cholesky (logistic:1e-300), above
# 1e4 the student's norm ~ 1/L leaves what the certificate resolves (square:1e300 overflowed). Both edges checked:
# hinge, logistic and square at 1e-6 and 1e4 (alpha_prune 2, f 0.5 hard, flip:0.1) answer in theory and Monte Carlo.
RIDGE_SUPPORTED = (1e-6, 1e4)


def validate_theory_keep_fraction(keep_fraction: float, name: str = "keep_fraction") -> float:
    """f in ``THEORY_KEEP_FRACTION_RANGE`` (the theory's supported range), else ``ValueError`` naming ``name``."""
    f = validate_keep_fraction(keep_fraction, name)
    lo, hi = THEORY_KEEP_FRACTION_RANGE
    if not lo <= f <= hi:
        raise ValueError(f"{name} must be in [{lo:g}, {hi:g}] for the theory (the range where its solver is tested "
                         f"to converge), got {keep_fraction!r}")
    return f


def validate_mc_keep_fraction(keep_fraction: float, name: str = "keep_fraction") -> float:
    """f in [``MC_KEEP_FRACTION_MIN``, 1] (what the Monte Carlo draws in double precision), else ``ValueError``."""
    f = validate_keep_fraction(keep_fraction, name)
    if not f >= MC_KEEP_FRACTION_MIN:
        raise ValueError(f"{name} must be in [{MC_KEEP_FRACTION_MIN:g}, 1] for the Monte Carlo (its order statistics "
                         f"in double precision), got {keep_fraction!r}")
    return f


def validate_ridge(learner, name: str = "learner"):
    """The parsed learner, refused (``ValueError`` naming ``name``) when its ridge is outside ``RIDGE_SUPPORTED``."""
    from theory.learners import Learner

    parsed = Learner.parse(learner)
    lam = getattr(parsed, "lam", None)
    lo, hi = RIDGE_SUPPORTED
    if lam is not None and lam != 0.0 and not lo <= lam <= hi:
        raise ValueError(f"{name} {learner}: the ridge must be 0 (the ridgeless limit) or in [{lo:g}, {hi:g}] (the "
                         f"range where the theory and the Monte Carlo students are tested), got {lam:g}")
    return parsed


def validate_keep(keep: str) -> str:
    """Return the keep policy or raise ``ValueError`` unless it is 'hard' or 'easy'."""
    if keep not in KEEP_POLICIES:
        raise ValueError(f"keep must be one of {', '.join(KEEP_POLICIES)}, got {keep!r}")
    return keep


def validate_rule(keep, keep_fraction: float):
    """The selection rule of ``keep`` (a string such as ``"band:0.3"`` or a rule object: :class:`theory.rules.Rule`,
    :class:`theory.label_aware.LabelAwareRule`, :class:`theory.weighted.WeightedRule`), checked at the keep fraction
    f; ``ValueError`` if it is not a rule or does not fit f."""
    from theory.rules import Rule

    rule = Rule.parse(keep)
    rule.check(keep_fraction)
    return rule


def validate_probe_angle_deg(probe_angle_deg: float, name: str = "probe_angle_deg") -> float:
    """Return theta in degrees or raise ``ValueError`` unless 0 <= theta < 90 (``name``: what the message calls it)."""
    t = _as_float(probe_angle_deg, name)
    if not 0.0 <= t < 90.0:
        raise ValueError(f"{name} must be in [0, 90) degrees, got {probe_angle_deg!r}")
    return t


def _as_float(value: object, name: str) -> float:
    if isinstance(value, (bool, str, bytes)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if math.isnan(x):
        raise ValueError(f"{name} must be a number, got {value!r}")
    return x


def window_edge(keep_fraction: float, keep: str) -> float:
    """Edge gamma of the pruning window, P(z in K) = f for z ~ N(0, 1).

    hard: gamma = sqrt(2) erfinv(f)   (K = {|z| < gamma}; gamma = inf for f = 1)
    easy: gamma = sqrt(2) erfcinv(f)  (K = {|z| > gamma}; gamma = 0 for f = 1)
    """
    f = validate_keep_fraction(keep_fraction)
    if validate_keep(keep) == "hard":
        return math.inf if f == 1.0 else math.sqrt(2.0) * float(special.erfinv(f))
    return math.sqrt(2.0) * float(special.erfcinv(f))


@dataclass(frozen=True)
class Params:
    """One point of the model, validated on construction; the rule, learner and label channel parsed once.

    Attributes
    ----------
    alpha_prune : float
        alpha_prune = f P / N > 0, size of the kept set in units of N.
    keep_fraction : float
        f in (0, 1], fraction of the pool that is kept.
    keep : theory.rules.Rule (or LabelAwareRule, WeightedRule); a string is parsed
        the selection rule: ``"hard"`` (smallest probe margins), ``"easy"`` (largest), ``"random"``,
        ``"band:S"``, ``"mix:M"``, ``"soft:T"``, ``"uncertainty:A,S"``, ``"agree-hard"``, ``"agree-easy"``
        (see :mod:`theory.rules`); it compares equal to its canonical string (``params.keep == "hard"``).
    probe_angle_deg : float
        theta in [0, 90) degrees, angle between probe and teacher.
    learner : theory.learners.Learner; a string is parsed
        the student: ``"max-margin"`` (default), ``"hinge:L"``, ``"logistic:L"``, ``"square:L"``,
        ``"squared-hinge:L"`` (ridge L > 0; see :mod:`theory.learners`).
    labels : theory.labels.LabelChannel; a string is parsed
        the label channel: ``"clean"`` (default), ``"flip:E"``, ``"logit:B"`` (see :mod:`theory.labels`).
    data : ``"isotropic"`` (default: x ~ N(0, I)) or a Gaussian covariate case (:class:`theory.covariance.Case`;
        a string ``"power:a,b,N"`` or the path of a ``.npz`` case file is parsed). With a case, probe_angle_deg is
        the angle between the probe's and the teacher's fields; a case with its own probe fixes it.

    Records, messages and store keys write the three objects as their canonical strings (``str``), and so does
    ``repr(Params)``.
    """

    alpha_prune: float
    keep_fraction: float = 1.0
    keep: Any = "hard"
    probe_angle_deg: float = 0.0
    learner: Any = "max-margin"
    labels: Any = "clean"
    data: Any = "isotropic"

    def __post_init__(self) -> None:
        from theory.labels import LabelChannel
        from theory.learners import Learner

        object.__setattr__(self, "alpha_prune", validate_alpha(self.alpha_prune))
        object.__setattr__(self, "keep_fraction", validate_keep_fraction(self.keep_fraction))
        object.__setattr__(self, "keep", validate_rule(self.keep, self.keep_fraction))
        object.__setattr__(self, "probe_angle_deg", validate_probe_angle_deg(self.probe_angle_deg))
        object.__setattr__(self, "learner", Learner.parse(self.learner))
        object.__setattr__(self, "labels", LabelChannel.parse(self.labels))
        if not (isinstance(self.data, str) and self.data == "isotropic"):
            from theory.covariance import parse_data

            data = parse_data(self.data)
            if not isinstance(data, str):
                data.check_angle(self.probe_angle_deg)
            object.__setattr__(self, "data", data)

    def __repr__(self) -> str:
        keep = str(self.keep) if getattr(self.keep, "kind", None) != "weighted" else self.keep
        return (f"Params(alpha_prune={self.alpha_prune!r}, keep_fraction={self.keep_fraction!r}, keep={keep!r}, "
                f"probe_angle_deg={self.probe_angle_deg!r}, learner={str(self.learner)!r}, "
                f"labels={str(self.labels)!r}" + ("" if self.is_isotropic else f", data={str(self.data)!r}") + ")")

    @property
    def is_isotropic(self) -> bool:
        """True for isotropic inputs (the default data model); False for a Gaussian covariate case."""
        return isinstance(self.data, str) and self.data == "isotropic"

    @property
    def alpha_total(self) -> float:
        """alpha_tot = alpha_prune / f, the pool size in units of N."""
        return self.alpha_prune / self.keep_fraction

    @property
    def probe_angle(self) -> float:
        """theta in radians."""
        return math.radians(self.probe_angle_deg)

    @property
    def rule(self):
        """The selection rule (the same object as ``keep``)."""
        return self.keep

    @property
    def gamma(self) -> float:
        """Window edge gamma of a hard or easy window (see :func:`window_edge`)."""
        return window_edge(self.keep_fraction, str(self.keep))
