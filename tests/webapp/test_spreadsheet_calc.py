"""A real spreadsheet: LibreOffice Calc opens a sheet whose cells call WEBSERVICE on the running
app, recalculates, and shows the same number, unit and citation as the API.

Calc is driven by Debian's ``python3`` with ``python3-uno`` (see spreadsheets/recalc.py).
"""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
from werkzeug.serving import make_server

from tests.programs import needs

RECALC = Path(__file__).parent / "spreadsheets" / "recalc.py"
pytestmark = needs("soffice", "libreoffice-calc-nogui python3-uno")

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
<office:body><office:spreadsheet><table:table table:name="预算">
"""
TAIL = "</table:table></office:spreadsheet></office:body></office:document>\n"


def flat_ods(rows: list[list[str]]) -> str:
    """A flat ODF sheet (.fods) whose cells hold these formulas (Calc's own file format)."""
    lines = [HEAD]
    for row in rows:
        cells = "".join(f"<table:table-cell table:formula={quoteattr('of:=' + f)}/>" for f in row)
        lines.append(f"<table:table-row>{cells}</table:table-row>\n")
    lines.append(TAIL)
    return "".join(lines)


def webservice(url: str) -> str:
    # In ODF files Calc writes Excel's WEBSERVICE under its interchange name.
    return f'COM.MICROSOFT.WEBSERVICE("{url}")'


@pytest.fixture
def live_server(corpus_app):
    server = make_server("127.0.0.1", 0, corpus_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def recalculate(tmp_path: Path, rows: list[list[str]]) -> list[list[str]]:
    sheet = tmp_path / "budget.fods"
    sheet.write_text(flat_ods(rows), encoding="utf-8")
    done = subprocess.run(
        ["/usr/bin/python3", str(RECALC), str(sheet)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_calc_cells_show_what_the_api_gives(tmp_path, live_server, corpus_client):
    lookup = f"{live_server}/api/v1/lookup"
    by_description = "q=会议费&level=central&grade=一类会议&item=一类会议·综合定额合计"
    cells = recalculate(
        tmp_path,
        [
            [
                webservice(f"{lookup}?code=RS-HY-004"),
                webservice(f"{lookup}?code=RS-HY-004&field=unit"),
                webservice(f"{lookup}?code=RS-HY-004&field=citation"),
            ],
            [
                f"VALUE({webservice(f'{lookup}?code=RS-HY-004')})*30",
                webservice(f"{lookup}?{by_description}"),
                webservice(f"{lookup}?q=会议费&level=central"),
            ],
            [
                webservice(f"{lookup}?code=RS-CL-007&on=2015-06-01&field=status"),
                webservice(f"{lookup}?code=RS-HY-004&field=price"),
            ],
        ],
    )

    api = corpus_client.get("/api/v1/standards/RS-HY-004").get_json()
    cited = corpus_client.get("/api/v1/cite/RS-HY-004").get_json()["text"]
    assert cells[0] == [api["value"], api["unit"], cited]
    assert cells[1][0] == str(int(api["value"]) * 30)
    assert cells[1][1] == api["value"]
    assert cells[1][2].startswith("不唯一：")
    assert cells[2][0] == "现行有效（现已被修订）"
    # A wrong formula is a failed request: the cell shows an error value, not a number.
    assert cells[2][1].startswith(("Err:", "#"))


def test_calc_reads_with_a_lookup_key_where_reading_needs_an_account(
    tmp_path, settings, session, cast
):
    from dataclasses import replace

    from indexer import sync
    from kb import standards
    from kb.accounts import lookup_keys
    from kb.db import atomic
    from tests.factories import make_standard
    from webapp import create_app
    from webapp.db import close

    with atomic(session):
        standards.write(session, make_standard())
        _, key = lookup_keys.create_key(session, "查看员")
    sync.rebuild(settings, session)
    app = create_app(replace(settings, read_requires_login=True))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    lookup = f"http://127.0.0.1:{server.server_port}/api/v1/lookup?code=QP-CQ-0012"
    try:
        cells = recalculate(tmp_path, [[webservice(f"{lookup}&key={key}"), webservice(lookup)]])
    finally:
        server.shutdown()
        close(app)

    assert cells[0][0] == "18.50"
    assert cells[0][1].startswith(("Err:", "#"))  # without the key: 401, an error value
