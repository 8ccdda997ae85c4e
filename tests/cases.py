"""Case catalogue shared by tests and benchmarks.

``eps_ref`` values are the independent reference computations quoted in the project's issues
(printed there to the digits given; ``rtol`` reflects those digits), not outputs of this package.
"""

SOLVER_CASES = [
    {"id": "random-a0.3", "params": dict(alpha_prune=0.3, keep_fraction=1.0, keep="hard", probe_angle_deg=0.0)},
    {"id": "random-a2", "params": dict(alpha_prune=2.0, keep_fraction=1.0, keep="hard", probe_angle_deg=0.0)},
    {"id": "hard-a2-f0.2", "params": dict(alpha_prune=2.0, keep_fraction=0.2, keep="hard", probe_angle_deg=0.0)},
    {"id": "easy-a1-f0.01", "params": dict(alpha_prune=1.0, keep_fraction=0.01, keep="easy", probe_angle_deg=0.0)},
    {"id": "hard-a4-f0.01", "params": dict(alpha_prune=4.0, keep_fraction=0.01, keep="hard", probe_angle_deg=0.0),
     "eps_ref": 1.257e-3, "rtol": 5e-4},
    {"id": "hard-a4-f1e-4", "params": dict(alpha_prune=4.0, keep_fraction=1e-4, keep="hard", probe_angle_deg=0.0),
     "eps_ref": 1.257e-5, "rtol": 5e-4},
    {"id": "hard-a40-f1e-9", "params": dict(alpha_prune=40.0, keep_fraction=1e-9, keep="hard", probe_angle_deg=0.0)},
    {"id": "th10-random-a4", "params": dict(alpha_prune=4.0, keep_fraction=1.0, keep="hard", probe_angle_deg=10.0),
     "eps_ref": 0.113657, "rtol": 1e-5},
    {"id": "th10-hard-a4-f0.219",
     "params": dict(alpha_prune=4.0, keep_fraction=0.219, keep="hard", probe_angle_deg=10.0),
     "eps_ref": 0.038859, "rtol": 2e-4},
    {"id": "th10-easy-a2-f0.01",
     "params": dict(alpha_prune=2.0, keep_fraction=0.01, keep="easy", probe_angle_deg=10.0)},
    {"id": "th30-easy-a2-f0.2", "params": dict(alpha_prune=2.0, keep_fraction=0.2, keep="easy", probe_angle_deg=30.0)},
    {"id": "th5-hard-a10-f0.05",
     "params": dict(alpha_prune=10.0, keep_fraction=0.05, keep="hard", probe_angle_deg=5.0)},
]
