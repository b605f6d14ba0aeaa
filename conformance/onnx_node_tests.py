#!/usr/bin/env python3
"""Conformance against a suite we did not write: the ONNX backend node tests.

For every node test that the `onnx` wheel ships (`onnx/backend/test/data/node/test_*`)
whose ops are all ones lamina claims, this script

  1. turns every graph input but the first into an initializer holding the test's own
     `.pb` value (the node tests pass weights as inputs; lamina proves one input tensor),
  2. runs `lamina run <model> --input <x> --slices whole --json` with the declared input
     range set to cover the test's input,
  3. compares the verified outputs with the test's expected `.pb` outputs.

Each test ends as one of:
  passed   verified, and the outputs match the expected ones within tolerance;
  refused  lamina refused the model or input, with its reason (first error line);
  WRONG    lamina verified a proof whose outputs are not the expected ones: a proof of a
           function other than the model's, the worst bug this project can have;
  CRASH    lamina panicked, was killed, or printed something that is not its JSON.

lamina's claim is float models on finite inputs: tests whose activation or outputs are
integer/boolean tensors, or whose input holds NaN or infinities, still run (they must
never be WRONG) but are reported apart and left out of the pass rate.

Exit status: 1 if any test is WRONG or CRASH, or the pass rate over the claimed tests is
below --min-pass-rate; 0 otherwise. The `onnx` 1.22.0 wheel still ships the test data
(1.23 no longer does): `.ci/conformance.sh` installs it into a virtual environment.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

# The ops lamina claims (issue 8's list plus the import-time removals). A test runs when
# every node of its graph is one of these; anything lamina does not implement must come
# back "refused", never "WRONG".
CLAIMED = {
    "Conv", "Gemm", "MatMul", "BatchNormalization",
    "Add", "Sub", "Mul", "Div",
    "Relu", "LeakyRelu", "PRelu", "Clip", "Max", "Min",
    "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
    "ReduceSum", "ReduceMean", "ReduceMax",
    "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Transpose", "Concat", "Slice",
    "Split", "Pad", "Gather", "Identity", "Dropout", "Constant", "Neg", "Shape", "Cast",
    "ConstantOfShape",
}


FLOAT_TYPES = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.DOUBLE,
               onnx.TensorProto.BFLOAT16}


def float_io(model) -> bool:
    """Whether the activation (the first graph input) and every output are float tensors:
    lamina claims float models. Tests of integer or boolean tensors still run (they must
    never be WRONG) but are reported apart and left out of the pass rate."""
    def is_float(v):  # noqa: E306
        return v.type.HasField("tensor_type") and v.type.tensor_type.elem_type in FLOAT_TYPES
    g = model.graph
    return bool(g.input) and is_float(g.input[0]) and all(is_float(o) for o in g.output)


def finite_input(test_dir: Path) -> bool:
    """Whether the test's activation input is finite: lamina proves finite inputs and
    refuses NaN and infinities by name, so tests of special values are not claimed."""
    try:
        x = load_tensor(test_dir / "test_data_set_0" / "input_0.pb")
    except Exception:
        return True
    return x.dtype.kind != "f" or bool(np.all(np.isfinite(x)))


def node_test_root() -> Path:
    return Path(onnx.__file__).parent / "backend" / "test" / "data" / "node"


def load_tensor(path: Path) -> np.ndarray:
    t = onnx.TensorProto()
    t.ParseFromString(path.read_bytes())
    return numpy_helper.to_array(t)


def prepare(test_dir: Path, work: Path):
    """Writes the model with weights as initializers and the input JSON. Returns
    (model_path, input_json_path, input_array, expected_outputs) or a refusal reason."""
    model = onnx.load(str(test_dir / "model.onnx"))
    data = test_dir / "test_data_set_0"
    inputs = [load_tensor(data / f"input_{i}.pb") for i in range(len(model.graph.input))
              if (data / f"input_{i}.pb").exists()]
    if not inputs:
        return "the graph has no input tensor to prove over"
    if len(inputs) != len(model.graph.input):
        return "test data does not cover every graph input"
    outputs = []
    i = 0
    while (data / f"output_{i}.pb").exists():
        outputs.append(load_tensor(data / f"output_{i}.pb"))
        i += 1
    graph_inputs = list(model.graph.input)
    for gi, value in zip(graph_inputs[1:], inputs[1:]):
        model.graph.initializer.append(numpy_helper.from_array(value, name=gi.name))
        model.graph.input.remove(gi)
    mpath = work / "model.onnx"
    onnx.save(model, str(mpath))
    x = inputs[0]
    ipath = work / "input.json"
    flat = np.asarray(x, dtype=np.float64).reshape(-1).tolist() if x.dtype.kind == "f" else \
        np.asarray(x).reshape(-1).tolist()
    ipath.write_text(json.dumps({"input_data": [flat]}))
    return mpath, ipath, x, outputs


def input_range(x: np.ndarray) -> tuple[float, float]:
    if x.size == 0 or x.dtype.kind != "f" or not np.all(np.isfinite(x)):
        return -1.0, 1.0  # lamina refuses such inputs itself, naming them
    lo = math.floor(float(np.min(x))) - 1.0
    hi = math.ceil(float(np.max(x))) + 1.0
    return lo, hi


def first_error_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("Error:"):
            return line[len("Error:"):].strip()
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    return lines[-1] if lines else "(no message)"


def run_one(lamina: str, test_dir: Path, scale_bits: int, rtol: float, atol: float,
            timeout: float) -> tuple[str, str]:
    with tempfile.TemporaryDirectory(prefix="lamina-node-") as tmp:
        work = Path(tmp)
        try:
            prepared = prepare(test_dir, work)
        except Exception as e:  # sequence/optional-typed test data and the like
            return "refused", f"(harness) test data not usable as tensors: {e}"
        if isinstance(prepared, str):
            return "refused", f"(harness) {prepared}"
        mpath, ipath, x, expected = prepared
        lo, hi = input_range(x)
        cmd = [lamina, "run", str(mpath), "--input", str(ipath), "--slices", "whole",
               "--scale-bits", str(scale_bits), f"--input-range={lo},{hi}", "--json",
               "--quiet"]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return "refused", f"timed out after {timeout:.0f} s"
        p.stderr = p.stderr.replace(str(work) + os.sep, "")
        if p.returncode != 0:
            if p.returncode < 0 or p.returncode == 101 or "panicked" in p.stderr:
                return "CRASH", f"exit {p.returncode}: {first_error_line(p.stderr)}"
            return "refused", first_error_line(p.stderr)
        try:
            doc = json.loads(p.stdout)
        except json.JSONDecodeError:
            return "CRASH", "exit 0 but stdout is not JSON"
        if doc.get("verified") is not True:
            return "refused", "ran but did not verify"
        got = np.asarray(doc.get("outputs", []), dtype=np.float64).reshape(-1)
        want = np.concatenate([np.asarray(o, dtype=np.float64).reshape(-1) for o in expected]) \
            if expected else np.zeros(0)
        if got.shape != want.shape:
            return "WRONG", f"verified {got.size} output values, expected {want.size}"
        if want.size and not np.all(np.isfinite(want)):
            return "WRONG", "verified outputs for a test whose expected outputs are not finite"
        err = np.abs(got - want)
        bound = atol + rtol * np.abs(want)
        if np.any(err > bound):
            k = int(np.argmax(err - bound))
            return "WRONG", (f"verified output[{k}] = {got[k]:.6g}, expected {want[k]:.6g} "
                             f"(max abs error {float(np.max(err)):.3g})")
        return "passed", f"max abs error {float(np.max(err)) if err.size else 0.0:.2g}"


def main() -> int:
    here = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lamina", default=str(here / "target" / "release" / "lamina"),
                    help="the lamina binary (default: target/release/lamina)")
    ap.add_argument("--filter", default="", help="regex on test names")
    ap.add_argument("--scale-bits", type=int, default=18)
    ap.add_argument("--rtol", type=float, default=1e-3)
    ap.add_argument("--atol", type=float, default=1e-3)
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per test")
    ap.add_argument("--min-pass-rate", type=float, default=0.0,
                    help="fail when fewer than this fraction of selected tests pass")
    ap.add_argument("--report", help="write every result as JSON to this file")
    ap.add_argument("--list", action="store_true", help="list the selected tests and exit")
    args = ap.parse_args()

    if not Path(args.lamina).is_file():
        print(f"lamina binary not found at {args.lamina} (cargo build --release -p cli)",
              file=sys.stderr)
        return 2
    root = node_test_root()
    pattern = re.compile(args.filter)
    selected = []
    for d in sorted(root.glob("test_*")):
        if not pattern.search(d.name) or not (d / "model.onnx").exists():
            continue
        m = onnx.load(str(d / "model.onnx"))
        ops = {n.op_type for n in m.graph.node}
        if ops and ops <= CLAIMED:
            selected.append((d, float_io(m) and finite_input(d)))
    if args.list:
        for d, claimed in selected:
            print(d.name, "" if claimed else "(not claimed: non-float tensors or non-finite input)")
        return 0

    results = []
    counts = {"passed": 0, "refused": 0, "WRONG": 0, "CRASH": 0}
    other = {"passed": 0, "refused": 0, "WRONG": 0, "CRASH": 0}
    for d, claimed in selected:
        status, reason = run_one(args.lamina, d, args.scale_bits, args.rtol, args.atol,
                                 args.timeout)
        (counts if claimed else other)[status] += 1
        results.append({"test": d.name, "float": claimed, "status": status, "reason": reason})
        tag = "" if claimed else " [not claimed]"
        print(f"{status:8} {d.name}{tag}: {reason}", flush=True)

    n = sum(counts.values())
    rate = counts["passed"] / n if n else 0.0
    print(f"\nnode tests of lamina's claimed ops on float tensors: {n} selected, "
          f"{counts['passed']} passed ({100 * rate:.1f} %), {counts['refused']} refused, "
          f"{counts['WRONG']} WRONG, {counts['CRASH']} CRASH")
    print(f"the same ops on integer/boolean tensors or non-finite inputs (not claimed): "
          f"{sum(other.values())} run, "
          f"{other['passed']} passed, {other['refused']} refused, {other['WRONG']} WRONG, "
          f"{other['CRASH']} CRASH")
    counts["WRONG"] += other["WRONG"]
    counts["CRASH"] += other["CRASH"]
    if args.report:
        Path(args.report).write_text(json.dumps({"counts": counts, "non_float": other,
                                                 "results": results},
                                                indent=1))
    if counts["WRONG"] or counts["CRASH"]:
        print("FAIL: a verified proof of a function other than the model's, or a crash",
              file=sys.stderr)
        return 1
    if rate < args.min_pass_rate:
        print(f"FAIL: pass rate {rate:.3f} below {args.min_pass_rate}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
