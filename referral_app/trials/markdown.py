"""Registry text (ClinicalTrials.gov writes Markdown) as safe HTML: markdown-it-py
renders with raw HTML off, then nh3 (the ammonia sanitizer) keeps only the tags of
``ALLOWED_TAGS``; a registry record can never put a script or a link on our pages.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {"strong", "em", "code", "sub", "sup", "br", "p", "ul", "ol", "li"}
_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable(
    ["link", "image", "autolink"]
)


def inline(text: str | None) -> Markup:
    """One line of registry Markdown (an eligibility item) as sanitized HTML."""
    html = _renderer.renderInline(text or "")
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, attributes={}))  # noqa: S704 (sanitized)
