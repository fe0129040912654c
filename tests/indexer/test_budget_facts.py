"""indexer/budget_facts.py: the facts budget matching reads, kept with each commit of the index."""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy import select

from indexer import budget_facts
from indexer import folder as index_folder
from indexer import search as search_module
from indexer import sync
from indexer.ingest import ingest
from indexer.matching import match_lines
from kb.budget.facts import read_facts
from kb.budget.lines import BudgetLine
from kb.budget.lines import CheckContext
from kb.models import Standard

ON = dt.date(2025, 6, 1)
LINE = BudgetLine(row=2, item="公共绿地养护", unit="平方米", quantity=D(1), grade="一级")
CONTEXT = CheckContext("青浦区", ON)
HEADER = "code,name,kind,level,region,domain,category,item,grade,unit,value,effective_from\n"


def write_quotas(folder: Path, *values: str) -> None:
    """One quota per value: QP-CQ-0900 (公共绿地养护), then others of other items."""
    folder.mkdir(exist_ok=True)
    rows = [
        f"QP-CQ-{900 + n:04d},公共绿地{n}号养护成本定额,成本定额标准,区级,青浦区,城市运维,绿化养护,"
        f"公共绿地养护{'' if n == 0 else n},一级,元/平方米·年,{value},2024-05-09\n"
        for n, value in enumerate(values)
    ]
    (folder / "quota.csv").write_text(HEADER + "".join(rows), encoding="utf-8")


def generation(settings) -> tuple[Path, str]:
    token = index_folder.generation_token(settings)
    assert token is not None
    return Path(settings.index_dir) / token.split()[0], token


def facts_files(settings) -> list[str]:
    return sorted(p.name for p in generation(settings)[0].glob("budget-facts-*.pickle"))


def standard_reads(session, run) -> tuple[object, list[str]]:
    """What ``run()`` returns, and the statements it sent that read standard versions."""
    statements: list[str] = []
    engine = session.get_bind()

    def record(connection, cursor, statement, *rest) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        found = run()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return found, [s for s in statements if "standard_version" in s]


def matched(settings, session) -> tuple[str, int, D]:
    best = match_lines(settings, session, [LINE], CONTEXT)[2][0]
    return best.code, best.version, best.value


@pytest.fixture
def released(settings):
    yield settings
    search_module.release(settings)


def test_a_rebuild_writes_the_facts_of_every_version_with_the_index(released, session, tmp_path):
    settings = released
    write_quotas(tmp_path / "standards", "18.50", "1299", "1299.00")
    assert ingest(settings, session, [tmp_path / "standards"]).ok
    ids = dict(session.execute(select(Standard.id, Standard.code)).all())

    assert facts_files(settings) == ["budget-facts-0.pickle"]
    folder, token = generation(settings)
    kept = budget_facts.load_facts(folder, token)
    assert kept is not None and len(kept) == 3
    keys = [sid << 16 | 1 for sid in sorted(ids)]
    # the same facts as the database's, figures with the places they were given
    assert kept.find(keys) == sorted(read_facts(session, ids), key=lambda f: f.code)
    assert [str(f.value) for f in kept.find(keys)] == ["18.50", "1299", "1299.00"]
    assert kept.find([12345 << 16 | 1]) == [None]


def test_a_first_check_after_a_rebuild_reads_no_facts_from_the_database(
    released, session, tmp_path
):
    settings = released
    write_quotas(tmp_path / "standards", "18.50")
    assert ingest(settings, session, [tmp_path / "standards"]).ok

    found, reads = standard_reads(session, lambda: matched(settings, session))

    assert found == ("QP-CQ-0900", 1, D("18.50"))
    assert reads == []


