"""Server-side redraw time of the explorer's view (a) after a slider move (the issue's budget: 200 ms for the
max-margin student with >= 50 theory points a curve, 1 s for a convex learner at a fixed ridge).

    python -m benchmarks.bench_explorer [--repeats 5]

Each case moves one control (f, theta or alpha_prune) through ``--repeats`` new values, each not seen before, and
times ``explorer.core.view_a`` as the page runs it: in-process for max-margin, the curves on the explorer's
process pool (2 workers) for the convex learners (the marked point meanwhile in a thread of this process). Prints
the median and the worst redraw of each case, the median CPU time a redraw costs (this process and the workers:
what the redraw would take alone on enough idle cores, whatever the machine's load) and the 1-minute load average
(``os.getloadavg``) while the case ran.
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import replace

from explorer import core, jobs
from pruning_cli import ArgumentParser, format_records, run_cli


def build_parser() -> ArgumentParser:
    p = ArgumentParser(prog="python -m benchmarks.bench_explorer",
                       description="Server-side redraw time of the explorer's view (a) after a slider move.",
                       examples=("python -m benchmarks.bench_explorer --repeats 5",))
    p.add_argument("--repeats", type=int, default=5, help="slider positions per case")
    return p


def cases(repeats: int):
    """(name, settings sequence) for each slider and learner: new values only (no cache helps)."""
    base = core.Settings()
    out = []
    for learner in ("max-margin", "logistic:0.01", "hinge:0.01", "square:0.1"):
        s0 = replace(base, learner=learner)
        out.append((f"{learner}: move f", [replace(s0, keep_fraction=round(0.3 - 0.02 * i, 3))
                                           for i in range(repeats)]))
        out.append((f"{learner}: move theta", [replace(s0, probe_angle_deg=5.0 + 1.5 * i) for i in range(repeats)]))
    return out


def _cpu_timed(fn, *args):
    """(CPU seconds, fn(*args)) in a worker process."""
    t0 = time.process_time()
    out = fn(*args)
    return time.process_time() - t0, out


class _TimedPool:
    """``jobs.pool_map`` that adds up the workers' CPU time."""

    def __init__(self):
        self.cpu = 0.0

    def __call__(self, fn, args_list):
        outs = jobs.pool_map(_cpu_timed, [(fn, *a) for a in args_list])
        self.cpu += sum(cpu for cpu, _ in outs)
        return [out for _, out in outs]


def _main(argv) -> int:
    args = build_parser().parse_args(argv)
    if args.repeats < 1:
        raise ValueError(f"--repeats must be >= 1, got {args.repeats}")
    core.view_a(core.Settings())  # compile
    jobs.pool_map(core._curve_job, [(core.Settings(learner="logistic:0.01"), [1.0], 0.5, "hard")] * 2)
    records = []
    for name, settings in cases(args.repeats):
        times, cpus, loads, points = [], [], [], 0
        for s in settings:
            pool = _TimedPool()
            t0, c0 = time.perf_counter(), time.process_time()
            v = core.view_a(s, pool if s.convex else None)
            times.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0 + pool.cpu)
            loads.append(os.getloadavg()[0])
            points = sum(len(x.x) for x in v.series if x.style == "line")
        budget = 1.0 if settings[0].convex else 0.2
        records.append({"case": name, "theory_points": points, "median_ms": 1e3 * statistics.median(times),
                        "worst_ms": 1e3 * max(times), "cpu_ms": 1e3 * statistics.median(cpus),
                        "load_1min": max(loads), "budget_ms": 1e3 * budget, "within": max(times) <= budget})
    jobs.shutdown()
    print(format_records(records, "table"))
    print(f"{os.cpu_count()} cores; the unpruned curve (theta = 0) is cached after the first redraw, so a redraw "
          "solves the keep hard and keep easy curves and the marked point")
    return 0


def main(argv=None) -> int:
    """Entry point; returns the exit code (2 on bad input)."""
    return run_cli(_main, argv, "python -m benchmarks.bench_explorer")


if __name__ == "__main__":
    raise SystemExit(main())
