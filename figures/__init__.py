"""The figures, composed only from the public API of :mod:`theory` and :mod:`simulations`.

``python -m figures`` regenerates every figure (``--help`` lists the flags); each figure is a module
with ``compute(quick, data_dir) -> dict`` (cached) and ``plot(data, out) -> [paths]``.
figures/README.md says which panel of the paper each file corresponds to.
"""

__all__: list[str] = []
