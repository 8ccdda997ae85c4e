"""Command-line plumbing shared by every entry point: flags, argument errors and record output.

Every CLI (``python -m theory.solve``, ``theory.frontier``, ``simulations.run``, ``simulations.sweep``,
``figures``) reports bad input — including a path it cannot write — as one line on stderr and exits
with code 2 (no traceback); results are tidy records (one dict per point) printed as an aligned table,
one JSON list, or CSV. The flags the entry points share (``--theta``, ``--format``) are added here so
that they have one spelling, one default and one help text.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from theory.progress import progress  # noqa: F401 - the command lines' progress bar, re-exported

FORMATS = ("table", "json", "csv")


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown for every flag; the description and the examples (epilog) keep their lines."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors on stderr and exit code 2; ``examples`` become the epilog."""

    def __init__(self, *args, examples: Sequence[str] = (), **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", _HelpFormatter)
        if examples:
            kwargs["epilog"] = "examples:\n" + "\n".join(f"  {e}" for e in examples)
        super().__init__(*args, **kwargs)

    def add_probe_angle(self, multiple: bool = False) -> None:
        """``--theta/--probe-angle DEG`` (dest ``probe_angle``), default 0 (a perfect probe)."""
        self.add_argument("--theta", "--probe-angle", dest="probe_angle", type=float,
                          nargs="+" if multiple else None, default=[0.0] if multiple else 0.0, metavar="DEG",
                          help=("one or more angles" if multiple else "the angle") + " between probe and teacher "
                          "in degrees, in [0, 90); 0 = perfect pruning metric")

    def add_keep(self, multiple: bool, default=None, both: bool | None = None) -> None:
        """``--keep RULE [RULE ...]``: hard, easy, both (= hard easy; taken when ``multiple`` or ``both``), random,
        band:S, mix:M, soft:T."""
        both = multiple if both is None else both
        self.add_argument("--keep", nargs="+" if multiple else None, default=default, required=default is None,
                          metavar="RULE", help=("one or more selection rules" if multiple else "the selection rule")
                          + ": hard (smallest |probe margin|), easy (largest), "
                          + ("both (hard and easy), " if both else "")
                          + "random, band:S (ranks from S P), mix:M (a fraction M of the kept "
                          "hardest, the rest at random), soft:T (keep with probability ~ exp(-z^2/2T^2)), "
                          "uncertainty:A,S (keep with probability ~ (p(1-p))^A, p = sigmoid(S z)), agree-hard / "
                          "agree-easy (drop the examples whose label the probe contradicts, y z < 0, then keep hard / "
                          "easy); rules that are no window reach the max-margin student through the margin "
                          "constraint of the convex theory")

    def add_learner(self, optimise_ridge: bool = False) -> None:
        """``--learner`` (one of theory.learners) and ``--labels`` (one of theory.labels)."""
        from theory.labels import LABELS_HELP
        from theory.learners import LEARNER_HELP

        extra = ("; a loss without :L (e.g. logistic) optimises the ridge over [0, inf) (0: the ridgeless limit)"
                 if optimise_ridge else "")
        self.add_argument("--learner", default="max-margin", metavar="LEARNER", help=LEARNER_HELP + extra)
        self.add_argument("--labels", default="clean", metavar="CHANNEL", help=LABELS_HELP)

    def add_probe_alpha(self) -> None:
        """``--probe-alpha A``: a probe trained on A N examples (theory: theta = pi eps(A))."""
        self.add_argument("--probe-alpha", type=float, default=None, metavar="A",
                          help="the probe is the max-margin student of A N independent examples instead of a "
                          "probe at --theta (theory: theta = 180 eps(A) degrees)")

    def add_covariance(self) -> None:
        """``--covariance FILE.npz | power:a,b[,N[,seed]]``: a Gaussian covariate case (:mod:`theory.covariance`)."""
        self.add_argument("--covariance", default=None, metavar="CASE",
                          help="Gaussian inputs x ~ N(0, Sigma) instead of isotropic ones: a .npz case file (arrays "
                          "eigenvalues, teacher, optional probe: coordinates in Sigma's eigenbasis) or "
                          "power:a,b[,N[,seed]] (N eigenvalues ~ (k/N)^-a, teacher power per mode ~ (k/N)^-b; "
                          "without N: 1000 for the theory commands, the smallest --n for simulations.run and sweep; "
                          "records name the N, e.g. power:a,b,1000); --theta is then the angle between the probe's "
                          "and the teacher's fields (a case file with its own probe fixes it)")

    def add_format(self) -> None:
        """``--format table|json|csv``."""
        self.add_argument("--format", choices=FORMATS, default="table",
                          help="output: aligned table, one JSON list of records, or CSV")

    def add_quiet(self) -> None:
        """``--quiet``: no progress bar and no note on stderr (they are drawn only when stderr is a terminal)."""
        self.add_argument("--quiet", action="store_true",
                          help="no progress bar and no numba note on stderr (both appear only when stderr is a "
                          "terminal); results and errors are unchanged")

    def parse_args(self, args=None, namespace=None):  # noqa: D102 - argparse API
        parsed = super().parse_args(args, namespace)
        if self.prog in NUMBA_KERNELS:  # the flags are valid: say, once, that the kernels are compiled now
            numba_note(self.prog, getattr(parsed, "learner", "max-margin"), getattr(parsed, "quiet", False))
        return parsed

    def error(self, message: str):  # noqa: D102 - argparse API
        fail(f"{self.prog}: error: {message}")


# --- feedback on long work: progress bars and the numba note, on stderr and only when it is a terminal ---------------
BAR_DELAY = 2.0  # seconds before a bar appears (work shorter than this draws nothing)
REPO = Path(__file__).resolve().parent
# the numba kernels a command compiles on its first run (cached under __pycache__ afterwards): by route
NUMBA_KERNELS = {
    "python -m theory.solve": {"any": ("theory/integrals.py",), "convex": ("theory/convex_moments.py",)},
    "python -m theory.frontier": {"any": ("theory/integrals.py",), "convex": ("theory/convex_moments.py",)},
    "python -m theory.pool": {"any": ("theory/integrals.py",), "convex": ("theory/convex_moments.py",)},
    "python -m simulations.run": {"any": ("theory/integrals.py",), "max-margin": ("simulations/_numba.py",),
                                  "convex": ("theory/convex_moments.py", "simulations/convex_student.py")},
}
NUMBA_KERNELS["python -m simulations.sweep"] = NUMBA_KERNELS["python -m simulations.run"]  # the same fits
NUMBA_NOTE = "compiling numba kernels (first run, ~10 s; cached for later runs)"


def terminal() -> bool:
    """Whether stderr is a terminal (progress bars and notes are drawn only then)."""
    return sys.stderr.isatty()


def numba_cached(source: str | Path) -> bool:
    """Whether numba's on-disk cache holds kernels of ``source`` (a path relative to the repository) compiled from
    its current text: an index file ``<module>.<function>-<line>.pyXY.nbi`` under its ``__pycache__`` (or under
    ``NUMBA_CACHE_DIR``) no older than the source. Cheap: a directory listing, nothing is imported."""
    path = REPO / source
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return True  # nothing to compile from here
    dirs = [path.parent / "__pycache__"]
    if os.environ.get("NUMBA_CACHE_DIR"):
        dirs += [d for d in Path(os.environ["NUMBA_CACHE_DIR"]).glob(f"{path.parent.name}_*") if d.is_dir()]
    for directory in dirs:
        try:
            if any(index.stat().st_mtime >= mtime for index in directory.glob(f"{path.stem}.*.nbi")):
                return True
        except OSError:
            continue
    return False


def numba_note(prog: str, learner: str = "max-margin", quiet: bool = False) -> bool:
    """Print, once, ``{prog}: compiling numba kernels ...`` on stderr when the command is about to compile numba
    kernels for the first time (:data:`NUMBA_KERNELS` of its route not in the cache: :func:`numba_cached`); never
    with ``quiet`` or when stderr is not a terminal. Returns whether it printed."""
    kernels = NUMBA_KERNELS.get(prog)
    if kernels is None or quiet or not terminal():
        return False
    name = str(learner).partition(":")[0]
    route = "max-margin" if name in ("max-margin", "hard-margin") else "convex"
    sources = (*kernels["any"], *kernels.get(route, ()))
    if all(numba_cached(s) for s in sources):
        return False
    print(f"{prog}: {NUMBA_NOTE}", file=sys.stderr, flush=True)
    return True


class StepBar:
    """A tqdm bar on stderr over ``total`` items (:meth:`advance` after each) whose steps inside an item (a theory
    point, a ridge, a seed) redraw it: :attr:`callback` is the ``progress(message)`` to hand to the library, which
    names the last step and moves the elapsed time at most every 0.1 s. Drawn only when stderr is a terminal and not
    ``quiet``, after :data:`BAR_DELAY` s; otherwise :attr:`callback` is None (the library then reports nothing)."""

    def __init__(self, total: int, desc: str, quiet: bool = False, unit: str = "point"):
        from tqdm import tqdm

        self.shown = not quiet and terminal()
        self.steps = 0
        self.bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False, delay=BAR_DELAY,
                        miniters=0, dynamic_ncols=True, disable=not self.shown)
        self.callback: Callable[[str], None] | None = self.step if self.shown else None

    def step(self, message: str) -> None:
        """One step inside the current item: name it and redraw (throttled by tqdm)."""
        self.steps += 1
        self.bar.set_postfix_str(f"{message} [{self.steps} steps]", refresh=False)
        self.bar.update(0)

    def advance(self, n: int = 1) -> None:
        """``n`` items done."""
        self.bar.update(n)

    def close(self) -> None:
        self.bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# the API's parameter names and the flags a user types for them: a ValueError of the library names the parameter
