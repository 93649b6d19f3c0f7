"""cleanmatch: find the customers two partners share without either handing over its file.

The same Rust core as the page, the npm package and the ``cleanmatch`` command line,
as a Python package. Every function works on whole columns (pyarrow arrays, pandas
Series or lists), never a Python call per value:

- :func:`normalize` — raw identifiers → normalized strings, SHA-256 digests, per-value errors.
- :func:`blind` / :func:`evaluate` — the PSI arithmetic on 32-byte digests and points.
- :func:`inspect` / :func:`read_file` — a file's quality report / records, as ``cleanmatch inspect``.
- :func:`match` — one side of a whole match through a relay, as ``cleanmatch match``.
- ``python -m cleanmatch.spark match`` — this side's work on a Spark cluster.

Errors raise :class:`CleanmatchError` with a stable ``code`` (the JS API's codes).
The report is pseudonymous and aggregate.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Callable, Dict, Optional, Union

import pyarrow as pa
import pyarrow.compute as pc

from . import _arrow
from ._native import (
    CHUNK,
    DIGEST_LEN,
    KEYS,
    POINT_LEN,
    PRESETS,
    VALUE_LEN,
    VERSION,
    CleanmatchError,
    RecordSet,
    Run,
)
from . import _native

__all__ = [
    "CHUNK",
    "DIGEST_LEN",
    "KEYS",
    "POINT_LEN",
    "PRESETS",
    "VALUE_LEN",
    "VERSION",
    "CleanmatchError",
    "RecordSet",
    "Run",
    "blind",
    "evaluate",
    "inspect",
    "match",
    "normalize",
    "random_secret",
    "read_file",
]

__version__ = VERSION
PathLike = Union[str, "os.PathLike[str]"]


def normalize(values: Any, preset: str = "uid2", kind: str = "email", default_country: Optional[str] = None) -> pa.Table:
    """Normalizes and hashes a column of raw identifiers.

    Args:
        values: n raw values (pyarrow array/chunked array of strings, pandas Series, list);
            nulls count as empty.
        preset: ``uid2``, ``google``, ``meta``, ``pair`` or ``plain``.
        kind: ``email``, ``phone``, ``name``, ``postal``, ``maid`` or ``sha256`` (a name or a postal
            code is normalized here, but is matched only as part of ``name_postal``).
        default_country: ISO 3166-1 alpha-2 country for phones without a country code.

    Returns:
        A table of n rows: ``normalized`` (large_string, null on error), ``digest``
        (fixed_size_binary(32): SHA-256 of the normalized UTF-8, null on error),
        ``error`` (stable code such as ``invalid`` or ``no-country-code``, null if fine)
        and ``reason`` (a short text that never repeats the value).

    Raises:
        CleanmatchError: ``unknown-preset``, ``unknown-kind``, ``unknown-country``.
    """
    arr = _arrow.as_large_string(values)
    n = len(arr)
    (no, nd, nv), digests, (co, cd, cv), (ro, rd, rv) = _native.normalize_column(
        preset, kind, default_country, *_arrow.str_buffers(arr)
    )
    normalized = _arrow.from_str_buffers(n, no, nd, nv)
    valid = normalized.is_valid()
    digest = pc.if_else(valid, _arrow.fixed_array(digests, DIGEST_LEN), pa.scalar(None, pa.binary(DIGEST_LEN)))
    return pa.table(
        {
            "normalized": normalized,
            "digest": digest,
            "error": _arrow.from_str_buffers(n, co, cd, cv),
            "reason": _arrow.from_str_buffers(n, ro, rd, rv),
        }
    )


def blind(key: str, digests: Any, secret: bytes, *, parallel: bool = True) -> pa.FixedSizeBinaryArray:
    """Blinds digests of one match key: ``hash_to_ristretto255(key, d)·s`` per digest.

    Args:
        key: a match key, one of :data:`KEYS` (``email``, ``phone``, ``name_postal``, ``maid``).
        digests: n SHA-256 digests (fixed_size_binary(32) array without nulls, or n·32 bytes).
        secret: this side's 32-byte scalar (:func:`random_secret`); whoever holds it can
            undo the blinding, so it stays on this partner's machines.
        parallel: spread the work over all cores of this process (off inside Spark tasks).

    Returns:
        n compressed ristretto255 points, fixed_size_binary(32), in input order.

    Raises:
        CleanmatchError: ``unknown-key``, ``invalid-length``, ``invalid-secret``.
    """
    data = _arrow.fixed_bytes(digests, DIGEST_LEN)
    return _arrow.fixed_array(_native.blind(key, data, bytes(secret), parallel), POINT_LEN)


def evaluate(points: Any, secret: bytes, *, parallel: bool = True) -> pa.FixedSizeBinaryArray:
    """Evaluates a partner's blinded points: ``(P·s)`` truncated to its first 12 bytes.

    Args:
        points: n 32-byte compressed points (fixed_size_binary(32) array, or n·32 bytes).
        secret: this side's 32-byte scalar.
        parallel: spread the work over all cores of this process.

    Returns:
        n double-blinded values, fixed_size_binary(12), in input order.

    Raises:
        CleanmatchError: ``invalid-point`` (with ``index``, the first bad point),
            ``invalid-length``, ``invalid-secret``.
    """
    data = _arrow.fixed_bytes(points, POINT_LEN)
    return _arrow.fixed_array(_native.evaluate(data, bytes(secret), parallel), VALUE_LEN)


def random_secret() -> bytes:
    """A fresh uniformly random non-zero scalar (32 bytes) for :func:`blind` / :func:`evaluate`."""
    return bytes(_native.random_secret())


def inspect(
    path: PathLike,
    preset: str = "uid2",
    *,
    default_country: Optional[str] = None,
    columns: Optional[str] = None,
    group: Optional[str] = None,
    suppress: Optional[PathLike] = None,
    sheet: Optional[str] = None,
    header_row: Optional[int] = None,
) -> Dict[str, Any]:
    """The local quality report of a file: the JSON ``cleanmatch inspect`` prints, as a dict.

    The file (CSV/TSV in any delimiter and common encodings, or .xlsx/.xls/.ods) is
    streamed in 1 MiB reads. ``columns`` overrides role guesses (``name=role,...``).
    ``header_row`` as ``--header-row``: the header's 1-based row number (rows above it
    are skipped), 0 for a file without a header row; ``None`` detects title lines and
    the header.

    Raises:
        CleanmatchError: ``unreadable-file``, ``empty-file``, ``binary-file``,
            ``unknown-column``, ``unknown-role``, ``no-identifier-column``, ``unknown-preset``, ...
            with the command line's message (``FILE: what is wrong``).
    """
    text = _native.inspect(os.fspath(path), preset, default_country, columns, group,
                           os.fspath(suppress) if suppress else None, sheet, header_row)
    return json.loads(text)


def read_file(
    path: PathLike,
    preset: str = "uid2",
    *,
    default_country: Optional[str] = None,
    columns: Optional[str] = None,
    group: Optional[str] = None,
    suppress: Optional[PathLike] = None,
    sheet: Optional[str] = None,
    header_row: Optional[int] = None,
) -> RecordSet:
    """Reads a file into the records a match blinds (about 40 bytes + 32 per key each).

    ``len(records)`` is the number of usable records; ``records.report`` the quality
    report (JSON text); ``header_row`` as in :func:`inspect`. Raises as :func:`inspect`
    (``header-row`` too), and ``no-usable-record``.
    """
    return _native.read_file(os.fspath(path), preset, default_country, columns, group,
                             os.fspath(suppress) if suppress else None, sheet, header_row)


def _print_invite(url: str) -> None:
    print(f"invite {url}", flush=True)


def match(
    file: Union[PathLike, RecordSet],
    *,
    host: bool = False,
    invite: Optional[str] = None,
    relay: Optional[str] = None,
    preset: str = "uid2",
    default_country: Optional[str] = None,
    columns: Optional[str] = None,
    mode: str = "aggregate",
    k: int = 50,
    group: Optional[str] = None,
    measurement: Optional[str] = None,
    min_records: int = 0,
    max_records: int = 50_000_000,
    purpose: str = "overlap analysis",
    epsilon: Optional[str] = None,
    pair: bool = False,
    suppress: Optional[PathLike] = None,
    sheet: Optional[str] = None,
    header_row: Optional[int] = None,
    yes: bool = False,
    code: Optional[str] = None,
    relay_ca: Optional[PathLike] = None,
    audience_out: Optional[PathLike] = None,
    audience_format: str = "plain",
    receipt: Optional[PathLike] = None,
    on_invite: Callable[[str], None] = _print_invite,
) -> Dict[str, Any]:
    """Runs this side of a match through a relay, exactly as ``cleanmatch match`` does.

    Host: ``match(f, host=True, relay="ws://host:port", ...)`` calls ``on_invite(url)``
    (default: prints ``invite <url>`` on stdout) and waits for the partner. Guest:
    ``match(f, invite=url, ...)``. The partner may be a browser page, the command line
    or another Python/Spark party. Once connected, both sides show a verification code:
    ``code`` is the one the partner told you (the run stops unless this side shows the
    same); ``yes`` trusts the channel the invite travelled on (and accepts the manifest);
    without either both are asked on the terminal. ``relay_ca`` (a PEM file) adds
    certificate authorities for a ``wss://`` relay. ``audience_format`` as
    ``--audience-format``: plain, google, meta, google-sha256, meta-sha256;
    ``header_row`` as ``--header-row`` (see :func:`inspect`). ``epsilon`` (a decimal
    string such as ``"0.5"``) and ``pair`` as ``--epsilon`` and ``--pair``: noise on every
    published count, PAIR output rules; the stricter side wins. Giving ``audience_out``
    asks for audience mode; if the partner does not opt in, the run reports aggregates and
    writes no rows (said on stderr when the terms are agreed).
    Progress goes to stderr. The blinding runs on every core of this process.

    Returns:
        The report (the JSON object the command line prints), with at least
        ``own_records``, ``partner_records``, ``own_matched``, ``partner_matched``,
        ``by_kind``, ``cells``, ``report_hash``.

    Raises:
        CleanmatchError: a file error (see :func:`inspect`), ``usage``, ``relay``, or the
            session's code: ``preset-mismatch``, ``no-shared-key``, ``set-too-small``,
            ``set-too-large``, ``invalid-point``, ``report-mismatch``, ``partner-aborted``, ...
    """
    if isinstance(file, RecordSet):
        records, name = file, ""
    else:
        print(f"reading {os.fspath(file)} ...", file=sys.stderr)
        records = read_file(file, preset, default_country=default_country, columns=columns, group=group,
                            suppress=suppress, sheet=sheet, header_row=header_row)
        name = os.path.basename(os.fspath(file))
    run = Run(records, host=host, invite=invite, relay=relay, preset=preset, mode=mode, k=k, group=group,
              measurement=measurement, min_records=min_records, max_records=max_records, purpose=purpose,
              epsilon=epsilon, pair=pair, yes=yes, code=code, relay_ca=os.fspath(relay_ca) if relay_ca else None,
              audience_out=os.fspath(audience_out) if audience_out else None, audience_format=audience_format,
              receipt=os.fspath(receipt) if receipt else None, file_name=name)
    if run.invite is not None:
        on_invite(run.invite)
    return json.loads(run.wait())
