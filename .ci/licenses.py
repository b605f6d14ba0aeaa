#!/usr/bin/env python3
"""Checks that every crate in the lockfile's dependency graph is under a licence this
project may use, link and redistribute: each package's SPDX expression (from `cargo
metadata`) must be satisfiable from ALLOWED. `OR` needs one allowed side, `AND` both; the
old `/` separator means `OR`. A package with no licence field fails. Prints one line per
licence expression and exits non-zero on any refusal, naming the package."""
import json
import re
import subprocess
import sys

# Permissive licences: use, modification and redistribution, no copyleft on our code.
ALLOWED = {
    "MIT", "MIT-0", "Apache-2.0", "Apache-2.0 WITH LLVM-exception", "BSD-2-Clause",
    "BSD-3-Clause", "ISC", "Zlib", "Unlicense", "CC0-1.0", "Unicode-3.0", "Unicode-DFS-2016",
    "BSL-1.0",
}


def tokens(expr):
    return re.findall(r"\(|\)|[A-Za-z0-9.+-]+(?: WITH [A-Za-z0-9.+-]+)?", expr.replace("/", " OR "))


def parse(toks):
    """expr := term (OR term)*; term := atom (AND atom)*; atom := ID | '(' expr ')'."""
    def atom(i):
        if toks[i] == "(":
            v, i = expr(i + 1)
            if toks[i] != ")":
                raise ValueError("unbalanced parentheses")
            return v, i + 1
        return toks[i] in ALLOWED, i + 1

    def term(i):
        v, i = atom(i)
        while i < len(toks) and toks[i] == "AND":
            w, i = atom(i + 1)
            v = v and w
        return v, i

    def expr(i):
        v, i = term(i)
        while i < len(toks) and toks[i] == "OR":
            w, i = term(i + 1)
            v = v or w
        return v, i

    v, i = expr(0)
    if i != len(toks):
        raise ValueError("trailing tokens")
    return v


def main():
    meta = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked"],
        check=True, capture_output=True, text=True).stdout)
    bad, seen = [], {}
    for p in meta["packages"]:
        lic = p.get("license")
        ok = False
        if lic:
            try:
                ok = parse(tokens(lic))
            except (ValueError, IndexError):
                ok = False
        seen.setdefault(lic or "(none)", []).append(p["name"])
        if not ok:
            bad.append(f'{p["name"]} {p["version"]}: {lic or "no licence field"}')
    for lic, names in sorted(seen.items(), key=lambda kv: -len(kv[1])):
        print(f"{len(names):4} {lic}")
    if bad:
        print("refused:", *bad, sep="\n  ")
        sys.exit(1)
    print(f"licences: {len(meta['packages'])} packages, all allowed")


if __name__ == "__main__":
    main()