# (``tol must be > 0``); the command line reports the same message naming the flag (``--tol must be > 0``)
FLAGS = {
    "alpha_prune": "--alpha-prune", "alpha_total": "--alpha-total", "keep_fraction": "-f/--keep-fraction",
    "keep": "--keep", "probe_angle_deg": "--theta", "learner": "--learner", "labels": "--labels", "tol": "--tol",
    "probe_alpha": "--probe-alpha", "min_keep_fraction": "--min-keep-fraction", "plateau_tol": "--plateau-tol",
    "max_alpha": "--max-alpha", "seeds": "--seeds", "seed": "--seed", "n": "--n", "workers": "--workers",
}


def name_flag(message: str, flags: dict[str, str] = FLAGS, everywhere: Sequence[str] = ()) -> str:
    """``message`` with a leading API parameter name replaced by the flag the user typed, and every other word
    among ``everywhere`` (parameters that are flags of this entry point) too."""
    head, sep, rest = str(message).partition(" ")
    if head in flags:
        message = flags[head] + sep + rest
    for name in everywhere:
        message = re.sub(rf"(?<![\w-]){name}(?![\w=])", flags[name], message)
    return str(message)


def _many(x):
    return x if isinstance(x, (list, tuple)) else [x]


def check_flags(alpha_prune=(), keep_fraction=(), probe_angle=(), seeds: int | None = None, n=(), *,
                alpha_total=(), learner: str | None = None, labels: str | None = None, seed: int | None = None,
                theory_f: bool = False) -> None:
    """Validate the shared flags once, by the names the user typed (``--alpha-prune``, ``-f/--keep-fraction``,
    ``--theta``, ``--seeds``, ``--n``, ``--alpha-total``, ``--learner``, ``--labels``, ``--seed``), before any work
    starts: ``ValueError`` naming the flag and the value. ``theory_f``: f must be in the theory's range
    (:data:`theory.model.THEORY_KEEP_FRACTION_RANGE`), else the Monte Carlo's."""
    from theory.model import (
        Params,
        validate_alpha,
        validate_mc_keep_fraction,
        validate_probe_angle_deg,
        validate_ridge,
        validate_theory_keep_fraction,
    )

    for a in _many(alpha_prune):
        validate_alpha(a, "--alpha-prune")
    for a in _many(alpha_total):
        validate_alpha(a, "--alpha-total")
    for f in _many(keep_fraction):
        (validate_theory_keep_fraction if theory_f else validate_mc_keep_fraction)(f, "-f/--keep-fraction")
    for t in _many(probe_angle):
        validate_probe_angle_deg(t, "--theta")
    if seeds is not None and seeds < 2:
        raise ValueError(f"--seeds must be >= 2 for an error bar, got {seeds}")
    for dim in _many(n):
        if dim < 2:
            raise ValueError(f"--n must be an integer >= 2, got {dim}")
    if seed is not None and seed < 0:
        raise ValueError(f"--seed must be a non-negative integer (numpy's SeedSequence), got {seed}")
    if learner is not None or labels is not None:
        from theory.learners import CONVEX_KINDS

        # a bare kind ("logistic": the frontier optimises its ridge) is checked with a ridge of 1
        spec = "max-margin" if learner is None else (f"{learner}:1" if learner in CONVEX_KINDS else learner)
        try:
            validate_ridge(spec, "learner")
            Params(1.0, learner=spec, labels="clean" if labels is None else labels)
        except ValueError as exc:
            raise ValueError(name_flag(str(exc))) from None


