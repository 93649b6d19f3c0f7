"""The Spark driver in local[2]: partition independence, byte equality with the native
core, a match against the command line through the real relay, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow as pa
import pytest

import cleanmatch as cm
from cleanmatch.spark import driver
from conftest import ROOT
from partners import CliGuest
from messy import cli_says, write_clean, write_messy
from test_columns import FIXED, native


def test_records_do_not_depend_on_the_partitioning(spark, tmp_path):
    f = tmp_path / "b.csv"
    truth = write_messy(f, range(0, 900))
    df = driver.read_input(spark, [str(f)])
    seen = []
    for n in (1, 3, 7):
        rs = driver.prepare(spark, df, default_country="US", group="Segment", partitions=n)
        q = json.loads(rs.report)
        kinds = {k: {f: v for f, v in st.items() if f != "duplicate_in_partition"} for k, st in q["kinds"].items()}
        seen.append((len(rs), rs.fingerprint(), q["rows"], q["records"], q["duplicate_records"],
                     json.dumps(kinds, sort_keys=True)))
    assert len(set(seen)) == 1, seen
    assert seen[0][0] == truth["records"]
    assert seen[0][4] == truth["duplicates"]
    # The same records (groups and key digests) as the command line's reader of the file
    from_file = cm.read_file(f, default_country="US", group="Segment")
    assert len(from_file) == truth["records"]
    assert from_file.fingerprint() == seen[0][1]


def test_spark_blind_tasks_equal_the_native_core(spark):
    import hashlib

    digests = b"".join(hashlib.sha256(f"p{i}".encode()).digest() for i in range(3000))
    table = pa.table({"id": pa.array([1, 2], pa.int64()), "op": ["blind", "evaluate"], "key": ["phone", None],
                      "input": pa.array([digests, bytes(cm.blind("email", digests[:3200], FIXED).buffers()[1])],
                                        pa.binary())})
    df = spark.createDataFrame(table.to_pandas()).repartition(2)
    out = df.mapInArrow(driver._task_fn(FIXED), driver.TASK_SCHEMA).toArrow().sort_by("id")
    got = out.column("output").to_pylist()
    assert got[0] == native("phone", FIXED, [digests])[0]
    assert got[1] == native("evaluate", FIXED, [bytes(cm.blind("email", digests[:3200], FIXED).buffers()[1])])[0]


def test_spark_host_and_cli_guest_match_through_the_relay(spark, cli, relay, tmp_path):
    a, b = tmp_path / "spark.csv", tmp_path / "cli.csv"
    truth = write_messy(a, range(400, 1000))
    write_clean(b, range(0, 600))
    guest = CliGuest(cli, "--file", b, "--yes")
    df = driver.read_input(spark, [str(a)])
    report = driver.match_dataframe(spark, df, host=True, relay=relay, yes=True, default_country="US",
                                    group="Segment", k=20, partitions=3, tasks_per_job=2, on_invite=guest)
    theirs = guest.report()
    assert report["report_hash"] == theirs["report_hash"]
    assert report["own_records"] == truth["records"] == 600
    assert report["partner_records"] == 600
    assert report["own_matched"] == 200 == theirs["own_matched"]
    assert report["partner_matched"] == 200
    # the same file through the command line's own reader gives the same report figures
    assert theirs["partner_records"] == report["own_records"]


def test_spark_guest_of_a_cli_host_in_audience_mode(spark, cli, relay, tmp_path):
    a, b = tmp_path / "cli.csv", tmp_path / "spark.csv"
    write_clean(a, range(0, 300))
    write_clean(b, range(200, 500))
    host = subprocess.Popen([str(cli), "match", "--relay", relay, "--host", "--yes", "--file", str(a),
                             "--mode", "audience"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    invite = host.stdout.readline().split(" ", 1)[1].strip()
    df = driver.read_input(spark, [str(b)])
    out = tmp_path / "matched"
    report = driver.match_dataframe(spark, df, invite=invite, yes=True, mode="audience", audience_out=str(out))
    theirs = json.loads(host.stdout.readline())
    host.wait()
    assert report["report_hash"] == theirs["report_hash"]
    assert report["own_matched"] == 100 and report["audience_rows_written"] == 100
    written = spark.read.option("header", True).csv(str(out)).toPandas()
    assert sorted(written["Email"]) == sorted(f"person{i}@example.com" for i in range(200, 300))


def test_bad_input_gives_the_command_lines_errors(spark, cli, tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(cm.CleanmatchError) as e:
        driver.read_input(spark, [str(missing)])
    want = subprocess.run([str(cli), "inspect", str(missing)], capture_output=True, text=True).stderr.strip()
    assert e.value.code == "unreadable-file" and cli_says(want, e.value)
    f = tmp_path / "in.csv"
    write_messy(f, range(10))
    df = driver.read_input(spark, [str(f)])
    with pytest.raises(cm.CleanmatchError) as e:
        driver.prepare(spark, df, columns="Mail=email", label=str(f))
    want = subprocess.run([str(cli), "inspect", str(f), "--columns", "Mail=email"], capture_output=True, text=True)
    assert e.value.code == "unknown-column" and cli_says(want.stderr, e.value)


def test_module_help_lists_the_match_options():
    out = subprocess.run([sys.executable, "-m", "cleanmatch.spark", "match", "--help"], capture_output=True,
                         text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    for opt in ("--input", "--master", "--invite", "--relay", "--preset", "--default-country", "--columns",
                "--header-row", "--audience-format", "--join-dir",
                "--mode", "--k", "--group", "--yes", "--code", "--relay-ca", "--audience-out", "--receipt"):
        assert opt in out.stdout


def test_an_invalid_partner_point_in_a_spark_task_is_reported_with_its_index(spark):
    """A partner's bad point must fail the run (invalid-point), never pass as a value."""
    good = bytes(cm.blind("email", b"\x01" * 32, FIXED).buffers()[1])
    bad = good * 3 + b"\xff" * 32 + good
    table = pa.table({"id": pa.array([7], pa.int64()), "op": ["evaluate"], "key": pa.array([None], pa.string()),
                      "input": pa.array([bad], pa.binary())})
    out = spark.createDataFrame(table.to_pandas()).mapInArrow(driver._task_fn(FIXED), driver.TASK_SCHEMA).toArrow()
    assert out.column("bad").to_pylist() == [3]
    assert out.column("output").to_pylist() == [b""]


