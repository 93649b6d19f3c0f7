"""The Spark driver: Spark steps around the core's session (see the package docstring)."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, Dict, Iterator, List, Optional

import pyarrow as pa

from .. import _arrow, _native
from .._native import KEYS, CleanmatchError, RecordSet, Run

ID = "__cleanmatch_id"
#: Records per packed chunk sent to the driver.
GATHER_CHUNK = 65_536


def _error(code: str, message: str) -> CleanmatchError:
    err = CleanmatchError(message)
    err.code = code
    err.message = message
    return err


def _is_local_path(p: str) -> bool:
    return "://" not in p or p.startswith("file://")


# What Spark 4's CSV reader accepts by default (CSVOptions, INVALID_PARAMETER_VALUE.CHARSET).
_SPARK_CHARSETS = ("iso-8859-1", "us-ascii", "utf-16", "utf-16be", "utf-16le", "utf-32", "utf-8")


def _first_local_file(p: str) -> Optional[str]:
    local = p[len("file://"):] if p.startswith("file://") else p
    if not _is_local_path(p):
        return None
    if os.path.isdir(local):
        names = sorted(n for n in os.listdir(local) if not n.startswith((".", "_")))
        files = [os.path.join(local, n) for n in names if os.path.isfile(os.path.join(local, n))]
        return files[0] if files else None
    return local if os.path.isfile(local) else None


def detect_csv(path: str, header_row: Optional[int] = None) -> Dict[str, Any]:
    """What the core's reader (as ``cleanmatch inspect``) detects at the start of a local
    CSV file: ``{"header_row": int (0: none), "delimiter": str, "encoding": str}``. The
    Spark reader then reads every input file with that layout: report titles and an Excel
    ``sep=`` line above the header skipped, the delimiter among ``,`` ``;`` tab ``|``, and
    UTF-8, UTF-16 or Windows-1252. Raises ``CleanmatchError`` with the reader's code."""
    with open(path, "rb") as f:
        head = f.read(64 << 10)
        complete = len(f.read(1)) == 0
    found = json.loads(_native.sniff(head, complete, header_row))
    enc = (found.get("encoding") or {}).get("encoding") or "UTF-8"
    return {"header_row": found.get("header_row") or 0 if found.get("has_header") else 0,
            "delimiter": found.get("delimiter") or ",", "encoding": enc, "columns": len(found.get("headers") or [])}


