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

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(sw, "run_chunk", flaky)
    with pytest.raises(KeyboardInterrupt):
        sweep(**GRID, store=ResultStore(tmp_path))
    assert len(list(tmp_path.glob("*.json"))) == 2 and not list(tmp_path.glob("*.tmp"))
    monkeypatch.setattr(sw, "run_chunk", real)
    _, computed = sweep(**GRID, store=ResultStore(tmp_path))
    assert computed == 2


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
    killed = {}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        def kill_one(key):
            if not killed:
                victim = sorted(client.scheduler_info()["workers"])[0]
                killed["in_flight"] = len(client.processing(workers=[victim]).get(victim, ()))
                pid = client.run(os.getpid, workers=[victim])[victim]
                os.kill(pid, signal.SIGKILL)

        parallel, computed = sweep(**grid, store=ResultStore(tmp_path / "cluster"), client=client,
                                   on_unit_done=kill_one)
    assert killed and computed == 8
    assert _values(parallel) == _values(serial)
    print(f"\nunits in flight on the killed worker (rerun elsewhere): {killed['in_flight']}")
