"""Type stubs of the extension module ``cleanmatch._native`` (the Rust core via PyO3).

Buffers cross as ``bytes``: a string column as ``(offsets, data, validity, offset, length)``
with little-endian i64 offsets (Arrow ``large_string`` / ``large_binary`` layout) and a
validity bitmap (``b""`` for no nulls). The public, Arrow-typed API is in ``cleanmatch``.
"""

from typing import List, Optional, Sequence, Tuple

StrBuffers = Tuple[bytes, bytes, bytes, int, int]
StrOut = Tuple[bytes, bytes, bytes]

KEYS: List[str]
"""Match keys in wire order: email, phone, name_postal (first + last name + postal code +
country together; a name or a postal code alone is no key), maid."""
POINT_LEN: int
"""Bytes of a compressed ristretto255 point (32)."""
VALUE_LEN: int
"""Bytes of a returned double-blinded value (12)."""
DIGEST_LEN: int
"""Bytes of a SHA-256 digest (32)."""
CHUNK: int
"""Points per blind/evaluate task and per bulk message (16,384)."""
PRESETS: List[str]
VERSION: str

class CleanmatchError(Exception):
    """A cleanmatch failure. ``code`` is stable and kebab-case; ``message`` never holds identifiers."""

    code: str
    message: str
    index: int
    """Only for ``invalid-point``: the position of the first bad point."""

def normalize_column(
    preset_name: str,
    kind_name: str,
    default_country: Optional[str],
    offsets: bytes,
    data: bytes,
    validity: bytes,
    offset: int,
    length: int,
) -> Tuple[StrOut, bytes, StrOut, StrOut]:
    """n raw values → (normalized column, n·32 digest bytes (zeros on error), error codes, reasons)."""

def blind(key: str, digests_bytes: bytes, secret_bytes: bytes, parallel: bool = True) -> bytes:
    """n·32 digest bytes → n·32 point bytes: ``hash_to_ristretto255(key, d)·s``."""

def evaluate(points_bytes: bytes, secret_bytes: bytes, parallel: bool = True) -> bytes:
    """n·32 point bytes → n·12 value bytes: ``(P·s)[..12]``."""

def random_secret() -> bytes:
    """A fresh random non-zero scalar, 32 bytes."""

def inspect(
    path: str,
    preset: str = "uid2",
    default_country: Optional[str] = None,
    columns: Optional[str] = None,
    group: Optional[str] = None,
    suppress: Optional[str] = None,
    sheet: Optional[str] = None,
    header_row: Optional[int] = None,
) -> str:
    """The quality report as the JSON text ``cleanmatch inspect`` prints; ``header_row`` as
    ``--header-row`` (1-based, 0 for no header row, ``None`` detects it)."""

def read_file(
    path: str,
    preset: str = "uid2",
    default_country: Optional[str] = None,
    columns: Optional[str] = None,
    group: Optional[str] = None,
    suppress: Optional[str] = None,
    sheet: Optional[str] = None,
    header_row: Optional[int] = None,
) -> RecordSet: ...

def column_roles(
    headers: Sequence[str],
    sample: Sequence[Sequence[str]],
    columns: Optional[str] = None,
    group: Optional[str] = None,
    has_header: bool = True,
) -> Tuple[List[str], List[float], Optional[int]]:
    """Guessed roles (with ``columns`` overrides), their confidences, and the group column index.
    ``has_header=False``: the names are placeholders, only the values count."""

JoinKeys = List[Tuple[str, bytes, bytes, bytes]]
JoinOutcome = List[Tuple[str, bytes, bytes, bytes, bytes]]

def join_in_memory(keys: JoinKeys) -> JoinOutcome:
    """The core's own join of ``Run.take_join`` values, in the ``Run.complete_join`` layout."""

class AudienceRows:
    """Audience export rows in a ``--audience-format`` layout, as the command line's CSV lines."""

    def __init__(self, format: str, roles: Sequence[str], default_country: Optional[str] = None) -> None: ...
    def header(self, headers: Sequence[str]) -> str:
        """The header line (no line end): ``headers`` for plain, the template's columns otherwise."""
    def lines(self, rows: Sequence[Sequence[Optional[str]]]) -> List[str]:
        """One CSV line (no line end) per row of fields."""

