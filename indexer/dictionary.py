"""The jieba user dictionary and the synonym groups, read from ``corpus/`` as data.

``dictionary.txt`` is in jieba's own user-dictionary format (``word freq tag`` per line, freq and
tag optional), so ``jieba.load_userdict`` reads it too; keep comments out of it.
``synonyms.txt`` holds one synonym group per line, words separated by whitespace, ``#`` comments.

Both files are hashed: the hashes are stored with the search index, so an edit to either file
makes the index stale and ``indexer.sync.ensure_index`` rebuilds it.

jieba is a process-wide singleton (``jieba.dt``). It is configured once per process: quiet logging,
its prefix-dictionary cache inside the instance folder, and each user dictionary added once (by
hash). Words are only ever added, so a process should serve one corpus.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import jieba

from kb.config import Settings

DICTIONARY_FILE = "dictionary.txt"
SYNONYMS_FILE = "synonyms.txt"

_lock = threading.RLock()
_configured = False
_installed: set[str] = set()
_lexicons: dict[Path, Lexicon] = {}


@dataclass(frozen=True)
class DictionaryEntry:
    """One user-dictionary word with jieba's frequency and part-of-speech tag."""

    word: str
    freq: int | None = None
    tag: str | None = None


@dataclass(frozen=True)
class Lexicon:
    """What segmentation and synonym expansion depend on, with the hashes that identify it."""

    entries: tuple[DictionaryEntry, ...]
    synonym_groups: tuple[tuple[str, ...], ...]
    dictionary_hash: str
    synonyms_hash: str
    #: Where jieba keeps its prefix-dictionary cache (the instance folder); not part of identity.
    cache_dir: str = field(default="", compare=False)
    #: Each word of a group → the other words of its group(s), lowercased.
    synonyms: Mapping[str, tuple[str, ...]] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "synonyms", synonym_map(self.synonym_groups))

    @property
    def signature(self) -> dict[str, str]:
        """The hashes stored with an index built from this lexicon."""
        return {"dictionary_hash": self.dictionary_hash, "synonyms_hash": self.synonyms_hash}


def load_lexicon(settings: Settings) -> Lexicon:
    """The lexicon of ``settings.corpus_dir`` (read once per process), installed into jieba."""
    corpus_dir = Path(settings.corpus_dir).resolve()
    with _lock:
        lexicon = _lexicons.get(corpus_dir)
        if lexicon is None:
            lexicon = read_lexicon(corpus_dir, cache_dir=Path(settings.instance_dir))
            _lexicons[corpus_dir] = lexicon
        install(lexicon)
        return lexicon


def read_lexicon(corpus_dir: Path, *, cache_dir: Path | None = None) -> Lexicon:
    """Parse the dictionary and synonym files of ``corpus_dir`` (a missing file counts as empty)."""
    dictionary_text = _read(corpus_dir / DICTIONARY_FILE)
    synonyms_text = _read(corpus_dir / SYNONYMS_FILE)
    return Lexicon(
        entries=parse_dictionary(dictionary_text),
        synonym_groups=parse_synonyms(synonyms_text),
        dictionary_hash=_sha256(dictionary_text),
        synonyms_hash=_sha256(synonyms_text),
        cache_dir=str(cache_dir) if cache_dir else "",
    )


def parse_dictionary(text: str) -> tuple[DictionaryEntry, ...]:
    """Entries of a jieba user dictionary: ``word [freq] [tag]`` per line."""
    entries = []
    for line in text.splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[-1] if len(parts) > 1 and not parts[-1].isdigit() else None
        entries.append(DictionaryEntry(parts[0], freq, tag))
    return tuple(entries)


def parse_synonyms(text: str) -> tuple[tuple[str, ...], ...]:
    """Synonym groups, one per line; ``#`` starts a comment; a group needs two words or more."""
    groups = []
    for line in text.splitlines():
        words = tuple(dict.fromkeys(w.lower() for w in line.split("#", 1)[0].split()))
        if len(words) > 1:
            groups.append(words)
    return tuple(groups)


def synonym_map(groups: tuple[tuple[str, ...], ...]) -> dict[str, tuple[str, ...]]:
    """Each word → the other words of every group it belongs to."""
    found: dict[str, dict[str, None]] = {}
    for group in groups:
        for word in group:
            others = found.setdefault(word, {})
            others.update(dict.fromkeys(w for w in group if w != word))
    return {word: tuple(others) for word, others in found.items()}


def configure_jieba(cache_dir: Path | None = None) -> None:
    """Set jieba up once per process: quiet, cache file in ``cache_dir``, dictionary loaded."""
    global _configured
    with _lock:
        if _configured:
            return
        jieba.setLogLevel(logging.WARNING)
        directory = Path(cache_dir) if cache_dir else Path(tempfile.gettempdir())
        directory.mkdir(parents=True, exist_ok=True)
        jieba.dt.tmp_dir = str(directory)
        jieba.dt.initialize()
        _configured = True


def install(lexicon: Lexicon) -> None:
    """Add the lexicon's words to jieba, once per dictionary hash and process."""
    if _configured and lexicon.dictionary_hash in _installed:
        return  # every tokenizer call comes here: no lock, no path, once it is done
    with _lock:
        configure_jieba(Path(lexicon.cache_dir) if lexicon.cache_dir else None)
        if lexicon.dictionary_hash in _installed:
            return
        for entry in lexicon.entries:
            jieba.add_word(entry.word, entry.freq, entry.tag)
        _share_frequencies(jieba.dt.FREQ)
        _installed.add(lexicon.dictionary_hash)


def _share_frequencies(frequencies: dict[str, int]) -> None:
    """Make the words of one frequency share one ``int`` object, made here side by side.

    jieba's 500k words hold 20k integers above 256 (the ones Python does not share), each
    where its word was read. Looking a word up counts a reference to its integer, which writes
    to the integer's page: in a server's workers, forked from the master that loaded jieba
    (gunicorn's ``--preload``), every such page a query touched became a private copy (issue
    16). Shared, the 5k distinct values fill a few dozen pages.
    """
    shared: dict[int, int] = {}
    for word, value in frequencies.items():
        if value > 256:
            frequencies[word] = shared.setdefault(value, int(str(value)))  # a new object


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return ""


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
