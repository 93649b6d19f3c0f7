"""`cleanmatch.match` (Python) against the command line through the real relay."""

from __future__ import annotations

import json

import cleanmatch as cm
from partners import CliGuest
from messy import write_clean, write_messy


def test_python_host_and_cli_guest_agree_with_the_truth(cli, relay, tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_clean(a, range(0, 600))
    truth = write_messy(b, range(400, 1000))
    guest = CliGuest(cli, "--file", b, "--yes", "--default-country", "US", "--group", "Segment")
    receipt = tmp_path / "receipt.json"
    report = cm.match(a, host=True, relay=relay, yes=True, k=20, on_invite=guest, receipt=receipt)
    theirs = guest.report()
    assert report["report_hash"] == theirs["report_hash"]
    assert report["own_records"] == 600 and report["partner_records"] == truth["records"] == 600
    assert report["own_matched"] == 200 and theirs["own_matched"] == 200
    assert json.loads(receipt.read_text())["report_hash"] == report["report_hash"]


def test_a_code_that_differs_stops_the_run_before_anything_is_proposed(cli, relay, tmp_path):
    """`code=` is `--code`: a code other than the one shown here cancels the run (as a
    machine in the middle would cause); the partner learns it at once."""
    import pytest

    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_clean(a, range(0, 100))
    write_clean(b, range(50, 150))
    guest = CliGuest(cli, "--file", b, "--yes")
    # Six digits no verification code has: codes are digits only, this one has a letter.
    with pytest.raises(cm.CleanmatchError) as e:
        cm.match(a, host=True, relay=relay, code="12345x", k=20, on_invite=guest)
    p = guest.wait()
    assert e.value.code == "cancelled" and "verification codes differ" in str(e.value)
    assert p.returncode != 0
    assert "cancelled, at the partner" in p.stderr


def test_usage_errors_name_the_problem_and_keep_the_records(tmp_path):
    import pytest

    a = tmp_path / "a.csv"
    write_clean(a, range(10))
    records = cm.read_file(a)
    with pytest.raises(cm.CleanmatchError) as e:
        cm.Run(records, host=True)  # no relay
    assert e.value.code == "usage" and "--relay" in str(e.value)
    with pytest.raises(cm.CleanmatchError) as e:
        cm.Run(records, invite="http://127.0.0.1:1/#k=short")
    assert e.value.code == "seal"
    with pytest.raises(cm.CleanmatchError) as e:
        cm.Run(records, host=True, relay="ws://127.0.0.1:1", mode="everything")
    assert e.value.code == "usage"
    assert len(records) == 10


def test_epsilon_pair_and_asking_for_rows_as_the_command_line(cli, relay, tmp_path):
    """`epsilon`/`pair` are `--epsilon`/`--pair` (the stricter side wins); `audience_out`
    alone opts in to audience mode, as `--audience-out` does."""
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_clean(a, range(0, 1200))
    write_clean(b, range(600, 1800))
    guest = CliGuest(cli, "--file", b, "--yes")
    report = cm.match(a, host=True, relay=relay, yes=True, epsilon="1", pair=True, on_invite=guest)
    theirs = guest.report()
    assert report["report_hash"] == theirs["report_hash"]
    assert report["rule"]["noise"]["epsilon"] == theirs["rule"]["noise"]["epsilon"]
    assert str(report["rule"]["noise"]["epsilon"]) in ("1", "1.0")
    assert report["rule"]["pair"] is True and theirs["rule"]["pair"] is True
    # Noise moves the count by a few (scale ~13 at ε = 1 with one key), never by hundreds.
    assert abs(report["own_matched"] - 600) < 200

    out = tmp_path / "rows.csv"
    guest = CliGuest(cli, "--file", b, "--yes")
    report = cm.match(a, host=True, relay=relay, yes=True, audience_out=out, on_invite=guest)
    guest.report()
    assert report["mode"] == "aggregate", "the guest did not opt in: aggregates only"
    assert "audience_rows_written" not in report and not out.exists()

    guest = CliGuest(cli, "--file", b, "--yes", "--mode", "audience")
    report = cm.match(a, host=True, relay=relay, yes=True, audience_out=out, on_invite=guest)
    guest.report()
    assert report["mode"] == "audience" and report["audience_rows_written"] == 600
    assert len(out.read_text().splitlines()) == 601
