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
import datetime as dt
import html
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, SupportsFloat, cast

import numpy as np
import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from landkit import __version__
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


@dataclass(frozen=True)
class PageBreak:
    """The end of a page in the Word report (the 摘要 stands on its own page); a rule in HTML."""


Block = Heading | Paragraph | Table | Figure | PageBreak


#: Page layout of the Word report: A4, margins after GB/T 9704-2012 (top 37, bottom 35, left 28, right 26 mm).
PAGE_MM = {"width": 210.0, "height": 297.0, "top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}
#: Fonts a Chinese office has (GB/T 9704: body 仿宋, headings 黑体); LibreOffice here substitutes Noto CJK.
BODY_FONT, HEADING_FONT = "仿宋_GB2312", "黑体"
#: A table with more columns than this goes on a landscape page.
LANDSCAPE_COLUMNS = 8


def _number(f: float, decimals: int, *, grouped: bool | None = None) -> str:
    """``f`` with ``decimals`` places; thousands grouped (``grouped``; by default whole numbers below 10,000
    are not, so that a year reads 2019)."""
    if abs(f) >= 1e15:
        return f"{f:.3g}"
    if decimals == 0:
        group = abs(f) >= 10000 if grouped is None else grouped
        return f"{round(f):,}" if group else str(round(f))
    return f"{f:,.{decimals}f}"


def _is_year_column(values: np.ndarray) -> bool:
    """Whole numbers that all read as years (1900–2100): written without a thousands separator."""
    return bool(len(values)) and bool(np.all((values >= 1900) & (values <= 2100)))


def _cell(v: object, decimals: int = 2) -> str:
    """A value as a Chinese office writes it: whole numbers without decimals (years as 2019), 是/否, no NaN."""
    if isinstance(v, (bool, np.bool_)):
        return "是" if bool(v) else "否"
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return "" if np.isnan(f) else _number(f, 0 if f.is_integer() else decimals)
    if isinstance(v, (int, np.integer)):
        return _number(float(v), 0)
    if v is None or (not isinstance(v, (list, tuple, dict)) and pd.isna(v)):
        return ""
    return str(v)


def cell_text(col: pd.Series) -> Callable[[object], str]:
    """How a column's cells are written, one format per column: whole numbers without decimals (and without a
    thousands separator when every value is a year), other numbers with two decimals; text, 是/否 and blanks as
    :func:`_cell` writes them (numbers held as objects included)."""
    if col.dtype == object:  # numbers held as objects count; text never does (a BSM or a code like 0702)
        held = col.dropna()
        if not len(held) or not all(isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_))
                                    for v in held):
            return _cell
        numbers = held.to_numpy(dtype=float)
    elif pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        numbers = col.dropna().to_numpy(dtype=float)
    else:
        return _cell
    if not len(numbers):
        return _cell
    decimals = 0 if np.all(numbers == np.round(numbers)) else 2
    grouped = not _is_year_column(numbers) if decimals == 0 else True

    def write(v: object) -> str:
        if isinstance(v, (bool, np.bool_)) or v is None or (not isinstance(v, (list, tuple, dict)) and pd.isna(v)):
            return _cell(v)
        try:
            return _number(float(cast(SupportsFloat, v)), decimals, grouped=grouped)
        except (TypeError, ValueError):
            return str(v)
    return write


