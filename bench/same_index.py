"""Whether two instances' current indexes hold the same thing, read through Whoosh (issue 16).

    PYTHONPATH=. .venv/bin/python bench/same_index.py INSTANCE_A INSTANCE_B

For a change to how a rebuild is made (two rebuilds of the same database, by two versions of
the code): compares, for each index, every document's stored fields and column values (keyed
by ``uid``, so the documents' order in the segments does not matter), and every field's words
with their postings (``uid``, weight, positions). Segment names and document numbers differ
between two builds, so the files are not compared byte for byte. Prints one JSON line with the
counts compared and the first differences; exits 1 when there are any.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any


def _content(instance: Path) -> dict[str, Any]:
    from whoosh.query import Every

    from indexer import sync
    from kb.config import Settings

    settings = Settings.for_instance(instance)
    ix = sync.open_generation(settings, sync.generation_token(settings))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        uids = {}
        stored = {}
        for number in searcher.docs_for_query(Every()):
            fields = reader.stored_fields(number)
            uids[number] = fields["uid"]
            stored[fields["uid"]] = repr(sorted(fields.items()))
        columns = {}
        for name in ix.schema.names():
            if not reader.has_column(name):
                continue
            column = reader.column_reader(name)
            for number, uid in uids.items():
                columns[(name, uid)] = repr(column[number])
        postings = hashlib.sha256()
        words = 0
        for field in sorted(ix.schema.names()):
            if not ix.schema[field].indexed:
                continue
            for word in sorted(reader.lexicon(field)):
                found = reader.postings(field, word)
                items = []
                while found.is_active():
                    number = found.id()
                    positions = found.value_as("positions") if found.supports("positions") else ()
                    items.append((uids[number], found.weight(), tuple(positions)))
                    found.next()
                postings.update(repr((field, word, sorted(items))).encode("utf-8"))
                words += 1
    ix.close()
    return {"stored": stored, "columns": columns, "postings": postings.hexdigest(), "words": words}


def main() -> None:
    first, second = (_content(Path(p)) for p in sys.argv[1:3])
    different = [
        uid
        for uid in first["stored"].keys() | second["stored"].keys()
        if first["stored"].get(uid) != second["stored"].get(uid)
    ]
    columns = [
        key
        for key in first["columns"].keys() | second["columns"].keys()
        if first["columns"].get(key) != second["columns"].get(key)
    ]
    result = {
        "docs": [len(first["stored"]), len(second["stored"])],
        "words": [first["words"], second["words"]],
        "stored_different": sorted(different)[:10],
        "columns_different": sorted(map(str, columns))[:10],
        "postings_same": first["postings"] == second["postings"],
    }
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    same = not different and not columns and result["postings_same"]
    sys.exit(0 if same and result["words"][0] == result["words"][1] else 1)


if __name__ == "__main__":
    main()
