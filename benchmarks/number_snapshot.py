"""Numbers of many routes, dumped to JSON and compared, to show that a refactor changes no number.

    python -m benchmarks.number_snapshot dump OUT.json [--mc]   # 188 theory points (+ 9 Monte Carlo points x 3 seeds)
    python -m benchmarks.number_snapshot compare BEFORE.json AFTER.json

Run ``dump`` on the tree before the change (e.g. a ``git worktree`` of the old commit with ``PYTHONPATH`` set to it)
and after; ``compare`` prints every field that differs by more than 1e-12 (relative) and the largest relative
difference. The points: max-margin on six rules x three budgets x theta = 0, 10 deg; hinge:0.1, hinge:0.001,
logistic:0.01 and square:0.1 on clean, flip:0.1 and logit:5 labels with six rules at theta = 0, 10 deg; Kolossov's
point; a small-f logistic point; six separability lines; with ``--mc`` nine Monte Carlo points (per-seed errors and
margins of three seeds).
"""

from __future__ import annotations

import json
import sys

from theory import Params, solve_saddle
from theory.separability import separability_threshold


def points() -> list[tuple]:
    """The theory points of the snapshot."""
    out = []
    for th in (0.0, 10.0):
        for keep in ("hard", "easy", "random", "band:0.3", "mix:0.5", "soft:1"):
            for a, f in ((0.5, 1.0), (2.0, 0.2), (4.0, 0.01)):
                out.append((a, f, keep, th, "max-margin", "clean"))
    for th in (0.0, 10.0):
        for learner in ("hinge:0.1", "logistic:0.01", "square:0.1", "hinge:0.001"):
            for labels in ("clean", "flip:0.1", "logit:5"):
                for keep in ("hard", "easy", "uncertainty:1,5", "agree-hard", "mix:0.5", "soft:1"):
                    out.append((2.0, 0.3, keep, th, learner, labels))
    out.append((1.145, 0.5, "uncertainty:1,5", 0.0, "logistic:0.0229", "flip:0.05"))
    out.append((4.0, 1e-3, "hard", 0.0, "logistic:1e-4", "flip:0.2"))
    return out


MC_POINTS = [(2.0, 0.2, "hard", 0.0, "max-margin", "clean"), (2.0, 0.2, "easy", 10.0, "max-margin", "clean"),
             (2.0, 0.5, "hard", 0.0, "logistic:0.01", "flip:0.1"), (2.0, 0.5, "hard", 10.0, "hinge:0.1", "flip:0.05"),
             (2.0, 0.5, "easy", 0.0, "square:0.1", "logit:5"),
             (2.0, 0.5, "agree-hard", 0.0, "logistic:0.01", "flip:0.1"),
             (2.0, 0.5, "uncertainty:1,5", 0.0, "logistic:0.01", "flip:0.1"),
             (1.0, 0.3, "soft:1", 0.0, "max-margin", "clean"), (4.0, 1e-5, "hard", 0.0, "max-margin", "clean")]


def dump(path: str, monte_carlo: bool) -> int:
    """Write the snapshot to ``path``."""
    out = {}
    for p in points():
        try:
            r = solve_saddle(Params(*p))
            out[repr(p)] = {k: (repr(v) if isinstance(v, float) else v) for k, v in r.record().items()}
            out[repr(p)]["nfev"] = r.nfev
        except ValueError as e:
            out[repr(p)] = {"error": str(e)}
    for labels in ("flip:0.05", "flip:0.2", "logit:5"):
        for keep in ("hard", "easy"):
            key = f"sep {labels} {keep}"
            try:
                out[key] = repr(separability_threshold(Params(1.0, 0.2, keep, 0.0, labels=labels)))
            except ValueError as e:
                out[key] = str(e)
    if monte_carlo:
        from simulations import simulate

        for p in MC_POINTS:
            r = simulate(Params(*p), n=60, seeds=3)
            out["mc " + repr(p)] = [repr(e) for e in r.eps] + [repr(m) for m in r.margin]
    with open(path, "w") as fh:
        json.dump(out, fh, indent=0, sort_keys=True)
    print(len(out), "entries")
    return 0


def compare(before: str, after: str) -> int:
    """Print the differences between two snapshots; exit code 1 if any field differs by more than 1e-12."""
    with open(before) as fh:
        a = json.load(fh)
    with open(after) as fh:
        b = json.load(fh)
    bad, worst = 0, 0.0
    for k in sorted(set(a) | set(b)):
        if k.startswith("mc ") and k not in b:  # a snapshot made without --mc
            continue
        if k not in a or k not in b:
            print("missing", k, k in a, k in b)
            bad += 1
            continue
        va, vb = a[k], b[k]
        if va == vb:
            continue
        if isinstance(va, dict) and isinstance(vb, dict):
            for kk in set(va) | set(vb):
                x, y = va.get(kk), vb.get(kk)
                if x == y:
                    continue
                try:
                    fx, fy = float(x), float(y)
                except (TypeError, ValueError):
                    print(k, kk, repr(x)[:150], "|", repr(y)[:150])
                    bad += 1
                    continue
                rel = abs(fx - fy) / max(abs(fx), 1e-300)
                worst = max(worst, rel)
                if rel > 1e-12:
                    print(k, kk, x, y)
                    bad += 1
        else:
            print(k, str(va)[:200], "|", str(vb)[:200])
            bad += 1
    print("differences:", bad, "worst rel", worst)
    return 1 if bad else 0


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) >= 2 and args[0] == "dump":
        return dump(args[1], "--mc" in args[2:])
    if len(args) == 3 and args[0] == "compare":
        return compare(args[1], args[2])
    sys.stderr.write("usage: python -m benchmarks.number_snapshot dump OUT.json [--mc] | compare BEFORE AFTER\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
