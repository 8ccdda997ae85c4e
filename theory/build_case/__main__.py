"""Command line of theory.build_case: build a Gaussian covariate case (``--covariance`` of the other commands)
from a features matrix and labels (:func:`theory.covariance.case_from_features`).

    python -m theory.build_case --features X.npy --targets y.npy --out case.npz [--train-fraction 0.8]

The features are centred by their training mean; the case is the empirical covariance's eigendecomposition on the
training rows (directions of variance below --min-variance times the largest dropped) and the teacher is the ridge
fit (--ridge, default 0: least squares) of the labels on the centred training features, in that eigenbasis. The
fraction of training labels the fit disagrees with is printed (with the --labels flip:eta it suggests).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from pruning_cli import ArgumentParser, run_cli
from theory.covariance import MIN_VARIANCE, case_from_features


def build_parser() -> ArgumentParser:
    p = ArgumentParser(
        prog="python -m theory.build_case",
        description=__doc__.split("\n\n")[0].replace("\n", " "),
        examples=("python -m theory.build_case --features X.npy --targets y.npy --out case.npz",
                  "python -m theory.solve --alpha-prune 2 -f 0.3 --learner logistic:0.01 --covariance case.npz"),
    )
    p.add_argument("--features", required=True, metavar="FILE", help="a .npy [P, D] matrix (or .npz with 'features')")
    p.add_argument("--targets", required=True, metavar="FILE", help="a .npy vector of P labels, +-1 or 0/1")
    p.add_argument("--out", required=True, metavar="FILE.npz", help="the case file to write")
    p.add_argument("--train-fraction", type=float, default=1.0, metavar="F",
                   help="fraction of the rows (a random subset, --seed) used for the covariance and the teacher fit")
    p.add_argument("--seed", type=int, default=0, help="seed of the training split (>= 0)")
    p.add_argument("--min-variance", type=float, default=MIN_VARIANCE, metavar="R",
                   help="drop eigen-directions with variance below R times the largest")
    p.add_argument("--ridge", type=float, default=0.0, help="ridge of the teacher's linear fit (>= 0)")
    return p


def _load(path: str, key: str, flag: str) -> np.ndarray:
    try:
        with open(path, "rb") as fh:
            data = np.load(fh, allow_pickle=False)
            if isinstance(data, np.lib.npyio.NpzFile):
                if key not in data.files:
                    raise ValueError(f"{flag} {path}: the .npz holds no array {key!r}")
                return np.array(data[key])
            return np.array(data)
    except (OSError, EOFError) as exc:
        raise ValueError(f"{flag} {path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    except ValueError as exc:
        if str(exc).startswith(flag):
            raise
        raise ValueError(f"{flag} {path}: not a .npy/.npz array ({exc})") from None


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if not 0.0 < args.train_fraction <= 1.0:
        raise ValueError(f"--train-fraction must be in (0, 1], got {args.train_fraction!r}")
    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    X = _load(args.features, "features", "--features")
    y = _load(args.targets, "targets", "--targets")
    n = X.shape[0] if X.ndim else 0
    train = None
    if args.train_fraction < 1.0:
        train = np.random.default_rng(args.seed).permutation(n)[:max(2, int(round(args.train_fraction * n)))]
    try:
        built = case_from_features(X, y, train=train, min_variance=args.min_variance, ridge=args.ridge)
    except ValueError as exc:
        flag = {"features": "--features", "labels": "--targets", "ridge": "--ridge", "min_variance": "--min-variance"}
        head = str(exc).split(" ")[0]
        raise ValueError(f"{flag.get(head, '--features')}: {exc}") from None
    built.case.save(args.out)
    print(json.dumps({**built.summary(), "out": args.out}, indent=1))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (2 on bad input)."""
    return run_cli(_main, argv, "python -m theory.build_case")


if __name__ == "__main__":
    raise SystemExit(main())
