"""The figures, and how one is made (a module of its own so that worker processes can import it)."""

from __future__ import annotations

import sys
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
    selection_rules,
)

FIGURES = (paper_fig1, paper_noisy_probe, paper_information, laws_collapse, selection_rules, label_noise,
           fig1_perfect_probe, fig2_noisy_probe)
# the order in which workers take them: the slowest first (seconds from an empty cache, one worker each)
SLOWEST_FIRST = ("paper_noisy_probe", "selection_rules", "label_noise", "fig2_noisy_probe", "paper_information",
                 "paper_fig1", "fig1_perfect_probe", "laws_collapse")


def make_figure(name: str, quick: bool, data_dir: Path, out: Path) -> dict:
    """Compute (or load from ``data_dir``) and draw one figure into ``out``; its record."""
    module = next(m for m in FIGURES if m.NAME == name)
    t0 = time.perf_counter()
    data = module.compute(quick, data_dir)
    paths = module.plot(data, out)
    seconds = time.perf_counter() - t0
    print(f"{module.NAME}: {', '.join(str(x) for x in paths)} ({seconds:.1f} s)", file=sys.stderr, flush=True)
    return {"figure": module.NAME, "files": " ".join(str(x) for x in paths), "seconds": round(seconds, 2)}