class RecordSet:
    """A side's records (about 40 bytes + 32 per key each), consumed by :class:`Run`."""

    report: str
    """The quality report, JSON text."""

    def __init__(self) -> None: ...
    def add_batch(self, ids: bytes, groups: StrBuffers, masks: bytes, digests: StrBuffers) -> int:
        """Adds n records: n little-endian i64 ids, a group column, n key-mask bytes, and per
        record 32 bytes per present key in key order."""
    def ids_of(self, positions: Sequence[int]) -> List[int]: ...
    def fingerprint(self) -> bytes:
        """Order-independent SHA-256 over the records' groups and key digests."""
    def held_keys(self) -> List[str]: ...
    def __len__(self) -> int: ...

class PartitionReader:
    """The core's quality inspector over one Spark partition's Arrow batches."""

    def __init__(
        self,
        headers: Sequence[str],
        roles: Sequence[str],
        preset_name: str,
        default_country: Optional[str] = None,
        group: Optional[int] = None,
    ) -> None: ...
    def add(self, columns: Sequence[StrBuffers], ids: bytes) -> Tuple[bytes, StrOut, bytes, StrOut, bytes]:
        """Used records: (i64 ids, group column, mask bytes, digests column, 16-byte fingerprints)."""
    def finish(self) -> str:
        """The partition's quality report, JSON text."""

def sniff(head: bytes, complete: bool, header_row: Optional[int] = None) -> str:
    """What the core's reader detects at the start of a text file (``head``: its first bytes,
    64 KiB is enough; ``complete``: the whole file), as JSON text: ``format``, ``encoding``,
    ``delimiter``, ``has_header``, ``header_row``, ``skipped``, ``headers``, ``preview``,
    ``columns``. ``header_row`` as ``--header-row``. Raises ``CleanmatchError``."""

class Run:
    """One side of a match through a relay, in a background thread (see ``cleanmatch.match``)."""

    invite: Optional[str]
    """Host: the invite link for the partner, once the relay holds the room (waits for it)."""

    def __init__(
        self,
        records: RecordSet,
        *,
        host: bool = False,
        invite: Optional[str] = None,
        relay: Optional[str] = None,
        preset: str = "uid2",
        mode: str = "aggregate",
        k: int = 50,
        group: Optional[str] = None,
        measurement: Optional[str] = None,
        min_records: int = 0,
        max_records: int = 50_000_000,
        purpose: str = "overlap analysis",
        epsilon: Optional[str] = None,
        pair: bool = False,
        yes: bool = False,
        code: Optional[str] = None,
        relay_ca: Optional[str] = None,
        audience_out: Optional[str] = None,
        audience_format: str = "plain",
        receipt: Optional[str] = None,
        wants_rows: bool = False,
        external: bool = False,
        external_join: bool = False,
        max_in_flight: int = 0,
        file_name: str = "",
    ) -> None: ...
    def next_tasks(
        self, max: int = 64, timeout: float = 1.0
    ) -> Optional[Tuple[Optional[bytes], List[Tuple[int, str, Optional[str], bytes]]]]:
        """External executor: ``(secret, [(id, "blind"|"evaluate", key, input)])``; ``None`` once ended."""
    def take_join(self) -> Optional[JoinKeys]:
        """``external_join``: once, ``[(key, partner, own, own_groups)]``: 12-byte values back to
        back (the partner's in its record order) and one little-endian u16 own group per own value."""
    def complete_join(self, outcome: JoinOutcome) -> None:
        """``external_join``: ``[(key, partner_group, partner_first, own_matched, own_first)]``: u16 LE
        smallest own group per partner value (65535: none), then one byte 0/1 per value."""
    def complete(self, id: int, output: bytes) -> None: ...
    def complete_invalid_point(self, id: int, index: int) -> None: ...
    def cancel(self, reason: str) -> None: ...
    def wait(self) -> str:
        """The report JSON text; raises :class:`CleanmatchError` with the session's code."""
    def matched_rows(self) -> Optional[List[int]]: ...
