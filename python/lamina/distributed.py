"""Distributed proving on Ray: one Ray task per slice.

``prove(model_dir, input, address=None, ...)`` computes the witness chain once on the
driver (``lamina.witness``: every slice's input, milliseconds), submits one task per slice
(``lamina.prove_slice``) with ``max_retries``, gathers each slice's proof and statement
into ``out``, and verifies the assembled set and the chain (``lamina.verify``). Workers
must see ``model_dir`` and the run folder (a shared filesystem, as for Slurm); proofs come
back to the driver as task results.

Run as ``python -m lamina.distributed <model_dir> --input input.json [-o proofs]
[--address ADDR] [--max-retries N] [--json]``.
"""

import argparse
import json
import os
import sys
import tempfile
import threading
import time

import lamina


# Per worker process: the compiled folders this worker has opened, by (folder, key digest
# in its model.json), so a long-lived Ray worker imports a model and commits a slice's
# weights once, not once per task. A recompiled folder has another key digest and is
# opened afresh.
_PROVERS = {}


def _prover(model_dir):
    with open(os.path.join(model_dir, "model.json")) as f:
        vk = json.load(f).get("vk_digest")
    p = _PROVERS.get((model_dir, vk))
    if p is None:
        p = lamina.SliceProver(model_dir)
        _PROVERS[(model_dir, p.vk_digest)] = p
    return p


def _prove_task(model_dir, run_dir, index, threads, crash_marker):
    """One slice, in a Ray worker: proves it into a scratch folder and returns its
    statement and proof bytes. ``crash_marker`` (tests only): a folder where every attempt
    appends its process id to ``attempts_<index>``, and where, if ``crash_<index>``
    exists, the first attempt at that slice kills its own worker process mid-task."""
    # Each task gets `threads` CPUs from Ray: size the prover's pool to match (set before
    # the first proof in this worker process, when the pool is built).
    os.environ.setdefault("RAYON_NUM_THREADS", str(threads))
    if crash_marker is not None:
        with open(os.path.join(crash_marker, f"attempts_{index}"), "a") as f:
            f.write(f"{os.getpid()}\n")
        first = os.path.join(crash_marker, f"crashed_{index}")
        if os.path.exists(os.path.join(crash_marker, f"crash_{index}")) \
                and not os.path.exists(first):
            open(first, "w").close()
            os._exit(1)  # the worker dies mid-task, as a killed node would
    with tempfile.TemporaryDirectory(prefix="lamina-slice-") as scratch:
        st = _prover(model_dir).prove_slice(run_dir, index, scratch)
        with open(os.path.join(scratch, st["proof"]), "rb") as f:
            proof = f.read()
    return st, proof


def prove(model_dir, input, address=None, out=None, max_retries=3, cpus_per_task=1,
          run_dir=None, verify=True, _crash_marker=None):
    """Proves every slice of the compiled folder ``model_dir`` on ``input`` with one Ray
    task per slice and verifies the result. Connects to ``address`` (or starts a local
    cluster) unless Ray is already initialised. Returns a dict: ``verified``,
    ``outputs``, ``out`` (the proof folder), ``slices`` (each task's statement, without
    the integer vectors), ``verify`` (lamina.verify's dict) and ``timing``
    (``ray_startup_s``, ``witness_s``, ``prove_s`` — submit to last proof gathered —,
    ``verify_s`` — after the last proof; reading the key overlaps the tasks —,
    ``wall_s`` excluding start-up)."""
    import ray

    t0 = time.perf_counter()
    if not ray.is_initialized():
        ray.init(address=address)
    startup = time.perf_counter() - t0
    model_dir = os.path.abspath(os.fspath(model_dir))
    out = os.path.abspath(os.fspath(out or tempfile.mkdtemp(prefix="lamina-proofs-")))
    run_dir = os.path.abspath(os.fspath(run_dir or tempfile.mkdtemp(prefix="lamina-run-")))
    os.makedirs(out, exist_ok=True)

    t1 = time.perf_counter()
    run = lamina.witness(model_dir, input, run_dir)
    t2 = time.perf_counter()
    # The verifier's preparation (reading and checking the verification key) needs no
    # proof: it runs on the driver while the tasks prove.
    prepared = {}

    def prepare():
        try:
            prepared["verifier"] = lamina.Verifier(os.path.join(model_dir, "model.vk"))
        except BaseException as e:  # re-raised on the driver's thread below
            prepared["error"] = e

    preparer = threading.Thread(target=prepare, daemon=True)
    if verify:
        preparer.start()
    task = ray.remote(num_cpus=cpus_per_task, max_retries=max_retries)(_prove_task)
    refs = [task.remote(model_dir, run_dir, i, cpus_per_task, _crash_marker)
            for i in range(len(run["slices"]))]
    results = ray.get(refs)
    for st, proof in results:
        with open(os.path.join(out, st["proof"]), "wb") as f:
            f.write(proof)
        with open(os.path.join(out, f"slice_{st['index']}.statement.json"), "w") as f:
            json.dump(st, f)
    t3 = time.perf_counter()
    verdict = None
    if verify:
        preparer.join()
        if "error" in prepared:
            raise prepared["error"]
        verdict = prepared["verifier"].verify(out)
    t4 = time.perf_counter()
    return {
        "verified": bool(verdict and verdict["verified"]),
        "outputs": verdict["outputs"] if verdict else None,
        "out": out,
        "slices": [{k: v for k, v in st.items() if k not in ("input", "output")}
                   for st, _ in results],
        "verify": verdict,
        "timing": {"ray_startup_s": startup, "witness_s": t2 - t1, "prove_s": t3 - t2,
                   "verify_s": t4 - t3, "wall_s": t4 - t1},
    }


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m lamina.distributed",
                                 description="Prove a compiled lamina model on Ray, one task per slice.")
    ap.add_argument("model_dir", help="the folder `lamina compile` wrote")
    ap.add_argument("--input", required=True, help='{"input_data": [[...]]} (the first input)')
    ap.add_argument("-o", "--out", help="proof folder to write (default: a new temporary one)")
    ap.add_argument("--address", help="Ray cluster address (default: start a local one)")
    ap.add_argument("--max-retries", type=int, default=3, help="retries per slice task")
    ap.add_argument("--cpus-per-task", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="one JSON object on stdout")
    a = ap.parse_args(argv)
    try:
        r = prove(a.model_dir, a.input, address=a.address, out=a.out,
                  max_retries=a.max_retries, cpus_per_task=a.cpus_per_task)
    except lamina.LaminaError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if a.json:
        print(json.dumps(r))
    else:
        t = r["timing"]
        print(f"{len(r['slices'])} slice(s) proven on Ray into {r['out']}: "
              f"witness {t['witness_s']:.3f} s, prove {t['prove_s']:.3f} s, "
              f"verify {t['verify_s']:.3f} s (Ray start-up {t['ray_startup_s']:.3f} s)",
              file=sys.stderr)
        print(f"verified: {'yes' if r['verified'] else 'NO'}", file=sys.stderr)
        if r["verified"]:
            print(json.dumps(r["outputs"]))
    return 0 if r["verified"] else 1


if __name__ == "__main__":
    sys.exit(main())
