"""The figures, and how one is made (a module of its own so that worker processes can import it).

Every figure is a module of this package with

* ``NAME``: the figure's name (its file names, and the name ``python -m figures NAME`` takes);
* ``SUMMARY``: one line saying what it shows (``python -m figures --list``);
* ``compute(quick=False, data_dir=DATA_DIR, progress=None) -> dict``: the numbers drawn, as arrays (theory curves
  cached as ``.npz`` in ``data_dir``, Monte Carlo points in the result store ``data_dir / "store"``; ``quick``:
  small grids, few seeds, N = 100; ``progress(message)`` is called after each step, e.g. ``progress=print``);
* ``plot(data, out) -> [paths]``: draws ``data`` into ``out`` as ``NAME.png`` and ``NAME.pdf``.
"""

from __future__ import annotations

import time
from pathlib import Path

from figures import (
    fig1_perfect_probe,
    fig2_noisy_probe,
    label_noise,
    laws_collapse,
    paper_fig1,
    paper_information,
    paper_noisy_probe,
    real_features,
    selection_rules,
    structured_data,
)
from figures.common import Progress

FIGURES = (paper_fig1, paper_noisy_probe, paper_information, laws_collapse, selection_rules, label_noise,
           fig1_perfect_probe, fig2_noisy_probe, structured_data, real_features)
NAMES = tuple(m.NAME for m in FIGURES)
# the order in which workers take them: the slowest first (seconds from an empty cache, one worker each)
SLOWEST_FIRST = ("paper_noisy_probe", "selection_rules", "label_noise", "fig2_noisy_probe", "paper_information",
                 "paper_fig1", "fig1_perfect_probe", "laws_collapse", "structured_data", "real_features")


def figure(name: str):
    """The module of the figure called ``name``; ``ValueError`` naming it and the valid names otherwise."""
    for module in FIGURES:
        if module.NAME == name:
            return module
    raise ValueError(f"unknown figure {name!r}; the figures are {', '.join(NAMES)}")


def make_figure(name: str, quick: bool, data_dir: Path, out: Path, progress: Progress | None = None) -> dict:
    """Compute (or load from ``data_dir``) and draw one figure into ``out``; its record (figure, files, seconds)."""
    module = figure(name)
    t0 = time.perf_counter()
    if progress is not None:
        progress("computing")
    data = module.compute(quick, data_dir, progress=progress)
    if progress is not None:
        progress("drawing")
    paths = module.plot(data, out)
    seconds = time.perf_counter() - t0
    return {"figure": module.NAME, "files": " ".join(str(x) for x in paths), "seconds": round(seconds, 2)}


# --- worker processes (python -m figures --jobs J): steps travel to the parent through a queue ---------------
_QUEUE = None


def init_worker(queue) -> None:
    """Pool initializer: the queue to which the figures made in this process report their steps (None: none)."""
    global _QUEUE
    _QUEUE = queue


def _ignore(message: str) -> None:
    pass


def make_figure_in_worker(name: str, quick: bool, data_dir: Path, out: Path) -> dict:
    """:func:`make_figure` in a worker process, its steps put on the queue as ``(name, message)``."""
    queue = _QUEUE

    def progress(message: str) -> None:
        queue.put((name, message))

    return make_figure(name, quick, data_dir, out, progress if queue is not None else _ignore)
