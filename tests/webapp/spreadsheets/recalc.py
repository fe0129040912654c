"""Open a spreadsheet in headless LibreOffice Calc, recalculate it, print its cells as JSON.

Run by Debian's own ``python3`` (it has the ``uno`` module of ``python3-uno``), not the project's
virtualenv: ``python3 recalc.py SHEET.fods`` prints ``[["A1 text", "B1 text"], …]``. External
content (WEBSERVICE) is allowed for this document only, as a user would by clicking
"允许更新" in Calc's bar: the load asks for a full link update.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]

FULL_UPDATE = 3  # com.sun.star.document.UpdateDocMode.FULL_UPDATE

#: A fresh profile that updates links always, for documents in the sheet's folder only (Calc
#: refuses external content of documents outside its trusted locations: Err:540).
SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Content/Update"><prop oor:name="Link" \
oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="SecureURL" \
oor:op="fuse"><value><it>{folder}</it></value></prop></item>
</oor:items>
"""


def prop(name: str, value: object) -> PropertyValue:
    found = PropertyValue()
    found.Name, found.Value = name, value
    return found


def main(sheet: Path) -> None:
    profile = Path(tempfile.mkdtemp(prefix="kb-calc-"))
    (profile / "user").mkdir()
    folder = sheet.resolve().parent.as_uri()
    (profile / "user" / "registrymodifications.xcu").write_text(SETTINGS.format(folder=folder))
    pipe = f"kbcalc{os.getpid()}"
    office = subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            f"-env:UserInstallation={profile.as_uri()}",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        resolver = uno.getComponentContext().ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", uno.getComponentContext()
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                if time.monotonic() > deadline or office.poll() is not None:
                    raise
                time.sleep(0.3)
        desktop = context.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", context
        )
        document = desktop.loadComponentFromURL(
            sheet.resolve().as_uri(),
            "_blank",
            0,
            (prop("Hidden", True), prop("UpdateDocMode", FULL_UPDATE)),
        )
        document.calculateAll()
        table = document.Sheets.getByIndex(0)
        cursor = table.createCursor()
        cursor.gotoEndOfUsedArea(False)
        end = cursor.RangeAddress
        cells = [
            [table.getCellByPosition(c, r).getString() for c in range(end.EndColumn + 1)]
            for r in range(end.EndRow + 1)
        ]
        document.close(True)
        print(json.dumps(cells, ensure_ascii=False))
        try:
            desktop.terminate()
        except Exception:  # noqa: BLE001 - the bridge drops as the office quits
            pass
    finally:
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()
            office.wait()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
