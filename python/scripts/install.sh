#!/usr/bin/env bash
# Installs the Python package into .venv/ at the repository root (created if missing):
# maturin, pyarrow, pandas<3 and pyspark 4.3 from PyPI, then the wheel built from this
# repository's Rust core. Afterwards `.venv/bin/python -m cleanmatch.spark match --help` works.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check 'maturin>=1.5,<2' 'pyarrow>=14' 'pandas<3' 'pyspark==4.3.*'
(cd python && ../.venv/bin/maturin build -q -o target/wheels)
wheel="$(ls -t python/target/wheels/cleanmatch-*.whl | head -1)"
.venv/bin/pip install -q --disable-pip-version-check --force-reinstall --no-deps "$wheel"
echo "installed $(basename "$wheel") into .venv/"
