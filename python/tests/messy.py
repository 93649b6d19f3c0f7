"""Messy customer files with a known truth, written independently of the core."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Dict, Iterable


def email(i: int) -> str:
    return f"person{i}@example.com"


def phone_e164(i: int) -> str:
    return f"+1 212 555 {i:04d}"


def phone_local(i: int) -> str:
    return f"(212) 555-{i:04d}"


def write_clean(path: Path, ids: Iterable[int]) -> int:
    """Email and phone in international form; returns the usable records."""
    n = 0
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Email", "Phone", "Name"])
        for i in ids:
            w.writerow([email(i), phone_e164(i), f"Doe, Jane {i}"])
            n += 1
    return n


def write_messy(path: Path, ids: Iterable[int], segment: bool = True) -> Dict[str, int]:
    """Mixed case and spaces in emails, local phone numbers (needs default country US),
    some rows with only a phone, invalid rows, exact duplicate rows, blank rows.
    Returns the truth: usable distinct records, invalid-only rows, duplicates."""
    ids = list(ids)
    rows = []
    for i in ids:
        e = f"  {email(i).upper()} " if i % 2 == 0 else email(i)
        if i % 5 == 0:
            e = ""  # phone only
        p = phone_local(i) if i % 3 else ""
        if e == "" and p == "":
            p = phone_e164(i)
        seg = "gold" if i % 2 else "silver"
        rows.append([e, p, f"Doe, Jane {i}", seg])
    invalid = [["not an email", "12", "", "gold"] for _ in range(17)]
    dups = [list(rows[j]) for j in range(0, min(30, len(rows)), 3)]
    out = []
    for j, r in enumerate(rows):
        out.append(r)
        if j % 40 == 0 and invalid:
            out.append(invalid.pop())
        if j % 50 == 0:
            out.append(["", "", "", ""])
    out.extend(invalid)
    out.extend(dups)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["E-Mail", "Telefon", "Full Name", "Segment"] if segment else ["E-Mail", "Telefon", "Full Name", "x"])
        w.writerows(out)
    return {"records": len(ids), "invalid_rows": 17, "duplicates": len(dups)}


def cli_says(stderr: str, e: BaseException) -> bool:
    """Whether the command line's error line is the Python exception's: ``cleanmatch: `` and
    the same message, with the same stable code where the command line prints one
    (``... [code]``, as it does for file errors)."""
    line = stderr.strip()
    coded = f"cleanmatch: {e} [{getattr(e, 'code', '')}]"
    return line in (f"cleanmatch: {e}", coded)