check_point_flags = check_flags  # the former name


def flag_given(argv: Sequence[str] | None, *flags: str) -> bool:
    """True when one of ``flags`` was typed (``--flag V`` or ``--flag=V``) in ``argv`` (default: sys.argv)."""
    tokens = sys.argv[1:] if argv is None else list(argv)
    return any(t == f or t.startswith(f + "=") for t in tokens for f in flags)


def resolve_covariance(spec: str | None, argv: Sequence[str] | None, probe_angle, *, probe_alpha=None,
                       probe: str = "fixed", default_n: int | None = None):
    """(data, angles) for ``--covariance``: ``"isotropic"`` and the angles unchanged without it; else the case
    (:func:`theory.covariance.parse_data`, ``ValueError`` naming ``--covariance``; ``power:a,b`` without N takes
    ``default_n``, the simulations' smallest ``--n``) and the angles, which a case with its own probe fixes
    (``--theta``, ``--probe-alpha`` or ``--probe self`` beside it is an error, as is a trained probe with any case)."""
    if spec is None:
        return "isotropic", probe_angle
    from theory.covariance import parse_data

    try:
        data = parse_data(spec, default_n=default_n)
    except ValueError as exc:
        raise ValueError(f"--covariance {spec}: {exc}") from None
    if isinstance(data, str):
        return data, probe_angle
    if probe_alpha is not None or probe != "fixed":
        flag = "--probe-alpha" if probe_alpha is not None else f"--probe {probe}"
        raise ValueError(f"--covariance {spec}: {flag} cannot be given with a case (its probe is at the field angle "
                         f"--theta, or its own)")
    if data.probe_angle_deg is not None:
        if flag_given(argv, "--theta", "--probe-angle"):
            raise ValueError(f"--covariance {spec} carries its own probe (field angle {data.probe_angle_deg:.6g} "
                             f"degrees): --theta cannot be given beside it")
        angle = data.probe_angle_deg
        return data, [angle] * len(probe_angle) if isinstance(probe_angle, (list, tuple)) else angle
    return data, probe_angle


