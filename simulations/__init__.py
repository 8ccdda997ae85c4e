"""Monte Carlo of the pruned teacher-student perceptron (the model of ``docs/theory.md``).

Public API::

    from simulations import simulate, sample_pruned, fit_max_margin
    from theory import Params
    res = simulate(Params(2.0, 0.2, "hard", 0.0), n=200, seeds=20)   # SimResult: eps_mean +- eps_sem
    res.record()

Command lines: ``python -m simulations.run`` (one point, several N) and ``python -m simulations.sweep``
(a resumable grid through :class:`simulations.store.ResultStore`; its function is
``simulations.sweep.sweep``, not imported here so that ``python -m simulations.sweep`` runs cleanly).
"""

from simulations.certificate import certify, kkt_residual
from simulations.data import PrunedData, sample_pruned
from simulations.measure import OrderParameters, generalization_error, order_parameters
from simulations.runner import ScalingStudy, SimResult, extrapolate, scaling_study, simulate, warm_start_for
from simulations.store import ResultStore
from simulations.student import MaxMarginResult, fit_max_margin, fit_max_margin_batch

__all__ = ["MaxMarginResult", "OrderParameters", "PrunedData", "ResultStore", "ScalingStudy", "SimResult",
           "certify", "extrapolate", "fit_max_margin", "fit_max_margin_batch", "generalization_error", "kkt_residual",
           "order_parameters", "sample_pruned", "scaling_study", "simulate", "warm_start_for"]
