"""What the explorer draws, as pure functions of the controls: the data of every view, the command line that
prints the same numbers, CSV, and PNG/PDF renderings (matplotlib) of the same data.

Nothing here knows about Bokeh: the page (:mod:`explorer.app`) turns a :class:`Settings` into views by these
functions, and the tests call them directly. Every number comes from the public theory API
(``theory.solve_grid``, ``theory.solve_saddle``, ``theory.frontier.frontier_point``, ``theory.pool``) with the
arguments the printed command passes, so the page and the command print the same values.
"""

from __future__ import annotations

import csv
import io
import math
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from theory import Params, solve_grid, solve_saddle

RULE_FAMILIES = {  # family -> default parameter ("" = the family takes none)
    "hard": "", "easy": "", "random": "", "band": "0.1", "mix": "0.5", "soft": "1", "uncertainty": "1,5",
    "agree-hard": "", "agree-easy": "",
}
LEARNER_KINDS = ("max-margin", "hinge", "logistic", "square")
LABEL_CHANNELS = {"clean": "", "flip": "0.05", "logit": "5"}
ALPHA_SPAN = (0.1, 100.0)  # the alpha_prune axis of view (a)
N_ALPHA_MAX_MARGIN = 60  # theory points per curve of view (a): max-margin (~1 ms a point)
N_ALPHA_CONVEX = 12  # ... convex learners (~25-90 ms a point; the 1 s budget on 2 cores)
FRONTIER_ALPHAS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
POOL_FRACTIONS = 31  # points of f in [POOL_F_MIN, 1] in view (c)
POOL_F_MIN = 1e-3


def _g(x: float) -> str:
    """A number as the command line gets it: the shortest string that reads back as the same float."""
    s = repr(float(x))
    return s[:-2] if s.endswith(".0") else s


@dataclass(frozen=True)
class Settings:
    """The controls of the page. ``rule``, ``learner`` and ``labels`` are full specs (``band:0.1``,
    ``logistic:0.01``, ``flip:0.05``); ``best_ridge`` replaces the ridge of a convex learner by the best one at
    each point (:func:`theory.frontier.best_ridge_at`, as ``python -m theory.solve --learner logistic`` does).
    ``alpha_total`` is the pool of view (c); ``alpha_prune`` the marked point of view (a)."""

    alpha_prune: float = 4.0
    keep_fraction: float = 0.2
    probe_angle_deg: float = 10.0
    rule: str = "hard"
    learner: str = "max-margin"
    labels: str = "clean"
    best_ridge: bool = False
    alpha_total: float = 20.0

    @property
    def learner_kind(self) -> str:
        """max-margin, hinge, logistic or square (the learner without its ridge)."""
        return self.learner.split(":", 1)[0]

    @property
    def convex(self) -> bool:
        """Whether the student is a convex learner with a ridge (not max-margin)."""
        return self.learner_kind != "max-margin"

    def params(self, alpha_prune: float | None = None, keep_fraction: float | None = None, keep: str | None = None,
               learner: str | None = None) -> Params:
        """The theory's point for these settings (raises ``ValueError`` with the theory's one-line message)."""
        return Params(self.alpha_prune if alpha_prune is None else alpha_prune,
                      self.keep_fraction if keep_fraction is None else keep_fraction,
                      self.rule if keep is None else keep, self.probe_angle_deg,
                      self.learner if learner is None else learner, self.labels)


def spec(name: str, parameter: str) -> str:
    """The spec string of a rule, learner or label channel from its name and parameter (``band``, ``0.1``
    -> ``band:0.1``; an empty parameter gives the bare name)."""
    parameter = str(parameter).strip().replace(" ", "")
    return f"{name}:{parameter}" if parameter else name


def alpha_grid(convex: bool) -> list[float]:
    """The alpha_prune values of view (a): log-spaced over ``ALPHA_SPAN``, 4 significant digits (so that the
    printed command carries them exactly); ``N_ALPHA_MAX_MARGIN`` points, ``N_ALPHA_CONVEX`` for convex learners."""
    n = N_ALPHA_CONVEX if convex else N_ALPHA_MAX_MARGIN
    return [float(f"{a:.4g}") for a in np.geomspace(*ALPHA_SPAN, n)]


