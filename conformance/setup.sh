#!/usr/bin/env bash
# Creates the conformance virtual environment (onnx 1.22.0 ships the backend node-test data;
# 1.23 no longer does) and prints the python to use. Usage: PY=$(bash conformance/setup.sh)
set -euo pipefail
venv="${LAMINA_CONFORMANCE_VENV:-${TMPDIR:-/tmp}/lamina-conformance-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  -r "$(dirname "$0")/requirements.txt" >&2
echo "$venv/bin/python"
