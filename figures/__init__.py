"""The figures, composed only from the public API of :mod:`theory` and :mod:`simulations`.

``python -m figures [FIGURE ...]`` regenerates every figure or the ones named (``--list`` names them, ``--help``
lists the flags); each figure is a module with ``NAME``, ``SUMMARY``, ``compute(quick=False, data_dir=DATA_DIR,
progress=None) -> dict`` (cached; ``progress(message)`` after every step) and ``plot(data, out) -> [paths]``
(:mod:`figures.registry`). figures/README.md says which panel of the paper each file corresponds to.
"""

__all__: list[str] = []