def case_labels(data, argv: Sequence[str] | None, labels: str) -> str:
    """The label channel of a point: the one a ``--covariance`` case carries (``Case.labels``) unless ``--labels``
    was typed, else ``labels``."""
    carried = getattr(data, "labels", None)
    return carried if carried is not None and not flag_given(argv, "--labels") else labels


def fail(message: str, code: int = 2) -> None:
    """Print one line on stderr and exit with ``code`` (2: bad input)."""
    sys.stderr.write(" ".join(str(message).split()) + "\n")
    raise SystemExit(code)


def run_cli(main: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None, prog: str,
            flags: Sequence[str] = ()) -> int:
    """Run ``main`` turning ``ValueError`` (bad input) and ``OSError`` (an unusable path) into the
    one-line exit-2 report (a library message's parameter names, the leading one and those in ``flags``, become
    the flags typed: :func:`name_flag`), and ``RuntimeError`` (a computation that failed) into one line and exit 1."""
    try:
        return main(argv)
    except ValueError as exc:
        fail(f"{prog}: error: {name_flag(str(exc), everywhere=flags)}")
    except OSError as exc:
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        fail(f"{prog}: error: cannot use{where}: {exc.strerror or exc}")
    except RuntimeError as exc:  # a computation that failed on valid input: one line, exit code 1
        fail(f"{prog}: failed: {exc}", code=1)
    return 2