def test_a_suppression_file_removes_the_same_records_as_the_command_line(spark, tmp_path):
    f, opt_out = tmp_path / "b.csv", tmp_path / "opt-out.csv"
    write_messy(f, range(0, 300))
    opt_out.write_text("email\n" + "".join(f"PERSON{i}@EXAMPLE.COM\n" for i in range(100, 150)))
    df = driver.read_input(spark, [str(f)])
    rs = driver.prepare(spark, df, default_country="US", group="Segment", partitions=3, suppress=str(opt_out))
    from_file = cm.read_file(f, default_country="US", group="Segment", suppress=opt_out)
    assert len(rs) == len(from_file) == 300 - 40  # persons 100..149 with an email (not i % 5 == 0)
    assert rs.fingerprint() == from_file.fingerprint()
    assert json.loads(rs.report)["suppressed"] == 40
    with pytest.raises(cm.CleanmatchError) as e:
        driver.prepare(spark, df, suppress=str(tmp_path / "missing.csv"))
    assert e.value.code == "unreadable-file" and "missing.csv: cannot read" in str(e.value)


def test_header_row_reads_the_same_records_as_the_command_line(spark, tmp_path):
    plain = tmp_path / "plain.csv"
    write_messy(plain, range(300))
    body = plain.read_text()
    titled, bare = tmp_path / "titled.csv", tmp_path / "bare.csv"
    titled.write_text("Customer export,,,\nQ3 2026,,,\n" + body)
    bare.write_text(body.split("\n", 1)[1])
    for f, row in ((titled, 3), (bare, 0)):
        df = driver.read_input(spark, [str(f)], header_row=row)
        rs = driver.prepare(spark, df, default_country="US", partitions=3, has_header=row != 0)
        from_file = cm.read_file(f, default_country="US", header_row=row)
        assert len(rs) == len(from_file) == 300
        assert rs.fingerprint() == from_file.fingerprint(), f"header row {row}"
    assert driver.read_input(spark, [str(titled)], header_row=3).columns == ["E-Mail", "Telefon", "Full Name", "Segment"]
    assert driver.read_input(spark, [str(bare)], header_row=0).columns == [f"column {i}" for i in range(1, 5)]
    with pytest.raises(cm.CleanmatchError) as e:
        driver.read_input(spark, [str(titled)], header_row=900)
    assert e.value.code == "header-row"


