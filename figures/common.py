"""Shared plumbing of the figure scripts: cached computation, the MC store, and saving PNG + PDF."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

# relative to the working directory, so that an installed package never writes into site-packages
DATA_DIR = Path("figures") / "data"


def cached(name: str, quick: bool, compute: Callable[[], dict], data_dir: Path = DATA_DIR) -> dict:
    """Load ``name`` (quick and full runs cached separately) from ``data_dir`` or compute and save it.

    Arrays go to an .npz file, written to a temporary name and renamed (atomic).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"{name}{'_quick' if quick else ''}.npz"
    if path.exists():
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    data = {k: np.asarray(v) for k, v in compute().items()}
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **data)
    tmp.replace(path)
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
