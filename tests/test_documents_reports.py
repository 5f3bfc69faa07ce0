"""The Art. 14 annual report as a workbook and as the 书面报告, and documents as PDF: the
figures equal `report annual --json`, the QR codes decode to codes that check against the
ledger, and an edited figure fails `document verify` with the cell named."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from docx import Document as open_docx
from openpyxl import load_workbook
from PIL import Image
from scenarios import CASE, PERSON, UNIT, bring_to_decision, decided_case, unit_measures
from test_documents import LedgerTables_size, code_of, run

from ledger.application import LedgerApplication
from ledger.domain.regulation import AppealOutcome
from ledger.signing.signatures import Signer
from ledger.transparency.checkpoints import make_checkpoint
from projections.documents.pdf import CJK_PACKAGE

D = dt.date
CI = os.environ.get("CI") == "true"


@pytest.fixture
def ledger(app: LedgerApplication, root_signer: Signer, store_url: str) -> str:
    """2024: one case, a person's decision (announced late, appealed, upheld) and the unit's."""
    decided_case(app)
    bring_to_decision(app, CASE, UNIT, "CS-XF", measures=unit_measures())
    app.announce(CASE, PERSON, "P001", D(2024, 5, 20), "王局长本人及长沙市某区信访局")
    app.receive(CASE, PERSON, "P001", D(2024, 4, 16))
    app.appeal(CASE, PERSON, "P001", D(2024, 4, 25), "请求从轻处理")
    app.decide_appeal(CASE, PERSON, "P001", D(2024, 5, 10), AppealOutcome.UPHELD, "事实清楚")
    make_checkpoint(app, root_signer)
    return store_url


def rows(path: Path, sheet: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in load_workbook(path)[sheet].iter_rows(min_row=3, values_only=True)]


def counts(figures: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(c["label"], c["count"]) for c in figures]


def test_the_annual_workbook_figures_equal_report_annual_json(ledger: str, tmp_path: Path) -> None:
    out = tmp_path / "annual.xlsx"
    result = run(
        ledger, "report", "annual", "--year", "2024", "--format", "xlsx", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    report = run(ledger, "--json", "report", "annual", "--year", "2024")
    figures = __import__("json").loads(report.stdout)
    assert rows(out, "表1") == counts(figures["grounds"])
    assert rows(out, "表2") == counts(figures["parties_by_kind"])
    assert rows(out, "表3") == counts(figures["responsibility_kinds"])
    assert rows(out, "表4") == counts(figures["measures_by_kind"])
    assert rows(out, "表5") == counts(figures["appeal_outcomes"])
    assert rows(out, "表6") == [
        (o["case_no"], f"{o['party_type']}:{o['party_code']}", o["kind_label"], o["due"],
         o["done_on"] or "未办理")
        for o in figures["overdue"]
    ]  # fmt: skip
    assert figures["overdue"] and figures["measures_by_kind"] and figures["cases_opened"] == 1
    book = load_workbook(out)
    texts = [c for (c,) in book["报告"].iter_rows(values_only=True)]
    assert (
        f"全年立案{figures['cases_opened']}件，其中实行终身责任追究（第八条）"
        f"{figures['lifetime_cases']}件；结案{figures['cases_closed']}件。"
    ) in texts
    assert (
        f"全年作出《责任追究决定书》{figures['decisions_issued']}份，其中经申诉撤销"
        f"{figures['decisions_revoked']}份。"
    ) in texts
    charts = book["图表"]._charts
    assert len(charts) == 2  # cases by ground, by measure
    code = next(str(t) for t in texts if str(t).startswith("核验码：")).removeprefix("核验码：")
    (image,) = book["报告"]._images
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(image._data())))
    assert barcode.text == code
    size = LedgerTables_size(ledger)
    assert code.startswith("LL1-X-") and f"-{size}-" in code
    assert result.stdout == (
        f"Wrote 年度信访工作责任追究情况汇总表 2024 to {out}.\n"
        f"Rendered from {code.split('-')[6][1:]} events (their log positions are listed in the "
        f"document), verified at checkpoint {size}.\n"
        f"核验码 (verification code): {code}\n"
    )
    checked = run(ledger, "document", "check", barcode.text)
    assert checked.exit_code == 0, checked.output
    assert run(ledger, "document", "verify", str(out)).exit_code == 0


def test_an_edited_figure_in_the_workbook_fails_verify_with_the_cell_named(
    ledger: str, tmp_path: Path
) -> None:
    out = tmp_path / "annual.xlsx"
    run(ledger, "report", "annual", "--year", "2024", "--format", "xlsx", "--out", str(out))
    book = load_workbook(out)
    sheet = book["表4"]
    sheet["B3"] = int(sheet["B3"].value) + 5
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    result = run(ledger, "document", "verify", str(edited))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"{edited} does NOT match the ledger:"
    (line,) = lines[1:]
    assert line.startswith("  - cell ") and line.endswith("reads «6»; the ledger's reads «1»")


def test_the_written_report_carries_the_same_figures_and_verifies(
    ledger: str, tmp_path: Path
) -> None:
    out = tmp_path / "report.docx"
    result = run(
        ledger, "report", "annual", "--year", "2024", "--format", "docx", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    doc = open_docx(str(out))
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[:3] == [
        "信访工作机构文件",
        "关于2024年度信访工作责任追究情况的报告",
        "同级党委、政府：",
    ]
    figures = __import__("json").loads(
        run(ledger, "--json", "report", "annual", "--year", "2024").stdout
    )
    measures = [[c.text for c in row.cells] for row in doc.tables[3].rows]
    assert measures == [
        ["责任追究方式", "数量"],
        *([c["label"], str(c["count"])] for c in figures["measures_by_kind"]),
    ]
    assert code_of(doc).startswith("LL1-R-")
    verified = run(ledger, "document", "verify", str(out))
    assert verified.exit_code == 0, verified.output


def pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if found is None:
        if CI:
            pytest.fail("CI=true requires pdftoppm (apt-get install poppler-utils)")
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils)")
    return found


def needs_cjk_font() -> None:
    from ledger.errors import MissingDependencyError
    from projections.documents.pdf import find_cjk_fonts

    try:
        find_cjk_fonts()
    except MissingDependencyError as e:
        if CI:
            pytest.fail(f"CI=true requires a CJK font: {e}")
        pytest.skip(f"no CJK font installed ({CJK_PACKAGE}): {e}")


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_decision_printed_as_pdf_shows_a_qr_code_that_checks_against_the_ledger(
    ledger: str, tmp_path: Path
) -> None:
    needs_cjk_font()
    tool = pdftoppm()
    out = tmp_path / "decision.pdf"
    result = run(ledger, "document", "decision", CASE, "--party", "P001", "--out", str(out))
    assert result.exit_code == 0, result.output
    code = result.stdout.splitlines()[-1].removeprefix("核验码 (verification code): ")
    subprocess.run([tool, "-r", "150", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2
    found = [b.text for page in pages for b in zxingcpp.read_barcodes(Image.open(page))]
    assert found == [code]
    assert run(ledger, "document", "check", found[0]).exit_code == 0
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True)
    flat = "".join(text.stdout.split())
    for part in ["长沙市纪委监委文件", "责任追究决定书", "本决定经中共长沙市纪委常委会批准。",
                 "本决定自2024年4月15日起生效。", "向长沙市纪委监委提出书面申诉"]:  # fmt: skip
        assert part in flat, part


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_pdf_without_a_cjk_font_names_the_package_to_install(ledger: str, tmp_path: Path) -> None:
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    out = tmp_path / "d.pdf"
    result = __import__("cli_support").invoke(
        ["--db", ledger, "document", "decision", CASE, "--party", "P001", "--out", str(out)],
        env={"LIFELEDGER_FONT_PATH": str(empty), "LIFELEDGER_CJK_FONT": None},
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: PDF output needs a CJK font and none is installed: install Debian's "
        "fonts-noto-cjk (apt-get install fonts-noto-cjk), or set LIFELEDGER_CJK_FONT to a "
        "Chinese .ttf/.otf/.ttc file; or write .docx instead\n"
    )
    assert not out.exists() and not list(tmp_path.glob(".d.pdf*"))


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_the_written_report_as_pdf_carries_its_tables_and_a_qr_code(
    ledger: str, tmp_path: Path
) -> None:
    needs_cjk_font()
    tool = pdftoppm()
    out = tmp_path / "report.pdf"
    result = run(ledger, "report", "annual", "--year", "2024", "--format", "pdf", "--out", str(out))
    assert result.exit_code == 0, result.output
    code = result.stdout.splitlines()[-1].removeprefix("核验码 (verification code): ")
    subprocess.run([tool, "-r", "150", "-png", str(out), str(tmp_path / "page")], check=True)
    found = [
        b.text for page in sorted(tmp_path.glob("page-*.png"))
        for b in zxingcpp.read_barcodes(Image.open(page))
    ]  # fmt: skip
    assert found == [code]
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True)
    flat = "".join(text.stdout.split())
    for part in ["关于2024年度信访工作责任追究情况的报告", "表4责任追究方式（第七条）",
                 "责令作出书面检查", "诫勉谈话", "表6逾期情况（第十一条、第十二条）"]:  # fmt: skip
        assert part in flat, part


def test_a_units_decision_names_the_unit_and_the_measure_its_circumstances_call_for(
    ledger: str, tmp_path: Path
) -> None:
    out = tmp_path / "unit.docx"
    result = run(ledger, "document", "decision", CASE, "--unit", "CS-XF", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"Wrote 责任追究决定书 长纪决〔2024〕7号 (单位 CS-XF 长沙市某区信访局, case {CASE}) "
        f"to {out}.\n"
    )
    texts = [p.text for p in open_docx(str(out)).paragraphs if p.text]
    assert texts[3] == "长沙市某区信访局："
    assert "长沙市某区信访局情节较轻，责令作出书面检查。" in texts
    assert (
        # Issue 12: the ground in its full wording, with the result element the case records.
        "本案认定的情形为《湖南省信访工作责任追究办法》第四条第（十二）项“对信访事项应当受理、登记、转送、"
        "交办、答复而未按照规定办理或者逾期未办结，或者应当履行督查督办职责而未履行，造成不良影响或者"
        "严重后果”（本案：造成不良影响）。长沙市某区信访局承担集体责任。" in texts
    )
    assert run(ledger, "document", "verify", str(out)).exit_code == 0
