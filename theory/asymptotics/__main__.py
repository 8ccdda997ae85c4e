"""Command line of the asymptotic laws: ``python -m theory.asymptotics`` (the library is :mod:`theory.asymptotics`)."""

from __future__ import annotations

import numpy as np

from pruning_cli import ArgumentParser, check_flags, format_records, run_cli
from theory.asymptotics import all_laws
from theory.model import validate_alpha


def build_parser():
    p = ArgumentParser(
        prog="python -m theory.asymptotics",
        description="The asymptotic laws of the test error: the analytic unpruned constant c0, the "
        "boundary-density law eps -> c0 / (alpha_prune B), the noisy-probe frontier eps* -> c0 sin(theta) / "
        "alpha_prune with f_opt ~ K sin(theta) alpha_prune^(-1/3), and the laws at and below alpha_prune = 2; "
        "each with its constant, uncertainty, the largest alpha (or smallest f) checked against the full solver "
        "and the relative deviation there.",
        examples=("python -m theory.asymptotics",
                  "python -m theory.asymptotics --theta 5 20 --max-alpha 1e5 --format csv"),
    )
    p.add_argument("--theta", "--probe-angle", dest="probe_angle", type=float, nargs="+",
                   default=[1.0, 10.0, 30.0, 60.0], metavar="DEG", help="probe angles (> 0) for the frontier laws")
    p.add_argument("--max-alpha", type=float, default=1e6, metavar="A",
                   help="largest alpha_prune of the fits (7 log-spaced budgets from 1e3)")
    p.add_format()
    return p


def _main(argv) -> int:
    args = build_parser().parse_args(argv)
    hi = validate_alpha(args.max_alpha, "--max-alpha")
    if not hi > 1e3:
        raise ValueError(f"--max-alpha must be > 1000, got {hi:g}")
    check_flags(probe_angle=args.probe_angle)
    for t in args.probe_angle:
        if t == 0.0:
            raise ValueError(f"--theta must be > 0 for the frontier laws, got {t:g}")
    laws = all_laws(args.probe_angle, tuple(np.geomspace(1e3, hi, 7)))
    print(format_records([law.record() for law in laws], args.format))
    return 0


def main(argv=None) -> int:
    """Entry point; returns the exit code (2 on bad input)."""
    return run_cli(_main, argv, "python -m theory.asymptotics")


if __name__ == "__main__":
    raise SystemExit(main())
