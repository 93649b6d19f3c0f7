"""Figures for docs/python.md: the Spark path against the native command line.

    .venv/bin/python python/scripts/bench.py --n 1000000 [--cli target/release/cleanmatch] [--master local[2]]

Writes two files of N records per side (email valid; the phone column does not normalize:
exchange 000, so one key, as the figures in docs/python.md; half shared), then times
(1) command line host vs command line guest and (2) Spark host (this machine, --master;
matching as Spark joins) vs command line guest, both through a real relay on 127.0.0.1,
and the fixed cost of a Spark job. Both runs must give the same report hash (same files,
same manifest). Prints one JSON object: wall times, records per second per core (the
records of one side over the whole match, divided by this machine's cores, which both
sides share), and the Spark run's phases (read/normalize/deduplicate/gather, the blind
and evaluate jobs, the join). Run it on a quiet machine: the figures are wall times.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, lo: int, hi: int) -> None:
    with open(path, "w") as f:
        f.write("email,phone\n")
        for i in range(lo, hi):
            f.write(f"user{i}@example.com,+1 212 {i // 10000 % 1000:03d} {i % 10000:04d}\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--cli", default=str(ROOT / "target" / "release" / "cleanmatch"))
    ap.add_argument("--master", default="local[2]")
    args = ap.parse_args()
    cli = args.cli if os.path.exists(args.cli) else str(ROOT / "target" / "debug" / "cleanmatch")
    tmp = Path(tempfile.mkdtemp(prefix="cleanmatch-bench-"))
    a, b = tmp / "a.csv", tmp / "b.csv"
    write(a, 0, args.n)
    write(b, args.n // 2, args.n + args.n // 2)
    relay = subprocess.Popen([cli, "serve", "--addr", "127.0.0.1:0"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    url = "ws://" + relay.stdout.readline().split("http://")[1].split()[0]
    common = ["--yes", "--max-records", str(4 * args.n)]
    out = {"n_per_side": args.n, "cli": cli, "master": args.master, "cores": os.cpu_count()}
    try:
        t = time.monotonic()
        host = subprocess.Popen([cli, "match", "--relay", url, "--host", "--file", str(a), *common],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        invite = host.stdout.readline().split(" ", 1)[1].strip()
        guest = subprocess.run([cli, "match", "--invite", invite, "--file", str(b), *common],
                               capture_output=True, text=True, check=True)
        host.wait()
        out["cli_vs_cli_seconds"] = round(time.monotonic() - t, 1)
        out["cli_vs_cli_own_matched"] = json.loads(guest.stdout)["own_matched"]
        cli_hash = json.loads(guest.stdout)["report_hash"]

        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        from pyspark.sql import SparkSession

        from cleanmatch.spark import driver

        spark = SparkSession.builder.master(args.master).config("spark.ui.enabled", "false").getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        t = time.monotonic()
        spark.createDataFrame([(1,)], "x int").mapInArrow(lambda it: it, "x int").collect()
        fixed = []
        for _ in range(5):
            t1 = time.monotonic()
            spark.createDataFrame([(1,)], "x int").mapInArrow(lambda it: it, "x int").collect()
            fixed.append(time.monotonic() - t1)
        out["spark_job_fixed_seconds"] = round(min(fixed), 3)
        result = {}

        def join(u):
            def go():
                result["p"] = subprocess.run([cli, "match", "--invite", u, "--file", str(b), *common],
                                             capture_output=True, text=True)
            result["t"] = threading.Thread(target=go)
            result["t"].start()

        t = time.monotonic()
        df = driver.read_input(spark, [str(a)])
        phases: dict = {}
        report = driver.match_dataframe(spark, df, host=True, relay=url, yes=True, max_records=4 * args.n,
                                        on_invite=join, stats=phases)
        result["t"].join()
        out["spark_vs_cli_seconds"] = round(time.monotonic() - t, 1)
        out["spark_vs_cli_own_matched"] = report["own_matched"]
        out["spark_phases"] = {k: round(v, 1) if isinstance(v, float) else v for k, v in phases.items()}
        out["same_report_hash"] = report["report_hash"] == cli_hash
        if not out["same_report_hash"]:
            raise SystemExit("the Spark run's report differs from the command line's")
        spark.stop()
    finally:
        relay.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    cores = os.cpu_count() or 1
    out["records_per_second_per_core_cli"] = round(args.n / out["cli_vs_cli_seconds"] / cores)
    out["records_per_second_per_core_spark"] = round(args.n / out["spark_vs_cli_seconds"] / cores)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