def test_facts_follow_a_write_in_this_process_and_in_another_worker(released, session, tmp_path):
    settings = released
    write_quotas(tmp_path / "standards", "18.50")
    assert ingest(settings, session, [tmp_path / "standards"]).ok
    assert matched(settings, session) == ("QP-CQ-0900", 1, D("18.50"))

    # another worker writes a new version (an update: a new commit of the same generation)
    write_quotas(tmp_path / "standards", "20.00")
    kb(settings, "ingest", "--quiet", tmp_path / "standards")
    # this process, which holds the older commit's facts, follows the index
    found, reads = standard_reads(session, lambda: matched(settings, session))
    assert found == ("QP-CQ-0900", 2, D("20.00"))
    assert reads  # the new commit had no file yet: read once, and written for the others
    assert facts_files(settings) == ["budget-facts-1.pickle"]

    # this process writes a third version; another worker checks a sheet against it
    write_quotas(tmp_path / "standards", "21.00")
    assert ingest(settings, session, [tmp_path / "standards"]).ok
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "事项,计量单位,数量,单价,等级,地区\n公共绿地养护,平方米,1,20.50,一级,青浦区\n",
        encoding="utf-8",
    )
    report = json.loads(kb(settings, "check", sheet, "--on", ON.isoformat(), "--json"))
    (line,) = report["lines"]
    assert (line["matched"]["code"], line["matched"]["version"]) == ("QP-CQ-0900", 3)
    assert (line["standard_value"], line["verdict"]) == ("21.00", "within")


def test_a_rebuild_brings_facts_of_its_own(released, session, tmp_path):
    settings = released
    write_quotas(tmp_path / "standards", "18.50")
    assert ingest(settings, session, [tmp_path / "standards"]).ok
    assert matched(settings, session) == ("QP-CQ-0900", 1, D("18.50"))
    write_quotas(tmp_path / "standards", "19.00")
    assert ingest(settings, session, [tmp_path / "standards"]).ok  # commit 1, no file yet
    before = generation(settings)[0]

    sync.rebuild(settings, session)
    found, reads = standard_reads(session, lambda: matched(settings, session))

    assert generation(settings)[0] != before and facts_files(settings) == ["budget-facts-0.pickle"]
    assert found == ("QP-CQ-0900", 2, D("19.00"))
    assert reads == []


def test_a_file_of_another_commit_or_unreadable_is_not_read(released, session, tmp_path):
    settings = released
    write_quotas(tmp_path / "standards", "18.50")
    assert ingest(settings, session, [tmp_path / "standards"]).ok
    folder, token = generation(settings)
    name = token.split()[0]

    assert budget_facts.load_facts(folder, f"{name} 0") is not None
    assert budget_facts.load_facts(folder, f"{name} 1") is None  # no file of commit 1
    budget_facts.facts_path(folder, 1).write_bytes(budget_facts.facts_path(folder, 0).read_bytes())
    assert budget_facts.load_facts(folder, f"{name} 1") is None  # commit 0's, renamed
    kept = pickle.loads(budget_facts.facts_path(folder, 0).read_bytes())
    for damaged in ({"rows": []}, {"rows": [kept["rows"][0][:-1]]}, {"keys": [1]}):
        budget_facts.facts_path(folder, 0).write_bytes(pickle.dumps(kept | damaged))
        assert budget_facts.load_facts(folder, token) is None, damaged
    budget_facts.facts_path(folder, 0).write_bytes(b"not a pickle")
    assert budget_facts.load_facts(folder, token) is None

    # an unreadable file means the database is read, and the file written again
    found, reads = standard_reads(session, lambda: matched(settings, session))
    assert found == ("QP-CQ-0900", 1, D("18.50")) and reads
    assert budget_facts.load_facts(folder, token) is not None


def kb(settings, *args) -> str:
    """``kb`` in another process (another worker), against the same instance."""
    env = os.environ | {
        "KB_INSTANCE_DIR": str(settings.instance_dir),
        "KB_SECRET_KEY": settings.secret_key,
        "KB_DATABASE_URL": settings.database_url,
    }
    command = [sys.executable, "-c", "from webapp.cli import cli; cli()", *map(str, args)]
    done = subprocess.run(command, env=env, capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return done.stdout.decode("utf-8")
