"""Printed documents (Art. 10, 11, 12): rendered from the signed events of a scenario ledger,
read back with python-docx, their QR code decoded with zxing-cpp, and checked against the
ledger; an edited page and a code from another ledger fail, with the difference named."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import zxingcpp
from cli_support import invoke
from click.testing import Result
from docx import Document as open_docx
from docx.document import Document as DocxDocument
from docx.shared import Pt
from PIL import Image
from scenarios import CASE, PERSON, decided_case, person_measures

from ledger.application import LedgerApplication
from ledger.domain import ids
from ledger.domain.regulation import AdminLevel, AppealOutcome, AuthorityKind, Measure, UnitKind
from ledger.signing.signatures import Signer
from ledger.storage.store import StoreConfig
from ledger.transparency.checkpoints import make_checkpoint
from ledger.transparency.tables import LedgerTables

D = dt.date


@pytest.fixture
def ledger(app: LedgerApplication, root_signer: Signer, store_url: str) -> Iterator[str]:
    """P001 decided, announced, filed, received, appealed and the appeal decided (modified);
    then a signed checkpoint."""
    decided_case(app)
    app.announce(CASE, PERSON, "P001", D(2024, 4, 18), "王局长本人及长沙市某区信访局")
    app.enter_in_file(CASE, "P001", D(2024, 4, 22), "干部档案〔2024〕P001", "长沙市某区委组织部")
    app.receive(CASE, PERSON, "P001", D(2024, 4, 16))
    app.appeal(CASE, PERSON, "P001", D(2024, 4, 25), "请求从轻处理")
    app.decide_appeal(
        CASE, PERSON, "P001", D(2024, 5, 10), AppealOutcome.MODIFIED, "事后积极整改",
        person_measures(Measure.ADMONITION_TALK),
    )  # fmt: skip
    make_checkpoint(app, root_signer)
    yield store_url


def run(db: str, *args: str) -> Result:
    return invoke(["--db", db, *args])


def positions(db: str, *wanted: tuple[str, int, str]) -> list[int]:
    """Log positions (Merkle leaf indexes) of the events (record, version or 0 for any,
    event name), found in the leaf table and the event log directly."""
    app = LedgerApplication(StoreConfig.parse(db))
    try:
        index = {nid: i for i, nid, _ in LedgerTables(app).leaf_rows(-1, 10_000)}
        found = []
        for n in app.recorder.select_notifications(1, 10_000):
            for record, version, name in wanted:
                oid = (
                    ids.case_id(record)
                    if record == CASE
                    else (ids.cadre_id(record) if record.startswith("P") else ids.unit_id(record))
                )
                if (n.originator_id == oid and version in (0, n.originator_version)
                        and n.topic.endswith("." + name)):  # fmt: skip
                    found.append(index[n.id])
        return sorted(found)
    finally:
        app.close()


def code_of(doc: DocxDocument) -> str:
    (line,) = [p.text for p in doc.paragraphs if p.text.startswith("核验码：")]
    return line.removeprefix("核验码：")


def written(db: str, tmp_path: Path, kind: str, name: str) -> tuple[DocxDocument, Path, Result]:
    out = tmp_path / name
    result = run(db, "document", kind, CASE, "--party", "P001", "--out", str(out))
    assert result.exit_code == 0, result.output
    return open_docx(str(out)), out, result


def para(doc: DocxDocument, text: str) -> object:
    (found,) = [p for p in doc.paragraphs if p.text == text]
    return found


def font_of(paragraph: object) -> tuple[str | None, float | None]:
    run = paragraph.runs[0]  # type: ignore[attr-defined]
    fonts = run._element.rPr.rFonts
    east_asia = fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
    return east_asia, run.font.size.pt if run.font.size else None


DECISION_TEXTS = [
    "长沙市纪委监委文件",
    "长纪决〔2024〕7号",
    "责任追究决定书",
    "王局长同志，长沙市某区信访局：",
    "经调查核实，依据《湖南省信访工作责任追究办法》，现对长沙市某区信访局局长王局长同志在"
    f"{CASE}中应当承担的信访工作责任作出如下决定：",
    "一、责任追究的事实",
    "对群众反映的征地补偿信访事项逾期未办结，引发重复越级上访，造成不良影响。",
    "本案认定的情形为《湖南省信访工作责任追究办法》第四条第（十二）项“对信访事项应当受理、登记、"
    "转送、交办、答复而未按照规定办理或者逾期未办结，或者应当履行督查督办职责而未履行，造成不良影响"
    "或者严重后果”（本案：造成不良影响）。王局长同志承担直接责任。",
    "二、责任追究的依据",
    "《湖南省信访工作责任追究办法》第四条第（十二）项、第七条",
    "三、责任追究方式",
    "给予长沙市某区信访局局长王局长同志诫勉谈话。",
    "四、批准机关",
    "本决定经中共长沙市纪委常委会批准。",
    "五、生效时间",
    "本决定自2024年4月15日起生效。",
    "六、申诉期限及受理机关",
    "如对本决定不服，可在收到本决定书之日起15日内，向长沙市纪委监委提出书面申诉。申诉期间，"
    "不停止本决定的执行。",
    "长沙市纪委监委",
    "2024年4月15日",
    "长沙市纪委监委　2024年4月15日印发",
]


def test_the_decision_document_states_every_art10_item_in_the_gbt9704_parts(
    ledger: str, tmp_path: Path
) -> None:
    doc, out, result = written(ledger, tmp_path, "decision", "decision.docx")
    code = code_of(doc)
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[:-2] == DECISION_TEXTS
    assert texts[-2] == f"核验码：{code}"
    rendered = positions(
        ledger, ("CS-XF", 1, "Registered"), ("P001", 1, "Registered"), (CASE, 1, "Opened"),
        (CASE, 0, "ResponsibilityAssigned"), (CASE, 0, "DecisionIssued"),
    )  # fmt: skip
    size = LedgerTables_size(ledger)
    assert result.stdout == (
        f"Wrote 责任追究决定书 长纪决〔2024〕7号 (个人 P001 王局长, case {CASE}) to {out}.\n"
        f"Rendered from the events at log positions {', '.join(map(str, rendered))}, verified "
        f"at checkpoint {size}.\n"
        f"核验码 (verification code): {code}\n"
    )
    assert code.startswith("LL1-D-") and f"-{size}-" in code
    assert "-" + ".".join(map(str, rendered)) + "-" in code
    # GB/T 9704-2012: A4, 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm
    section = doc.sections[0]
    mm = [
        round(x.mm, 1)
        for x in (
            section.page_width,
            section.page_height,
            section.top_margin,
            section.left_margin,
            section.right_margin,
            section.bottom_margin,
        )
    ]
    assert mm == [210, 297, 37, 28, 26, 35]
    assert font_of(para(doc, "长沙市纪委监委文件")) == ("方正小标宋简体", 42)
    assert para(doc, "长沙市纪委监委文件").runs[0].font.color.rgb is not None  # type: ignore[attr-defined]
    assert font_of(para(doc, "责任追究决定书")) == ("方正小标宋简体", 22)
    assert font_of(para(doc, "王局长同志，长沙市某区信访局：")) == ("仿宋_GB2312", 16)
    assert font_of(para(doc, "一、责任追究的事实")) == ("黑体", 16)
    body = para(doc, "本决定经中共长沙市纪委常委会批准。")
    assert font_of(body) == ("仿宋_GB2312", 16)
    assert body.paragraph_format.line_spacing == Pt(28)  # type: ignore[attr-defined]
    assert doc.core_properties.identifier == code


def qr_text(doc: DocxDocument) -> str:
    """The QR code printed on the document, decoded from its image with zxing-cpp."""
    (shape,) = doc.inline_shapes
    rid = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
    image = Image.open(io.BytesIO(doc.part.related_parts[rid].blob))
    (barcode,) = zxingcpp.read_barcodes(image)
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    return str(barcode.text)


def test_the_qr_code_decodes_to_the_code_and_the_code_checks_against_the_ledger(
    ledger: str, tmp_path: Path
) -> None:
    doc, _, _ = written(ledger, tmp_path, "decision", "decision.docx")
    scanned = qr_text(doc)
    assert scanned == code_of(doc)
    result = run(ledger, "document", "check", scanned)
    assert result.exit_code == 0, result.output
    events = scanned.split("-")[6].replace(".", ", ")
    assert result.stdout == (
        f"The code matches the ledger: 责任追究决定书 长纪决〔2024〕7号 (个人 P001 王局长, case "
        f"{CASE}), rendered from the events at log positions {events} of checkpoint "
        f"{LedgerTables_size(ledger)}.\n"
    )
    typed = " ".join(scanned.lower()[i : i + 5] for i in range(0, len(scanned), 5))
    assert run(ledger, "document", "check", *typed.split()).exit_code == 0


def LedgerTables_size(db: str) -> int:
    app = LedgerApplication(StoreConfig.parse(db))
    try:
        return LedgerTables(app).checkpoint().tree_size
    finally:
        app.close()


def test_the_file_entry_holds_the_decision_its_announcement_and_the_appeal_outcome(
    ledger: str, tmp_path: Path
) -> None:
    doc, out, _ = written(ledger, tmp_path, "file-entry", "file.docx")
    texts = [p.text for p in doc.paragraphs if p.text]
    for text in [
        "长沙市某区委组织部",
        "档号：干部档案〔2024〕P001",
        "信访工作责任追究材料",
        "归入王局长同志个人人事档案：",
        "长沙市纪委监委于2024年4月15日作出长纪决〔2024〕7号《责任追究决定书》。",
        "（一）责任追究的事实",
        "（六）申诉期限及受理机关",
        "2024年4月18日向王局长本人及长沙市某区信访局宣布（应于2024年5月15日前宣布）。",
        "2024年4月22日由长沙市某区委组织部归入个人人事档案，档号干部档案〔2024〕P001。",
        "当事人于2024年4月25日提出书面申诉：请求从轻处理",
        "长沙市纪委监委于2024年5月10日作出申诉处理决定：变更原决定。理由：事后积极整改",
        "变更后的责任追究方式：诫勉谈话。",
    ]:
        assert text in texts, text
    assert font_of(para(doc, "（一）责任追究的事实")) == ("楷体_GB2312", 16)
    assert qr_text(doc) == code_of(doc)
    assert run(ledger, "document", "verify", str(out)).exit_code == 0


def test_the_appeal_notice_tells_the_appellant_and_their_unit_in_writing(
    ledger: str, tmp_path: Path
) -> None:
    doc, out, _ = written(ledger, tmp_path, "appeal-notice", "notice.docx")
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[:9] == [
        "长沙市纪委监委文件",
        "关于长纪决〔2024〕7号的申诉处理",
        "申诉处理决定告知书",
        "王局长同志，长沙市某区信访局：",
        "你于2024年4月25日对长沙市纪委监委2024年4月15日作出的长纪决〔2024〕7号《责任追究决定书》"
        "提出的书面申诉收悉。经复查，依照《湖南省信访工作责任追究办法》第十二条，现将申诉处理决定"
        "告知如下：",
        "一、申诉处理决定",
        "变更原决定。",
        "变更后的责任追究方式：诫勉谈话。",
        "二、理由",
    ]
    assert qr_text(doc) == code_of(doc)
    result = run(ledger, "document", "verify", str(out))
    assert result.exit_code == 0, result.output


def edit(path: Path, change: Callable[[DocxDocument], None]) -> Path:
    doc = open_docx(str(path))
    change(doc)
    edited = path.with_name("edited.docx")
    doc.save(str(edited))
    return edited


def test_a_document_edited_after_printing_fails_verify_with_the_paragraph_named(
    ledger: str, tmp_path: Path
) -> None:
    _, out, _ = written(ledger, tmp_path, "decision", "decision.docx")

    def soften(d: DocxDocument) -> None:
        para(d, "给予长沙市某区信访局局长王局长同志诫勉谈话。").runs[0].text = (  # type: ignore[attr-defined]
            "给予长沙市某区信访局局长王局长同志批评教育。"
        )

    edited = edit(out, soften)
    result = run(ledger, "document", "verify", str(edited))
    assert result.exit_code == 1
    assert result.stdout == (
        f"{edited} does NOT match the ledger:\n"
        "  - paragraph 12 reads «给予长沙市某区信访局局长王局长同志批评教育。»; the ledger's reads "
        "«给予长沙市某区信访局局长王局长同志诫勉谈话。»\n"
    )
    assert run(ledger, "document", "verify", str(out)).exit_code == 0


def test_a_paragraph_removed_after_printing_is_named_as_missing(
    ledger: str, tmp_path: Path
) -> None:
    _, out, _ = written(ledger, tmp_path, "decision", "decision.docx")

    def drop(d: DocxDocument) -> None:
        p = para(d, "本决定自2024年4月15日起生效。")
        p._element.getparent().remove(p._element)  # type: ignore[attr-defined]

    result = run(ledger, "document", "verify", str(edit(out, drop)))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:] == [
        "  - the ledger's paragraph 16 «本决定自2024年4月15日起生效。» is missing "
        "(after paragraph 15)"
    ]


def test_a_code_from_another_ledger_fails_check_and_verify_with_the_root_named(
    ledger: str, tmp_path: Path, discipline_signer: Signer
) -> None:
    doc, out, _ = written(ledger, tmp_path, "decision", "decision.docx")
    other_root = Signer.generate()
    other = LedgerApplication(StoreConfig.parse(str(tmp_path / "other.db")), other_root)
    other.initialise(other_root, "管理员", "湖南省委组织部", AuthorityKind.ORGANISATION)
    other.add_unit("CS-XF", "长沙市某区信访局", UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY)
    make_checkpoint(other, other_root)
    other.close()
    code = code_of(doc)
    result = run(str(tmp_path / "other.db"), "document", "check", code)
    assert result.exit_code == 1
    theirs = code.split("-")[2]
    assert result.stdout == (
        "The code does NOT match the ledger:\n"
        f"  - the code is from another ledger: it names root key "
        f"{_b32hex(theirs)}…, the ledger is rooted at {other_root.fingerprint[:16]}…\n"
    )
    verify = run(str(tmp_path / "other.db"), "document", "verify", str(out))
    assert verify.exit_code == 1
    assert verify.stdout.startswith(
        f"{out} does NOT match the ledger:\n  - the code is from another"
    )


def _b32hex(part: str) -> str:
    import base64

    return base64.b32decode(part + "=" * (-len(part) % 8)).hex()[:16]


def test_a_mistyped_code_is_told_apart_from_a_wrong_one(ledger: str, tmp_path: Path) -> None:
    doc, _, _ = written(ledger, tmp_path, "decision", "decision.docx")
    code = code_of(doc)
    size = code.split("-")[3]
    typo = code.replace(f"-{size}-", f"-{int(size) - 1}-", 1)
    result = run(ledger, "document", "check", typo)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: the verification code is mistyped: its check characters"
    )
    assert result.stdout == ""


def test_documents_need_a_signed_checkpoint(
    app: LedgerApplication, store_url: str, tmp_path: Path
) -> None:
    decided_case(app)
    out = tmp_path / "d.docx"
    result = run(store_url, "document", "decision", CASE, "--party", "P001", "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: this ledger has no checkpoint yet; run `lifeledger checkpoint`\n"
    )
    assert not out.exists()


def test_a_document_verifies_against_an_auditors_bundle(
    ledger: str, tmp_path: Path, root_signer: Signer
) -> None:
    _, out, _ = written(ledger, tmp_path, "decision", "decision.docx")
    bundle = tmp_path / "ledger.bundle.jsonl"
    assert run(ledger, "bundle", "export", str(bundle)).exit_code == 0
    result = invoke([
        "document", "verify", str(out), "--bundle", str(bundle),
        "--root-fingerprint", root_signer.fingerprint,
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"{out} matches bundle {bundle}: 责任追究决定书 长纪决〔2024〕7号"
    )


def test_a_copy_printed_before_the_appeal_still_checks_and_says_the_record_moved_on(
    app: LedgerApplication, root_signer: Signer, store_url: str, tmp_path: Path
) -> None:
    decided_case(app)
    make_checkpoint(app, root_signer)
    doc, _, _ = written(store_url, tmp_path, "file-entry", "file.docx")
    assert "尚无宣布记录（第十一条：决定作出后30日内宣布）。" in [p.text for p in doc.paragraphs]
    app.announce(CASE, PERSON, "P001", D(2024, 4, 18), "王局长本人及长沙市某区信访局")
    make_checkpoint(app, root_signer)
    code = code_of(doc)
    result = run(store_url, "document", "check", code)
    assert result.exit_code == 0, result.output
    (announced,) = positions(store_url, (CASE, 0, "DecisionAnnounced"))
    lines = result.stdout.splitlines()
    assert lines[1:] == [
        f"Note: the ledger has recorded more about this since: at checkpoint "
        f"{LedgerTables_size(store_url)} the document renders from 6 events (new: log positions "
        f"{announced}); print it again for the current record."
    ]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_stored_event_altered_after_printing_fails_check_with_its_position(
    ledger: str, tmp_path: Path
) -> None:
    import sqlite3

    doc, _, _ = written(ledger, tmp_path, "decision", "decision.docx")
    (decision,) = positions(ledger, (CASE, 0, "DecisionIssued"))
    with sqlite3.connect(ledger) as conn:
        rowid, state = conn.execute(
            "SELECT rowid, state FROM stored_events WHERE topic LIKE '%.DecisionIssued'"
        ).fetchone()
        edited = bytes(state).replace("诫勉谈话".encode(), "批评教育".encode())
        if edited == bytes(state):  # the measure is stored as its code
            edited = bytes(state).replace(b"admonition_talk", b"transfer_talk__")
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (edited, rowid))
    result = run(ledger, "document", "check", code_of(doc))
    assert result.exit_code == 1
    assert result.stdout == (
        "The code does NOT match the ledger:\n"
        f"  - the document cannot be rendered again: the event at position {decision} does not "
        "match its Merkle leaf; run `lifeledger verify` before exporting proofs\n"
    )


def test_a_document_never_overwrites_the_ledger_and_replaces_a_file_only_with_force(
    ledger: str, tmp_path: Path
) -> None:
    _, out, _ = written(ledger, tmp_path, "decision", "decision.docx")
    before = out.read_bytes()
    again = run(ledger, "document", "decision", CASE, "--party", "P001", "--out", str(out))
    assert again.exit_code == 1
    assert again.stderr == f"Error: {out} already exists; give --force to overwrite it\n"
    assert out.read_bytes() == before
    forced = run(ledger, "document", "decision", CASE, "--party", "P001", "--out", str(out),
                 "--force")  # fmt: skip
    assert forced.exit_code == 0, forced.output
    if not ledger.startswith("postgresql"):
        disguised = Path(ledger).with_suffix(".docx")
        Path(ledger).rename(disguised)
        try:
            over = run(str(disguised), "document", "decision", CASE, "--party", "P001",
                       "--out", str(disguised), "--force")  # fmt: skip
        finally:
            disguised.rename(ledger)
        assert over.exit_code == 1
        assert over.stderr == (
            f"Error: {disguised} is the ledger's database; no command overwrites it, not even "
            "with --force\n"
        )


def test_document_commands_print_one_json_document_for_scripts(ledger: str, tmp_path: Path) -> None:
    import json

    out = tmp_path / "d.docx"
    made = run(ledger, "--json", "document", "decision", CASE, "--party", "P001", "--out", str(out))
    assert made.exit_code == 0, made.output
    data = json.loads(made.stdout)
    assert sorted(data) == [
        "code", "document", "events", "events_after_checkpoint", "file", "kind", "positions",
        "tree_size",
    ]  # fmt: skip
    assert data["kind"] == "D" and data["file"] == str(out)
    checked = json.loads(run(ledger, "--json", "document", "check", data["code"]).stdout)
    assert checked == {
        "ok": True, "code": data["code"], "kind": "D", "document": data["document"],
        "source": "the ledger", "tree_size": data["tree_size"], "positions": data["positions"],
        "events": len(data["positions"]), "problems": [], "newer": None,
    }  # fmt: skip
    verified = json.loads(run(ledger, "document", "verify", str(out), "--json").stdout)
    assert verified["ok"] is True and verified["file"] == str(out)


def test_a_code_altered_with_a_recomputed_check_fails_with_the_event_named(
    ledger: str, tmp_path: Path
) -> None:
    import dataclasses

    from projections.documents.code import VerificationCode

    doc, _, _ = written(ledger, tmp_path, "decision", "decision.docx")
    code = VerificationCode.parse(code_of(doc))
    forged = str(dataclasses.replace(code, kind="A"))
    result = run(ledger, "document", "check", forged)
    assert result.exit_code == 1
    assert result.stdout == (
        "The code does NOT match the ledger:\n"
        f"  - the document cannot be rendered again: the event at log position {code.subject} "
        "is not an appeal decision\n"
    )
    digest = str(dataclasses.replace(code, digest=bytes(16)))
    result = run(ledger, "document", "check", digest)
    assert result.exit_code == 1
    positions_text = ", ".join(map(str, code.positions))
    assert result.stdout == (
        "The code does NOT match the ledger:\n"
        f"  - the stored bytes of the events at log positions {positions_text} are not those the "
        f"document was rendered from (digest {'00' * 16} in the code, {code.digest.hex()} in the "
        "ledger)\n"
    )


def test_printing_with_a_pinned_root_key_refuses_another_ledgers_root(
    ledger: str, tmp_path: Path, root_signer: Signer
) -> None:
    pinned = Signer.generate().fingerprint
    out = tmp_path / "d.docx"
    result = run(ledger, "document", "decision", CASE, "--party", "P001", "--out", str(out),
                 "--root-fingerprint", pinned)  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: the ledger's records did not verify: the root key's fingerprint is "
        f"{root_signer.fingerprint}, not the pinned {pinned}"
    )
    assert not out.exists()
    ok = run(ledger, "document", "decision", CASE, "--party", "P001", "--out", str(out),
             "--root-fingerprint", root_signer.fingerprint)  # fmt: skip
    assert ok.exit_code == 0, ok.output
