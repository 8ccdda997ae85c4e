"""Shared plumbing of the figure scripts: cached computation, progress steps, the MC store, and saving PNG + PDF."""

from __future__ import annotations

import itertools
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import as_completed
from pathlib import Path
from typing import TypeVar

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from theory import provenance  # noqa: E402

# relative to the working directory, so that an installed package never writes into site-packages
DATA_DIR = Path("figures") / "data"

#: A figure's ``compute(quick, data_dir, progress)`` calls ``progress(message)`` once per finished step (a point,
#: a curve, a Monte Carlo work unit), with a short description of the step; ``None`` reports nothing.
Progress = Callable[[str], None]
T = TypeVar("T")

# the provenance arrays stored beside the data in every cache file
SOLVER_KEY, PACKAGE_KEY = "_solver_version", "_package_version"


def report(progress: Progress | None, message: str) -> None:
    """One finished step: ``progress(message)`` unless ``progress`` is None."""
    if progress is not None:
        progress(message)


def steps(iterable: Iterable[T], progress: Progress | None, what: str, total: int | None = None) -> Iterator[T]:
    """The items of ``iterable``, reporting ``"what i/total"`` to ``progress`` after each one is used."""
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)  # type: ignore[arg-type]
    for i, item in enumerate(iterable, 1):
        yield item
        report(progress, f"{what} {i}/{total}" if total else f"{what} {i}")


def pool_map(pool, fn: Callable[[T], object], jobs: list[T], progress: Progress | None, what: str) -> list:
    """``[fn(job) for job in jobs]`` on the executor ``pool``, in the order of ``jobs``; ``"what i/n"`` is reported
    to ``progress`` as each job finishes, in whatever order they finish (one slow job does not hold back the count
    of the others)."""
    futures = [pool.submit(fn, job) for job in jobs]
    for i, _ in enumerate(as_completed(futures), 1):
        report(progress, f"{what} {i}/{len(futures)}")
    return [future.result() for future in futures]


def sweep_progress(progress: Progress | None) -> dict:
    """Keyword arguments of :func:`simulations.sweep.sweep` that report each finished Monte Carlo work unit to
    ``progress``; with ``progress`` None, sweep's own progress bar (on stderr after 2 s)."""
    if progress is None:
        return {"show_progress": True}
    count = itertools.count(1)
    return {"show_progress": False, "on_unit_done": lambda key: progress(f"simulation work unit {next(count)}")}


def _load(path: Path) -> dict | None:
    """The data of a cache file written by the current solver version, else None (missing, unreadable, or
    stale: written by another solver version; a file without versions is read as ``provenance.is_current(None)``
    says)."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None  # truncated or not an npz: recompute
    version = data.pop(SOLVER_KEY, None)
    data.pop(PACKAGE_KEY, None)
    if not provenance.is_current(None if version is None else int(version)):
        return None
    return data


def cached(name: str, quick: bool, compute: Callable[[], dict], data_dir: Path = DATA_DIR) -> dict:
    """Load ``name`` (quick and full runs cached separately) from ``data_dir`` or compute and save it.

    Arrays go to an .npz file with the solver and package versions that computed them (arrays ``_solver_version``,
    ``_package_version``; see :mod:`theory.provenance`), written to a temporary name and renamed (atomic). A file
    written by another solver version, or unreadable, is recomputed; the package version is kept for provenance
    only. The returned dict holds the data arrays only.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"{name}{'_quick' if quick else ''}.npz"
    data = _load(path)
    if data is not None:
        return data
    data = {k: np.asarray(v) for k, v in compute().items()}
    versions = {SOLVER_KEY: np.asarray(provenance.SOLVER_VERSION), PACKAGE_KEY: np.asarray(provenance.PACKAGE_VERSION)}
    fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=f".{path.stem}.", suffix=".npz.tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **data, **versions)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return data


