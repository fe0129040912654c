"""Test data with sensible defaults: override only what a test is about."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from kb.records import ClauseRecord
from kb.records import DocumentRecord
from kb.records import StandardRecord
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Status


def make_standard(**overrides: Any) -> StandardRecord:
    values: dict[str, Any] = {
        "code": "QP-CQ-0012",
        "name": "公共绿地一级养护成本定额",
        "kind": Kind.COST_QUOTA,
        "level": Level.DISTRICT,
        "region": "青浦区",
        "domain": "城市运维",
        "category": "绿化养护",
        "item": "公共绿地养护",
        "grade": "一级",
        "unit": "元/平方米·年",
        "value": Decimal("18.50"),
        "effective_from": dt.date(2024, 5, 9),
        "status": Status.IN_FORCE,
    }
    values.update(overrides)
    return StandardRecord(**values)


def make_clause(**overrides: Any) -> ClauseRecord:
    values: dict[str, Any] = {
        "path": "一",
        "label": "一、",
        "heading": "主要目标",
        "text": "一、主要目标",
        "depth": 1,
    }
    values.update(overrides)
    return ClauseRecord(**values)


def make_document(**overrides: Any) -> DocumentRecord:
    clauses = overrides.pop("clauses", (make_clause(),))
    values: dict[str, Any] = {
        "slug": "qingpu-plan",
        "title": "青浦区2024年度全面推开成本预算绩效管理工作方案",
        "original_text": "一、主要目标",
        "text": "一、主要目标",
        "doc_number": "青财督〔2024〕58号",
        "issuer": "青浦区财政局",
        "issued_on": dt.date(2024, 5, 9),
        "clauses": tuple(clauses),
    }
    values.update(overrides)
    return DocumentRecord(**values)
