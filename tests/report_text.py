"""What a reader of a report sees: its text (HTML or Word), and the words in Latin letters left in it."""

from __future__ import annotations

from pathlib import Path

#: Words in Latin letters a Chinese report may hold: codes, units, product and command names (``landkit init``);
#: file paths are removed first.
ALLOWED_LATIN = {"NPV", "HiGHS", "highs", "CBC", "cbc", "landkit", "km", "MPS", "CSV", "UTF", "PNG", "PDF", "BSM",
                 "YJJBNTBHTB", "STBHHX", "CZKFBJ", "YYSYDBHQ", "EPSG", "GB", "init"}


def latin_words(text: str) -> set[str]:
    """Words of three or more Latin letters, once file names and paths (tables/x.csv, audit.json) are removed."""
    import re

    text = re.sub(r"[\w./\-]+\.(csv|json|yaml|gpkg|mps|png|html|docx)\b", " ", text)
    text = re.sub(r"\S*/\S*", " ", text)  # folders (a bundle's path)
    return {w for w in re.findall(r"[A-Za-z][A-Za-z_]{2,}", text) if w not in ALLOWED_LATIN}


def docx_text(path: Path) -> str:
    from docx import Document

    doc = Document(str(path))
    return "\n".join([p.text for p in doc.paragraphs]
                     + [c.text for t in doc.tables for r in t.rows for c in r.cells])


def html_text(path: Path) -> str:
    import html as html_lib
    import re

    t = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    t = re.sub(r"<img[^>]*>", " ", t)
    return html_lib.unescape(re.sub(r"<[^>]+>", "\n", t))
