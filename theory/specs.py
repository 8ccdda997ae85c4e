"""The ``kind[:number]`` strings by which learners, label channels and rules are named on the command line.

A learner, a label channel and a selection rule are each one frozen object (:class:`theory.learners.Learner`,
:class:`theory.labels.LabelChannel`, :class:`theory.rules.Rule`). The user types a string; it is parsed once,
where a :class:`theory.Params` is made, and written back (``str(obj)``, its canonical form) wherever a record, a
message or a store key is made. :class:`Named` gives these objects value semantics by that canonical string: two
objects with the same string are equal and hash alike, and an object equals its own string (``Rule("hard") ==
"hard"``), so code and user scripts that compare with strings keep working.
"""

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


def parse_cached(cls, spec, what: str, cache: dict):
    """``spec`` itself if it is a ``cls``, else the ``cls`` of the string ``"kind"`` or ``"kind:number"``, parsed once
    (``cache``: string -> object; the objects are immutable). A ``ValueError`` names the string as typed."""
    if isinstance(spec, cls):
        return spec
    if isinstance(spec, str) and spec in cache:
        return cache[spec]
    kind, value = split_spec(spec, what)
    try:
        parsed = cls(kind, value)
    except ValueError as exc:
        raise ValueError(str(exc).replace(f"got {kind!r}", f"got {spec!r}")) from None
    cache[spec] = parsed
    return parsed


class Named:
    """Mixin: value semantics by the canonical string ``str(self)`` (see the module docstring). Dataclasses that use
    it are declared with ``eq=False`` so that these methods are kept."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return str(self) == other
        if isinstance(other, Named):
            return type(self) is type(other) and str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))
