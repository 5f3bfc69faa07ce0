"""PDF output (fpdf2) of the same documents, where a CJK font is installed.

The GB fonts (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312) are not free to ship; the PDF
embeds (subsets of) the Noto CJK fonts instead — Noto Serif CJK SC for the title and body,
Noto Sans CJK SC for the headings — from Debian's ``fonts-noto-cjk`` (looked for in the
system's font folders, or in the folders ``LIFELEDGER_FONT_PATH`` lists), or the one font file
``LIFELEDGER_CJK_FONT`` names. The page has the same GB/T 9704-2012 geometry as the .docx.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import WrapMode
from fpdf.fonts import FontFace

from ledger.errors import MissingDependencyError
from ledger.i18n import _
from projections.documents.blocks import Block, Document
from projections.documents.word import FONTS, qr_png

__all__ = ["CJK_PACKAGE", "find_cjk_fonts", "write_pdf"]

CJK_PACKAGE = "fonts-noto-cjk"
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")
#: Where to look instead (folders separated by ``os.pathsep``), for fonts kept elsewhere.
FONT_PATH_VARIABLE = "LIFELEDGER_FONT_PATH"
PT = 25.4 / 72  # mm per point


@dataclass(frozen=True)
class CjkFont:
    path: Path
    index: int  # the face in a .ttc collection


@dataclass(frozen=True)
class CjkFonts:
    serif: CjkFont
    serif_bold: CjkFont
    sans: CjkFont


def _face(path: Path, prefer: str = "SC") -> CjkFont:
    """The Simplified Chinese face of a font collection (its first face otherwise)."""
    if path.suffix.lower() != ".ttc":
        return CjkFont(path, 0)
    from fontTools.ttLib import TTCollection

    with TTCollection(str(path), lazy=True) as collection:
        for i, font in enumerate(collection.fonts):
            if str(font["name"].getDebugName(1) or "").endswith(f" {prefer}"):
                return CjkFont(path, i)
    return CjkFont(path, 0)


def _search(name: str) -> Path | None:
    chosen = os.environ.get(FONT_PATH_VARIABLE)
    folders = [Path(p) for p in chosen.split(os.pathsep) if p] if chosen else FONT_DIRS
    for folder in folders:
        if folder.is_dir():
            for found in sorted(folder.rglob(name)):
                return found
    return None


def find_cjk_fonts() -> CjkFonts:
    """The fonts the PDF embeds; MissingDependencyError naming the package when there are none."""
    chosen = os.environ.get("LIFELEDGER_CJK_FONT")
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            raise MissingDependencyError(
                _("LIFELEDGER_CJK_FONT names {chosen}, which is not a file").format(chosen=chosen)
            )
        face = _face(path)
        return CjkFonts(face, face, face)
    serif = _search("NotoSerifCJK-Regular.ttc")
    if serif is None:
        raise MissingDependencyError(
            _(
                "PDF output needs a CJK font and none is installed: install Debian's "
                "{CJK_PACKAGE} (apt-get install {CJK_PACKAGE}), or set "
                "LIFELEDGER_CJK_FONT to a Chinese .ttf/.otf/.ttc file; or write .docx "
                "instead"
            ).format(CJK_PACKAGE=CJK_PACKAGE)
        )
    bold = _search("NotoSerifCJK-Bold.ttc") or serif
    sans = _search("NotoSansCJK-Regular.ttc") or serif
    return CjkFonts(_face(serif), _face(bold), _face(sans))


class _Pdf(FPDF):
    def footer(self) -> None:
        """GB/T 9704 §7.5: ``— 1 —`` in 4号 at the outer edge (odd right, even left)."""
        self.set_y(-28 + 7)
        self.set_font("serif", size=14)
        align = "R" if self.page_no() % 2 else "L"
        self.cell(0, 7, f"— {self.page_no()} —", align=align)


ROLE_FONT = {
    "issuer": "serif-bold",
    "title": "serif-bold",
    "heading": "sans",
    "table": "sans",
}


def _block(pdf: _Pdf, block: Block) -> None:
    _unused, size, align, indent, colour = FONTS[
        "subheading" if block.role == "table" else block.role
    ]
    pdf.set_font(ROLE_FONT.get(block.role, "serif"), size=size)
    pdf.set_text_color(*(colour if colour is not None else (0, 0, 0)))
    line = 28 * PT if size >= 16 else size * 1.5 * PT
    text = "\u3000" * indent + block.text
    width = pdf.epw - (16 * 4 * PT if block.role in ("signature", "date") else 0)
    if block.role == "issuer":
        pdf.set_y(pdf.t_margin + 10)
        line = size * 1.2 * PT
    if block.role in ("title", "signature", "imprint"):
        pdf.ln(line)
    if block.role == "imprint":
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
    pdf.multi_cell(
        width,
        line,
        text,
        align={"center": "C", "right": "R"}.get(align, "L"),
        wrapmode=WrapMode.CHAR,
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if block.role == "number":  # §7.2.4: the red line under the 版头
        pdf.set_draw_color(224, 0, 0)
        pdf.set_line_width(0.6)
        y = pdf.get_y() + 4
        pdf.line(pdf.l_margin, y, pdf.l_margin + pdf.epw, y)
        pdf.set_draw_color(0, 0, 0)
        pdf.set_line_width(0.2)
        pdf.set_y(y + 4)
    if block.role == "imprint":
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
    if block.role == "title":
        pdf.ln(line / 2)


def write_pdf(document: Document, path: Path) -> None:
    """Write the document as PDF/A4 with the CJK fonts embedded (subset)."""
    fonts = find_cjk_fonts()
    pdf = _Pdf(format="A4", unit="mm")
    pdf.set_margins(28, 37, 26)
    pdf.set_auto_page_break(True, margin=35)
    for name, font in (
        ("serif", fonts.serif),
        ("serif-bold", fonts.serif_bold),
        ("sans", fonts.sans),
    ):
        pdf.add_font(name, "", str(font.path), collection_font_number=font.index)
    pdf.set_title(document.description)
    pdf.set_author("lifeledger")
    pdf.set_subject(str(document.code))
    pdf.add_page()
    for block in document.blocks:
        if block.role == "code":
            pdf.ln(4)
            pdf.image(io.BytesIO(qr_png(str(document.code))), w=28, h=28)
        _block(pdf, block)
        if block.role == "table":
            _table(pdf, document.table(block.text))
    with path.open("xb") as out:
        out.write(bytes(pdf.output()))


def _table(pdf: _Pdf, rows: list[list[str]]) -> None:
    if not rows:
        return
    pdf.set_font("serif", size=11)
    pdf.set_text_color(0, 0, 0)
    wide = len(rows[0]) == 2
    widths = (4, 1) if wide else tuple(1 for _ in rows[0])
    heading = FontFace(family="sans", emphasis="")  # 黑体 for the header row, not bold serif
    with pdf.table(
        col_widths=widths,
        line_height=6,
        text_align="LEFT",
        first_row_as_headings=True,
        headings_style=heading,
    ) as table:
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(2)
