"""Every parameter of the bundled file is read by landkit (issue 18: read by a model or removed)."""

from __future__ import annotations

from pathlib import Path

from landkit.params import Parameters

ROOT = Path(__file__).resolve().parent.parent / "landkit"
#: Keys read through a computed name, and the text that computes it.
COMPUTED = {
    "farmland.shandong_pooled_price": 'f"farmland.shandong_{kind}_price"',
    "farmland.shandong_adjusted_price": 'f"farmland.shandong_{kind}_price"',
}


def _read_in(key: str, files: dict[Path, str]) -> bool:
    section, last = key.rsplit(".", 1)
    for text in files.values():
        if f'"{key}"' in text or f"'{key}'" in text:
            return True
        # a section prefix joined to the name, e.g. f = "farmland."; params[f + "reclaimed_grade"]
        if f'"{section}."' in text and f'+ "{last}"' in text:
            return True
    computed = COMPUTED.get(key)
    return computed is not None and any(computed in text for text in files.values())


def test_every_bundled_parameter_is_read_by_landkit():
    files = {p: p.read_text(encoding="utf-8") for p in ROOT.rglob("*.py")}
    unread = [k for k in Parameters.load() if not _read_in(k, files)]
    assert unread == [], f"parameters no code reads (read them in a model, or remove them): {unread}"


def test_the_check_itself_catches_an_unread_key():
    files = {Path("x.py"): 'params["a.b"]\nf = "c."\nparams[f + "d"]\n'}
    assert _read_in("a.b", files) and _read_in("c.d", files)
    assert not _read_in("a.c", files) and not _read_in("e.d", files)
