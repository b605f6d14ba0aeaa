#!/usr/bin/env bash
# Side-by-side: JSTProve 2.1.0 (Expander GKR, BN254, Hyrax) against lamina on the bundled
# LeNet, same ONNX file, same input. One command on a clean machine of this kind:
#
#     bash benches/compare/jstprove.sh            # WORK=/tmp/lamina-compare by default
#
# It installs Debian's OpenMPI (JSTProve's expander-exec links it) and GNU time, creates a
# virtual environment with JSTProve 2.1.0 and its pinned dependencies from PyPI (torch
# 2.6.0 among them: several GB, a few minutes the first time), runs
# `jst compile | witness | prove | verify` with absolute paths (a relative circuit path
# makes JSTProve write a shared file at the filesystem root), reads the bare expander-exec
# prove/verify times JSTProve prints (the Python CLI adds seconds of start-up per call),
# runs `lamina run` on the same model and input, and prints one table with a ratio per stage.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-/tmp/lamina-compare}
MODEL="$ROOT/testdata/lenet/lenet.onnx"
INPUT="$ROOT/testdata/lenet/input.json"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

say() { printf '== %s\n' "$*" >&2; }

if ! command -v mpirun >/dev/null || [ ! -x /usr/bin/time ]; then
  say "installing OpenMPI and GNU time (Debian packages)"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q libopenmpi3 openmpi-bin openmpi-common time >/dev/null
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

if [ ! -x "$WORK/venv/bin/jst" ]; then
  say "installing JSTProve 2.1.0 into $WORK/venv"
  python3 -m venv "$WORK/venv"
  # JSTProve imports torch even on the ONNX path, so its declared dependencies go in whole.
  "$WORK/venv/bin/pip" install -q "JSTprove==2.1.0"
  chmod +x "$WORK"/venv/lib/python3*/site-packages/python/core/binaries/* 2>/dev/null || true
fi
JST="$WORK/venv/bin/jst"

say "building lamina"
(cd "$ROOT" && cargo build --release -q -p cli)
LAMINA="$ROOT/target/release/lamina"

# seconds of a command's wall time; its output goes to a log.
timed() {
  local log=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >"$log" 2>&1 || { echo "command failed: $*  (log: $log)" >&2; tail -20 "$log" >&2; exit 1; }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}

command -v bc >/dev/null || { apt-get install -y -q bc >/dev/null; }

J="$WORK/jst"
rm -rf "$J" && mkdir -p "$J"
cd "$J"
# JSTProve 2.1.0 wants every attribute spelled out (it refuses a Conv without `dilations`,
# whose ONNX default is 1). Both tools run on this copy, which computes the same function.
"$WORK/venv/bin/python" - "$ROOT/testdata/lenet/lenet.onnx" "$WORK/lenet_explicit.onnx" <<'PY'
import sys, onnx
from onnx import helper
m = onnx.load(sys.argv[1])
defaults = {
    "Conv": {"dilations": [1, 1], "group": 1, "strides": [1, 1], "pads": [0, 0, 0, 0]},
    "MaxPool": {"dilations": [1, 1], "ceil_mode": 0, "pads": [0, 0, 0, 0], "strides": [1, 1]},
    "Gemm": {"alpha": 1.0, "beta": 1.0, "transA": 0, "transB": 0},
}
for n in m.graph.node:
    have = {a.name for a in n.attribute}
    for k, v in defaults.get(n.op_type, {}).items():
        if k not in have:
            n.attribute.append(helper.make_attribute(k, v))
onnx.checker.check_model(m)
onnx.save(m, sys.argv[2])
PY
MODEL="$WORK/lenet_explicit.onnx"
say "JSTProve: compile (this takes about a minute)"
jc=$(timed "$J/compile.log" "$JST" compile -m "$MODEL" -c "$J/circuit.txt")
say "JSTProve: witness"
jw=$(timed "$J/witness.log" "$JST" witness -c "$J/circuit.txt" -i "$INPUT" -o "$J/output.json" -w "$J/witness.bin")
say "JSTProve: prove"
jp=$(timed "$J/prove.log" "$JST" prove -c "$J/circuit.txt" -w "$J/witness.bin" -p "$J/proof.bin")
say "JSTProve: verify"
jv=$(timed "$J/verify.log" "$JST" verify -c "$J/circuit.txt" -i "$INPUT" -o "$J/output.json" -w "$J/witness.bin" -p "$J/proof.bin")
grep -qE "verify succeeded|verification complete" "$J/verify.log" || { echo "JSTProve did not report a successful verification" >&2; tail -20 "$J/verify.log" >&2; exit 1; }
# The Rust binaries' own times, as JSTProve prints them (no Python start-up).
bare() { grep -oE "Rust time taken: [0-9.]+" "$1" | tail -1 | grep -oE "[0-9.]+$" || echo 0; }
jcb=$(bare "$J/compile.log")
jwb=$(bare "$J/witness.log")
jpb=$(bare "$J/prove.log")
jvb=$(bare "$J/verify.log")

say "lamina: run (whole model)"
"$LAMINA" run "$MODEL" --input "$INPUT" --json --quiet >"$WORK/lamina.json"
read -r lc lw lp lv < <(python3 -c "
import json; d = json.load(open('$WORK/lamina.json'))
s = lambda k: sum(x['stages'][k]['wall_s'] for x in d['slices'])
print(s('compile'), s('witness'), s('prove'), s('verify'))
assert d['verified']")

python3 - "$jc" "$jw" "$jp" "$jv" "$jcb" "$jwb" "$jpb" "$jvb" "$lc" "$lw" "$lp" "$lv" <<'PY'
import sys
jc, jw, jp, jv, jcb, jwb, jpb, jvb, lc, lw, lp, lv = map(float, sys.argv[1:])
rows = [
    ("compile", jc, jcb, lc), ("witness", jw, jwb, lw), ("prove", jp, jpb, lp), ("verify", jv, jvb, lv),
]
print("LeNet (testdata/lenet, one input), this machine; lamina: `lamina run` (whole model, K = 18)")
print(f"{'stage':<10}{'jst CLI':>11}{'JSTProve binary':>17}{'lamina':>11}{'ratio vs binary':>17}")
for name, j, jb, l in rows:
    ratio = f"{jb / l:.0f}x" if l > 0 and jb > 0 else "n/a"
    print(f"{name:<10}{j:>10.3f}s{jb:>16.3f}s{l:>10.3f}s{ratio:>17}")
PY
