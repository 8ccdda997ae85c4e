"""Test-session settings: the JAX backend's single-threaded XLA on the CPU (see simulations.interior_point), set
before any test imports JAX; the test process runs nothing else that could mind."""

from simulations.interior_point import use_single_threaded_xla

use_single_threaded_xla()
