"""The home page: one search box, ranked hits, facets, paging; the URL holds the whole query."""

from __future__ import annotations

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
from webapp.api.search import SEARCH_ARGS
from webapp.api.search import run_search
from webapp.db import get_settings

bp = Blueprint("pages_search", __name__)

FACET_TITLES = {
    "type": "结果类型",
    "kind": "标准类型",
    "level": "层级",
    "region": "地区",
    "domain": "领域",
    "category": "类别",
    "grade": "等级",
    "status": "状态",
    "year": "年份",
}


class Facet(NamedTuple):
    name: str
    title: str
    #: The facet's values with their counts, each a link (see :func:`facet_links`), as the
    #: escaped ``<li>`` items of its list.
    items: Markup


@bp.get("/")
def index() -> str:
    raw = {k: v for k, v in request.args.items() if v != ""}
    try:
        args = SEARCH_ARGS.load(raw)
    except ValidationError as error:
        return render_template(
            "search/index.html",
            args=raw,
            page=None,
            error=_describe(error),
            facet_titles=FACET_TITLES,
        ), 400
    page = run_search(args)
    return render_template(
        "search/index.html",
        args=args,
        on=args.get("on"),
        page=page,
        error=None,
        facet_titles=FACET_TITLES,
        facets=facet_links(page, args),
        suggestions=_suggestions(args) if page.total == 0 else [],
    )


def _describe(error: ValidationError) -> str:
    fields = "、".join(sorted(error.messages))
    return f"检索条件有误：{fields}"


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
        for value, count in counts.items():
            text = value if type(value) is str else str(value)
            label = labels.get(value, value)
            count_html = count if type(count) is int else escape(count)
            if picked == text:
                items.append(
                    f'<li class="chosen"><a href="{escape(without)}" aria-current="true">'
                    f'{_html(label)}</a> <span class="count">{count_html}</span></li>'
                )
            else:
                piece = key + _quote(text)
                items.append(
                    f'<li><a href="{head_html}{_html(piece)}{tail_html}">{_html(label)}</a> '
                    f'<span class="count">{count_html}</span></li>'
                )
        facets.append(Facet(name, title, Markup("\n".join(items))))
    return facets


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
