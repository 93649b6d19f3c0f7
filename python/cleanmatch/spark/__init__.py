"""This partner's side of a match on a Spark cluster.

``python -m cleanmatch.spark match --input PATH_OR_TABLE ...`` takes the options of
``cleanmatch match`` plus ``--input`` and ``--master``, and prints the same report JSON.

Where each step runs:

1. **Read** (executors): CSV or Parquet paths, or a table; every column read as text.
   Column roles are guessed by the core from the header and a 1,000-row sample, as for a
   file (``--columns`` overrides).
2. **Normalize and hash** (executors, ``mapInArrow``): each partition runs the core's
   quality inspector on Arrow batches: normalize, SHA-256, opt-out columns, duplicates
   within the partition, quality counts.
3. **Deduplicate** (a Spark aggregation on a 16-byte fingerprint of each record's keys;
   the earliest record wins, so the result does not depend on the partitioning).
4. **Gather** (driver): records stream to the driver in packed Arrow chunks of 65,536
   records, one partition at a time, into the core's record set (about 40 bytes + 32 per
   key per record on the driver).
5. **Blind and evaluate** (executors, ``mapInArrow``): the core's sans-IO session hands out
   tasks of up to 16,384 points; the driver runs them as Spark jobs of up to
   ``--tasks-per-job`` tasks and hands the results back. **The secret scalar is shipped to
   this partner's own executors** inside the job closure (never to the relay or the
   partner); run it on a cluster you trust with the identifiers themselves.
6. **Protocol** (driver): only sealed protocol messages go through the relay. The session
   sends at most its window of unacknowledged bytes and at most ``2 × tasks-per-job``
   tasks are out at once: the backpressure for large sets.
7. **Match** (Spark joins and aggregations): once both directions are complete the core
   hands out the partner's values and this side's returned values (``Run.take_join``);
   they go to ``--join-dir`` as Parquet (or through ``createDataFrame``), Spark joins
   them on (key, value) and the per-value outcome comes back (``Run.complete_join``).
8. **Count and report** (driver): the core builds the figures from the outcome and
   applies every disclosure rule; the report is the command line's, byte for byte.

Limits: see docs/python.md (driver memory for the record set and the values until the
join, 2³² records per side on the wire, and ``--max-records``).
"""

from __future__ import annotations

from .driver import match_dataframe, read_input, spark_join

__all__ = ["match_dataframe", "read_input", "spark_join"]