def writable_directory(path: str | Path, what: str, flag: str | None = None) -> Path:
    """Create ``path`` if needed and check that files can be written there, else ``ValueError`` (an empty path is
    refused: it would write into the current directory)."""
    if not str(path).strip():
        raise ValueError(f"{flag or 'the ' + what} must name a directory, got {str(path)!r}")
    directory = Path(path)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ValueError(f"cannot write the {what} to {directory}: {exc.strerror or exc}") from None
    return directory


def _cell(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if value == 0.0 or 1e-4 <= abs(value) < 1e5:
            return f"{value:.6g}"
        return f"{value:.4e}"
    return str(value)


def format_table(records: Sequence[dict], columns: Sequence[str] | None = None) -> str:
    """Aligned text table of ``records`` (numbers right-aligned)."""
    if not records:
        return "(no records)"
    columns = list(columns or _all_columns(records))
    rows = [[_cell(r.get(c, "")) for c in columns] for r in records]
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in rows]
    return "\n".join(lines)


def _plain(value):
    """A numpy scalar (bool_, float64, int64) as the Python value it holds (tables print bools as yes/NO, JSON
    knows only Python's types); anything else unchanged."""
    return value.item() if type(value).__module__ == "numpy" and hasattr(value, "item") else value


def _json_safe(value):
    value = _plain(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _all_columns(records: Sequence[dict]) -> list[str]:
    """Every key of the records, in the order of first appearance (records of different routes have different
    columns; a column a record lacks is left blank)."""
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(record))
    return list(columns)


def format_records(records: Sequence[dict], fmt: str, columns: Sequence[str] | None = None) -> str:
    """Records as ``table``, ``json`` (one list) or ``csv`` (header and rows)."""
    records = [{k: _plain(v) for k, v in r.items()} for r in records]
    if fmt == "json":
        return json.dumps([{k: _json_safe(v) for k, v in r.items()} for r in records], indent=1)
    if fmt == "csv":
        buf = io.StringIO()
        cols = list(columns or _all_columns(records))
        writer = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        return buf.getvalue().rstrip("\n")
    if fmt == "table":
        return format_table(records, columns)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def expand_keeps(keeps) -> list[str]:
    """--keep values with 'both' expanded to hard and easy, duplicates dropped, order kept."""
    out: list[str] = []
    for k in [keeps] if isinstance(keeps, str) else keeps:
        for rule in ("hard", "easy") if k == "both" else (k,):
            if rule not in out:
                out.append(rule)
    return out
