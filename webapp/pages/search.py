"""The home page: one search box, ranked hits, facets, paging; the URL holds the whole query."""

from __future__ import annotations

import html
import re
from typing import Any
from typing import NamedTuple
from urllib.parse import quote_plus

from flask import Blueprint
from flask import render_template
from flask import request
from flask import url_for
from markupsafe import Markup
from markupsafe import escape
from marshmallow import ValidationError

from indexer.search import SearchPage
from indexer.search import suggest
from kb.fields import FACET_FIELDS
from kb.fields import LABELS as FIELD_LABELS
from webapp.api.search import SEARCH_ARGS
from webapp.api.search import run_search
from webapp.db import get_session
from webapp.db import get_settings
from webapp.hits import hit_citations
from webapp.hits import natural_grades
from webapp.hits import period_text
from webapp.hits import status_on

bp = Blueprint("pages_search", __name__)
bp.add_app_template_global(period_text, "period_text")
bp.add_app_template_global(status_on, "status_on")


@bp.app_template_global()
def loop_id(hit: Any) -> str:
    """A hit's id as an HTML id: letters, digits and dashes only."""
    return re.sub(r"[^A-Za-z0-9-]", lambda m: f"_{ord(m.group(0)):x}", str(hit.id))


#: Each facet's title: a standard field's label (kb.fields), or the result type and the year.
FACET_TITLES = {
    "type": "结果类型",
    **{name: FIELD_LABELS[name] for name in FACET_FIELDS},
    "year": "年份",
}


class Facet(NamedTuple):
    """One facet as the sidebar shows it."""

    name: str
    title: str
    #: The facet's values with their counts, each a link (see :func:`facet_links`), as the
    #: escaped ``<li>`` items of its list.
    items: Markup


#: The sections of a first page, how many hits each shows, and its title.
SECTIONS = (("standard", 5, "标准"), ("clause", 5, "条款"), ("document", 3, "政策文件"))
#: Parameter names as the error message names them.
FIELD_TITLES = {
    **FACET_TITLES,
    "q": "检索词",
    "on": "现行有效日期",
    "page": "页码",
    "per_page": "每页条数",
    "sort": "排序",
}


class Section(NamedTuple):
    """One type's best hits on a first page, how many there are, and where the rest are."""

    type: str
    title: str
    total: int
    hits: tuple[Any, ...]
    more_url: str