def _flags(settings: Settings, learner: str | None = None) -> list[str]:
    out = ["--theta", _g(settings.probe_angle_deg)]
    learner = settings.learner if learner is None else learner
    if learner != "max-margin":
        out += ["--learner", learner]
    if settings.labels != "clean":
        out += ["--labels", settings.labels]
    return out


def command(*words: str) -> str:
    """A shell command line from its words (quoted where the shell needs it)."""
    return " ".join(shlex.quote(str(w)) for w in words)


@dataclass
class Series:
    """One drawn series: a line (``style="line"``), markers (``"marker"``) or markers with error bars
    (``"errorbar"``, ``err`` = the half-width)."""

    label: str
    x: list
    y: list
    style: str = "line"
    color: str = "black"
    err: list | None = None
    dash: str = "solid"


@dataclass
class View:
    """What one view draws and offers: the series, the CSV records, the commands that print the same
    numbers, the one-line messages (impossible combinations) and the text readout."""

    name: str
    title: str
    xlabel: str
    ylabel: str
    logx: bool = True
    logy: bool = True
    series: list[Series] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    readout: str = ""
    spans: list[tuple[float, float, str]] = field(default_factory=list)
    seconds: float = 0.0

    def series_by_label(self, label: str) -> Series | None:
        """The series called ``label``, or None."""
        return next((s for s in self.series if s.label == label), None)


COLORS = {"keep hard": "#d62728", "keep easy": "#1f77b4", "unpruned (f = 1)": "#444444", "rule": "#2ca02c",
          "point": "#000000", "Monte Carlo": "#9467bd"}


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _nan_record(settings: Settings, alpha: float, f: float, keep: str, learner: str) -> dict:
    return {"alpha_prune": alpha, "alpha_total": alpha / f, "keep_fraction": f, "keep": keep,
            "probe_angle_deg": settings.probe_angle_deg, "learner": learner, "labels": settings.labels,
            "eps": math.nan, "R": math.nan, "success": False}


# ----------------------------------------------------------------------------------------------- best ridge
def best_ridge_point(params: Params) -> tuple[float, object]:
    """(lambda*, result): the ridge in [0, inf) minimising eps at ``params`` (a convex learner; its ridge is
    ignored), by the library's search (:func:`theory.frontier.best_ridge_at`: the ridgeless limit and a scan of the
    ridge in the kept data's scale, refined by Brent)."""
    import warnings

    from theory.frontier import best_ridge_at

    with warnings.catch_warnings():  # as python -m theory.solve: Brent meets eps = inf where a ridge fails
        warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning, r"scipy\.optimize")
        return best_ridge_at(params)


# ------------------------------------------------------------------------------------------------ view (a)
def curve_records(settings: Settings, alphas: Sequence[float], f: float, keep: str) -> list[dict]:
    """The records (``SaddleResult.record()``) of one curve of view (a): ``theory.solve_grid(alphas, [f], keep,
    theta, learner=..., labels=...)`` - what ``python -m theory.solve`` computes for each rule and f (continuation in
    alpha_prune); with ``best_ridge`` each point at its own best ridge (:func:`best_ridge_point`). Raises
    ``ValueError`` (one line) when the combination is impossible."""
    settings.params(1.0, f, keep)  # validate rule x learner x labels before solving
    if settings.best_ridge and settings.convex:
        out = []
        for a in alphas:
            _, res = best_ridge_point(settings.params(a, f, keep))
            out.append(res.record())
        return out
    grid = solve_grid(alphas, [f], keep, settings.probe_angle_deg, learner=settings.learner, labels=settings.labels)
    return [row[0].record() for row in grid]


