#!/usr/bin/env bash
# The Python package's tests: creates .venv/ at the repository root if missing, installs
# maturin, pyarrow, pandas<3, pyspark 4.3 and pytest, builds the command line (for the
# relay and the CLI partner), the native byte-equality helper and the wheel, installs the
# wheel and runs pytest (PySpark in local[2]; needs Java 17), then the browser-vs-Spark
# test if `dist/` is built. Exits non-zero on any failure; pytest prints its summary line.
# Measured on a busy 2-core machine: about 3 minutes with everything built (pytest ~1 min,
# the browser-vs-Spark test ~1 min), about 9 minutes when the wheel's Rust code rebuilds; a
# first run adds the dependency builds and ~400 MB of pip downloads.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# `python -m pip`, not .venv/bin/pip: a venv copied from elsewhere keeps the old path in
# its scripts' first line.
.venv/bin/python -m pip install -q --disable-pip-version-check 'maturin>=1.5,<2' 'pyarrow>=14' 'pandas<3' 'pyspark==4.3.*' pytest
cargo build -q --bin cleanmatch
# The byte-equality helper gets its own target directory: maturin builds PyO3 with other
# settings, and sharing one directory would rebuild PyO3 on every alternate build.
(cd python && CARGO_TARGET_DIR=target/native cargo build -q --example blind_fixed && ../.venv/bin/python -m maturin build -q -o target/wheels)
wheel="$(ls -t python/target/wheels/cleanmatch-*.whl | head -1)"
.venv/bin/python -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$wheel"
export PYSPARK_PYTHON="$root/.venv/bin/python"
# From the repository root, so the installed wheel is imported, not python/cleanmatch/.
status=0
.venv/bin/python -m pytest -q -p no:cacheprovider python/tests "$@" || status=$?
# A browser partner against a Spark partner needs the built npm package (`npm run build`,
# which `npm test` does first) and Chromium.
if [ -f dist/wasm/cleanmatch_bg.wasm ] && [ -d node_modules/playwright-core ]; then
  node --test python/tests/browser_spark.test.mjs || status=$?
else
  echo "browser_spark: not run (needs \`npm run build\` and node_modules first)"
fi
exit $status
