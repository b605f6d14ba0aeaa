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
say "JSTProve: compile (this takes about a minute)"
jc=$(timed "$J/compile.log" "$JST" compile -m "$MODEL" -c "$J/circuit.txt")
say "JSTProve: witness"
jw=$(timed "$J/witness.log" "$JST" witness -c "$J/circuit.txt" -i "$INPUT" -o "$J/output.json" -w "$J/witness.bin")
say "JSTProve: prove"
jp=$(timed "$J/prove.log" "$JST" prove -c "$J/circuit.txt" -w "$J/witness.bin" -p "$J/proof.bin")
say "JSTProve: verify"
jv=$(timed "$J/verify.log" "$JST" verify -c "$J/circuit.txt" -i "$INPUT" -o "$J/output.json" -w "$J/witness.bin" -p "$J/proof.bin")
grep -q -i "verified" "$J/verify.log" || { echo "JSTProve did not report Verified" >&2; tail -20 "$J/verify.log" >&2; exit 1; }
bare() { grep -oE "Rust time taken: [0-9.]+" "$1" | tail -1 | grep -oE "[0-9.]+$" || echo 0; }
jpb=$(bare "$J/prove.log")
jvb=$(bare "$J/verify.log")

say "lamina: run (whole model)"
"$LAMINA" run "$MODEL" --input "$INPUT" --json --quiet >"$WORK/lamina.json"
read -r lc lw lp lv < <(python3 -c "
import json; d = json.load(open('$WORK/lamina.json'))
s = lambda k: sum(x['stages'][k]['wall_s'] for x in d['slices'])
print(s('compile'), s('witness'), s('prove'), s('verify'))
assert d['verified']")

python3 - "$jc" "$jw" "$jp" "$jv" "$jpb" "$jvb" "$lc" "$lw" "$lp" "$lv" <<'PY'
import sys
jc, jw, jp, jv, jpb, jvb, lc, lw, lp, lv = map(float, sys.argv[1:])
rows = [
    ("compile", jc, lc), ("witness", jw, lw),
    ("prove (jst CLI)", jp, lp), ("prove (bare expander-exec)", jpb, lp),
    ("verify (jst CLI)", jv, lv), ("verify (bare expander-exec)", jvb, lv),
]
print(f"{'stage':<30}{'JSTProve 2.1.0':>16}{'lamina':>12}{'lamina ahead by':>18}")
for name, j, l in rows:
    ratio = f"{j / l:.0f}x" if l > 0 and j > 0 else "n/a"
    print(f"{name:<30}{j:>15.3f}s{l:>11.3f}s{ratio:>18}")
PY
