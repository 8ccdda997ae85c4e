import json

import pytest

from simulations.store import ResultStore
from simulations.sweep import sweep
from simulations.sweep.__main__ import main


def _values(records):
    """Records without the wall time, which legitimately differs between runs."""
    return [{k: v for k, v in r.items() if k != "seconds"} for r in records]


GRID = dict(alphas=[1.0, 2.0], fractions=[0.5], keeps=["hard", "easy"], thetas=[0.0], ns=[30], seeds=3)


def test_resume_skips_finished_points_and_recomputes_corrupt_ones(tmp_path):
    store = ResultStore(tmp_path)
    first, computed = sweep(**GRID, store=store)
    assert computed == 4 and len(first) == 4
    again, computed = sweep(**GRID, store=store)
    assert computed == 0 and again == first
    # corrupt one record and truncate another: both are recomputed, identically (same seeds)
    files = sorted(tmp_path.glob("*.json"))
    files[0].write_text("{not json")
    files[1].write_text(files[1].read_text()[:20])
    third, computed = sweep(**GRID, store=store)
    assert computed == 2 and _values(third) == _values(first)


def test_interrupted_sweep_keeps_finished_points(tmp_path, monkeypatch):
    import simulations.sweep as sw

    calls = {"n": 0}
    real = sw.run_chunk

    def flaky(*args, **kwargs):  # one call per seed: interrupted in the third unit, at its first seed
        calls["n"] += 1
        if calls["n"] == 2 * GRID["seeds"] + 1:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(sw, "run_chunk", flaky)
    with pytest.raises(KeyboardInterrupt):
        sweep(**GRID, store=ResultStore(tmp_path))
    assert len(list(tmp_path.glob("*.json"))) == 2 and not list(tmp_path.glob("*.tmp"))
    monkeypatch.setattr(sw, "run_chunk", real)
    _, computed = sweep(**GRID, store=ResultStore(tmp_path))
    assert computed == 2


class FakeBar:
    """What ``theory.progress.progress`` returns, recording its total and updates."""

    def __init__(self, iterable=None, total=None, desc="", unit="it"):
        self.total, self.desc, self.unit, self.updates, self.postfix, self.closed = total, desc, unit, [], [], False
        BARS.append(self)

    def update(self, n=1):
        self.updates.append(n)

    def set_postfix_str(self, s="", refresh=True):
        self.postfix.append(s)

    def close(self):
        self.closed = True


BARS: list[FakeBar] = []


def test_progress_counts_seeds_and_moves_after_every_seed(tmp_path, monkeypatch):
    """Issue 29 item 13: the sweep's bar and ``on_seed_done`` move after every fitted seed, not after every unit of 5
    seeds, and the numbers are those of ``simulate`` (which groups the seeds otherwise)."""
    import simulations.sweep as sw
    from simulations.runner import simulate
    from theory import Params

    BARS.clear()
    monkeypatch.setattr(sw, "progress", FakeBar)
    grid = {**GRID, "seeds": 7}  # units of 5 and 2 seeds
    seeds = []
    records, computed = sweep(**grid, store=ResultStore(tmp_path), show_progress=True, on_seed_done=seeds.append)
    (bar,) = BARS
    assert computed == 8 and bar.unit == "seed" and bar.total == 4 * 7  # 4 points x 7 seeds
    assert bar.updates == [1] * 28 and seeds == [1] * 28 and bar.closed
    assert len(bar.postfix) == 8 and bar.postfix[0] == "alpha_prune=1 f=0.5 keep hard theta=0 n=30"
    for r in records:
        alone = simulate(Params(r["alpha_prune"], r["keep_fraction"], r["keep"], r["probe_angle_deg"]), n=30, seeds=7)
        assert (r["eps_mean"], r["eps_sem"], r["margin_mean"]) == (alone.eps_mean, alone.eps_sem, alone.margin_mean)
    assert sweep(**grid, store=ResultStore(tmp_path), show_progress=True) == (records, 0)
    assert len(BARS) == 1  # nothing left to compute: no bar


def test_store_refuses_non_finite(tmp_path):
    with pytest.raises(ValueError, match="non-finite"):
        ResultStore(tmp_path).put("k", {"eps_mean": float("nan")})


def test_cli_json(tmp_path, capsys):
    argv = ["--alpha-prune", "1", "-f", "0.5", "--keep", "both", "--n", "20", "--seeds", "2", "--store",
            str(tmp_path), "--format", "json"]
    assert main(argv) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 2 and all("eps_theory" in r and "eps_mean" in r for r in records)
    with pytest.raises(SystemExit) as exc:
        main(argv[:-2] + ["--format", "xml"])
    assert exc.value.code == 2


def test_local_cluster_with_a_killed_worker_matches_serial_run(tmp_path):
    """LocalCluster (2 worker processes); one worker is killed after the first finished unit. The
    scheduler reruns the lost worker's units elsewhere; the finished store must equal a serial run's
    with the same seeds, bit for bit (wall times aside)."""
    distributed = pytest.importorskip("distributed")
    import os
    import signal

    grid = dict(alphas=[1.0, 2.0], fractions=[0.5], keeps=["hard"], thetas=[0.0, 10.0], ns=[40], seeds=10)
    serial, _ = sweep(**grid, store=ResultStore(tmp_path / "serial"))
    killed, seeds = {}, []
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        def kill_one(key):
            if not killed:
                victim = sorted(client.scheduler_info()["workers"])[0]
                killed["in_flight"] = len(client.processing(workers=[victim]).get(victim, ()))
                pid = client.run(os.getpid, workers=[victim])[victim]
                os.kill(pid, signal.SIGKILL)

        parallel, computed = sweep(**grid, store=ResultStore(tmp_path / "cluster"), client=client,
                                   on_unit_done=kill_one, on_seed_done=seeds.append)
    assert killed and computed == 8
    assert seeds == [1] * 40  # every seed reported once, as it finished on a worker (4 points x 10 seeds)
    assert _values(parallel) == _values(serial)
    print(f"\nunits in flight on the killed worker (rerun elsewhere): {killed['in_flight']}")