def read_input(spark: Any, inputs: List[str], fmt: Optional[str] = None, delimiter: Optional[str] = None,
               header_row: Optional[int] = None, found: Optional[Dict[str, Any]] = None) -> Any:
    """A DataFrame of all-string columns from CSV/Parquet paths or one table name.

    CSV input is read as the command line reads it: the layout of the first local file
    (report titles and an Excel ``sep=`` line above the header, the delimiter, the
    encoding) is what the core's reader detects there (:func:`detect_csv`), unless
    ``delimiter`` or ``header_row`` say otherwise; ``found``, a dict, receives it (its
    ``header_row`` 0 means the files have no header line). For input Python cannot open
    (``hdfs://``, ``s3://``) the first line is the header and the delimiter ``,`` (tab
    for ``.tsv``) unless given. ``header_row`` (CSV only) as ``--header-row``: the header's
    1-based row number in every file (rows above it are skipped), or 0 for files without
    a header row (the columns are then named ``column 1``, ``column 2``, ... as the
    command line names them). Raises ``CleanmatchError`` ``unreadable-file`` (``PATH: cannot read: ...``) for
    a missing local path, as the command line does; ``usage`` for ``header_row`` with
    Parquet or a table.
    """
    first = inputs[0]
    looks_path = any(c in first for c in "/\\") or os.path.splitext(first)[1] != "" or os.path.exists(first)
    if fmt is None:
        ext = os.path.splitext(first.rstrip("/"))[1].lower()
        if ext in (".parquet", ".pq"):
            fmt = "parquet"
        elif ext in (".csv", ".tsv", ".txt"):
            fmt = "csv"
        elif looks_path and os.path.isdir(first):
            fmt = "parquet" if any(f.endswith(".parquet") for f in os.listdir(first)) else "csv"
        else:
            fmt = "table" if not looks_path else "csv"
    if fmt != "table":
        for p in inputs:
            local = p[len("file://"):] if p.startswith("file://") else p
            if _is_local_path(p) and not os.path.exists(local):
                raise _error("unreadable-file", f"{p}: cannot read: No such file or directory (os error 2)")
            if _is_local_path(p) and os.path.isfile(local) and not os.access(local, os.R_OK):
                raise _error("unreadable-file", f"{p}: cannot read: Permission denied (os error 13)")
    from pyspark.sql import functions as F

    if header_row is not None and (fmt != "csv" or header_row < 0):
        raise _error("usage", "--header-row takes a row number (0 for none) and applies to CSV input only")
    encoding = "UTF-8"
    width = 0  # the header's fields, when known: lines above it may have fewer
    if fmt == "csv":
        sample = _first_local_file(first)
        if sample is not None:
            layout = detect_csv(sample, header_row)
            delimiter = delimiter or layout["delimiter"]
            encoding = layout["encoding"]
            width = layout["columns"]
            if header_row is None and layout["header_row"] != 1:
                header_row = layout["header_row"]
        if found is not None:
            found.update({"header_row": 1 if header_row is None else header_row,
                          "delimiter": delimiter or ("\t" if first.lower().endswith(".tsv") else ","),
                          "encoding": encoding})
    if encoding.lower() not in _SPARK_CHARSETS:
        # Spark 4 reads only these unless its Java-charset switch is on; Latin-1 instead
        # of Windows-1252 would silently change bytes 0x80-0x9F (€, curly quotes).
        try:
            spark.conf.set("spark.sql.legacy.javaCharsets", "true")
        except Exception:
            raise _error("unsupported-encoding",
                         f"{first}: is {encoding}, which this Spark cannot read: save it as UTF-8 "
                         "(or set spark.sql.legacy.javaCharsets=true)") from None
    try:
        if fmt == "csv" and header_row is not None:
            sep = delimiter or ("\t" if first.lower().endswith(".tsv") else ",")
            reader = spark.read.option("header", False).option("inferSchema", False).option("sep", sep)
            if width:
                from pyspark.sql.types import StringType, StructField, StructType

                reader = reader.schema(StructType([StructField(f"_c{i}", StringType()) for i in range(width)]))
            raw = (reader.option("encoding", encoding).option("multiLine", True).option("escape", '"')
                   .csv(list(inputs)))
        elif fmt == "table":
            df = spark.table(first)
        elif fmt == "parquet":
            df = spark.read.parquet(*inputs)
        else:
            sep = delimiter or ("\t" if first.lower().endswith(".tsv") else ",")
            df = (spark.read.option("header", True).option("inferSchema", False).option("sep", sep)
                  .option("encoding", encoding).option("multiLine", True).option("escape", '"').csv(list(inputs)))
    except Exception as e:  # Spark's AnalysisException and friends: keep the first line
        raise _error("unreadable-file", f"{first}: cannot read: {str(e).splitlines()[0]}") from None
    if fmt == "csv" and header_row is not None:
        return _headed(raw, header_row, first)
    return df.select([F.col(f"`{c}`").cast("string").alias(c.lstrip("\ufeff") if i == 0 else c)
                      for i, c in enumerate(df.columns)])


