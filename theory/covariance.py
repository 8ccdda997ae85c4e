r"""The data model of a point: isotropic inputs (the default) or a Gaussian covariate case (``docs/theory.md`` 9).

A **case** is the input covariance Sigma's eigenvalues and the teacher's and (optionally) the probe's coordinates in
Sigma's eigenbasis: x = sqrt(eigenvalues) * g with g ~ N(0, I_N), labels from the channel on the teacher field
t = T.x / sqrt(T' Sigma T), selection on the probe field z = J.x / sqrt(J' Sigma J). It is one frozen object,
:class:`Case`, validated on construction (positive finite eigenvalues, finite vectors with a nonzero field, N >= 2;
``ValueError`` with one line naming the parameter), and written everywhere as its canonical string:

* ``isotropic`` (:data:`ISOTROPIC`): Sigma = I and the package's original model; not a :class:`Case`.
* ``power:a,b,N[,seed]`` (:meth:`Case.power`): N eigenvalues proportional to (k/N)^-a with mean 1, teacher power per
  mode T_k^2 lambda_k proportional to (k/N)^-b with unit field variance, no probe of its own. ``power:a,b`` without
  N takes N = :data:`DEFAULT_POWER_N` (1000; :func:`parse_data` takes another default, e.g. a simulation's N) and
  is named with it, ``power:a,b,1000``, in records and store keys: one case, one name.
* ``case:<hash>`` for a case built from arrays or read from a ``.npz`` file (:meth:`Case.load`: arrays
  ``eigenvalues``, ``teacher``, optional ``probe``): the first 16 hex digits of the SHA-256 of its arrays, so
  that a case enters a store key by its content, not by its path.

A case may carry a label channel (``Case.labels``, the ``.npz`` string ``labels``; a built case carries the flip
rate of its teacher fit), which the command lines use when ``--labels`` is not given.

**The probe.** A case with its own probe fixes the field angle theta, cos(theta) = corr(J.x, T.x)
(:attr:`Case.probe_angle_deg`); a point that names another angle is refused. A case without one takes the probe
at the point's angle theta: J = cos(theta) T^ + sin(theta) R^ with T^ = T / sqrt(T' Sigma T) and R^ the field-
normalised part of a pseudo-random Gaussian direction r (numpy's default_rng(seed), seed 0 unless given) made
uncorrelated with the teacher's field, r - (r' Sigma T / T' Sigma T) T (:meth:`Case.geometry`). At theta = 0 the
probe is the teacher.

:meth:`Case.geometry` gives what the theory (:mod:`theory.structured`) and the Monte Carlo
(:mod:`simulations.structured`) read: in the whitened coordinates g the unit vectors e_1 (the probe's field) and
e_2 (the teacher's field orthogonal to it), and a = sqrt(lambda) e_1, b = sqrt(lambda) e_2, so that
x = z a + w b + x_2 with x_2 ~ N(0, Sigma - a a' - b b') independent of (z, w).
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from functools import cached_property

import numpy as np

ISOTROPIC = "isotropic"
N_MAX = 10**7  # the largest case the O(N) theory and sampler are meant for (8 bytes x 3 arrays x 1e7 = 240 MB)
# N of ``power:a,b`` written without it (the N of the speed target). N is part of the model, not a resolution:
# the spectrum's scale changes with it and eps moves (power:1.5,2 at alpha_prune = 2, f = 0.3, keep hard, 10 deg,
# logistic:0.01: 0.0337 / 0.0215 / 0.0139 at N = 250 / 1000 / 4000), so the case is always named with its N
DEFAULT_POWER_N = 1000


def _vector(value, name: str, n: int | None = None) -> np.ndarray:
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of numbers") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if n is not None and arr.size != n:
        raise ValueError(f"{name} must have the N = {n} entries of the eigenvalues, got {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {int(np.sum(~np.isfinite(arr)))} non-finite entries")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True)
class Geometry:
    """The case at one field angle, in the whitened coordinates (module docstring).

    s : eigenvalues; rs : their square roots; e : [N, n_c] unit vectors e_1 (probe field) and, for theta > 0, e_2;
    U = rs * e : [N, n_c] the vectors a, b; probe, teacher : the coordinates of J and T (field-normalised, J' Sigma J
    = T' Sigma T = 1); theta : the field angle in radians; n_c : 1 at theta = 0, else 2.
    """

    s: np.ndarray
    rs: np.ndarray
    e: np.ndarray
    U: np.ndarray
    probe: np.ndarray
    teacher: np.ndarray
    theta: float

    @property
    def n(self) -> int:
        return self.s.size

    @property
    def n_c(self) -> int:
        return self.e.shape[1]


class Case:
    """A Gaussian covariate case (module docstring). Value semantics by its canonical string ``str(case)``."""

    def __init__(self, eigenvalues, teacher, probe=None, *, seed: int = 0, name: str | None = None,
                 labels: str | None = None) -> None:
        s = _vector(eigenvalues, "eigenvalues")
        if s.size < 2:
            raise ValueError(f"eigenvalues must hold N >= 2 entries, got {s.size}")
        if s.size > N_MAX:
            raise ValueError(f"eigenvalues must hold at most N = {N_MAX:g} entries, got {s.size}")
        if not np.all(s > 0):
            raise ValueError(f"eigenvalues must be > 0 (drop the directions of zero variance), got min {s.min():g}")
        t = _vector(teacher, "teacher", s.size)
        if not np.sum(s * t * t) > 0:
            raise ValueError("teacher must have a nonzero field (T' Sigma T > 0)")
        p = None if probe is None else _vector(probe, "probe", s.size)
        if p is not None and not np.sum(s * p * p) > 0:
            raise ValueError("probe must have a nonzero field (J' Sigma J > 0)")
        if isinstance(seed, bool) or int(seed) != seed or seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
        self.eigenvalues, self.teacher, self.probe, self.seed = s, t, p, int(seed)
        if labels is not None:  # the label channel the case carries (e.g. a built case's flip rate)
            from theory.labels import LabelChannel

            labels = str(LabelChannel.parse(labels))
        self.labels = labels
        self._name = name
        if p is not None:
            e1 = np.sqrt(s) * p / math.sqrt(float(np.sum(s * p * p)))
            tau = np.sqrt(s) * t / math.sqrt(float(np.sum(s * t * t)))
            cos = float(e1 @ tau)
            perp = float(np.linalg.norm(tau - cos * e1))
            angle = math.degrees(math.atan2(perp, cos))
            if not 0.0 <= angle < 90.0:
                raise ValueError(f"probe: its field must be at an angle in [0, 90) degrees to the teacher's, got "
                                 f"{angle:.6g} (flip the probe's sign)")
            self._angle = angle
        else:
            self._angle = None

    # ---- names --------------------------------------------------------------------------------------
    @classmethod
    def power(cls, a: float, b: float, n: int, seed: int = 0) -> Case:
        """``power:a,b,N[,seed]``: eigenvalues lambda_k proportional to (k/N)^-a with mean 1, T_k^2 lambda_k
        proportional to (k/N)^-b with T' Sigma T = 1 (T_k > 0), no probe of its own."""
        for name, v in (("a", a), ("b", b)):
            if not (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and 0 <= v <= 10):
                raise ValueError(f"power:a,b,N: {name} must be a number in [0, 10], got {v!r}")
        if isinstance(n, bool) or int(n) != n or not 2 <= n <= N_MAX:
            raise ValueError(f"power:a,b,N: N must be an integer in [2, {N_MAX:g}], got {n!r}")
        n = int(n)
        k = np.arange(1, n + 1) / n
        s = k ** (-float(a))
        s /= s.mean()
        power = k ** (-float(b))
        power /= power.sum()
        teacher = np.sqrt(power / s)
        return cls(s, teacher, None, seed=seed, name=f"power:{a:.12g},{b:.12g},{n}" + (f",{seed}" if seed else ""))

    @classmethod
    def load(cls, path: str | os.PathLike) -> Case:
        """A case from a ``.npz`` file with arrays ``eigenvalues``, ``teacher`` and optionally ``probe`` (and an
        integer ``seed``); ``ValueError`` (one line) for a missing or unreadable file or bad arrays."""
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: np.array(data[k]) for k in data.files}
        except (OSError, ValueError, EOFError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ValueError(f"cannot read case file {os.fspath(path)!r}: {first}") from None
        except Exception as exc:  # a zip archive that is no npz (BadZipFile) and the like
            raise ValueError(f"cannot read case file {os.fspath(path)!r}: {type(exc).__name__}") from None
        unknown = sorted(set(arrays) - {"eigenvalues", "teacher", "probe", "seed", "labels"})
        missing = [k for k in ("eigenvalues", "teacher") if k not in arrays]
        if missing or unknown:
            what = f"lacks {', '.join(missing)}" if missing else f"has unknown arrays {', '.join(unknown)}"
            raise ValueError(f"case file {os.fspath(path)!r} {what} (it holds eigenvalues, teacher and optionally "
                             f"probe, seed)")
        seed = arrays.get("seed", 0)
        try:
            seed = int(np.asarray(seed).item())
        except (TypeError, ValueError):
            raise ValueError(f"case file {os.fspath(path)!r}: seed must be an integer") from None
        try:
            labels = str(np.asarray(arrays["labels"]).item()) if "labels" in arrays else None
            return cls(arrays["eigenvalues"], arrays["teacher"], arrays.get("probe"), seed=seed, labels=labels)
        except ValueError as exc:
            raise ValueError(f"case file {os.fspath(path)!r}: {exc}") from None

    def save(self, path: str | os.PathLike) -> None:
        """Write the case as a ``.npz`` file (:meth:`load` reads it back, with the same hash)."""
        arrays = {"eigenvalues": self.eigenvalues, "teacher": self.teacher, "seed": np.int64(self.seed)}
        if self.probe is not None:
            arrays["probe"] = self.probe
        if self.labels is not None:
            arrays["labels"] = np.array(self.labels)
        np.savez(path, **arrays)

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the arrays (little-endian doubles) and the seed: the case's content."""
        h = hashlib.sha256()
        for arr in (self.eigenvalues, self.teacher, self.probe):
            h.update(b"-" if arr is None else np.ascontiguousarray(arr, dtype="<f8").tobytes())
            h.update(b"|")
        h.update(str(self.seed).encode())
        return h.hexdigest()

    def __str__(self) -> str:
        return self._name if self._name is not None else f"case:{self.digest[:16]}"

    def __repr__(self) -> str:
        return f"Case({str(self)!r}, N={self.n})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return str(self) == other
        if isinstance(other, Case):
            return self.digest == other.digest
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.digest)

    # ---- the geometry -------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return self.eigenvalues.size

    @property
    def is_isotropic(self) -> bool:
        return False

    @property
    def probe_angle_deg(self) -> float | None:
        """The field angle of the case's own probe in degrees, None when the case has none."""
        return self._angle

    def check_angle(self, probe_angle_deg: float, name: str = "probe_angle_deg") -> None:
        """``ValueError`` when the case carries a probe at another angle than ``probe_angle_deg``."""
        if self._angle is not None and abs(probe_angle_deg - self._angle) > 1e-9 * max(1.0, self._angle):
            raise ValueError(f"{name} {probe_angle_deg:g}: the case {self} carries its own probe, at a field angle of "
                             f"{self._angle:.12g} degrees (a case with a probe fixes the angle)")

    def random_direction(self) -> np.ndarray:
        """The pseudo-random Gaussian direction r (default_rng(seed)) towards which the probe is turned."""
        return np.random.default_rng(self.seed).standard_normal(self.n)

    def geometry(self, probe_angle_deg: float) -> Geometry:
        """The case at field angle ``probe_angle_deg`` (the case's own when it has a probe; module docstring)."""
        self.check_angle(probe_angle_deg)
        return self._geometry(float(probe_angle_deg))

    def _geometry(self, angle_deg: float) -> Geometry:
        cache = self.__dict__.setdefault("_geometries", {})
        if angle_deg in cache:
            return cache[angle_deg]
        s = self.eigenvalues
        rs = np.sqrt(s)
        teacher = self.teacher / math.sqrt(float(np.sum(s * self.teacher**2)))
        tau = rs * teacher
        if self.probe is not None:
            probe = self.probe / math.sqrt(float(np.sum(s * self.probe**2)))
            e1 = rs * probe
            cos = float(e1 @ tau)
            resid = tau - cos * e1
            sin = float(np.linalg.norm(resid))
            theta = math.atan2(sin, cos)
        else:
            theta = math.radians(angle_deg)
            cos, sin = math.cos(theta), math.sin(theta)
            if sin == 0.0:
                e1, probe = tau, teacher
            else:
                r = self.random_direction()
                nu = rs * r
                nu = nu - float(nu @ tau) * tau
                nu /= np.linalg.norm(nu)
                e1 = cos * tau + sin * nu
                probe = e1 / rs
            resid = tau - cos * e1
        if sin > 0.0:
            e2 = resid / np.linalg.norm(resid)
            e = np.column_stack([e1, e2])
        else:
            e = e1[:, None]
        e = np.ascontiguousarray(e)
        geo = Geometry(s=s, rs=rs, e=e, U=rs[:, None] * e, probe=probe, teacher=teacher, theta=theta)
        if len(cache) < 64:
            cache[angle_deg] = geo
        return geo


