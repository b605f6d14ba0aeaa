"""Figures for issue 12 on the bundled LeNet (5 slices), printed as JSON:

* Python `lamina.prove` against the CLI's `lamina prove` (same compiled folder): the sum
  of the per-slice prove stages, and each call's wall time;
* Ray (`lamina.distributed.prove`, local cluster of `--cpus` CPUs) against the CLI's
  single-process `lamina run` prove + verify stages of the same slices: Ray wall
  excluding start-up (witness + tasks + gather + verify), and Ray start-up apart.

Usage: python python/bench/lenet.py --lamina target/release/lamina [--repeat 5]
Medians over --repeat runs; the first Ray run (workers importing lamina) is reported apart.
"""

import argparse
import json
import pathlib
import statistics
import subprocess
import tempfile
import time

import lamina
import lamina.distributed

ROOT = pathlib.Path(__file__).resolve().parents[2]
LENET = ROOT / "testdata/lenet/lenet.onnx"
INPUT = ROOT / "testdata/lenet/input.json"


def cli(binary, *args):
    t = time.perf_counter()
    o = subprocess.run([binary, *map(str, args), "--json", "--quiet"], check=True,
                       capture_output=True, text=True)
    return json.loads(o.stdout), time.perf_counter() - t


def stage_sum(slices, *stages):
    return sum(s["stages"][k]["wall_s"] for s in slices for k in stages)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lamina", required=True, help="the release CLI binary")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cpus", type=int, default=2)
    a = ap.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="lamina-bench-"))
    d = tmp / "compiled"
    lamina.compile(LENET, d, slices="layers")
    x = lamina.read_inputs(INPUT)[0]

    cli_prove, cli_prove_wall, py_prove, py_prove_wall = [], [], [], []
    for i in range(a.repeat):
        st, w = cli(a.lamina, "prove", d, "--input", INPUT, "-o", tmp / f"c{i}")
        cli_prove.append(stage_sum(st["slices"], "prove"))
        cli_prove_wall.append(w)
        t = time.perf_counter()
        st = lamina.prove(d, x, tmp / f"p{i}")
        py_prove_wall.append(time.perf_counter() - t)
        py_prove.append(stage_sum(st["slices"], "prove"))

    run_pv = []
    for _ in range(a.repeat):
        r, _ = cli(a.lamina, "run", LENET, "--input", INPUT, "--slices", "layers")
        run_pv.append(stage_sum(r["slices"], "prove", "verify"))

    import ray
    t = time.perf_counter()
    ray.init(num_cpus=a.cpus, include_dashboard=False, log_to_driver=False)
    startup = time.perf_counter() - t
    rays = [lamina.distributed.prove(d, INPUT, out=tmp / f"r{i}")["timing"]
            for i in range(a.repeat + 1)]
    ray.shutdown()
    med = statistics.median
    ray_wall = med(r["wall_s"] for r in rays[1:])
    print(json.dumps({
        "python_vs_cli_prove_stage": {
            "cli_prove_stage_sum_s": med(cli_prove), "python_prove_stage_sum_s": med(py_prove),
            "ratio": med(py_prove) / med(cli_prove),
            "cli_prove_command_wall_s": med(cli_prove_wall),
            "python_prove_call_wall_s": med(py_prove_wall),
        },
        "ray_vs_cli_run": {
            "cli_run_prove_plus_verify_s": med(run_pv),
            "ray_wall_excluding_startup_s": ray_wall,
            "ratio": ray_wall / med(run_pv),
            "ray_first_run_wall_s": rays[0]["wall_s"],
            "ray_parts_median_s": {k: med(r[k] for r in rays[1:])
                                   for k in ("witness_s", "prove_s", "verify_s")},
            "ray_startup_s": startup,
            "cpus": a.cpus,
        },
        "repeat": a.repeat,
    }, indent=1))


if __name__ == "__main__":
    main()