def _headed(raw: Any, header_row: int, label: str) -> Any:
    """Names the columns of a header-less CSV read: ``column 1``, ... (``header_row`` 0),
    or the fields of row ``header_row`` of each file, whose rows up to it are dropped.
    Each file is read whole by one task (``multiLine``), so ids follow its row order."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    names = [f"column {i + 1}" for i in range(len(raw.columns))]
    if header_row == 0:
        return raw.toDF(*names)
    numbered = (raw.withColumn("__file", F.input_file_name()).withColumn("__at", F.monotonically_increasing_id())
                .withColumn("__row", F.row_number().over(Window.partitionBy("__file").orderBy("__at"))))
    header = numbered.filter(F.col("__row") == header_row).orderBy("__file").limit(1).collect()
    if not header:
        raise _error("header-row", f"{label}: row {header_row} cannot be the header: the file has fewer rows")
    fields = [header[0][c] for c in raw.columns]
    # The core drops a byte order mark; Spark keeps it in the first field.
    fields = [f.lstrip("\ufeff") if i == 0 and f is not None else f for i, f in enumerate(fields)]
    names = [f.strip() if f is not None and f.strip() else f"column {i + 1}" for i, f in enumerate(fields)]
    body = numbered.filter(F.col("__row") > header_row).orderBy("__file", "__at").drop("__file", "__at", "__row")
    return body.toDF(*names)


def _roles(df: Any, columns: Optional[str], group: Optional[str], label: str, has_header: bool = True):
    sample = df.limit(1000).toArrow()
    rows = [["" if v is None else v for v in r.values()] for r in sample.to_pylist()]
    try:
        return _native.column_roles(list(df.columns), rows, columns, group, has_header)
    except CleanmatchError as e:
        raise _error(e.code, f"{label}: {e}") from None


RECORD_SCHEMA = "rid long, grp string, mask byte, digests binary, fp binary, quality string"


def _reader_fn(headers: List[str], roles: List[str], preset: str, default_country: Optional[str],
               group: Optional[int], suppress: Optional[str] = None):
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from cleanmatch import _arrow as A, _native as N

        reader = N.PartitionReader(headers, roles, preset, default_country, group, suppress)
        for b in batches:
            cols = [A.str_buffers(A.as_large_string(b.column(i))) for i in range(len(headers))]
            ids = b.column(len(headers))
            id_bytes = ids.buffers()[1].slice(ids.offset * 8, len(ids) * 8).to_pybytes()
            out_ids, (go, gd, gv), masks, (do, dd, dv), fps = reader.add(cols, id_bytes)
            n = len(masks)
            if n == 0:
                continue
            yield pa.RecordBatch.from_arrays(
                [
                    pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(out_ids)]),
                    A.from_str_buffers(n, go, gd, gv).cast(pa.string()),
                    pa.Array.from_buffers(pa.int8(), n, [None, pa.py_buffer(masks)]),
                    A.from_str_buffers(n, do, dd, dv, binary=True).cast(pa.binary()),
                    A.fixed_array(fps, 16).cast(pa.binary()),
                    pa.nulls(n, pa.string()),
                ],
                names=["rid", "grp", "mask", "digests", "fp", "quality"],
            )
        q = reader.finish()
        yield pa.RecordBatch.from_arrays(
            [pa.array([-1], pa.int64()), pa.nulls(1, pa.string()), pa.nulls(1, pa.int8()),
             pa.nulls(1, pa.binary()), pa.nulls(1, pa.binary()), pa.array([q], pa.string())],
            names=["rid", "grp", "mask", "digests", "fp", "quality"],
        )

    return run


def _pack(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Packs a partition's records into Arrow IPC chunks: one row per chunk."""
    pending: List[pa.RecordBatch] = []
    size = 0

    def flush():
        sink = pa.BufferOutputStream()
        table = pa.Table.from_batches(pending)
        with pa.ipc.new_stream(sink, table.schema) as w:
            w.write_table(table)
        return pa.RecordBatch.from_arrays([pa.array([sink.getvalue().to_pybytes()], pa.binary())], names=["ipc"])

    for b in batches:
        if b.num_rows == 0:
            continue
        pending.append(b)
        size += b.num_rows
        if size >= GATHER_CHUNK:
            yield flush()
            pending, size = [], 0
    if pending:
        yield flush()


