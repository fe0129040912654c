"""What 依据核查 says of one citation: its status, its match in kb and a message in Chinese."""

from __future__ import annotations

from dataclasses import dataclass

from kb.citing.finding import FoundCitation
from kb.errors import KbError
from kb.vocab import LabelledEnum

ILLUSTRATIVE_WARNING = "示例，不得作为依据"


class TextTooLong(KbError):
    """A text longer than 依据核查 takes; refused before any work starts."""

    code = "text_too_long"
    status = 413


class CitationStatus(LabelledEnum):
    IN_FORCE = ("in_force", "现行有效")
    AMENDED = ("amended", "已修订")
    SUPERSEDED = ("superseded", "已被修订")
    REPEALED = ("repealed", "已废止")
    NOT_YET_IN_FORCE = ("not_yet_in_force", "尚未施行")
    NOT_PUBLISHED = ("not_published", "未发布")
    CLAUSE_NOT_FOUND = ("clause_not_found", "条款未找到")
    UNKNOWN_DOCUMENT = ("unknown_document", "未收录的文件")
    UNKNOWN_STANDARD = ("unknown_standard", "未收录的标准")

    @classmethod
    def title(cls) -> str:
        return "核查结果"


@dataclass(frozen=True)
class VerifiedCitation:
    """A found citation with its match in kb, its status and a message in Chinese.

    ``illustrative`` marks a 示例 standard; ``status_inferred`` a document status read from the
    standards resting on it; ``text_held`` whether kb holds the cited document's text.
    """

    found: FoundCitation
    status: CitationStatus
    message: str
    document_id: int | None = None
    document_title: str | None = None
    clause_path: str | None = None
    code: str | None = None
    version: int | None = None
    successor_code: str | None = None
    successor_version: int | None = None
    citation: str | None = None
    permalink: str | None = None
    illustrative: bool = False
    status_inferred: bool = False
    text_held: bool | None = None
    doc_number: str | None = None
    successor_doc_number: str | None = None
    successor_title: str | None = None

    @property
    def status_text(self) -> str:
        """The status in words: a superseded document reads 已被替代, a standard 已被修订."""
        if self.status is CitationStatus.SUPERSEDED and self.document_id is not None:
            return "已被替代"
        return self.status.label

    @property
    def label(self) -> str:
        """The status in words, with every warning a reader must not miss: ``现行有效（示例…）``."""
        marks = []
        if self.status_inferred:
            marks.append("推断")
        if self.illustrative:
            marks.append(ILLUSTRATIVE_WARNING)
        return f"{self.status_text}（{'，'.join(marks)}）" if marks else self.status_text
