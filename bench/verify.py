"""依据核查 on long texts: time per character should stay flat as the text grows (issue 12).

Runs in one process against an empty instance (finding dominates; matching is per citation):
``"《a》" * n`` (every title unknown), a run of 文号 with clauses, and standard codes, at sizes up
to the API's limit. Prints Markdown; nothing is asserted.

    .venv/bin/python bench/verify.py
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from kb.citing.verify import MAX_TEXT_CHARACTERS
from kb.citing.verify import verify
from kb.config import Settings
from kb.db import close_database
from kb.db import open_database

TEXTS = {
    "《a》": "《a》",
    "文号+条": "财行〔2016〕214号第十五条、",
    "标准编号": "QP-CQ-0001，",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,50000,100000,200000")
    args = parser.parse_args()
    sizes = [min(int(s), MAX_TEXT_CHARACTERS) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.for_instance(Path(folder) / "instance", secret_key="bench")
        factory = open_database(settings)
        print("| text | characters | citations | seconds | µs per character |")
        print("|---|---:|---:|---:|---:|")
        with factory() as session:
            for name, unit in TEXTS.items():
                for size in sizes:
                    text = unit * (size // len(unit))
                    start = time.perf_counter()
                    found = verify(session, text)
                    took = time.perf_counter() - start
                    per = took / len(text) * 1e6
                    print(f"| {name} | {len(text):,} | {len(found):,} | {took:.2f} | {per:.1f} |")
        close_database(factory)


if __name__ == "__main__":
    main()
