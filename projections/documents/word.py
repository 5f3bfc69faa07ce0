"""Word (.docx) output laid out to GB/T 9704-2012 《党政机关公文格式》, and reading one back.

Page (§5.2): A4, 天头 37 mm, 订口 28 mm, 版心 156 mm × 225 mm (so 26 mm right, 35 mm
bottom). Fonts (§5.2.2, §7): the 发文机关标志 and the 标题 in 方正小标宋简体 (标志 red, 标题
2号 = 22 pt), the body in 3号 (16 pt) 仿宋_GB2312 with exactly 28 pt lines (22 lines of 28
characters), first-level headings in 黑体 and second-level in 楷体_GB2312, a red line under
the 版头 (§7.2.4), 成文日期 in Arabic numerals right of the 署名 (§7.3.5), page numbers
``— 1 —`` in 4号 宋体 at the outer edge (§7.5). Fonts are named, not embedded: an office
machine with the GB fonts shows them; others substitute.
"""

from __future__ import annotations

import io
from pathlib import Path

import segno
from docx import Document as open_docx
from docx.enum.section import WD_SECTION_START
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from ledger.errors import InvalidInputError
from ledger.i18n import _
from projections.documents.blocks import Block, Document

__all__ = ["FONTS", "qr_png", "read_docx", "write_docx"]

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
RED = RGBColor(0xE0, 0x00, 0x00)
#: role → (font, size in pt, alignment, first-line indent in characters, colour)
FONTS: dict[str, tuple[str, float, str, int, RGBColor | None]] = {
    "issuer": (TITLE_FONT, 42, "center", 0, RED),
    "number": (BODY_FONT, 16, "center", 0, None),
    "title": (TITLE_FONT, 22, "center", 0, None),
    "recipient": (BODY_FONT, 16, "left", 0, None),
    "heading": (HEADING_FONT, 16, "left", 2, None),
    "subheading": (SUBHEADING_FONT, 16, "left", 2, None),
    "body": (BODY_FONT, 16, "justify", 2, None),
    "signature": (BODY_FONT, 16, "right", 0, None),
    "date": (BODY_FONT, 16, "right", 0, None),
    "imprint": (BODY_FONT, 14, "left", 1, None),
    "code": (BODY_FONT, 10.5, "left", 0, None),
    "codenote": (BODY_FONT, 9, "left", 0, None),
    "cell": (BODY_FONT, 12, "left", 0, None),
}
ALIGN = {
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


def qr_png(text: str, scale: int = 4) -> bytes:
    """The QR code of a verification code, as PNG (segno; error correction M)."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def _font(run_element: object, name: str) -> None:
    rpr = run_element._element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _border(paragraph: Paragraph, side: str, color: str, size: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    line = OxmlElement(f"w:{side}")
    for key, value in (("val", "single"), ("sz", str(size)), ("space", "1"), ("color", color)):
        line.set(qn(f"w:{key}"), value)
    borders.append(line)


def _page_number(paragraph: Paragraph, align: WD_ALIGN_PARAGRAPH) -> None:
    paragraph.alignment = align
    for text in ("— ", None, " —"):
        run = paragraph.add_run()
        run.font.size = Pt(14)
        _font(run, PAGE_NUMBER_FONT)
        if text is not None:
            run.text = text
            continue
        for kind, value in (("begin", None), ("instr", " PAGE "), ("end", None)):
            if kind == "instr":
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = value
            else:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), kind)
            run._r.append(el)


def _paragraph(doc: object, block: Block) -> Paragraph:
    font, size, align, indent, colour = FONTS[block.role]
    p: Paragraph = doc.add_paragraph()  # type: ignore[attr-defined]
    fmt = p.paragraph_format
    fmt.alignment = ALIGN[align]
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if block.role in ("body", "heading", "subheading", "recipient", "signature", "date"):
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(28)
    if indent:
        fmt.first_line_indent = Pt(size * indent)
    if block.role in ("signature", "date"):
        fmt.right_indent = Pt(16 * 4)  # §7.3.5.1: 成文日期右空四字
    if block.role == "title":
        fmt.space_before = Pt(28)
        fmt.space_after = Pt(28)
    if block.role == "issuer":
        fmt.space_before = Pt(35 * 2.83 - 72 * 0)  # the 标志 about 35 mm below the 天头
        fmt.space_after = Pt(28)
    if block.role == "signature":
        fmt.space_before = Pt(56)
    run = p.add_run(block.text)
    run.font.size = Pt(size)
    _font(run, font)
    if colour is not None:
        run.font.color.rgb = colour
    if block.role == "number":
        _border(p, "bottom", "E00000", 12)  # §7.2.4: the red line under the 版头
        fmt.space_after = Pt(28)
    if block.role == "imprint":
        fmt.space_before = Pt(56)
        _border(p, "top", "000000", 8)
        _border(p, "bottom", "000000", 8)
    return p


def write_docx(document: Document, path: Path) -> None:
    """Write the document to ``path`` (a new file; never overwrites one)."""
    doc = open_docx()
    section = doc.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)  # odd: 居右
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)  # even: 居左
    normal = doc.styles["Normal"]
    normal.font.size = Pt(16)
    _font(normal, BODY_FONT)
    for block in document.blocks:
        if block.role == "table":  # a report's table: its title, then its rows
            _paragraph(doc, Block("subheading", block.text))
            _table(doc, document.table(block.text))
            continue
        if block.role == "code":
            picture = doc.add_paragraph()
            picture.alignment = WD_ALIGN_PARAGRAPH.LEFT
            picture.add_run().add_picture(io.BytesIO(qr_png(str(document.code))), width=Mm(28))
        _paragraph(doc, block)
    doc.core_properties.title = document.description
    doc.core_properties.identifier = str(document.code)
    doc.core_properties.author = "lifeledger"
    with path.open("xb") as out:
        doc.save(out)


def _table(doc: object, rows: list[list[str]]) -> None:
    if not rows:
        return
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            cell.text = ""
            run = cell.paragraphs[0].add_run(value)
            run.font.size = Pt(12)
            _font(run, HEADING_FONT if r == 0 else BODY_FONT)


def read_docx(path: Path) -> tuple[list[str], list[list[list[str]]], str | None]:
    """The paragraphs' texts (empty ones skipped), the tables' cells, and the code in the
    document properties (None if absent)."""
    try:
        doc = open_docx(str(path))
    except Exception as e:  # python-docx raises several kinds for a file that is not a docx
        raise InvalidInputError(
            _("{path} is not a Word (.docx) document: {e}").format(path=path, e=e)
        ) from e
    texts = [p.text for p in doc.paragraphs if p.text.strip()]
    tables = [[[cell.text for cell in row.cells] for row in t.rows] for t in doc.tables]
    return texts, tables, doc.core_properties.identifier or None
