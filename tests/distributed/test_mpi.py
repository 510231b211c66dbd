"""neuronet.distributed on two real MPI ranks (mpiexec in a subprocess): collectives, DDP
gradients against one process's on the global batch, no_sync, buffers, model mismatch,
DistributedSampler, timeouts, and a rank that dies, raises or hangs."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from neuronet.distributed import is_available
from neuronet.distributed.launch import mpiexec_path

HERE = Path(__file__).parent
ROOT = HERE.parent.parent

pytestmark = [
    pytest.mark.skipif(not is_available(), reason="mpi4py is not installed (the mpi extra)"),
    pytest.mark.skipif(mpiexec_path() is None, reason="no mpiexec (install the mpi extra)"),
]


def mpi_env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # Open MPI refuses root without these
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    out = tmp_path_factory.mktemp("mpi")
    proc = subprocess.run([mpiexec_path(), "-n", "2", sys.executable, str(HERE / "mpi_checks.py"),
                           str(out)], env=mpi_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return [json.loads((out / f"rank{r}.json").read_text()) for r in range(2)]


def test_ranks_and_world(ranks):
    assert [(r["rank"], r["world"], r["local_rank"]) for r in ranks] == [(0, 2, 0), (1, 2, 1)]


def test_collectives(ranks):
    for r in ranks:
        c = r["collectives"]
        assert c["sum"] == [3.0, 6.0, 9.0]
        assert c["avg"] == [1.5, 6.0]
        assert c["max"] == [1, 0, 5] and c["min"] == [0, -1, 5]
        assert c["product"] == [6.0, 12.0]  # (2*3, 3*4)
        assert c["strided_view"] == [3.0, 15.0, 27.0]  # column 1 of arange*1 + arange*2
        base = [[v * (r["rank"] + 1) for v in range(i * 4, i * 4 + 4)] for i in range(3)]
        for i in range(3):
            base[i][1] = [3.0, 15.0, 27.0][i]
        assert c["strided_base"] == base  # only the view's elements changed
        assert c["broadcast"] == [11.0, 11.0]  # rank 1's value
        assert c["all_gather"] == [[0, 0], [1, 10]]
        assert c["async_type"] == "Work" and c["async_wait"] is True
        assert c["async_result"] == [3.0, 3.0, 3.0]
        assert c["barrier"] is None
        assert c["all_gather_object"] == [{"rank": 0, "name": "r0"}, {"rank": 1, "name": "r1"}]


@pytest.mark.parametrize("check,buckets", [("ddp_one_bucket", 1),
                                           ("ddp_bucket_per_parameter", 6)])
def test_ddp_gradients_equal_single_process_global_batch(ranks, check, buckets):
    for r in ranks:
        assert r[check]["buckets"] == buckets
        assert r[check]["max_error"] < 1e-12
    assert ranks[0][check]["bucket_order"] == ranks[1][check]["bucket_order"]
    # reverse parameter order: the last Linear's bias (3) and weight (3 rows) come first
    assert [n for b in ranks[0][check]["bucket_order"] for n in b] == [3, 3, 6, 6, 7, 7]


def test_allreduce_starts_during_backward(ranks):
    # buckets of the last layers were started before the first layer's gradient existed
    for r in ranks:
        assert r["ddp_overlap"]["started_before_first_layer_grad"] >= 2
        assert r["ddp_overlap"]["sync_times_ordered"] is True


def test_no_sync_accumulates_locally_then_averages(ranks):
    for r in ranks:
        assert r["no_sync"]["max_error"] < 1e-12
        assert r["no_sync"]["local_grads_differ_inside_no_sync"] is True


def test_parameters_and_buffers_come_from_rank_0(ranks):
    for r in ranks:
        b = r["buffers_broadcast"]
        assert b["weights_equal"] and b["buffers_equal_at_forward"]
        assert not b["buffers_equal_under_no_grad"]  # evaluation forwards communicate nothing


def test_model_mismatch_is_a_clear_error(ranks):
    for r in ranks:
        assert r["model_mismatch"]["message"] == (
            "DistributedDataParallel expects the same model on every rank, but rank 1's param "
            "0.weight has shape (8, 5) and dtype float64, while rank 0's 0.weight has shape "
            "(7, 5) and dtype float64")


def test_distributed_sampler_shards(ranks):
    s = ranks[0]["sampler"]
    padded, dropped = s["False"], s["True"]
    assert padded["len"] == 6 and dropped["len"] == 5
    union = padded["all"][0] + padded["all"][1]
    assert sorted(set(union)) == list(range(11)) and len(union) == 12  # one index repeated
    assert not set(dropped["all"][0]) & set(dropped["all"][1])
    assert len(set(dropped["all"][0] + dropped["all"][1])) == 10
    assert padded["epoch0"] != padded["epoch1"]  # set_epoch reshuffles
    assert ranks[1]["sampler"]["False"]["epoch0"] == padded["all"][1]


def test_wait_timeout_names_rank_and_collective(ranks):
    t0, t1 = ranks[0]["timeout"], ranks[1]["timeout"]
    assert t0["error"] == "rank 0: all_reduce: no answer from the other ranks within 0.3 s"
    assert 0.3 <= t0["waited"] < 1.2
    assert t1["error"] is None
    assert t0["result"] == t1["result"] == [3.0, 3.0]


FAULTS = {
    "kill": "neuronet: error: rank 1 died on ",
    "raise": "neuronet: error: rank 1: ValueError: the batch of step 3 is corrupt",
}


def test_a_failing_rank_stops_the_job():
    # The jobs run at once (each is mostly waiting on MPI's start-up).
    began = time.monotonic()
    jobs = {}
    for how in FAULTS:
        script = ("from neuronet.distributed.launch import launch; import sys; "
                  f"sys.exit(launch(2, [sys.executable, {str(HERE / 'mpi_fault.py')!r}, "
                  f"{how!r}]))")
        jobs[how] = subprocess.Popen([sys.executable, "-c", script],
                                     env=mpi_env(NEURONET_DIST_TIMEOUT="2"),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for how, line in FAULTS.items():
        _, stderr = jobs[how].communicate(timeout=60)
        assert jobs[how].returncode != 0, how
        errors = [e for e in stderr.splitlines() if e.startswith("neuronet: error:")]
        assert len(errors) == 1, stderr
        assert errors[0].startswith(line), stderr
        if how == "kill":
            assert errors[0].endswith("killed by signal 9 (SIGKILL)")
        assert "----" not in stderr  # the launcher's framed reports are folded into the line
    assert time.monotonic() - began < 40


def _gpu_visible():
    import neuronet.cuda
    return neuronet.cuda.is_available()


@pytest.mark.skipif(not _gpu_visible(), reason="no CUDA GPU visible to CuPy (the GPU path of "
                    "neuronet.distributed runs on a machine with one)")
def test_gpu_collectives_and_ddp(tmp_path):
    proc = subprocess.run([mpiexec_path(), "-n", "2", sys.executable,
                           str(HERE / "mpi_gpu_checks.py"), str(tmp_path)], env=mpi_env(),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    r = json.loads((tmp_path / "gpu.json").read_text())
    assert r["sum"] == [3.0, 6.0] and r["broadcast"] == [1.0, 1.0, 1.0]
    assert r["all_gather"] == [[0.0, 0.0], [1.0, 1.0]]
    assert r["ddp_max_error"] < 1e-12 and r["grad_on_gpu"]