def save(fig, out: Path, name: str) -> list[Path]:
    """Write ``name``.png and ``name``.pdf into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.png", out / f"{name}.pdf"]
    for p in paths:
        fig.savefig(p, dpi=130, bbox_inches="tight")
    plt.close(fig)
    return paths


def mc_records(records: list[dict]) -> dict:
    """Columns of MC records as arrays: numbers as float arrays, strings (keep) as string arrays."""
    return {k: np.array([r[k] for r in records], dtype=str if isinstance(v, str) else float)
            for k, v in records[0].items()}


# --- the paper's conventions (its Fig. 1 labels) ------------------------------------------------
PAPER_FRACTIONS = 10.0 ** (-np.arange(10) / 9.0)  # 100%, 77%, 60%, ..., 10%: "Frac. data kept"
X_LABEL = r"Training examples per parameter ($\alpha_{prune}$)"
Y_LABEL = "Test error (%)"
TOTAL_LABEL = r"Total examples per parameter ($\alpha_{tot}$)"


def plain_log_ticks(ax, which: str = "y") -> None:
    """Tick labels of a log axis as plain numbers (30, 20, 6 rather than 3x10^1, 2x10^1, 6x10^0)."""
    from matplotlib.ticker import FuncFormatter

    def minor(v, _):  # label only 2x and 5x of each decade among the minor ticks
        lead = round(v / 10.0 ** np.floor(np.log10(v)), 6) if v > 0 else 0
        return f"{v:g}" if lead in (2.0, 5.0) else ""

    axis = ax.yaxis if which == "y" else ax.xaxis
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(FuncFormatter(minor))


def short_rule(rule: str) -> str:
    """A rule string for a legend: its parameter to 3 significant digits (band:0.119407230007 -> band:0.119)."""
    kind, sep, value = str(rule).partition(":")
    if not sep:
        return kind
    return f"{kind}:" + ",".join(f"{float(v):.3g}" for v in value.split(","))


def simulation_label(n) -> str:
    """'Simulation (N = ...)' with the dimension(s) actually simulated."""
    dims = sorted({int(x) for x in np.atleast_1d(n)})
    return f"Simulation (N = {', '.join(map(str, dims))})"


def pareto(eps: np.ndarray, fractions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower envelope over the columns of eps[alpha, f] and the f that attains it at each alpha."""
    j = np.argmin(eps, axis=1)
    return eps[np.arange(eps.shape[0]), j], fractions[j]


def learning_curve_panel(ax, alphas: np.ndarray, eps: np.ndarray, fractions: np.ndarray, mc: dict | None,
                         keep: str, title: str) -> np.ndarray:
    """The paper's learning-curve panel: theory lines for each f, MC dots (+-1 s.e.m.) where ``mc`` has
    them, and the Pareto frontier over the f shown (dashed); error in %. Returns the frontier."""
    colors = plt.cm.viridis(np.linspace(0.0, 0.9, len(fractions)))
    for j, (f, c) in enumerate(zip(fractions, colors)):
        ax.plot(alphas, 100 * eps[:, j], color=c, lw=1.2, label=f"{100 * f:.0f}%")
        if mc is not None:
            sel = np.isclose(mc["keep_fraction"], f) & (mc["keep"] == keep)
            ax.errorbar(mc["alpha_prune"][sel], 100 * mc["eps_mean"][sel], 100 * mc["eps_sem"][sel], fmt="o",
                        color=c, ms=3.5, lw=1)
    frontier, _ = pareto(eps, fractions)
    ax.plot(alphas, 100 * frontier, "k--", lw=1.8, label="Pareto frontier")
    ax.set(yscale="log", xlabel=X_LABEL, ylabel=Y_LABEL, title=title)
    plain_log_ticks(ax)
    ax.plot([], [], "k-", lw=1.2, label="Theory")
    if mc is not None:
        ax.plot([], [], "ko", ms=3.5, label=simulation_label(mc["n"]))
    ax.legend(title="Frac. data kept", fontsize=6.5, title_fontsize=7, ncol=2, loc="lower left")
    return frontier
