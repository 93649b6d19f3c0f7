"""The normalize vectors (tests/vectors/normalize-*.tsv and the shared published examples)
through the Python package's columnar `normalize`, as `tests/normalize_vectors.rs` runs
them natively and tests/browser/protocol-vectors.test.mjs in the browser."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

import cleanmatch as cm
from conftest import ROOT


def rows():
    """(where, preset, kind, input, expected, hex, default country) of every vector row;
    `# @default-country XX|none` sets the country for the rows after it (US at the start)."""
    shared = Path(os.environ.get("CLEANMATCH_SHARED_DIR", ROOT.parent / "shared")) / "vectors" / "normalize.tsv"
    files = sorted((ROOT / "tests" / "vectors").glob("normalize-*.tsv"))
    assert files, "no tests/vectors/normalize-*.tsv"
    assert shared.exists(), f"{shared} is missing (set CLEANMATCH_SHARED_DIR)"
    out = []
    for f in files + [shared]:
        country = "US"
        for i, line in enumerate(f.read_text(encoding="utf-8").split("\n"), 1):
            if line.startswith("# @default-country "):
                cc = line[len("# @default-country "):].strip()
                country = None if cc == "none" else cc
                continue
            if not line or line.startswith("#"):
                continue
            preset, kind, value, want, hexd, comment = line.split("\t")
            out.append((f"{f.name}:{i} [{preset} {kind} {value!r}] ({comment})", preset, kind, value, want, hexd, country))
    return out


def test_python_normalizes_and_hashes_every_vector_as_the_native_runner():
    every = rows()
    # name_postal is formed from a record's columns by the reader (tests/test_files.py
    # reads files with those columns), not from one value.
    batches = defaultdict(list)
    for r in every:
        if r[2] != "name_postal":
            batches[(r[1], r[2], r[6])].append(r)
    run = sum(len(b) for b in batches.values())
    assert run > 100 and run < len(every), (run, len(every))
    problems = []
    for (preset, kind, country), batch in batches.items():
        try:
            t = cm.normalize([r[3] for r in batch], preset, kind, country).to_pydict()
        except cm.CleanmatchError as e:
            # An unknown default country refuses the whole column (native: every value).
            assert e.code == "unknown-country", (preset, kind, country, e)
            t = {c: [None] * len(batch) for c in ("normalized", "digest")} | {"error": [e.code] * len(batch)}
        for j, (at, _, _, _, want, hexd, _) in enumerate(batch):
            got, digest, err = t["normalized"][j], t["digest"][j], t["error"][j]
            if want == "error":
                if got is not None:
                    problems.append(f"{at}: expected an error, got {got!r}")
            elif got != want:
                problems.append(f"{at}: expected {want!r}, got {got!r} ({err})")
            elif digest.hex() != hexd:
                problems.append(f"{at}: digest {digest.hex()} != {hexd}")
    assert not problems, f"{len(problems)} problem(s) in {run} rows:\n" + "\n".join(problems)