def _merge_quality(parts: List[Dict[str, Any]], cross_duplicates: int) -> Dict[str, Any]:
    """Sums the partitions' quality reports (counts only; examples up to 5 per kind)."""
    out: Dict[str, Any] = {"rows": 0, "records": 0, "kinds": {}, "duplicate_records": 0, "unused_rows": {},
                           "suppressed": 0, "invalid_examples": {}, "columns": parts[0]["columns"] if parts else [],
                           "keys": parts[0].get("keys", []) if parts else []}
    for p in parts:
        for f in ("rows", "records", "duplicate_records", "suppressed"):
            out[f] += p.get(f, 0)
        for kind, stats in p.get("kinds", {}).items():
            acc = out["kinds"].setdefault(kind, {})
            for f, v in stats.items():
                # A partition sees only its own repeated values: say so in the name.
                f = "duplicate_in_partition" if f == "duplicate" else f
                acc[f] = acc.get(f, 0) + v
        for why, n in p.get("unused_rows", {}).items():
            out["unused_rows"][why] = out["unused_rows"].get(why, 0) + n
        for kind, ex in p.get("invalid_examples", {}).items():
            acc = out["invalid_examples"].setdefault(kind, [])
            acc.extend(ex[: max(0, 5 - len(acc))])
    out["records"] -= cross_duplicates
    out["duplicate_records"] += cross_duplicates
    if cross_duplicates:
        out["unused_rows"]["duplicate_record"] = out["unused_rows"].get("duplicate_record", 0) + cross_duplicates
    return out


TASK_SCHEMA = "id long, output binary, bad long"


def _task_fn(secret: bytes):
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from cleanmatch import _native as N

        for b in batches:
            ids, ops, keys, inputs = (b.column(i).to_pylist() for i in range(4))
            outs, bad = [], []
            for op, key, data in zip(ops, keys, inputs):
                try:
                    if op == "blind":
                        outs.append(bytes(N.blind(key, data, secret, False)))
                    else:
                        outs.append(bytes(N.evaluate(data, secret, False)))
                    bad.append(-1)
                except N.CleanmatchError as e:
                    if getattr(e, "code", "") != "invalid-point":
                        raise
                    outs.append(b"")
                    bad.append(e.index)
            yield pa.RecordBatch.from_arrays(
                [pa.array(ids, pa.int64()), pa.array(outs, pa.binary()), pa.array(bad, pa.int64())],
                names=["id", "output", "bad"],
            )

    return run


JOIN_FILL = 0xFFFF


#: Values per Arrow chunk when the join's input leaves the driver.
JOIN_CHUNK = 1 << 20


def _join_chunks(keys: List[tuple], own: bool) -> Iterator[pa.Table]:
    """The core's join input in chunks of ``JOIN_CHUNK`` values: partner ``(k, i, v)`` or
    own ``(k, i, v, g)``, ``k`` the key's index in ``KEYS``, ``i`` the value's position."""
    import numpy as np

    for key, partner, mine, groups in keys:
        kid = KEYS.index(key)
        data = memoryview(mine if own else partner)
        n = len(data) // 12
        for lo in range(0, n, JOIN_CHUNK):
            hi = min(n, lo + JOIN_CHUNK)
            cols = {"k": pa.array(np.full(hi - lo, kid, np.int8)), "i": pa.array(np.arange(lo, hi, dtype=np.int64)),
                    "v": _arrow.fixed_array(data[lo * 12:hi * 12], 12).cast(pa.binary())}
            if own:
                cols["g"] = pa.array(np.frombuffer(groups, "<u2", hi - lo, lo * 2).astype(np.int32))
            yield pa.table(cols)


def _join_frame(spark: Any, keys: List[tuple], own: bool, join_dir: Optional[str]) -> Any:
    """One side of the join as a DataFrame. With ``join_dir`` (a directory the executors
    can read) the values go there as Parquet, chunk by chunk, so the driver holds one
    chunk at a time; otherwise through ``createDataFrame`` (the driver's JVM holds them
    all while the join runs)."""
    if join_dir is None:
        # One chunk: createDataFrame drops the chunks after an empty one (PySpark 4.3).
        tables = list(_join_chunks(keys, own))
        schema = pa.schema([("k", pa.int8()), ("i", pa.int64()), ("v", pa.binary())] +
                           ([("g", pa.int32())] if own else []))
        return spark.createDataFrame(pa.concat_tables(tables, promote_options="none").combine_chunks()
                                     if tables else schema.empty_table())
    import pyarrow.fs  # noqa: F401  (pa.fs)
    import pyarrow.parquet as pq

    path = os.path.join(join_dir, "own" if own else "partner")
    fs, root = pa.fs.FileSystem.from_uri(path if "://" in path else os.path.abspath(path))
    fs.create_dir(root, recursive=True)
    for n, table in enumerate(_join_chunks(keys, own)):
        pq.write_table(table, f"{root}/part-{n:05d}.parquet", filesystem=fs)
    return spark.read.schema("k byte, i long, v binary" + (", g int" if own else "")).parquet(path)