def parse_data(spec, default_n: int | None = None) -> str | Case:
    """The data model of ``spec``: ``"isotropic"`` (returned as the string), a :class:`Case`,
    ``"power:a,b[,N[,seed]]"`` or the path of a ``.npz`` case file; ``ValueError`` (one line) otherwise.
    ``power:a,b`` without N takes ``default_n`` (default :data:`DEFAULT_POWER_N`); the case is named with its N."""
    if isinstance(spec, Case):
        return spec
    if spec is None or (isinstance(spec, str) and spec.strip() == ISOTROPIC):
        return ISOTROPIC
    if isinstance(spec, os.PathLike):
        return Case.load(spec)
    if not isinstance(spec, str):
        raise ValueError(f"data must be 'isotropic', 'power:a,b[,N]', a .npz case file or a theory.covariance.Case, "
                         f"got {type(spec).__name__}")
    text = spec.strip()
    if text.startswith("power:"):
        parts = text[len("power:"):].split(",")
        if len(parts) not in (2, 3, 4):
            raise ValueError(f"power:a,b[,N[,seed]] takes two to four numbers, got {text!r}")
        try:
            a, b = float(parts[0]), float(parts[1])
            nums = [float(p) for p in parts[2:]]
        except ValueError:
            raise ValueError(f"power:a,b[,N[,seed]]: not a number in {text!r}") from None
        if any(not math.isfinite(x) or x != int(x) for x in nums):
            raise ValueError(f"power:a,b[,N[,seed]]: N and seed must be integers, got {text!r}")
        n = int(nums[0]) if nums else (DEFAULT_POWER_N if default_n is None else default_n)  # checked by power()
        return Case.power(a, b, n, int(nums[1]) if len(nums) == 2 else 0)
    if text.startswith("case:"):
        raise ValueError(f"{text!r} names a case by its hash; pass the case object or its .npz file")
    return Case.load(text)