def view_a_tasks(settings: Settings) -> list[tuple[str, float, str]]:
    """The curves of view (a) as (label, f, rule): keep hard and keep easy at f, unpruned (f = 1), and the chosen
    rule at f when it is neither hard nor easy."""
    tasks = [("keep hard", settings.keep_fraction, "hard"), ("keep easy", settings.keep_fraction, "easy"),
             ("unpruned (f = 1)", 1.0, "hard")]  # unpruned: at theta = 0 (f = 1 keeps everything: no probe)
    if settings.rule not in ("hard", "easy"):
        tasks.append(("rule", settings.keep_fraction, settings.rule))
    return tasks


def point_record(settings: Settings) -> dict:
    """The record of the marked point (alpha_prune, f, rule): ``solve_saddle(Params(...)).record()``, exactly what
    ``python -m theory.solve --alpha-prune A -f F --keep RULE ... --format json`` prints for it; with ``best_ridge``
    the point at its best ridge (``learner`` names it)."""
    p = settings.params()
    if settings.best_ridge and settings.convex:
        _, res = best_ridge_point(p)
        return res.record()
    return solve_saddle(p).record()


def point_command(settings: Settings, learner: str | None = None) -> str:
    """``python -m theory.solve`` for the marked point, JSON records."""
    return command("python", "-m", "theory.solve", "--alpha-prune", _g(settings.alpha_prune), "-f",
                   _g(settings.keep_fraction), "--keep", settings.rule, *_flags(settings, learner), "--format", "json")


def view_a(settings: Settings, run: Callable | None = None) -> View:
    """View (a): eps against alpha_prune (log axes) for keep hard, keep easy and unpruned at the chosen f and theta
    (plus the chosen rule), the marked point's eps, and the ``python -m theory.solve`` commands printing them.

    ``run(fn, list_of_args)`` maps the curve computations (default: serially here; the page passes a process pool
    so that the convex learners' curves run in parallel)."""
    import time

    t0 = time.perf_counter()
    alphas = alpha_grid(settings.convex)
    v = View("a", "test error against the pruned data set size", "alpha_prune = f P / N", "test error eps")
    tasks = view_a_tasks(settings)
    run = run or _serial
    unpruned_key = (tuple(alphas), settings.learner, settings.labels, settings.best_ridge)
    todo = [(_unpruned(settings) if f == 1.0 and keep == "hard" else settings, alphas, f, keep)
            for _, f, keep in tasks]
    todo = [args for args in todo if not (args[2] == 1.0 and unpruned_key in _UNPRUNED)]
    point = _PointJob(settings, concurrent=run is not _serial)
    fresh = iter(run(_curve_job, todo))
    outs = [_UNPRUNED[unpruned_key] if f == 1.0 and unpruned_key in _UNPRUNED else next(fresh)
            for _, f, keep in tasks]
    if not isinstance(outs[2], str):
        _UNPRUNED[unpruned_key] = outs[2]
        while len(_UNPRUNED) > 64:
            _UNPRUNED.pop(next(iter(_UNPRUNED)))
    drawn_keeps: dict[float, list[str]] = {}
    for (label, f, keep), out in zip(tasks, outs):
        if isinstance(out, str):  # an impossible combination: its one-line message
            v.messages.append(f"{label if label != 'rule' else 'keep ' + keep}: {out}")
            continue
        recs = [{"curve": label, **r} for r in out]
        v.records += recs
        ys = [r["eps"] if r["success"] else math.nan for r in recs]
        bad = sum(not r["success"] for r in recs)
        if bad:
            v.messages.append(f"{label}: {bad} of {len(recs)} points did not converge (not drawn)")
        v.series.append(Series(label if label != "rule" else f"keep {keep}", list(alphas), ys, "line",
                               COLORS[label]))
        drawn_keeps.setdefault(f, []).append(keep)
    try:
        rec = point.result()
        eps = rec["eps"]
        ok = "" if rec["success"] else " (did NOT converge)"
        ridge = f", best ridge {rec['learner']}" if settings.best_ridge and settings.convex else ""
        v.readout = (f"eps = {eps:.10g}  (R = {rec['R']:.8g}) at alpha_prune = {settings.alpha_prune:g}, "
                     f"f = {settings.keep_fraction:g} (alpha_tot = {rec['alpha_total']:.4g}),"
                     f" keep {settings.rule}, theta = {settings.probe_angle_deg:g} deg{ridge}{ok}")
        v.series.append(Series("point", [settings.alpha_prune], [eps if rec["success"] else math.nan], "marker",
                               COLORS["point"]))
        v.records.append({"curve": "point", **rec})
        point_learner = rec["learner"]
    except ValueError as exc:
        v.readout = f"no value at this point: {_one_line(exc)}"
        point_learner = None
    v.commands = _view_a_commands(settings, alphas, drawn_keeps, point_learner)
    v.seconds = time.perf_counter() - t0
    return v


