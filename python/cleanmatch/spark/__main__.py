"""``python -m cleanmatch.spark match``: the options of ``cleanmatch match`` plus
``--input`` and ``--master``; prints the report as one JSON object on stdout."""

from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cleanmatch.spark",
                                description="Run this partner's side of a cleanmatch match on Spark.")
    sub = p.add_subparsers(dest="command", required=True)
    m = sub.add_parser("match", help="run a match as the host (--host) or join one (--invite URL)",
                       description="Run a match as the host (--host, prints `invite <url>` first on stdout) "
                                   "or join one (--invite URL). Normalizing, hashing, blinding and evaluating "
                                   "run on the Spark executors; only sealed protocol messages reach the relay.")
    who = m.add_mutually_exclusive_group(required=True)
    who.add_argument("--host", action="store_true", help="create the collaboration (prints `invite <url>` first)")
    who.add_argument("--invite", help="join the collaboration of this invite link")
    m.add_argument("--relay", help="the relay, e.g. ws://127.0.0.1:8080 or wss://relay.example "
                                   "(a guest takes it from the invite if absent)")
    m.add_argument("--relay-ca", metavar="PEM", help="also trust the certificate authorities in this PEM file "
                                                     "for a wss:// relay (beyond the built-in webpki roots)")
    m.add_argument("--input", required=True, nargs="+",
                   help="CSV or Parquet paths (files or directories, any Spark URL), or one table name")
    m.add_argument("--format", choices=["csv", "parquet", "table"], help="how to read --input (default: by extension)")
    m.add_argument("--delimiter", help="CSV delimiter (default: comma; tab for .tsv)")
    m.add_argument("--master", help="the Spark master, e.g. local[4], yarn, spark://host:7077 (default: Spark's)")
    m.add_argument("--partitions", type=int, help="partitions for normalizing (default: Spark's default parallelism)")
    m.add_argument("--tasks-per-job", type=int, help="blind/evaluate tasks (16,384 points each) per Spark job "
                                                     "(default: twice the default parallelism)")
    m.add_argument("--preset", default="uid2", help="normalization preset: uid2, google, meta, pair, plain")
    m.add_argument("--default-country", help="country for phone numbers without a country code (ISO alpha-2)")
    m.add_argument("--columns", help="column roles, overriding the guesses: name=role,...")
    m.add_argument("--mode", default="aggregate", help="aggregate (only counts) or audience")
    m.add_argument("--k", type=int, default=50, help="privacy threshold; the stricter of the two sides wins")
    m.add_argument("--group", help="breakdown column of this side")
    m.add_argument("--measurement", help="host: campaign measurement on the host's group column, EXPOSED,CONTROL")
    m.add_argument("--min-records", type=int, default=0, help="smallest set either side may bring")
    m.add_argument("--max-records", type=int, default=50_000_000, help="largest set either side may bring")
    m.add_argument("--purpose", default="overlap analysis", help="the declared purpose")
    m.add_argument("--epsilon", help="privacy budget: discrete Laplace noise on every published count "
                                     "(e.g. 1, 0.5); the smaller of the two sides' budgets wins")
    m.add_argument("--pair", action="store_true",
                   help="PAIR output rules: whole-percent match rates, above 85%% shown as '>85%%', "
                        "lists of at least 1,000 records")
    m.add_argument("--suppress", help="a suppression (opt-out) file whose identifiers are removed before matching "
                                       "(read by every executor: give a path they can read)")
    m.add_argument("--yes", action="store_true",
                   help="answer yes to every question: that the verification codes match, and the terms "
                        "(only for scripts that trust the channel the invite link travelled on)")
    m.add_argument("--code", metavar="NNNNNN", help="the verification code your partner told you (six digits, "
                                                    "spaces ignored): the run stops unless this side shows the same")
    m.add_argument("--audience-out", help="audience mode: write this side's matched rows (CSV) to this directory")
    m.add_argument("--audience-format", default="plain",
                   choices=["plain", "google", "google-sha256", "meta", "meta-sha256"],
                   help="layout of --audience-out: plain (the input's own columns), google or meta (the upload "
                        "template's columns, normalized), google-sha256 or meta-sha256 (hashed)")
    m.add_argument("--header-row", type=int, metavar="N",
                   help="CSV input: the header's row number (rows above it are skipped); 0 for no header row")
    m.add_argument("--join-dir", help="a directory every executor can read (hdfs://, s3://, a shared "
                   "filesystem) for the join's input as Parquet, removed after the join; default: a private "
                   "temporary directory in local mode, else the values go through the driver's JVM")
    m.add_argument("--receipt", help="write the audit receipt (JSON) here")
    return p


def main(argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    if args.host and not args.relay:
        print("cleanmatch: --host needs --relay", file=sys.stderr)
        return 2
    from .. import CleanmatchError
    from .driver import match_dataframe, read_input

    import os

    from pyspark.sql import SparkSession

    # In local mode the executors' Python is this one (which has cleanmatch); on a
    # cluster, PYSPARK_PYTHON or the cluster's configuration decides.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    builder = SparkSession.builder.appName("cleanmatch")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.config("spark.sql.execution.arrow.pyspark.enabled", "true").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    try:
        found: dict = {}
        df = read_input(spark, args.input, args.format, args.delimiter, args.header_row, found=found)
        report = match_dataframe(
            spark, df, host=args.host, invite=args.invite, relay=args.relay, preset=args.preset,
            default_country=args.default_country, columns=args.columns, mode=args.mode, k=args.k,
            group=args.group, measurement=args.measurement, min_records=args.min_records,
            max_records=args.max_records, purpose=args.purpose, epsilon=args.epsilon, pair=args.pair, yes=args.yes, code=args.code,
            relay_ca=args.relay_ca, audience_out=args.audience_out, audience_format=args.audience_format,
            has_header=found.get("header_row", args.header_row) != 0, join_dir=args.join_dir,
            receipt=args.receipt, suppress=args.suppress, partitions=args.partitions, tasks_per_job=args.tasks_per_job,
            label=" ".join(args.input),
        )
    except CleanmatchError as e:
        print(f"cleanmatch: {e}", file=sys.stderr)
        return 1
    finally:
        spark.stop()
    print(json.dumps(report, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
