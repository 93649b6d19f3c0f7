"""File reading: the same quality report and the same errors as `cleanmatch inspect`."""

from __future__ import annotations

import json
import subprocess

import pytest

import cleanmatch as cm
from messy import cli_says, write_messy


def cli_inspect(cli, *args):
    return subprocess.run([str(cli), "inspect", *map(str, args)], capture_output=True, text=True)


def test_inspect_equals_the_command_line(cli, tmp_path):
    f = tmp_path / "messy.csv"
    write_messy(f, range(300))
    want = cli_inspect(cli, f, "--default-country", "US", "--group", "Segment")
    assert want.returncode == 0, want.stderr
    got = cm.inspect(f, default_country="US", group="Segment")
    assert got == json.loads(want.stdout)
    records = cm.read_file(f, default_country="US", group="Segment")
    assert len(records) == got["records"] == 300
    # The Name column has no postal code beside it: a name alone is no key.
    assert sorted(records.held_keys()) == ["email", "phone"]
    assert got["keys"] == ["email", "phone"]


@pytest.mark.parametrize("case", ["missing-file", "missing-column", "bad-role", "empty"])
def test_bad_input_gives_the_command_lines_error(cli, tmp_path, case):
    f = tmp_path / "in.csv"
    write_messy(f, range(10))
    args = {"missing-file": ([tmp_path / "nope.csv"], {}),
            "missing-column": ([f, "--columns", "Mail=email"], {"columns": "Mail=email"}),
            "bad-role": ([f, "--columns", "E-Mail=shoe"], {"columns": "E-Mail=shoe"}),
            "empty": ([tmp_path / "empty.csv"], {})}[case]
    (tmp_path / "empty.csv").write_text("")
    want = cli_inspect(cli, *args[0])
    assert want.returncode != 0
    with pytest.raises(cm.CleanmatchError) as e:
        cm.inspect(args[0][0], **args[1])
    assert cli_says(want.stderr, e.value)
    assert e.value.code == {"missing-file": "unreadable-file", "missing-column": "unknown-column",
                            "bad-role": "unknown-role", "empty": "empty-file"}[case]


def test_header_row_as_the_command_line(cli, tmp_path):
    """`header_row` is `--header-row`: two title lines above the header, or no header."""
    plain = tmp_path / "plain.csv"
    write_messy(plain, range(200))
    titled, bare = tmp_path / "titled.csv", tmp_path / "bare.csv"
    body = plain.read_text()
    titled.write_text("Customer export,,,\nQ3 2026,,,\n" + body)
    bare.write_text(body.split("\n", 1)[1])
    for f, row in ((titled, 3), (bare, 0)):
        want = cli_inspect(cli, f, "--default-country", "US", "--header-row", str(row))
        assert want.returncode == 0, want.stderr
        got = cm.inspect(f, default_country="US", header_row=row)
        assert got == json.loads(want.stdout)
        assert got["records"] == 200
        assert len(cm.read_file(f, default_country="US", header_row=row)) == 200
    with pytest.raises(cm.CleanmatchError) as e:
        cm.inspect(titled, header_row=400)
    want = cli_inspect(cli, titled, "--header-row", "400")
    assert e.value.code == "header-row" and cli_says(want.stderr, e.value)