@bp.get("/")
def index() -> str | tuple[str, int]:
    """The search page: hits, facets and paging; bad filters re-show the form with the error."""
    raw = {k: v for k, v in request.args.items() if v != ""}
    try:
        args = SEARCH_ARGS.load(raw)
    except ValidationError as error:
        return render_template(
            "search/index.html",
            args=raw,
            page=None,
            error=describe_error(error, raw),
            facet_titles=FACET_TITLES,
        ), 400
    args, defaulted = reviewer_defaults(args, raw)
    page = run_search(args)
    notice = None
    last = max(1, -(-page.total // page.per_page))
    if page.total and args["page"] > last:
        notice = f"没有第 {args['page']} 页（共 {last} 页），以下是最后一页。"
        args = {**args, "page": last}
        page = run_search(args)
    sections = best_of_each_type(args) if wants_sections(args) else []
    shown = [hit for section in sections for hit in section.hits] or list(page.results)
    return render_template(
        "search/index.html",
        args=args,
        on=args.get("on"),
        page=page,
        error=None,
        notice=notice,
        defaulted=defaulted,
        sections=sections,
        citations=hit_citations(get_session(), shown),
        facet_titles=FACET_TITLES,
        facets=facet_links(page, args),
        suggestions=_suggestions(args) if page.total == 0 else [],
    )


def reviewer_defaults(args: dict[str, Any], raw: dict[str, str]) -> tuple[dict[str, Any], bool]:
    """The empty query lists what a reviewer can cite: in force, newest first (removable).

    Without it the list opened on next year's drafts and consultation papers.
    """
    if args.get("q") or set(raw) - {"page", "per_page"}:
        return args, False
    return {**args, "status": "in_force", "sort": "date"}, True


def wants_sections(args: dict[str, Any]) -> bool:
    """A first page of a text query over every type is shown as the best hits of each type."""
    return bool(args.get("q")) and not args.get("type") and args["page"] == 1


def best_of_each_type(args: dict[str, Any]) -> list[Section]:
    """The best standards, clauses and documents, each on its own scale.

    Standards, clauses and documents compete badly on one scale: sixteen short standards that
    merely name a phrase outrank the clause that says it. Each type is searched alone with the
    same query and filters, and each section links to the rest of its type.
    """
    sections = []
    for type_, size, title in SECTIONS:
        found = run_search({**args, "type": type_, "page": 1, "per_page": size})
        if found.total:
            more = url_for("pages_search.index", **{**_plain(args), "type": type_})
            sections.append(Section(type_, title, found.total, found.results, more))
    return sorted(sections, key=lambda s: section_rank(s.hits[0], args["q"]))


def section_rank(best: Any, q: str) -> tuple[bool, bool]:
    """Sort key of a section by its best hit: one that says the query word for word first,
    and illustrative (示例) data after real text that says it too; ties keep their order."""
    return (not says_phrase(best, "".join(q.split())), bool(best.illustrative))


def says_phrase(hit: Any, phrase: str) -> bool:
    """Whether the hit's title or snippet holds ``phrase`` word for word (spaces aside)."""
    snippet = html.unescape(re.sub(r"<[^>]+>", "", hit.snippet or ""))
    text = "".join(f"{hit.title}{snippet}".split())
    return bool(phrase) and phrase in text


def _plain(args: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in args.items() if v not in (None, "") and k not in ("page", "per_page")}
    if kept.get("sort") == "relevance":
        kept.pop("sort")
    return kept


def describe_error(error: ValidationError, raw: dict[str, str]) -> str:
    """What is wrong with the query, in Chinese, and how to write it."""
    parts = []
    for field, messages in sorted(error.messages.items()):
        text = "；".join(str(m) for m in (messages if isinstance(messages, list) else [messages]))
        given = raw.get(field)
        shown = f"“{given}”" if given is not None else ""
        parts.append(f"{FIELD_TITLES.get(field, field)}（{field}）{shown}{text}")
    return "检索条件有误：" + "。".join(parts) + "。"


def _suggestions(args: dict[str, Any]) -> list[dict[str, str]]:
    """Ways out of an empty result: fewer filters, a synonym or a near spelling of the query."""
    found = []
    filters = [k for k in FACET_TITLES if args.get(k)] + (["on"] if args.get("on") else [])
    if filters:
        found.append(
            {"text": "去掉全部筛选条件", "url": url_for("pages_search.index", q=args.get("q", ""))}
        )
    for alternative in suggest(args.get("q", ""), get_settings()):
        found.append(
            {
                "text": f"改为检索“{alternative}”",
                "url": url_for("pages_search.index", q=alternative),
            }
        )
    return found


def facet_links(page: SearchPage, args: dict[str, Any]) -> list[Facet]:
    """Each facet with its values' labels, counts and links, in :data:`FACET_TITLES` order.

    A value links to this page with the value chosen, from page 1, or without it when it is the
    chosen one: what ``url_with(**{name: value or None, "page": None})`` gives, built here once
    per facet instead of once per value through the URL map; and the list items are written
    here, from escaped pieces that recur on every page, instead of in a template loop: a broad
    query at 100k standards lists a few hundred regions, and a template spends several
    microseconds on each.
    """
    from webapp.pages import LABELS

    root = url_for("pages_search.index")
    current = [(k, v) for k, v in request.args.items() if v != "" and k != "page"]
    facets = []
    for name, title in FACET_TITLES.items():
        counts = page.facets.get(name)
        if not counts:
            continue
        labels = LABELS.get(name, {})
        picked = args.get(name)
        picked = None if picked is None else str(picked)
        position = next((i for i, (k, _) in enumerate(current) if k == name), None)
        if position is None:
            before, after = _query(current), ""
        else:
            before, after = _query(current[:position]), _query(current[position + 1 :])
        without = _join(root, before, after)
        head = f"{root}?{before}&" if before else f"{root}?"
        tail = f"&{after}" if after else ""
        head_html, tail_html = escape(head), escape(tail)
        key = _quote(name) + "="
        items = []
        if name == "grade" and picked is None:
            by_category = grades_by_category(page, args)
            if by_category:
                items = _grade_groups(by_category, head_html, tail_html)
                facets.append(Facet(name, title, Markup("\n".join(items))))
                continue
        grouped = natural_grades(counts) if name == "grade" else None
        pairs = [(v, c) for v, c, _ in grouped] if grouped else counts.items()
        starts = {v for v, _, first in grouped if first} if grouped else set()
        for value, count in pairs:
            text = value if type(value) is str else str(value)
            label = labels.get(value, value)
            count_html = count if type(count) is int else escape(count)
            group = ' class="group-start"' if value in starts and items else ""
            if picked == text:
                items.append(
                    f'<li class="chosen"><a href="{escape(without)}" aria-current="true">'
                    f'{_html(label)}</a> <span class="count">{count_html}</span></li>'
                )
            else:
                piece = key + _quote(text)
                items.append(
                    f'<li{group}><a href="{head_html}{_html(piece)}{tail_html}">{_html(label)}</a> '
                    f'<span class="count">{count_html}</span></li>'
                )
        facets.append(Facet(name, title, Markup("\n".join(items))))
    return facets


#: At most this many categories get their own group of grades (one search each).
GRADE_GROUPS = 12


def grades_by_category(page: SearchPage, args: dict[str, Any]) -> list[tuple[str, list]]:
    """The grade facet split by 类别 when the hits span several: [(category, [(grade, count)])]
    with grades in natural order, categories by their count; grades of standards without a
    category last, under 未分类. Empty when one category (or a chosen one) makes groups moot.

    一类会议, 一级 and 部级 mean nothing side by side; under 会议费, 绿化养护 and 差旅费 each
    reads as the scale of its own kind of cost.
    """
    categories = page.facets.get("category") or {}
    grades = page.facets.get("grade") or {}
    if len(categories) < 2 or args.get("category") or not grades:
        return []
    groups = []
    left = dict(grades)
    for category in list(categories)[:GRADE_GROUPS]:
        within = run_search({**args, "category": category, "page": 1, "per_page": 1})
        counts = within.facets.get("grade") or {}
        if counts:
            groups.append((category, [(g, c) for g, c, _ in natural_grades(counts)]))
            for grade, count in counts.items():
                left[grade] = left.get(grade, 0) - count
    rest = {g: c for g, c in left.items() if c > 0}
    if rest and len(categories) <= GRADE_GROUPS:
        groups.append(("未分类", [(g, c) for g, c, _ in natural_grades(rest)]))
    return groups


def _grade_groups(groups: list[tuple[str, list]], head_html: str, tail_html: str) -> list[str]:
    """List items of the grouped grade facet: a heading per category, then links choosing the
    category and the grade together."""
    items = []
    for category, grades in groups:
        items.append(f'<li class="group-head">{_html(category)}</li>')
        chosen = "" if category == "未分类" else "category=" + _quote(category) + "&"
        for grade, count in grades:
            piece = chosen + "grade=" + _quote(grade)
            items.append(
                f'<li><a href="{head_html}{_html(piece)}{tail_html}">{_html(grade)}</a> '
                f'<span class="count">{count}</span></li>'
            )
    return items


#: What werkzeug leaves unescaped in a query string (``werkzeug.urls._urlencode``).
_SAFE = "!$'()*,/:;?@"
_quoted: dict[str, str] = {}


def _quote(value: Any) -> str:
    """``value`` as ``urlencode`` writes it, remembered: facet values recur on every page."""
    text = value if type(value) is str else str(value)
    found = _quoted.get(text)
    if found is None:
        if len(_quoted) > 50_000:
            _quoted.clear()
        found = _quoted[text] = quote_plus(text, safe=_SAFE)
    return found


_escaped: dict[str, str] = {}


def _html(value: Any) -> str:
    """``value`` escaped for HTML text and attributes, remembered like :func:`_quote`."""
    text = value if type(value) is str else str(value)
    found = _escaped.get(text)
    if found is None:
        if len(_escaped) > 50_000:
            _escaped.clear()
        found = _escaped[text] = str(escape(text))
    return found


def _query(pairs: list[tuple[str, Any]]) -> str:
    return "&".join(f"{_quote(k)}={_quote(v)}" for k, v in pairs)


def _join(root: str, *parts: str) -> str:
    query = "&".join(part for part in parts if part)
    return f"{root}?{query}" if query else root