def _rows(df: pd.DataFrame) -> list[list[str]]:
    """The table's cells as text, one format per column (:func:`cell_text`)."""
    columns = [[cell_text(df.iloc[:, i])(v) for v in df.iloc[:, i]] for i in range(df.shape[1])]
    return [list(r) for r in zip(*columns, strict=True)] if columns else []


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
    n_tables = 0
    for b in blocks:
        if isinstance(b, Heading):
            lvl = min(max(b.level, 0), 3) + 1
            parts.append(f"<h{lvl}>{html.escape(b.text)}</h{lvl}>")
        elif isinstance(b, Paragraph):
            parts.append(f"<p>{html.escape(b.text)}</p>")
        elif isinstance(b, Table):
            df, truncated = _frame(b)
            head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
            rows = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>"
                           for row in _rows(df))
            n_tables += 1
            parts.append(f"<table><caption>表{n_tables} {html.escape(b.caption)}</caption>"
                         f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
            if truncated:
                parts.append(f'<p class="note">仅列前 {b.max_rows} 行 (共 {len(b.frame)} 行), '
                             "全表见 tables/ 文件夹</p>")
        elif isinstance(b, Figure):
            data = base64.b64encode(Path(b.path).read_bytes()).decode("ascii")
            parts.append(f'<figure><img alt="{html.escape(b.caption)}" src="data:image/png;base64,{data}">'
                         f"<figcaption>{html.escape(b.caption)}</figcaption></figure>")
        elif isinstance(b, PageBreak):
            parts.append("<hr>")
        else:  # pragma: no cover - guarded by the type
            raise ArgumentTypeError(f"unknown report block {b!r}")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html(blocks: Sequence[Block], path: str | os.PathLike[str], *, title: str) -> Path:
    """Write :func:`render_html` to ``path`` atomically; returns the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(render_html(blocks, title=title), encoding="utf-8")
    return Path(path)


def _set_font(style: Any, name: str, size_pt: float | None = None) -> None:
    style.font.name = name
    if size_pt is not None:
        style.font.size = Pt(size_pt)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for key in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(key), name)


def _page(section: Any, *, landscape: bool = False) -> None:
    """A4 with the GB/T 9704 margins, portrait or landscape."""
    w, h = Mm(PAGE_MM["width"]), Mm(PAGE_MM["height"])
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (h, w) if landscape else (w, h)
    section.top_margin, section.bottom_margin = Mm(PAGE_MM["top"]), Mm(PAGE_MM["bottom"])
    section.left_margin, section.right_margin = Mm(PAGE_MM["left"]), Mm(PAGE_MM["right"])


def _page_number_footer(section: Any) -> None:
    """``— N —`` centred at the foot of every page (a PAGE field, so Word and LibreOffice number it)."""
    para = section.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.add_run("— ")
    run = para.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind is not None:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)
    para.add_run(" —")


def _text_width(text: str) -> float:
    """Display width of ``text`` in half-width characters (a CJK character counts two)."""
    return float(sum(2 if ord(ch) > 0x2E80 else 1 for ch in text))


#: Millimetres a half-width character takes in a table cell (10.5 pt 五号), and a cell's padding.
TABLE_CHAR_MM, TABLE_PAD_MM = 2.15, 4.0  # Word's default cell margins: 1.9 mm a side


def _column_widths_mm(header: list[str], rows: list[list[str]], usable_mm: float) -> list[float]:
    """Column widths that show each column whole where the page allows (headers wrap at 8 characters).

    Each column needs the width of its widest text; when they do not all fit, the text columns are cut down
    to one common cap (long text wraps) while columns of numbers keep their width, so a number stays on one
    line; only when the numbers alone do not fit are all columns capped alike. When they fit, all widen in
    proportion to fill the line.
    """
    need, numeric = [], []
    for j, head in enumerate(header):
        body = max((_text_width(r[j]) for r in rows), default=0.0)
        numeric.append(bool(rows) and all(_NUMBER.fullmatch(r[j].strip()) for r in rows if r[j].strip()))
        body += 1.0 if numeric[-1] else 0.0  # a renderer may break after a minus sign at a width just enough
        need.append(max(min(_text_width(head), 16.0), body, 2.0) * TABLE_CHAR_MM + TABLE_PAD_MM)
    if sum(need) <= usable_mm:
        return [usable_mm * w / sum(need) for w in need]
    kept = sum(w for w, n in zip(need, numeric, strict=True) if n)
    text = [w for w, n in zip(need, numeric, strict=True) if not n]
    if text and kept + len(text) * 12 * TABLE_CHAR_MM <= usable_mm:  # room for the text at ≥ 6 CJK characters
        cap = _cap(text, usable_mm - kept)
        return [w if n else min(w, cap) for w, n in zip(need, numeric, strict=True)]
    cap = _cap(need, usable_mm)
    return [min(w, cap) for w in need]


#: A cell that holds a number as the report writes it (with thousands separators, a sign, a mark).
_NUMBER = re.compile(r"[-+]?[\d,]+(\.\d+)?[%*]?|—")


def _cap(widths: list[float], total: float) -> float:
    """The cap c with sum(min(w, c)) == total (bisection)."""
    low, high = 0.0, max(widths)
    for _ in range(50):
        cap = (low + high) / 2
        if sum(min(w, cap) for w in widths) > total:
            high = cap
        else:
            low = cap
    return low


def _add_table(doc: Any, b: Table, number: int, usable_mm: float) -> None:
    df, truncated = _frame(b)
    doc.add_paragraph(f"表{number} {b.caption}", style="Caption")
    header = [str(c) for c in df.columns]
    rows = _rows(df)
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.autofit = False
    widths = _column_widths_mm(header, rows, usable_mm)
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, v in zip(cells, row, strict=True):
            cell.text = v
    for j, width in enumerate(widths):  # the grid (LibreOffice reads it) and every cell (Word reads those)
        table.columns[j].width = Mm(width)
        for cell in table.columns[j].cells:
            cell.width = Mm(width)
    if truncated:
        doc.add_paragraph(f"前 {b.max_rows} 行 (共 {len(b.frame)} 行); 全表见 tables/ 文件夹")


def _chinese_language(doc: Any) -> None:
    """Mark the document's text as Simplified Chinese (python-docx's template says en-US): Word's proofing and
    a converter's choice of glyphs (e.g. LibreOffice picking the SC face of Noto CJK) follow it."""
    for lang in doc.styles.element.iter(qn("w:lang")):
        lang.set(qn("w:val"), "zh-CN")
        lang.set(qn("w:eastAsia"), "zh-CN")


