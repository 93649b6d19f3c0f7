"""Matching as Spark joins: the Spark join's outcome equals the core's in-memory join
whatever the partitioning, and a Spark partner (join path) gets the same report hash as
the command line on the same files, through the real relay."""

from __future__ import annotations

import json
import random
import subprocess

import pytest

from cleanmatch import _native
from cleanmatch.spark import driver
from partners import CliGuest
from messy import write_clean, write_messy


def _values(rng: random.Random, n: int, pool: int) -> bytes:
    # Small pools, so values repeat within a side and meet across sides.
    return b"".join(rng.randrange(pool).to_bytes(12, "little") for _ in range(n))


def test_the_spark_join_equals_the_cores_join_under_any_partitioning(spark, tmp_path, monkeypatch):
    # Small chunks, so the Parquet hand-off writes several files per key.
    monkeypatch.setattr(driver, "JOIN_CHUNK", 128)
    rng = random.Random(5)
    keys = []
    for key, n_p, n_o, groups in (("email", 700, 500, 3), ("phone", 300, 0, 1), ("maid", 0, 200, 2)):
        own_groups = b"".join(rng.randrange(groups).to_bytes(2, "little") for _ in range(n_o))
        keys.append((key, _values(rng, n_p, 400), _values(rng, n_o, 400), own_groups))
    want = _native.join_in_memory(keys)
    # The truth, independently of both: smallest own group per partner value.
    email = keys[0]
    own = [email[2][i:i + 12] for i in range(0, len(email[2]), 12)]
    groups = [int.from_bytes(email[3][i:i + 2], "little") for i in range(0, len(email[3]), 2)]
    first_partner = email[1][:12]
    hits = [g for v, g in zip(own, groups) if v == first_partner]
    assert int.from_bytes(want[0][1][:2], "little") == (min(hits) if hits else 0xFFFF)
    assert any(b == 0 for b in want[0][2]), "the data repeat partner values"
    assert any(want[0][3]) and not all(want[0][3])
    for n, where in ((1, None), (3, str(tmp_path)), (7, None), (7, str(tmp_path))):
        got = driver.spark_join(spark, keys, partitions=n, join_dir=where)
        assert [tuple(bytes(x) if not isinstance(x, str) else x for x in g) for g in got] == \
               [tuple(bytes(x) if not isinstance(x, str) else x for x in w) for w in want], f"{n} partitions, {where}"
        assert list(tmp_path.iterdir()) == [], "the hand-off directory is removed"


def _cli_pair(cli, relay, host_file, guest_file, host_args):
    host = subprocess.Popen([str(cli), "match", "--relay", relay, "--host", "--yes", "--file", str(host_file),
                             *host_args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    invite = host.stdout.readline().split(" ", 1)[1].strip()
    guest = subprocess.run([str(cli), "match", "--invite", invite, "--file", str(guest_file), "--yes"],
                           capture_output=True, text=True)
    out, err = host.communicate()
    assert host.returncode == 0 and guest.returncode == 0, err + guest.stderr
    return json.loads(out), json.loads(guest.stdout)


@pytest.mark.parametrize("partitions", [1, 3, 7])
def test_a_spark_host_joining_on_spark_gets_the_command_lines_report(spark, cli, relay, tmp_path, partitions, capsys):
    a, b = tmp_path / "host.csv", tmp_path / "guest.csv"
    write_messy(a, range(400, 1000))
    write_clean(b, range(0, 650))
    want, _ = _cli_pair(cli, relay, a, b, ["--group", "Segment", "--default-country", "US", "--k", "20"])
    guest = CliGuest(cli, "--file", b, "--yes")
    df = driver.read_input(spark, [str(a)])
    report = driver.match_dataframe(spark, df, host=True, relay=relay, yes=True, default_country="US",
                                    group="Segment", k=20, partitions=partitions, tasks_per_job=2, on_invite=guest)
    assert report["report_hash"] == guest.report()["report_hash"]
    assert report["report_hash"] == want["report_hash"], "the same report as the command line's"
    assert report == want
    # The values were joined on Spark (600 own email values and 650 partner ones at least).
    joined = capsys.readouterr().err.split("joined ")[1].split(" values")[0]
    assert int(joined) >= 1250