def _scatter(df: Any, sizes: Dict[int, int], cols: List[tuple]) -> Dict[int, Dict[str, Any]]:
    """Collects ``(k, i, cols...)`` rows in packed chunks and places each value at its
    position ``i``; every position must come exactly once."""
    import numpy as np

    out = {k: {name: np.full(n, fill, dtype) for name, dtype, fill in cols} for k, n in sizes.items()}
    filled = {k: np.zeros(n, np.bool_) for k, n in sizes.items()}
    rows = 0
    for row in df.mapInArrow(_pack, "ipc binary").toLocalIterator():
        t = pa.ipc.open_stream(row[0]).read_all().combine_chunks()
        ks, idx = t.column("k").to_numpy(), t.column("i").to_numpy()
        for kid in np.unique(ks):
            at = idx[ks == kid]
            for name, dtype, _ in cols:
                out[int(kid)][name][at] = t.column(name).to_numpy(zero_copy_only=False)[ks == kid].astype(dtype)
            filled[int(kid)][at] = True
        rows += len(idx)
    if rows != sum(sizes.values()) or not all(f.all() for f in filled.values()):
        raise _error("internal", "the Spark join lost or repeated values")
    return out


def spark_join(spark: Any, keys: List[tuple], partitions: Optional[int] = None,
               join_dir: Optional[str] = None) -> List[tuple]:
    """The match as Spark joins and aggregations over the values ``Run.take_join`` gives:
    per partner value the smallest own group holding an equal value and whether it is
    the first partner value of its kind; per own value whether a partner value equals it
    and whether it is the first own value of its kind. Returns what ``Run.complete_join``
    takes; the core checks it and computes the report. ``join_dir``: see ``_join_frame``
    (a new directory is made under it and removed afterwards)."""
    import numpy as np
    from pyspark.sql import functions as F

    n = partitions or spark.sparkContext.defaultParallelism
    where = None
    if join_dir is not None:
        import uuid

        import pyarrow.fs  # noqa: F401  (pa.fs)

        where = join_dir.rstrip("/") + f"/cleanmatch-join-{uuid.uuid4().hex}"
    # Both sides hash-partitioned on (k, v) into n partitions: the aggregations and joins
    # below reuse that partitioning instead of shuffling again.
    p = _join_frame(spark, keys, False, where).repartition(n, "k", "v")
    o = _join_frame(spark, keys, True, where).repartition(n, "k", "v")
    own_by_v = o.groupBy("k", "v").agg(F.min("g").alias("g"), F.min("i").alias("oi"))
    theirs_by_v = p.groupBy("k", "v").agg(F.min("i").alias("pi"))
    p_out = (p.join(theirs_by_v, ["k", "v"]).join(own_by_v.select("k", "v", "g"), ["k", "v"], "left")
             .select("k", "i", F.coalesce("g", F.lit(JOIN_FILL)).alias("g"),
                     (F.col("i") == F.col("pi")).cast("byte").alias("first")))
    o_out = (o.join(own_by_v.select("k", "v", "oi"), ["k", "v"])
             .join(theirs_by_v.select("k", "v", F.lit(1).cast("byte").alias("m")), ["k", "v"], "left")
             .select("k", "i", F.coalesce("m", F.lit(0).cast("byte")).alias("matched"),
                     (F.col("i") == F.col("oi")).cast("byte").alias("first")))
    kids = [KEYS.index(k) for k, *_ in keys]
    try:
        theirs = _scatter(p_out, {kid: len(k[1]) // 12 for kid, k in zip(kids, keys)},
                          [("g", np.dtype("<u2"), JOIN_FILL), ("first", np.uint8, 0)])
        ours = _scatter(o_out, {kid: len(k[2]) // 12 for kid, k in zip(kids, keys)},
                        [("matched", np.uint8, 0), ("first", np.uint8, 0)])
    finally:
        if where is not None:
            fs, root = pa.fs.FileSystem.from_uri(where if "://" in where else os.path.abspath(where))
            fs.delete_dir(root)
    return [(key, theirs[kid]["g"].tobytes(), theirs[kid]["first"].tobytes(), ours[kid]["matched"].tobytes(),
             ours[kid]["first"].tobytes()) for kid, (key, *_) in zip(kids, keys)]


def _run_tasks(spark: Any, run: Run, tasks_per_job: int, stats: Dict[str, float],
               partitions: Optional[int] = None, join_dir: Optional[str] = None) -> None:
    """Pulls the session's tasks and runs them as Spark jobs until the run ends; joins
    the values on Spark when the core hands them out."""
    while True:
        got = run.next_tasks(tasks_per_job, 0.5)
        if got is None:
            return
        keys = run.take_join()
        if keys is not None:
            t0 = time.monotonic()
            outcome = spark_join(spark, keys, partitions, join_dir)
            del keys  # the values' copies, before the core builds the view
            run.complete_join(outcome)
            stats["join_seconds"] += time.monotonic() - t0
            stats["join_values"] += sum(len(o[2]) + len(o[3]) for o in outcome)
        secret, tasks = got
        if not tasks:
            continue
        t0 = time.monotonic()
        table = pa.table({
            "id": pa.array([t[0] for t in tasks], pa.int64()),
            "op": pa.array([t[1] for t in tasks], pa.string()),
            "key": pa.array([t[2] for t in tasks], pa.string()),
            "input": pa.array([bytes(t[3]) for t in tasks], pa.binary()),
        })
        df = spark.createDataFrame(table.to_pandas()).repartition(len(tasks))
        result = df.mapInArrow(_task_fn(bytes(secret)), TASK_SCHEMA).toArrow()
        for i, out, bad in zip(result.column("id").to_pylist(), result.column("output").to_pylist(),
                               result.column("bad").to_pylist()):
            if bad >= 0:
                run.complete_invalid_point(i, bad)
            else:
                run.complete(i, out)
        stats["jobs"] += 1
        stats["tasks"] += len(tasks)
        stats["job_seconds"] += time.monotonic() - t0


def prepare(spark: Any, df: Any, *, preset: str = "uid2", default_country: Optional[str] = None,
            columns: Optional[str] = None, group: Optional[str] = None, partitions: Optional[int] = None,
            suppress: Optional[str] = None, label: str = "input", has_header: bool = True) -> RecordSet:
    """Steps 1-4: the DataFrame's records, normalized, hashed and deduplicated on Spark,
    gathered on the driver into a ``RecordSet`` (its ``report`` the merged quality report)."""
    from pyspark.sql import functions as F

    _native_preset_check(preset)
    if suppress is not None:
        # Read once here so a bad file fails before any Spark job, with the CLI's message;
        # each partition reads it again for itself (it must be readable on the executors).
        suppress = os.path.abspath(suppress) if _is_local_path(suppress) else suppress
        _native.PartitionReader(["email"], ["email"], preset, default_country, None, suppress)
    roles, _conf, group_index = _roles(df, columns, group, label, has_header)
    headers = list(df.columns)
    with_id = df.withColumn(ID, F.monotonically_increasing_id())
    n = partitions or spark.sparkContext.defaultParallelism
    parts = with_id.repartition(n).sortWithinPartitions(ID)
    read = parts.mapInArrow(_reader_fn(headers, roles, preset, default_country, group_index, suppress),
                          RECORD_SCHEMA)
    read = read.persist()
    try:
        quality = [json.loads(r[0]) for r in read.filter("rid < 0").select("quality").collect()]
        recs = read.filter("rid >= 0")
        # Hash-partitioned on the fingerprint into the same number of partitions, so the
        # aggregation needs no second shuffle (and not spark.sql.shuffle.partitions tasks).
        dedup = recs.repartition(n, "fp").groupBy("fp").agg(F.min(F.struct("rid", "grp", "mask", "digests")).alias("r"), F.count("*").alias("n"))
        dedup = dedup.persist()
        cross = dedup.agg(F.sum(F.col("n") - 1)).collect()[0][0] or 0
        records = RecordSet()
        packed = dedup.select("r.*").sortWithinPartitions("rid").mapInArrow(_pack, "ipc binary")
        for row in packed.toLocalIterator():
            table = pa.ipc.open_stream(row[0]).read_all().combine_chunks()
            grp = _arrow.as_large_string(table.column("grp"))
            dig = table.column("digests").cast(pa.large_binary())
            dig = dig.combine_chunks() if isinstance(dig, pa.ChunkedArray) else dig
            rid = table.column("rid").combine_chunks()
            mask = table.column("mask").combine_chunks()
            records.add_batch(
                rid.buffers()[1].slice(rid.offset * 8, len(rid) * 8).to_pybytes(),
                _arrow.str_buffers(grp),
                mask.buffers()[1].slice(mask.offset, len(mask)).to_pybytes(),
                _arrow.str_buffers(dig),
            )
        dedup.unpersist()
    finally:
        read.unpersist()
    report = _merge_quality(quality, int(cross))
    report["columns"] = [{"name": h, "role": r} for h, r in zip(headers, roles)]
    records.report = json.dumps(report)
    return records


def _lines_fn(audience_format: str, roles: List[str], default_country: Optional[str], header: Optional[str]):
    """CSV lines of the audience export in one partition (the header line first)."""
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from cleanmatch import _native as N

        w = N.AudienceRows(audience_format, roles, default_country)
        if header is not None:
            yield pa.RecordBatch.from_arrays([pa.array([header], pa.string())], names=["value"])
        for b in batches:
            rows = [list(r.values()) for r in b.to_pylist()]
            yield pa.RecordBatch.from_arrays([pa.array(w.lines(rows), pa.string())], names=["value"])

    return run


def _native_preset_check(preset: str) -> None:
    if preset not in _native.PRESETS:
        raise _error("unknown-preset", f"unknown preset {preset!r}; valid presets: {', '.join(_native.PRESETS)}")


def match_dataframe(spark: Any, df: Any, *, host: bool = False, invite: Optional[str] = None,
                    relay: Optional[str] = None, preset: str = "uid2", default_country: Optional[str] = None,
                    columns: Optional[str] = None, mode: str = "aggregate", k: int = 50,
                    group: Optional[str] = None, measurement: Optional[str] = None, min_records: int = 0,
                    max_records: int = 50_000_000, purpose: str = "overlap analysis",
                    epsilon: Optional[str] = None, pair: bool = False, yes: bool = False,
                    code: Optional[str] = None, relay_ca: Optional[str] = None,
                    audience_out: Optional[str] = None, audience_format: str = "plain",
                    has_header: bool = True, receipt: Optional[str] = None,
                    suppress: Optional[str] = None, partitions: Optional[int] = None, tasks_per_job: Optional[int] = None,
                    on_invite=None, label: str = "input", stats: Optional[Dict[str, Any]] = None,
                    join_dir: Optional[str] = None) -> Dict[str, Any]:
    """This side of a match over a Spark DataFrame; returns the report dict (as ``cleanmatch match``).

    ``epsilon`` and ``pair`` as ``--epsilon`` and ``--pair``. ``audience_out`` (audience mode, which
    giving it asks for) is a directory the matched input rows are written to
    as CSV by a Spark join, in ``audience_format`` (as ``--audience-format``: plain,
    google, google-sha256, meta, meta-sha256), one file with ``\r\n`` line ends and the
    command line's quoting. ``has_header=False`` for input read with ``header_row=0``
    (roles are guessed from the values only; a plain export has no header line). See the
    package docstring for what runs where. ``join_dir`` is where the join's input goes
    as Parquet for the join's duration (a directory every executor can read and nobody
    outside this partner's cluster: HDFS, S3, a shared filesystem; default in local mode:
    a new private temporary directory; else none, and the values go through the driver's
    JVM with ``createDataFrame``). ``stats``, a dict, receives the phases:
    ``prepare_seconds`` (read, normalize, deduplicate, gather), ``protocol_seconds``
    (from the session's start to the report), within it ``jobs``, ``tasks`` and
    ``job_seconds`` (blind and evaluate on Spark) and ``join_seconds``, ``join_values``
    (the match as Spark joins).
    """
    if mode not in ("aggregate", "audience"):
        raise _error("usage", f"unknown mode '{mode}' (aggregate or audience)")
    _native.AudienceRows(audience_format, [])  # an unknown format fails before any Spark job
    t0 = time.monotonic()
    records = prepare(spark, df, preset=preset, default_country=default_country, columns=columns, group=group,
                      partitions=partitions, suppress=suppress, label=label, has_header=has_header)
    q = json.loads(records.report)
    kinds = ", ".join(f"{k} {v.get('valid', 0)} valid" for k, v in sorted(q["kinds"].items()))
    print(f"{q['rows']} rows read, {len(records)} records usable ({kinds}); {q['suppressed']} suppressed",
          file=sys.stderr)
    if len(records) == 0:
        raise _error("no-usable-record",
                     f"{label}: no usable record among {q['rows']} rows; check the column roles with --columns")
    prepared = time.monotonic() - t0
    per_job = tasks_per_job or max(2, 2 * spark.sparkContext.defaultParallelism)
    run = Run(records, host=host, invite=invite, relay=relay, preset=preset, mode=mode, k=k, group=group,
              measurement=measurement, min_records=min_records, max_records=max_records, purpose=purpose,
              epsilon=epsilon, pair=pair, yes=yes, code=code, relay_ca=relay_ca, receipt=receipt,
              wants_rows=bool(audience_out), external=True, external_join=True,
              max_in_flight=2 * per_job, file_name=label)
    if run.invite is not None:
        (on_invite or (lambda url: print(f"invite {url}", flush=True)))(run.invite)
    stats = stats if stats is not None else {}
    stats.update({"prepare_seconds": prepared, "jobs": 0, "tasks": 0, "job_seconds": 0.0, "join_seconds": 0.0,
                  "join_values": 0})
    t_run = time.monotonic()
    try:
        private = None
        if join_dir is None and spark.sparkContext.master.startswith("local"):
            import tempfile

            # Mode 0700: the double-blinded values are for this partner's processes only.
            join_dir = private = tempfile.mkdtemp(prefix="cleanmatch-")
        try:
            _run_tasks(spark, run, per_job, stats, partitions, join_dir)
        finally:
            if private is not None:
                import shutil

                shutil.rmtree(private, ignore_errors=True)
    except BaseException as e:
        # Tell the partner and end the session rather than leave it waiting.
        run.cancel(f"the Spark job failed ({type(e).__name__})")
        raise
    report = json.loads(run.wait())
    stats["protocol_seconds"] = time.monotonic() - t_run
    print(f"spark: prepared in {prepared:.1f} s; {stats['tasks']} tasks in {stats['jobs']} jobs "
          f"({stats['job_seconds']:.1f} s); joined {stats['join_values']} values in {stats['join_seconds']:.1f} s",
          file=sys.stderr)
    rows = run.matched_rows() if audience_out else None
    if rows is not None:
        # Without audience mode (said when the terms were agreed) nothing is written.
        from pyspark.sql import functions as F

        ids = records.ids_of(rows)
        matched = spark.createDataFrame(pa.table({ID: pa.array(ids, pa.int64())}))
        with_id = df.withColumn(ID, F.monotonically_increasing_id())
        out = with_id.join(matched, ID).orderBy(ID).drop(ID).coalesce(1)
        roles = [c["role"] for c in q["columns"]]
        header = _native.AudienceRows(audience_format, roles, default_country).header(list(df.columns))
        if audience_format == "plain" and not has_header:
            header = None
        lines = out.mapInArrow(_lines_fn(audience_format, roles, default_country, header), "value string")
        lines.write.mode("error").option("lineSep", "\r\n").text(audience_out)
        report["audience_rows_written"] = len(ids)
    return report
