"""Markdown to safe HTML, and line diffs between policy versions (clause P15)."""

import difflib
from dataclasses import dataclass

import markdown
import nh3

# What policy Markdown may produce; anything else (script, style, iframe, on* attributes,
# raw HTML the author typed) is stripped by nh3.
ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "dl", "dt", "em", "h2", "h3", "h4",
    "hr", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}


def markdown_to_safe_html(text: str) -> str:
    """Return ``text`` (Markdown) as HTML that holds only the allowed tags and attributes.

    Links get ``rel="noopener noreferrer"``; URLs with other schemes (``javascript:``)
    lose their ``href``. The result is safe to mark safe in a template.
    """
    html = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


@dataclass(frozen=True)
class DiffLine:
    """One line of a unified diff: ``kind`` is "added", "removed", "context" or "hunk"."""

    kind: str
    text: str


def policy_diff(*, old: str, new: str, old_label: str, new_label: str) -> list[DiffLine]:
    """Return the unified diff (3 lines of context) from ``old`` to ``new``, line by line.

    File headers are dropped; the labels only name the sides. An empty list means the
    texts are equal. Lines are plain text: the template escapes them.
    """
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), fromfile=old_label, tofile=new_label, lineterm=""
    )
    result: list[DiffLine] = []
    for line in lines:
        if line.startswith(("---", "+++")) and not result:
            continue
        if line.startswith("@@"):
            result.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            result.append(DiffLine("added", line[1:]))
        elif line.startswith("-"):
            result.append(DiffLine("removed", line[1:]))
        else:
            result.append(DiffLine("context", line[1:]))
    return result