def _serial(fn, args_list):
    """The curves one after the other in this process (max-margin: ~1 ms a point)."""
    return [_safe(fn, *a) for a in args_list]


class _PointJob:
    """The marked point's record (:func:`point_record`), computed in a thread of this process while the worker
    processes compute the curves (``concurrent``), else when asked for; ``result()`` returns it or raises its
    ``ValueError``."""

    def __init__(self, settings: Settings, concurrent: bool):
        self.settings, self.out, self.error, self.thread = settings, None, None, None
        if concurrent:
            import threading

            self.thread = threading.Thread(target=self._run, daemon=True)
            self.thread.start()

    def _run(self):
        try:
            self.out = point_record(self.settings)
        except Exception as exc:  # re-raised by result(), in the caller's thread
            self.error = exc

    def result(self) -> dict:
        if self.thread is None:
            self._run()
        else:
            self.thread.join()
        if self.error is not None:
            raise self.error
        return self.out


def _view_a_commands(settings: Settings, alphas, drawn_keeps, point_learner) -> list[str]:
    """The ``python -m theory.solve`` commands of view (a): the marked point (JSON) and one per drawn f (CSV); with
    best ridge the learner is the loss alone (``--learner logistic``: each point at its best ridge)."""
    commands: list[str] = []
    best = settings.best_ridge and settings.convex
    learner = settings.learner_kind if best else settings.learner
    if point_learner is not None:
        commands.append(point_command(settings, learner))
    for f, keeps in drawn_keeps.items():
        at = settings
        if f == 1.0 and settings.keep_fraction != 1.0:
            keeps, at = ["hard"], _unpruned(settings)
        cmd = command("python", "-m", "theory.solve", "--alpha-prune", *map(_g, alphas), "-f", _g(f), "--keep",
                      *dict.fromkeys(keeps), *_flags(at, learner), "--format", "csv")
        if cmd not in commands:
            commands.append(cmd)
    return commands


_UNPRUNED: dict = {}  # (alphas, learner, labels, best_ridge) -> the unpruned curve's records


def _unpruned(settings: Settings) -> Settings:
    """The settings of the unpruned curve: f = 1 keeps the whole pool whatever the probe, so it is solved (and its
    command printed) at theta = 0, once for every theta."""
    return replace(settings, probe_angle_deg=0.0)


def _curve_job(settings: Settings, alphas, f, keep):
    """One curve's records, or the one-line message of the ``ValueError`` that refuses it (picklable)."""
    return _safe(curve_records, settings, alphas, f, keep)


def _safe(fn, *args):
    try:
        return fn(*args)
    except ValueError as exc:
        return _one_line(exc)


# ------------------------------------------------------------------------------------------------ view (b)
def frontier_keeps(settings: Settings) -> list[str]:
    """The rules the frontier minimises over: hard and easy, plus the family of the chosen rule (its parameter
    optimised) when it is band, mix or soft, or the chosen rule itself when it is another fixed rule."""
    keeps = ["hard", "easy"]
    family = settings.rule.split(":", 1)[0]
    if family in ("band", "mix", "soft"):
        keeps.append(family)
    elif settings.rule not in keeps:
        keeps.append(settings.rule)
    return keeps


def frontier_learner(settings: Settings) -> str:
    """The learner passed to the frontier: the kind alone (ridge optimised) when best ridge is on."""
    return settings.learner_kind if settings.best_ridge and settings.convex else settings.learner