def write_docx(blocks: Sequence[Block], path: str | os.PathLike[str], *, title: str, unit: str = "",
               date: str | None = None, version: str | None = None) -> Path:
    """Write the report as a Word document an office can hand in.

    A4 portrait with the GB/T 9704 margins (tables of more than :data:`LANDSCAPE_COLUMNS` columns go on landscape pages,
    consecutive ones sharing a section), a cover block (title, 编制单位 ``unit``, date, version), page numbers at the
    foot, body in :data:`BODY_FONT` and headings in :data:`HEADING_FONT`, and document properties (title,
    author = ``unit`` or landkit, created now).
    """
    doc = Document()
    _chinese_language(doc)
    _page(doc.sections[0])
    _page_number_footer(doc.sections[0])
    _set_font(doc.styles["Normal"], BODY_FONT, 12)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "Caption"):
        _set_font(doc.styles[name], HEADING_FONT)
    _set_font(doc.styles["Table Grid"], BODY_FONT, 10.5)
    now = dt.datetime.now()
    day = date or now.strftime("%Y年%m月%d日")
    props = doc.core_properties
    props.title, props.subject = title, "土地收储与规划决策支持"
    props.author = props.last_modified_by = unit or "landkit"
    props.created = props.modified = now
    props.comments = f"landkit {version or __version__}"
    props.revision = 1
    cover = doc.add_paragraph(f"编制单位：{unit or '—'}    日期：{day}    版本：landkit {version or __version__}")
    cover.alignment = WD_ALIGN_PARAGRAPH.CENTER
    portrait_mm = PAGE_MM["width"] - PAGE_MM["left"] - PAGE_MM["right"]
    landscape_mm = PAGE_MM["height"] - PAGE_MM["left"] - PAGE_MM["right"]
    n_tables = 0
    landscape = False  # the current section's orientation: wide tables in a row share one landscape section
    wides = [isinstance(b, Table) and len(_frame(b)[0].columns) > LANDSCAPE_COLUMNS for b in blocks]
    for i, b in enumerate(blocks):
        wide = wides[i]
        if isinstance(b, PageBreak):
            following = next((w for w, nb in zip(wides[i + 1:], blocks[i + 1:], strict=True)
                              if not isinstance(nb, PageBreak)), landscape)
            if following != landscape:
                continue  # the section break that follows starts a new page already (no blank page)
        elif wide != landscape:
            _page(doc.add_section(WD_SECTION.NEW_PAGE), landscape=wide)
            landscape = wide
        if isinstance(b, Heading):
            doc.add_heading(b.text, level=min(max(b.level, 0), 3))
        elif isinstance(b, Paragraph):
            doc.add_paragraph(b.text)
        elif isinstance(b, Table):
            n_tables += 1
            _add_table(doc, b, n_tables, landscape_mm if wide else portrait_mm)
        elif isinstance(b, Figure):
            doc.add_picture(str(b.path), width=Cm(b.width_cm))
            doc.add_paragraph(b.caption, style="Caption")
        elif isinstance(b, PageBreak):
            doc.add_page_break()
        else:  # pragma: no cover
            raise ArgumentTypeError(f"unknown report block {b!r}")
        if isinstance(b, Heading) and b.level == 0:
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return Path(path)


__all__ = ["Block", "Figure", "Heading", "PageBreak", "Paragraph", "Table", "cell_text", "render_html", "write_docx",
           "write_html"]