def is_isotropic(data) -> bool:
    """True for the default data model (isotropic inputs)."""
    return isinstance(data, str) and data == ISOTROPIC


MIN_VARIANCE = 1e-10  # directions with variance below this times the largest are dropped (build_case)


@dataclass(frozen=True)
class BuiltCase:
    """A case built from data (:func:`case_from_features`) and what was done to build it."""

    case: Case
    n_train: int
    dropped: int
    label_disagreement: float
    ridge: float

    def summary(self) -> dict:
        return {"case": str(self.case), "N": self.case.n, "n_train": self.n_train, "dropped_directions": self.dropped,
                "label_disagreement": self.label_disagreement, "ridge": self.ridge,
                "suggested_labels": f"flip:{min(self.label_disagreement, 0.499):.6g}"}


def case_from_features(features, labels, *, train=None, min_variance: float = MIN_VARIANCE,
                       ridge: float = 0.0) -> BuiltCase:
    """A case from a features matrix [P, D] and labels y = +-1 (or 0/1), on the training rows ``train`` only (a boolean
    mask or index array; default all rows):

    * centre the features by their training mean; the empirical covariance C = X'X / P_train and its
      eigendecomposition; directions whose variance is below ``min_variance`` times the largest are dropped;
    * the teacher: the ridge fit of the labels on the centred features, T = (C + ridge)^-1 X'y / P_train in the kept
      eigenbasis (ridge 0: least squares on the kept directions);
    * the label disagreement: the fraction of training labels whose sign the fit's field sign(x.T) contradicts;
      the case carries the channel ``flip:eta`` with that rate (``Case.labels``; the command lines take it when
      ``--labels`` is not given).
    """
    X = np.array(features, dtype=float)
    y = np.array(labels, dtype=float).ravel()
    if X.ndim != 2 or X.shape[0] < 2 or X.shape[1] < 2:
        raise ValueError(f"features must be a [P, D] matrix with P, D >= 2, got shape {X.shape}")
    if y.size != X.shape[0]:
        raise ValueError(f"labels must hold one label per row of features ({X.shape[0]}), got {y.size}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("features and labels must be finite")
    values = set(np.unique(y).tolist())
    if values <= {0.0, 1.0}:
        y = 2.0 * y - 1.0
    elif not values <= {-1.0, 1.0}:
        raise ValueError(f"labels must be +-1 or 0/1, got values {sorted(values)[:5]}")
    if not (math.isfinite(ridge) and ridge >= 0):
        raise ValueError(f"ridge must be a finite number >= 0, got {ridge!r}")
    if not (math.isfinite(min_variance) and 0 < min_variance < 1):
        raise ValueError(f"min_variance must be in (0, 1), got {min_variance!r}")
    rows = np.arange(X.shape[0]) if train is None else np.arange(X.shape[0])[train]
    if rows.size < 2:
        raise ValueError(f"the training rows must be at least 2, got {rows.size}")
    Xt = X[rows] - X[rows].mean(axis=0)
    yt = y[rows]
    # eigendecomposition of C = Xt'Xt / P through the SVD of Xt (no D x D product when P < D)
    _, sv, vt = np.linalg.svd(Xt, full_matrices=False)
    var = sv**2 / rows.size
    keep = var > min_variance * var.max()
    var, vt = var[keep], vt[keep]
    proj = Xt @ vt.T  # training features in the kept eigenbasis
    b = proj.T @ yt / rows.size
    teacher = b / (var + ridge)
    field = proj @ teacher
    disagreement = float(np.mean(np.sign(field) != yt))
    order = np.argsort(var)[::-1]
    flip = min(disagreement, 0.499)
    case = Case(var[order], teacher[order], labels=f"flip:{flip:.6g}" if flip > 0 else "clean")
    return BuiltCase(case=case, n_train=int(rows.size), dropped=int(np.sum(~keep)) + (X.shape[1] - keep.size),
                     label_disagreement=disagreement, ridge=float(ridge))
