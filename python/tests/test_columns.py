"""Columnar normalize / blind / evaluate against the native core, and their errors."""

from __future__ import annotations

import hashlib
import subprocess

import pandas as pd
import pyarrow as pa
import pytest

import cleanmatch as cm
from conftest import EXAMPLE

#: A fixed test scalar (canonical, non-zero). Never use a fixed scalar in a real run.
FIXED = bytes([0x2A] + [0x11] * 30 + [0x05])
OTHER = bytes([0x07] + [0x00] * 31)


def native(key: str, scalar: bytes, items: list) -> list:
    """The native core's answer (a Rust example program linking the core)."""
    assert EXAMPLE.exists(), f"build it: python/scripts/test.sh (CARGO_TARGET_DIR=target/native cargo build --example blind_fixed in python/) ({EXAMPLE})"
    out = subprocess.run([str(EXAMPLE), key, scalar.hex()], input="\n".join(i.hex() for i in items) + "\n",
                         capture_output=True, text=True, check=True).stdout.split()
    return [bytes.fromhex(h) for h in out]


def test_normalize_columns_with_per_value_errors():
    t = cm.normalize(pd.Series([" Jane.Doe+x@GMail.com ", None, "no-at-sign", "a@b.de"]), "google", "email")
    assert t.column_names == ["normalized", "digest", "error", "reason"]
    assert t.column("normalized").to_pylist() == ["janedoe@gmail.com", None, None, "a@b.de"]
    assert t.column("digest").type == pa.binary(32)
    assert t.column("digest")[0].as_py() == hashlib.sha256(b"janedoe@gmail.com").digest()
    assert t.column("digest")[1].as_py() is None
    assert t.column("error").to_pylist() == [None, "empty", "invalid", None]
    assert all("no-at-sign" not in (r or "") for r in t.column("reason").to_pylist()), "reasons never repeat values"
    phones = cm.normalize(pa.array(["(800) 555-0100", "555 0100"]), "google", "phone", "US")
    assert phones.column("normalized")[0].as_py() == "+18005550100"
    nocc = cm.normalize(["(800) 555-0100"], "google", "phone")
    assert nocc.column("error").to_pylist() == ["no-country-code"]


def test_sliced_and_chunked_inputs():
    arr = pa.chunked_array([["x@y.de", "A@B.DE"], [None, "c@d.de"]])
    full = cm.normalize(arr, "uid2", "email")
    sliced = cm.normalize(pa.array(["junk", "x@y.de", "A@B.DE", None, "c@d.de"]).slice(1), "uid2", "email")
    assert full.equals(sliced)


def test_blind_and_evaluate_equal_the_native_core_byte_for_byte():
    digests = [hashlib.sha256(f"person{i}@example.com".encode()).digest() for i in range(5000)]
    col = pa.array(digests, pa.binary(32))
    for key in ("email", "phone"):
        points = cm.blind(key, col, FIXED)
        assert points.type == pa.binary(32)
        want = native(key, FIXED, [b"".join(digests)])[0]
        assert b"".join(p.as_py() for p in points) == want
        # the per-core pieces and a single-threaded run agree
        assert cm.blind(key, col, FIXED, parallel=False).equals(points)
    points = cm.blind("email", col.slice(7, 100), FIXED)
    values = cm.evaluate(points, OTHER)
    assert values.type == pa.binary(12)
    assert b"".join(v.as_py() for v in values) == native("evaluate", OTHER, [b"".join(p.as_py() for p in points)])[0]


def test_the_two_orders_of_blinding_meet():
    d = pa.array([hashlib.sha256(b"jane@example.com").digest()], pa.binary(32))
    a, b = cm.random_secret(), cm.random_secret()
    assert a != b and len(a) == 32
    assert cm.evaluate(cm.blind("email", d, a), b).equals(cm.evaluate(cm.blind("email", d, b), a))


def test_errors_carry_stable_codes():
    with pytest.raises(cm.CleanmatchError) as e:
        cm.evaluate(cm.blind("email", pa.array([b"\0" * 32], pa.binary(32)), FIXED).to_pylist()[0] + b"\xff" * 32, FIXED)
    assert e.value.code == "invalid-point" and e.value.index == 1
    with pytest.raises(cm.CleanmatchError) as e:
        cm.blind("shoe size", b"\0" * 32, FIXED)
    assert e.value.code == "unknown-key"
    with pytest.raises(cm.CleanmatchError) as e:
        cm.blind("email", b"\0" * 31, FIXED)
    assert e.value.code == "invalid-length"
    with pytest.raises(cm.CleanmatchError) as e:
        cm.blind("email", b"\0" * 32, b"\0" * 32)
    assert e.value.code == "invalid-secret"
    with pytest.raises(cm.CleanmatchError) as e:
        cm.normalize(["x"], "nope", "email")
    assert e.value.code == "unknown-preset"
    with pytest.raises(cm.CleanmatchError) as e:
        cm.normalize(["x"], "uid2", "phone", "XX")
    assert e.value.code == "unknown-country"
