"""Markdown is sanitised on render; diffs are line-exact (clause P15)."""

import pytest

from lead411.policy.rendering import DiffLine, markdown_to_safe_html, policy_diff


@pytest.mark.clause("P15")
def test_markdown_is_rendered_and_raw_html_is_removed():
    html = markdown_to_safe_html(
        "## Cookies\n\nWe set **two** cookies.\n\n<script>alert(1)</script>\n\n"
        '[bad](javascript:alert(1)) [good](https://example.com/) <img src=x onerror="alert(1)">'
    )

    assert "<h2>Cookies</h2>" in html
    assert "<strong>two</strong>" in html
    assert "<script" not in html
    assert "onerror" not in html
    assert "<img" not in html
    assert "javascript:" not in html
    assert '<a href="https://example.com/" rel="noopener noreferrer">good</a>' in html


@pytest.mark.clause("P15")
def test_diff_marks_removed_added_and_context_lines():
    old = "Intro\nWe keep logs for 30 days.\nOutro\n"
    new = "Intro\nWe keep logs for 14 days.\nOutro\nA new line.\n"

    lines = policy_diff(old=old, new=new, old_label="Version 1", new_label="Version 2")

    assert lines == [
        DiffLine("hunk", "@@ -1,3 +1,4 @@"),
        DiffLine("context", "Intro"),
        DiffLine("removed", "We keep logs for 30 days."),
        DiffLine("added", "We keep logs for 14 days."),
        DiffLine("context", "Outro"),
        DiffLine("added", "A new line."),
    ]


def test_diff_of_equal_texts_is_empty():
    assert policy_diff(old="Same\n", new="Same\n", old_label="a", new_label="b") == []