def frontier_command(settings: Settings) -> str:
    """``python -m theory.frontier`` printing view (b)'s numbers."""
    return command("python", "-m", "theory.frontier", "--alpha-prune", *map(_g, FRONTIER_ALPHAS), "--keep",
                   *frontier_keeps(settings), *_flags(settings, frontier_learner(settings)), "--format", "csv")


def frontier_point_record(settings: Settings, alpha: float) -> dict:
    """One frontier point (``theory.frontier.frontier_point``) as its record."""
    from theory.frontier import frontier_point

    return frontier_point(alpha, settings.probe_angle_deg, keeps=frontier_keeps(settings),
                          learner=frontier_learner(settings), labels=settings.labels).record()


def view_b(settings: Settings, records: Sequence[dict | str]) -> View:
    """View (b) from the frontier records (one per ``FRONTIER_ALPHAS``, or a one-line message): eps*(alpha_prune)
    with the optimal f and rule, and the unpruned error."""
    v = View("b", "the frontier: best error over f and rule", "alpha_prune", "test error eps")
    ok = [r for r in records if isinstance(r, dict)]
    v.messages = sorted({r for r in records if isinstance(r, str)})
    v.records = list(ok)
    v.series = [
        Series("frontier eps*", [r["alpha_prune"] for r in ok], [r["eps_frontier"] for r in ok], "line", "#d62728"),
        Series("unpruned", [r["alpha_prune"] for r in ok], [r["eps_random"] for r in ok], "line", "#444444",
               dash="dashed"),
    ]
    v.commands = [frontier_command(settings)]
    v.readout = "; ".join(f"alpha_prune {r['alpha_prune']:g}: f* = {r['f_opt']:.3g} {r['keep_opt']}"
                          + (f" ({r['learner']})" if settings.convex else "") for r in ok)
    return v


# ------------------------------------------------------------------------------------------------ view (c)
def pool_fractions() -> list[float]:
    """The keep fractions of view (c): ``POOL_FRACTIONS`` log-spaced in [POOL_F_MIN, 1], 4 significant digits."""
    return [float(f"{f:.4g}") for f in np.geomspace(POOL_F_MIN, 1.0, POOL_FRACTIONS)]


def pool_keeps(settings: Settings) -> list[str]:
    """The rules drawn in view (c): hard, easy and the chosen rule."""
    return list(dict.fromkeys(["hard", "easy", settings.rule]))


def pool_curve(settings: Settings, keep: str) -> list[dict]:
    """eps against f in the pool alpha_total for one rule: ``solve_saddle(Params(f alpha_total, f, keep, ...))``
    at each f of :func:`pool_fractions` (what ``theory.pool.pool_error`` and ``python -m theory.solve
    --alpha-total A -f ...`` compute; with best ridge each point at its best ridge, as ``--learner logistic``
    does), as records; f where the rule is invalid (e.g. band:S with S > 1 - f) are left out."""
    out = []
    for f in pool_fractions():
        try:
            p = settings.params(f * settings.alpha_total, f, keep)
        except ValueError:
            continue
        if settings.best_ridge and settings.convex:
            _, res = best_ridge_point(p)
        else:
            res = solve_saddle(p)
        out.append(res.record())
    if not out:
        settings.params(settings.alpha_total, 1.0, keep)  # raises the reason
    return out


def pool_report_record(settings: Settings) -> dict:
    """``theory.pool.pool_report`` for the pool (hard and easy), as its record: the best rule and f, the plateau."""
    from theory.pool import pool_report

    return pool_report(settings.alpha_total, settings.probe_angle_deg, keeps=["hard", "easy"],
                       learner=frontier_learner(settings), labels=settings.labels).record()


