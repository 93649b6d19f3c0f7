"""Shared fixtures: the real `cleanmatch` binary and relay, and a local[2] Spark session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("CLEANMATCH_BIN", ROOT / "target" / "debug" / "cleanmatch"))
EXAMPLE = Path(os.environ.get("CLEANMATCH_BLIND_FIXED", ROOT / "python" / "target" / "native" / "debug" / "examples" / "blind_fixed"))
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def cli() -> Path:
    assert BIN.exists(), f"build the command line first: cargo build --bin cleanmatch ({BIN})"
    return BIN


@pytest.fixture(scope="session")
def relay(cli):
    """The real relay (`cleanmatch serve`) on 127.0.0.1:0; yields its ws:// URL."""
    proc = subprocess.Popen([str(cli), "serve", "--addr", "127.0.0.1:0"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    addr = line.split("http://")[1].split()[0]
    yield f"ws://{addr}"
    proc.kill()
    proc.wait()


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    # Executors run this interpreter (the one with cleanmatch installed).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    s = (SparkSession.builder.master("local[2]").appName("cleanmatch-tests")
         .config("spark.sql.execution.arrow.pyspark.enabled", "true")
         .config("spark.sql.shuffle.partitions", "4")
         .config("spark.ui.enabled", "false")
         .config("spark.driver.memory", "1g")
         .getOrCreate())
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()
