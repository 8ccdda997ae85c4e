"""The convex Monte Carlo with the default BLAS threads against the run with the thread variables set to 1
(issue 26, item 4): each configuration runs in its own child process of this one (same process tree, same
machine load), for square, logistic and hinge.

    python -m benchmarks.blas_threads [--n 200] [--seeds 5] [--repeats 3]

Points (the issue's commands): alpha_prune = 2, f = 0.5, keep hard, theta = 0, N = 200, 5 seeds, one worker;
square:0.1 and logistic:0.01 with flip:0.1, hinge:0.1 with flip:0.05, and the max-margin student on clean
labels (its numba active set calls BLAS too). A child warms up (numba compilation, one
seed at small N), then times ``simulate`` ``--repeats`` times and reports the fastest run and the BLAS/OpenMP
thread counts it sees before and after (``threadpoolctl.threadpool_info``: the package limits BLAS inside its
fits only). ``default``: the environment without OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS and
BEYOND_SCALING_BLAS_THREADS; ``env=1``: with the first three set to 1. Prints seconds and the ratio
default / env=1 (the goal: <= 1.3).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CASES = (("square", "square:0.1", "flip:0.1"), ("logistic", "logistic:0.01", "flip:0.1"),
         ("hinge", "hinge:0.1", "flip:0.05"), ("max-margin", "max-margin", "clean"))
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BEYOND_SCALING_BLAS_THREADS")
GOAL = 1.3


def child(learner: str, labels: str, n: int, seeds: int, repeats: int) -> dict:
    """Run in the child process: time ``simulate`` at the benchmark's point."""
    import time

    from threadpoolctl import threadpool_info

    from simulations import simulate
    from theory import Params

    params = Params(2.0, 0.5, "hard", 0.0, learner, labels)
    before = sorted({d["num_threads"] for d in threadpool_info()})
    simulate(params, n=40, seeds=1, seed=99)  # warm-up: numba compilation and caches
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        simulate(params, n=n, seeds=seeds, seed=0)
        times.append(time.perf_counter() - t0)
    after = sorted({d["num_threads"] for d in threadpool_info()})
    return {"seconds": min(times), "threads_before": before, "threads_after": after}


def run_child(env_threads: bool, learner: str, labels: str, args) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    if env_threads:
        env.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    cmd = [sys.executable, "-m", "benchmarks.blas_threads", "--child", learner, labels, "--n", str(args.n),
           "--seeds", str(args.seeds), "--repeats", str(args.repeats)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.blas_threads", description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--child", nargs=2, metavar=("LEARNER", "LABELS"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child, args.n, args.seeds, args.repeats)))
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"N = {args.n}, {args.seeds} seeds, best of {args.repeats}; {cores} usable cores")
    print(f"{'learner':10s} {'labels':10s} {'default s':>10s} {'env=1 s':>10s} {'ratio':>7s}  BLAS threads "
          f"(default run: before/after simulate)")
    worst = 0.0
    for name, learner, labels in CASES:
        default = run_child(False, learner, labels, args)
        limited = run_child(True, learner, labels, args)
        ratio = default["seconds"] / limited["seconds"]
        worst = max(worst, ratio)
        print(f"{name:10s} {labels:10s} {default['seconds']:10.3f} {limited['seconds']:10.3f} {ratio:7.2f}  "
              f"{default['threads_before']}/{default['threads_after']}")
    print(f"worst ratio {worst:.2f} (goal <= {GOAL})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