def pool_commands(settings: Settings, curves: dict[str, list[dict] | str] | None = None) -> list[str]:
    """``python -m theory.pool`` (the best rule and f, the plateau) and ``python -m theory.solve --alpha-total``
    printing the eps(f) curves drawn: one command for the rules drawn at the same keep fractions (a rule that
    leaves out some f, e.g. band:S beyond 1 - f, gets its own); ``curves`` (rule -> records or a message) are the
    drawn curves (default: every rule of :func:`pool_keeps` at every f of :func:`pool_fractions`)."""
    learner = frontier_learner(settings)
    report = command("python", "-m", "theory.pool", "--alpha-total", _g(settings.alpha_total), "--keep", "hard",
                     "easy", *_flags(settings, learner), "--format", "csv")
    if curves is None:
        curves = {keep: [{"keep_fraction": f} for f in pool_fractions()] for keep in pool_keeps(settings)}
    groups: dict[tuple, list[str]] = {}
    for keep, recs in curves.items():
        if not isinstance(recs, str) and recs:
            groups.setdefault(tuple(r["keep_fraction"] for r in recs), []).append(keep)
    curve_commands = [command("python", "-m", "theory.solve", "--alpha-total", _g(settings.alpha_total), "-f",
                              *map(_g, fractions), "--keep", *keeps, *_flags(settings, learner), "--format", "csv")
                      for fractions, keeps in groups.items()]
    return [report, *curve_commands]


def view_c(settings: Settings, curves: dict[str, list[dict] | str], report: dict | str | None) -> View:
    """View (c) from the pool curves (rule -> records or a one-line message) and the pool report: eps against f at
    fixed alpha_total, the plateau of near-best f shaded, the best point marked."""
    v = View("c", f"the pool: alpha_tot = {settings.alpha_total:g}", "keep fraction f", "test error eps")
    colors = {"hard": COLORS["keep hard"], "easy": COLORS["keep easy"]}
    for keep, recs in curves.items():
        if isinstance(recs, str):
            v.messages.append(f"keep {keep}: {recs}")
            continue
        v.records += [{"curve": f"keep {keep}", **r} for r in recs]
        v.series.append(Series(f"keep {keep}", [r["keep_fraction"] for r in recs],
                               [r["eps"] if r["success"] else math.nan for r in recs], "line",
                               colors.get(keep, COLORS["rule"])))
    if isinstance(report, dict):
        v.records.append({"curve": "pool report", **report})
        v.spans.append((report["f_plateau_lo"], report["f_plateau_hi"], "plateau"))
        v.series.append(Series("best", [report["f_best"]], [report["eps_best"]], "marker", "#000000"))
        v.readout = (f"best: keep {report['keep_best']} f = {report['f_best']:.4g}, eps = {report['eps_best']:.6g}; "
                     f"plateau (within {report['plateau_tol']:g}) f in [{report['f_plateau_lo']:.4g}, "
                     f"{report['f_plateau_hi']:.4g}]; unpruned eps = {report['eps_unpruned']:.6g}")
    elif isinstance(report, str):
        v.messages.append(f"pool report: {report}")
    v.commands = pool_commands(settings, curves)
    return v


# ------------------------------------------------------------------------------------------------ view (d)
def parse_ns(text: str) -> list[int]:
    """The input dimensions of a Monte Carlo run from text like ``"100 200 400"`` (``ValueError`` otherwise)."""
    try:
        ns = [int(w) for w in text.replace(",", " ").split()]
    except ValueError:
        raise ValueError(f"N must be integers >= 2, got {text!r}") from None
    if not ns or any(n < 2 for n in ns):
        raise ValueError(f"N must be integers >= 2, got {text!r}")
    if max(ns) > 5000:
        raise ValueError(f"N above 5000 takes too long for the page, got {max(ns)}")
    return sorted(set(ns))


def mc_command(settings: Settings, ns: Sequence[int], seeds: int, store: str) -> str:
    """``python -m simulations.sweep`` printing the Monte Carlo records of view (d) (from the same store)."""
    return command("python", "-m", "simulations.sweep", "--alpha-prune", _g(settings.alpha_prune), "-f",
                   _g(settings.keep_fraction), "--keep", settings.rule, *_flags(settings), "--n", *map(str, ns),
                   "--seeds", str(seeds), "--store", store, "--format", "csv")


