"""Whole and 5-slice LeNet under each commitment scheme: medians of RUNS `lamina run
--json` (compile incl. weight commitment, witness, prove, verify, proof bytes, peak RSS of
the prove stage, the report's security bits). The README's WHIR-against-transparent
table comes from this.

Usage: python3 benches/scale/lenet_schemes.py [target/release/lamina] [RUNS]
"""

import json
import statistics
import subprocess
import sys

binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/lamina"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
print("| scheme | slices | compile s | witness s | prove s | verify ms | proof B | prove RSS MiB | bits |")
print("|---|---|---|---|---|---|---|---|---|")
for scheme in ("whir", "transparent"):
    for plan in ("whole", "layers"):
        rows = []
        for _ in range(runs):
            out = subprocess.run(
                [binary, "run", "testdata/lenet/lenet.onnx", "--input", "testdata/lenet/input.json",
                 "--slices", plan, "--commitment", scheme, "--json", "--quiet"],
                capture_output=True, text=True, check=True).stdout
            d = json.loads(out)
            if not d["verified"]:
                sys.exit(f"{scheme} {plan}: not verified")
            s = d["slices"]
            stage = lambda k: sum(x["stages"][k]["wall_s"] for x in s)
            rows.append((stage("compile"), stage("witness"), stage("prove"), stage("verify") * 1e3,
                         sum(x["proof_bytes"] for x in s),
                         max(x["stages"]["prove"]["rss_peak_bytes"] for x in s) / 2**20,
                         d["commitment"]["security_bits"]))
        m = [statistics.median(r[k] for r in rows) for k in range(7)]
        print(f"| {scheme} | {plan} | {m[0]:.3f} | {m[1]:.3f} | {m[2]:.3f} | {m[3]:.1f} | {m[4]:,.0f} | {m[5]:.0f} | {m[6]} |")
