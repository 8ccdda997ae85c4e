"""Provenance: which code computed a number.

Two versions travel with every record, store entry and figure cache:

* ``PACKAGE_VERSION``: the installed package's version (``pyproject.toml``; see ``CHANGELOG.md``).
* ``SOLVER_VERSION``: an integer bumped whenever a change moves a computed number (a theory value beyond
  its stated tolerance, or a Monte Carlo draw for the same seed). A cached or stored result made by another
  solver version is recomputed, never reused. Results written before versions were recorded carry none and
  are read as ``LEGACY_SOLVER_VERSION`` (their numbers are the ones this version computes).
"""

from __future__ import annotations

from importlib import metadata

SOLVER_VERSION = 1
LEGACY_SOLVER_VERSION = 1
DISTRIBUTION = "beyond-scaling"


def _package_version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "0+unknown"


PACKAGE_VERSION = _package_version()


def provenance() -> dict:
    """``{"package_version": ..., "solver_version": ...}``, the fields a stored result carries."""
    return {"package_version": PACKAGE_VERSION, "solver_version": SOLVER_VERSION}


def is_current(solver_version: object) -> bool:
    """True when a result written by ``solver_version`` (None: written before versions were recorded) may be
    reused by this code."""
    if solver_version is None:
        solver_version = LEGACY_SOLVER_VERSION
    return solver_version == SOLVER_VERSION