def check_mc(settings: Settings, ns_text: str, seeds: int) -> list[int]:
    """Validate a Monte Carlo request (``ValueError`` with a one-line message): the point, N, seeds, and that the
    learner can train on the labels (the max-margin student needs clean labels)."""
    from simulations.runner import check_learner

    ns = parse_ns(ns_text)
    if not 2 <= int(seeds) <= 1000:
        raise ValueError(f"seeds must be in [2, 1000], got {seeds}")
    if settings.best_ridge and settings.convex:
        raise ValueError("the Monte Carlo needs a fixed ridge: untick 'best ridge'")
    check_learner(settings.params())
    return ns


def view_d(settings: Settings, records: Sequence[dict], ns: Sequence[int], seeds: int, store: str) -> View:
    """View (d) from Monte Carlo records (``simulations.sweep``): eps_N +- its standard error against N, the theory
    at the realised probe, and the 1/N extrapolation when there are two N or more."""
    v = View("d", "Monte Carlo at the marked point", "input dimension N", "test error eps", logy=False)
    v.records = list(records)
    if records:
        xs = [r["n"] for r in records]
        v.series.append(Series("Monte Carlo", xs, [r["eps_mean"] for r in records], "errorbar",
                               COLORS["Monte Carlo"], err=[r["eps_sem"] for r in records]))
        theory = records[0].get("eps_theory", math.nan)
        v.series.append(Series("theory", [min(xs) / 1.5, max(xs) * 1.5], [theory, theory], "line", "#000000",
                               dash="dashed"))
        text = "; ".join(f"N = {r['n']}: eps = {r['eps_mean']:.5g} +- {r['eps_sem']:.2g}" for r in records)
        if len({r["n"] for r in records}) >= 2:
            from simulations import extrapolate
            from simulations.runner import SimResult

            fields = SimResult.__dataclass_fields__
            results = [SimResult(**{k: r[k] for k in r if k in fields}) for r in records]
            inf, err = extrapolate(results)
            text += f"; extrapolated eps_inf = {inf:.5g} +- {err:.2g}"
        v.readout = f"{text}; theory {theory:.5g}"
    v.commands = [mc_command(settings, ns, seeds, store)]
    return v


# ------------------------------------------------------------------------------------------------ downloads
def to_csv(view: View) -> str:
    """The records of a view as CSV (one header: the union of the records' fields, in first-seen order)."""
    columns = list(dict.fromkeys(k for r in view.records for k in r))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for r in view.records:
        writer.writerow({k: (repr(v) if isinstance(v, float) else v) for k, v in r.items()})
    return buf.getvalue()


def render(view: View, fmt: str) -> bytes:
    """The view drawn by matplotlib (the same series as the page) as PNG or PDF bytes, with its command(s) as a
    caption."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    if fmt not in ("png", "pdf"):
        raise ValueError(f"format must be png or pdf, got {fmt!r}")
    fig = Figure(figsize=(7.0, 4.8), layout="constrained")
    ax = fig.add_subplot()
    for s in view.series:
        x, y = np.asarray(s.x, float), np.asarray(s.y, float)
        ls = {"solid": "-", "dashed": "--"}.get(s.dash, "-")
        if s.style == "line":
            ax.plot(x, y, ls, color=s.color, label=s.label)
        elif s.style == "errorbar":
            ax.errorbar(x, y, yerr=s.err, fmt="o", color=s.color, capsize=3, label=s.label)
        else:
            ax.plot(x, y, "o", color=s.color, label=s.label)
    for lo, hi, label in view.spans:
        ax.axvspan(lo, hi, color="#2ca02c", alpha=0.12, label=label)
    if view.logx:
        ax.set_xscale("log")
    if view.logy:
        ax.set_yscale("log")
    ax.set(xlabel=view.xlabel, ylabel=view.ylabel, title=view.title)
    if view.series:
        ax.legend(fontsize=8)
    if view.readout:
        fig.text(0.01, 0.0, view.readout[:160], fontsize=6, va="bottom")
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=120)
    return buf.getvalue()
