"""What a browser posts from a page's form: every field, as the page shows it.

Posted forms refuse a missing field (``referral_app.forms.BaseForm``), so tests
that post a form start from the real page, as a person does, and change what
they would type: ``post_page_form(client, path, title="New")``. A check box is
ticked with ``True`` and unticked with ``False``.
"""

from __future__ import annotations

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self.actions: list[str | None] = []
        self._form: list[tuple[str, str]] | None = None
        self._action: str | None = None
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = []
            self._action = a.get("action") or None
        if self._form is None:
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if not a.get("name") or kind in ("submit", "button", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select = (a["name"], "multiple" in a)
            self._options = []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if self._form is None:
            return
        if tag == "select" and self._select is not None:
            name, multiple = self._select
            chosen = [v for v, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            self._form.extend((name, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self.forms.append(self._form)
            self.actions.append(self._action)
            self._form = None


def page_form(html: str, having: str | None = None) -> dict[str, list[str]]:
    """The values the page's first posted form (or the one with field ``having``) sends."""
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        names = [name for name, _value in form]
        if having is None or having in names:
            data: dict[str, list[str]] = {}
            for name, value in form:
                data.setdefault(name, []).append(value)
            return data
    raise AssertionError(f"no posted form with {having!r}")


def page_forms(html: str) -> list[tuple[str | None, dict[str, list[str]]]]:
    """Every posted form of the page: its action (None: the page itself) and values."""
    parser = _FormParser()
    parser.feed(html)
    found = []
    for action, form in zip(parser.actions, parser.forms, strict=True):
        data: dict[str, list[str]] = {}
        for name, value in form:
            data.setdefault(name, []).append(value)
        found.append((action, data))
    return found


def post_page_form(client, path: str, *, having: str | None = None, action=None, **changes):
    """GET ``path``, fill its form like a person (``changes``), post it."""
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    data = page_form(page.text, having)
    for name, value in changes.items():
        if value is True:  # tick the box: the page's hidden companion, and the box
            value = ["", "y"]
        elif value is False:
            value = [""]
        data[name] = value if isinstance(value, list) else [str(value)]
    return client.post(action or path, data=data)
