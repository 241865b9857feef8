"""Shapefile text encoding: .cpg files, and detection from the raw .dbf bytes (UTF-8 or GBK)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from landkit._errors import Problem, ValidationError

_CPG_CODECS = {
    "UTF-8": "utf-8", "UTF8": "utf-8", "65001": "utf-8",
    "GBK": "gb18030", "CP936": "gb18030", "936": "gb18030", "ANSI 936": "gb18030", "GB2312": "gb18030",
    "GB18030": "gb18030", "54936": "gb18030",
    "ISO-8859-1": "latin-1", "ISO8859-1": "latin-1", "88591": "latin-1", "LATIN1": "latin-1",
    "BIG5": "big5", "950": "big5",
}


@dataclass
class _DbfText:
    """Distinct raw values of the text fields of a .dbf that have non-ASCII bytes."""

    values: dict[str, list[bytes]]

    def decodes(self, codec: str) -> tuple[int, list[str]]:
        """How many distinct values fail to decode with ``codec``, and the fields they are in."""
        failed, fields = 0, []
        for name, vals in self.values.items():
            bad = 0
            for v in vals:
                try:
                    v.decode(codec)
                except UnicodeDecodeError:
                    bad += 1
            if bad:
                failed += bad
                fields.append(name)
        return failed, fields

    @property
    def ascii_only(self) -> bool:
        return not any(self.values.values())


def _scan_dbf(handle: IO[bytes], *, chunk_bytes: int = 16 << 20) -> _DbfText:
    """Read a .dbf's text fields in chunks and keep their distinct non-ASCII raw values."""
    head = handle.read(32)
    if len(head) < 32:
        return _DbfText({})
    n_records = int.from_bytes(head[4:8], "little")
    header_len = int.from_bytes(head[8:10], "little")
    record_len = int.from_bytes(head[10:12], "little")
    descriptors = handle.read(header_len - 32)
    fields: list[tuple[str, int, int]] = []
    offset = 1  # deletion flag
    for k in range(0, len(descriptors) - 31, 32):
        desc = descriptors[k:k + 32]
        if desc[0] == 0x0D:
            break
        name = desc[:11].split(b"\x00")[0].decode("ascii", "replace")
        length = desc[16]
        if desc[11:12] == b"C":
            fields.append((name, offset, length))
        offset += length
    seen: dict[str, set[bytes]] = {name: set() for name, _, _ in fields}
    if not fields or record_len <= 0:
        return _DbfText({})
    per_chunk = max(1, chunk_bytes // record_len)
    remaining = n_records
    while remaining > 0:
        count = min(per_chunk, remaining)
        block = handle.read(count * record_len)
        count = len(block) // record_len
        if count == 0:
            break
        arr = np.frombuffer(block[: count * record_len], dtype=np.uint8).reshape(count, record_len)
        for name, off, length in fields:
            sub = arr[:, off:off + length]
            rows = sub[(sub >= 0x80).any(axis=1)]
            if len(rows):
                uniq = np.unique(np.ascontiguousarray(rows).view(f"V{length}").ravel())
                seen[name].update(bytes(u).rstrip(b" \x00") for u in uniq)
        remaining -= count
    return _DbfText({name: sorted(vals) for name, vals in seen.items() if vals})


@contextmanager
def _shapefile_parts(path: str, layer: str) -> Iterator[tuple[IO[bytes] | None, str | None]]:
    """Open the .dbf of a shapefile layer (plain, in a folder, or zipped) and read its .cpg text."""
    p = Path(path)
    if p.suffix.lower() == ".zip" and zipfile.is_zipfile(p):
        with zipfile.ZipFile(p) as zf:
            members = {Path(m).name.casefold(): m for m in zf.namelist()}
            dbf = members.get(f"{layer}.dbf".casefold())
            cpg = members.get(f"{layer}.cpg".casefold())
            cpg_text = zf.read(cpg).decode("ascii", "replace") if cpg else None
            if dbf is None:
                yield None, cpg_text
                return
            with zf.open(dbf) as handle:
                yield handle, cpg_text
        return
    folder = p if p.is_dir() else p.parent
    stem = layer if p.is_dir() else p.stem
    candidates = {q.name.casefold(): q for q in folder.glob("*") if q.stem.casefold() == stem.casefold()}
    dbf_path = candidates.get(f"{stem}.dbf".casefold())
    cpg_path = candidates.get(f"{stem}.cpg".casefold())
    cpg_text = cpg_path.read_text("ascii", errors="replace") if cpg_path else None
    if dbf_path is None:
        yield None, cpg_text
        return
    with open(dbf_path, "rb") as handle:
        yield handle, cpg_text


def shapefile_encoding(path: str, layer: str, encoding: str | None) -> tuple[str | None, str, bool]:
    """Decide how to decode a shapefile's text.

    Returns ``(encoding for pyogrio or None, note, lenient)``; ``lenient`` means some values do not
    decode with any candidate and must be decoded with replacement characters.
    """
    with _shapefile_parts(path, layer) as (handle, cpg_text):
        scanned = _scan_dbf(handle) if handle is not None else _DbfText({})
    if encoding is not None:
        try:
            "".encode(encoding)
        except LookupError as exc:
            raise ValidationError(path, [Problem(
                f"layer {layer}", f"unknown encoding {encoding!r}", "use e.g. encoding='GBK' or 'UTF-8'",
                "encoding")]) from exc
        failed, fields = scanned.decodes(encoding)
        if failed:
            raise ValidationError(path, [Problem(
                f"layer {layer}", f"{failed} text value(s) in field(s) {', '.join(fields)} are not valid "
                f"{encoding}", "try encoding='GBK' or encoding='UTF-8', or omit encoding= to detect it",
                "encoding")])
        return encoding, f"text decoded as {encoding} (encoding= argument)", False
    if scanned.ascii_only:
        return None, "", False
    cpg = (cpg_text or "").strip().upper()
    codec = _CPG_CODECS.get(cpg)
    if codec is not None and scanned.decodes(codec)[0] == 0:
        return codec, f"text decoded as {cpg} (from the .cpg file)", False
    for candidate, label in (("utf-8", "UTF-8"), ("gb18030", "GBK/GB18030")):
        if scanned.decodes(candidate)[0] == 0:
            why = (f"the .cpg says {cpg!r} but the text is not valid {cpg}" if cpg
                   else "no .cpg file")
            return candidate, f"{why}; text detected as {label} and decoded so", False
    best = min(("utf-8", "gb18030"), key=lambda c: scanned.decodes(c)[0])
    failed, fields = scanned.decodes(best)
    return best, (f"{failed} text value(s) in {', '.join(fields)} are not valid UTF-8 nor GBK (truncated "
                  f"characters?); decoded as {best} with replacement characters (�)"), True


def read_lenient(path: str, layer: str, codec: str, **kwargs: Any) -> gpd.GeoDataFrame:
    """Read text byte-for-byte as Latin-1, then decode it with ``codec`` and replacement characters."""
    gdf = pyogrio.read_dataframe(path, layer=layer, encoding="ISO-8859-1", **kwargs)
    for col in gdf.columns:
        if col != gdf.geometry.name and not pd.api.types.is_numeric_dtype(gdf[col].dtype) and \
                not pd.api.types.is_bool_dtype(gdf[col].dtype):
            gdf[col] = gdf[col].map(
                lambda v: v.encode("latin-1").decode(codec, "replace") if isinstance(v, str) else v)
    return gdf
