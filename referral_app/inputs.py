"""What the app accepts from outside: request sizes, ids, characters in text.

One place for the rules every form, API schema and URL shares (issue 11):

- a request body is at most ``MAX_CONTENT_LENGTH``; an urlencoded form at most
  ``MAX_FORM_MEMORY_SIZE`` (refused from its ``Content-Length``, before it is read);
- an id in a URL is at most ``MAX_ID`` (the database's integer): larger ones name
  nothing and answer 404 instead of reaching PostgreSQL; a path segment with a
  control character answers 404 too;
- text holds no control character (NUL…) but tab, and newline and carriage
  return in multi-line text; a query-string parameter with one is a 400.
"""

from __future__ import annotations

import re

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, UnicodeConverter

# The largest id the database stores (a 32-bit signed integer).
MAX_ID = 2**31 - 1

# C0 controls, DEL and C1 controls; tab, newline and carriage return are decided
# by the kind of text.
# Lone surrogates too: no encoding (UTF-8 in PostgreSQL) can store them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """True when ``text`` holds a character no field accepts.

    Single-line text accepts tab; multi-line text also newline and carriage return.
    """
    pattern = _CONTROL if multiline else _CONTROL_OR_NEWLINE
    return bool(pattern.search(text))


def _at_most(limit: int) -> str:
    """A regular expression of the decimal numbers from 0 to ``limit``."""
    digits = str(limit)
    parts = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, d in enumerate(digits):
        if d != "0":
            rest = len(digits) - i - 1
            parts.append(digits[:i] + f"[0-{int(d) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    parts.append(digits)
    return "(?:" + "|".join(parts) + ")"


class IdConverter(IntegerConverter):
    """``<int:…>`` bounded to the database's integer: a larger id does not match (404).

    The bound is in the regular expression itself: werkzeug checks a rule's method
    before its converter, so a converter that refused a value after the match would
    answer 405 where a route has a GET and a POST rule.
    """

    regex = _at_most(MAX_ID)


class NameConverter(UnicodeConverter):
    """``<slug>``, ``<string:…>``: a path segment without control characters (else 404).

    A NUL in a slug used to reach PostgreSQL, which refuses it: a 500.
    """

    def __init__(self, map, minlength=1, maxlength=None, length=None):  # noqa: A002
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        refused = _CONTROL_OR_NEWLINE.pattern[1:-1]  # the class, without its brackets
        self.regex = self.regex.replace("[^/]", f"[^/{refused}]")


def install_converters(app: Flask) -> None:
    """Before any route is added: every ``<int:…>`` of the app is bounded, and no
    path segment holds a control character."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["default"] = NameConverter
    app.url_map.converters["string"] = NameConverter


def _refuse_oversized_form():
    """An urlencoded form larger than a multipart text part may be is refused unread."""
    limit = request.max_form_memory_size
    if (
        limit is not None
        and request.mimetype == "application/x-www-form-urlencoded"
        and (request.content_length or 0) > limit
    ):
        abort(413)


def _refuse_control_characters_in_query():
    """A query-string parameter with a control character is a 400, never a 500.

    The API's query schemas say which parameter, with its message (``api.fields``).
    """
    if request.path.startswith("/api/"):
        return
    for key, value in request.args.items(multi=True):
        if has_control_characters(key) or has_control_characters(value):
            abort(400)


def register(app: Flask) -> None:
    app.before_request(_refuse_oversized_form)
    app.before_request(_refuse_control_characters_in_query)
