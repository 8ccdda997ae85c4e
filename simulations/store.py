"""On-disk result store: one JSON file per computed point, written atomically, validated on read.

A point's file name is a hash of everything that determines its value (alpha_prune, keep_fraction,
keep, probe_angle_deg, n, seeds, seed, backend). Writes go to a temporary file in the same directory
and are moved into place with ``os.replace``, so an interrupted run leaves either the old state or the
complete record, never a partial one. A record that does not parse, lacks a key, or holds a non-finite
number is treated as missing (and recomputed by the sweep), never trusted. Every record carries the package and
solver versions that computed it (:mod:`theory.provenance`); one from another solver version is recomputed
(records written before versions were recorded are read as the legacy version).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path

from simulations.runner import SimResult
from theory.provenance import is_current, provenance

CHUNK_FIELDS = ("eps", "margin", "kept", "probe_angle", "seconds")  # a work unit: per-seed SeedValue lists
KEY_FIELDS = ("alpha_prune", "keep_fraction", "keep", "probe_angle_deg", "n", "seeds", "seed", "backend", "probe")
RECORD_FIELDS = SimResult.RECORD_FIELDS  # a stored point is a SimResult record


# in the key only when not the default; a Gaussian covariate case (data) as its canonical string: power:a,b,N or
# case:<the first 16 hex digits of its content's SHA-256>, never a path
OPTIONAL_KEY_FIELDS = {"learner": "max-margin", "labels": "clean", "data": "isotropic"}


def point_key(**point) -> str:
    """Stable hash of the fields of ``KEY_FIELDS`` and of those of ``OPTIONAL_KEY_FIELDS`` that differ from their
    default (so that stores written before the learner and the label channel existed still load)."""
    def plain(value):  # a rule, learner or label channel enters the key as its canonical string
        return value if isinstance(value, (int, float, str)) or value is None else str(value)

    fields = {k: plain(point[k]) for k in KEY_FIELDS}
    fields.update({k: plain(point[k]) for k, default in OPTIONAL_KEY_FIELDS.items()
                   if plain(point.get(k, default)) != default})
    canonical = json.dumps(fields, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


class ResultStore:
    """A directory of validated JSON records, one per point."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def get(self, key: str, required: tuple[str, ...] = RECORD_FIELDS) -> dict | None:
        """The stored record, or None if it is missing, corrupt, incomplete or non-finite."""
        try:
            record = json.loads(self.path(key).read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict) or record.get("key") != key:
            return None
        if not is_current(record.get("solver_version")):  # computed by another solver version: recompute
            return None
        for field in required:
            value = record.get(field)
            values = value if isinstance(value, list) else [value]
            if value is None or not values or any(
                    v is None or (isinstance(v, float) and not math.isfinite(v)) for v in values):
                return None
        return record

    def put(self, key: str, record: dict) -> None:
        """Write ``record`` atomically; refuses non-finite numbers."""
        for field, value in record.items():
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, float) and not math.isfinite(v):
                    raise ValueError(f"refusing to store non-finite {field}={v}")
        data = json.dumps({**record, **provenance(), "key": key}, sort_keys=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path(key))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