def test_spark_detects_titles_sep_lines_delimiters_and_encodings_as_the_command_line(spark, tmp_path):
    """Without --header-row, the Spark reader finds the layout the core's reader finds."""
    import csv

    plain = tmp_path / "plain.csv"
    write_messy(plain, range(300))
    rows = list(csv.reader(plain.open(newline="")))
    next(r for r in rows[1:] if len(r) >= 3)[2] = "Zoë Größer"  # a name outside ASCII, for the encodings

    def semicolons(prefix: str = "") -> str:
        import io

        out = io.StringIO()
        out.write(prefix)
        csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
        return out.getvalue()

    cases = {
        "titled.csv": ("Loyalty members export,,,\nGenerated 2024-03-01,,,\n" + plain.read_text()).encode(),
        "sep.csv": semicolons("sep=;\r\n").encode("cp1252"),
        "bom.csv": b"\xef\xbb\xbf" + semicolons().encode(),
        "utf16.csv": semicolons().encode("utf-16"),
    }
    for name, data in cases.items():
        f = tmp_path / name
        f.write_bytes(data)
        found: dict = {}
        df = driver.read_input(spark, [str(f)], found=found)
        assert df.columns == ["E-Mail", "Telefon", "Full Name", "Segment"], name
        rs = driver.prepare(spark, df, default_country="US", partitions=3, has_header=found["header_row"] != 0)
        from_file = cm.read_file(f, default_country="US")
        assert len(rs) == len(from_file) == 300, name
        assert rs.fingerprint() == from_file.fingerprint(), name
    assert json.loads(cm._native.sniff(cases["sep.csv"], True))["encoding"]["encoding"] == "windows-1252"


@pytest.mark.parametrize("fmt", ["plain", "google-sha256"])
def test_a_spark_audience_export_equals_the_command_lines(spark, cli, relay, tmp_path, fmt):
    """`--audience-format` on Spark writes the bytes `cleanmatch match --audience-out` writes."""
    a, b = tmp_path / "host.csv", tmp_path / "guest.csv"
    write_clean(a, range(0, 300))
    write_messy(b, range(200, 500), segment=False)
    # The command line as the guest first, for the reference export.
    want_out = tmp_path / "cli.csv"
    host = subprocess.Popen([str(cli), "match", "--relay", relay, "--host", "--yes", "--file", str(a),
                             "--mode", "audience"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    invite = host.stdout.readline().split(" ", 1)[1].strip()
    guest = subprocess.run([str(cli), "match", "--invite", invite, "--file", str(b), "--yes", "--mode", "audience", "--default-country",
                            "US", "--audience-out", str(want_out), "--audience-format", fmt],
                           capture_output=True, text=True)
    host.communicate()
    assert guest.returncode == 0, guest.stderr
    # Then Spark as the guest of a new host.
    host = subprocess.Popen([str(cli), "match", "--relay", relay, "--host", "--yes", "--file", str(a),
                             "--mode", "audience"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    invite = host.stdout.readline().split(" ", 1)[1].strip()
    out = tmp_path / "spark"
    report = driver.match_dataframe(spark, driver.read_input(spark, [str(b)]), invite=invite, yes=True,
                                    mode="audience", default_country="US", audience_out=str(out),
                                    audience_format=fmt, partitions=3)
    host.communicate()
    assert report["own_matched"] == 100 == report["audience_rows_written"]
    written = [p for p in out.iterdir() if p.name.startswith("part-")]
    assert len(written) == 1
    assert written[0].read_bytes() == want_out.read_bytes()
