"""The ``kind[:number]`` strings by which learners, label channels and rules are named on the command line."""

from __future__ import annotations


def split_spec(spec: str, what: str) -> tuple[str, float | None]:
    """(kind, number or None) of ``"kind"`` or ``"kind:number"``; ``ValueError`` naming ``what`` otherwise."""
    if not isinstance(spec, str):
        raise ValueError(f"{what} must be a string such as 'kind' or 'kind:0.1', got {spec!r}")
    kind, sep, value = spec.strip().partition(":")
    if not sep:
        return kind, None
    try:
        return kind, float(value)
    except ValueError:
        raise ValueError(f"{what} {spec!r}: {value!r} is not a number") from None
