"""Distributed proving on a local Ray cluster (2 CPUs): one task per LeNet slice, proofs
gathered and verified, a worker killed mid-task retried, and the proofs byte-identical to
the single-process path."""

import json
import os
import subprocess
import sys

import pytest

ray = pytest.importorskip("ray")

import lamina  # noqa: E402
import lamina.distributed  # noqa: E402
from conftest import INPUT  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def same_proofs(a, b):
    for i in range(5):
        assert (a / f"slice_{i}.proof").read_bytes() == (b / f"slice_{i}.proof").read_bytes(), i


def test_five_slices_proven_on_ray_and_verified(cluster, compiled, tmp_path):
    d, one_go = compiled
    r = lamina.distributed.prove(d, INPUT, out=tmp_path / "out", run_dir=tmp_path / "run")
    assert r["verified"] is True
    assert [s["index"] for s in r["slices"]] == [0, 1, 2, 3, 4]
    assert r["outputs"] == json.loads((one_go / "statement.json").read_text())["outputs"]
    same_proofs(tmp_path / "out", one_go)
    assert set(r["timing"]) == {"ray_startup_s", "witness_s", "prove_s", "verify_s", "wall_s"}


def test_zero_knowledge_slices_proven_on_ray_and_verified(cluster, compiled_zk, tmp_path):
    # Each task takes its own stock entry and fresh masks: verified, and no proof
    # repeats another run's bytes.
    a = lamina.distributed.prove(compiled_zk, INPUT, out=tmp_path / "a")
    b = lamina.distributed.prove(compiled_zk, INPUT, out=tmp_path / "b")
    assert a["verified"] is True and b["verified"] is True
    assert a["outputs"] == b["outputs"]
    meta = json.loads((compiled_zk / "model.json").read_text())
    assert meta["commitment"]["scheme"] == "whir-zk"
    for i in range(5):
        assert (tmp_path / "a" / f"slice_{i}.proof").read_bytes() != \
            (tmp_path / "b" / f"slice_{i}.proof").read_bytes(), i


def test_a_killed_worker_is_retried_and_still_verifies(cluster, compiled, tmp_path):
    d, one_go = compiled
    marks = tmp_path / "marks"
    marks.mkdir()
    (marks / "crash_2").touch()
    r = lamina.distributed.prove(d, INPUT, out=tmp_path / "out", max_retries=2,
                                 _crash_marker=str(marks))
    assert r["verified"] is True
    # Slice 2's first attempt ran and killed its worker; a second attempt, in another
    # process, proved it. The other slices ran once.
    assert (marks / "crashed_2").exists()
    pids = (marks / "attempts_2").read_text().split()
    assert len(pids) == 2 and pids[0] != pids[1], pids
    for i in (0, 1, 3, 4):
        assert len((marks / f"attempts_{i}").read_text().split()) == 1
    same_proofs(tmp_path / "out", one_go)


def test_without_retries_the_killed_task_fails(cluster, compiled, tmp_path):
    d, _ = compiled
    marks = tmp_path / "marks"
    marks.mkdir()
    (marks / "crash_1").touch()
    with pytest.raises(ray.exceptions.RayError):
        lamina.distributed.prove(d, INPUT, out=tmp_path / "out", max_retries=0,
                                 _crash_marker=str(marks))
    assert len((marks / "attempts_1").read_text().split()) == 1


def test_module_entry_point(cluster, compiled, tmp_path):
    d, one_go = compiled
    o = subprocess.run(
        [sys.executable, "-m", "lamina.distributed", str(d), "--input", str(INPUT),
         "-o", str(tmp_path / "out"), "--address", cluster, "--json"],
        capture_output=True, text=True, timeout=600, env=dict(os.environ))
    assert o.returncode == 0, o.stderr
    r = json.loads(o.stdout)
    assert r["verified"] is True and len(r["slices"]) == 5
    same_proofs(tmp_path / "out", one_go)
