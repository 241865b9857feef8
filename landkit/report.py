"""Reports for the leading group: one document model written as self-contained HTML and as Word.

A report is a list of blocks (:class:`Heading`, :class:`Paragraph`, :class:`Table`, :class:`Figure`).
:func:`write_html` embeds every figure as a base64 PNG, so the file can be mailed on its own;
:func:`write_docx` writes the same content with python-docx (headings, tables, pictures), since
government offices work in Word.

Examples
--------
>>> blocks = [Heading("情景报告", 0), Paragraph("说明"), Table("关键指标", frame), Figure("地图", "map.png")]
>>> write_html(blocks, "report.html", title="情景报告")         # doctest: +SKIP
>>> write_docx(blocks, "report.docx", title="情景报告")         # doctest: +SKIP
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from landkit._errors import ArgumentTypeError
from landkit.atomic import atomic_path


@dataclass(frozen=True)
class Heading:
    """A heading; ``level`` 0 is the document title, 1–3 sections."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain text."""

    text: str


@dataclass(frozen=True)
class Table:
    """A captioned table; the index is written as the first column when it is named or not a range."""

    caption: str
    frame: pd.DataFrame
    max_rows: int = 60


@dataclass(frozen=True)
class Figure:
    """A captioned PNG figure, read from ``path``."""

    caption: str
    path: str | os.PathLike[str]
    width_cm: float = 16.0


Block = Heading | Paragraph | Table | Figure


def _cell(v: object) -> str:
    if isinstance(v, float):
        if pd.isna(v):
            return ""
        return f"{v:,.2f}" if abs(v) < 1e15 else f"{v:.3g}"
    if v is None or (not isinstance(v, (list, tuple, dict)) and pd.isna(v)):  # type: ignore[arg-type]
        return ""
    return str(v)


def _frame(t: Table) -> tuple[pd.DataFrame, bool]:
    df = t.frame
    truncated = len(df) > t.max_rows
    df = df.head(t.max_rows)
    if df.index.name is not None or not isinstance(df.index, pd.RangeIndex):
        df = df.reset_index()
    return df, truncated


_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei","PingFang SC",sans-serif;max-width:1100px;
margin:2em auto;color:#222;line-height:1.5}
h1{border-bottom:2px solid #444}h2{border-bottom:1px solid #aaa;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0 1.2em;font-size:13px}
th,td{border:1px solid #bbb;padding:3px 7px;text-align:right}th{background:#eee}
td:first-child,th:first-child{text-align:left}
figure{margin:1em 0}figure img{max-width:100%}figcaption,caption{font-weight:bold;text-align:left;padding:.3em 0}
.note{color:#666;font-size:12px}
"""


def render_html(blocks: Sequence[Block], *, title: str) -> str:
    """The report as one self-contained HTML page (figures embedded as base64 PNG)."""
    parts = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
             f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"]
    for b in blocks:
        if isinstance(b, Heading):
            lvl = min(max(b.level, 0), 3) + 1
            parts.append(f"<h{lvl}>{html.escape(b.text)}</h{lvl}>")
        elif isinstance(b, Paragraph):
            parts.append(f"<p>{html.escape(b.text)}</p>")
        elif isinstance(b, Table):
            df, truncated = _frame(b)
            head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
            rows = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
                           for row in df.itertuples(index=False))
            parts.append(f"<table><caption>{html.escape(b.caption)}</caption><thead><tr>{head}</tr></thead>"
                         f"<tbody>{rows}</tbody></table>")
            if truncated:
                parts.append(f'<p class="note">前 {b.max_rows} 行 / first {b.max_rows} of {len(b.frame)} rows; '
                             "全表见 tables/ 文件夹 (full table in tables/)</p>")
        elif isinstance(b, Figure):
            data = base64.b64encode(Path(b.path).read_bytes()).decode("ascii")
            parts.append(f'<figure><img alt="{html.escape(b.caption)}" src="data:image/png;base64,{data}">'
                         f"<figcaption>{html.escape(b.caption)}</figcaption></figure>")
        else:  # pragma: no cover - guarded by the type
            raise ArgumentTypeError(f"unknown report block {b!r}")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html(blocks: Sequence[Block], path: str | os.PathLike[str], *, title: str) -> Path:
    """Write :func:`render_html` to ``path`` atomically; returns the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(render_html(blocks, title=title), encoding="utf-8")
    return Path(path)


def write_docx(blocks: Sequence[Block], path: str | os.PathLike[str], *, title: str) -> Path:
    """Write the report as a Word document (python-docx): headings, tables and pictures."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Noto Sans CJK SC"
    style.font.size = Pt(10.5)
    rpr = style.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), "Noto Sans CJK SC")
    doc.core_properties.title = title
    for b in blocks:
        if isinstance(b, Heading):
            doc.add_heading(b.text, level=min(max(b.level, 0), 3))
        elif isinstance(b, Paragraph):
            doc.add_paragraph(b.text)
        elif isinstance(b, Table):
            df, truncated = _frame(b)
            doc.add_paragraph(b.caption, style="Caption")
            table = doc.add_table(rows=1, cols=len(df.columns))
            table.style = "Table Grid"
            for cell, col in zip(table.rows[0].cells, df.columns, strict=True):
                cell.text = str(col)
            for row in df.itertuples(index=False):
                cells = table.add_row().cells
                for cell, v in zip(cells, row, strict=True):
                    cell.text = _cell(v)
            if truncated:
                doc.add_paragraph(f"前 {b.max_rows} 行 (first {b.max_rows} of {len(b.frame)} rows); 全表见 tables/")
        elif isinstance(b, Figure):
            doc.add_picture(str(b.path), width=Cm(b.width_cm))
            doc.add_paragraph(b.caption, style="Caption")
        else:  # pragma: no cover
            raise ArgumentTypeError(f"unknown report block {b!r}")
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return Path(path)


__all__ = ["Block", "Figure", "Heading", "Paragraph", "Table", "render_html", "write_docx", "write_html"]
