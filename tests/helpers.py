"""Small helpers the outside-in tests share: reading pages the way a browser would."""

import re
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from django.forms import BaseForm
from django.urls import reverse


class _TagCollector(HTMLParser):
    """Every start tag with its attributes, and the text inside each <script>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []  # (tag, {attr: value})
        self.scripts = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k.lower(): (v or "") for k, v in attrs}))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def parse_tags(content):
    if isinstance(content, bytes):
        content = content.decode()
    parser = _TagCollector()
    parser.feed(content)
    parser.close()
    return parser


def text_of(response):
    return response.content.decode()


def visible_text(response):
    """The page's text without tags, whitespace collapsed (what a reader sees)."""
    html = text_of(response)
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<[^>]+>", " ", html)
    from html import unescape

    return re.sub(r"\s+", " ", unescape(html)).strip()


def form_errors(response):
    """{field: [messages]} merged over every bound form in the response's context."""
    errors = {}
    contexts = response.context
    if contexts is None:
        return errors
    seen = set()
    for ctx in contexts if isinstance(contexts, list) else [contexts]:
        for d in ctx.dicts if hasattr(ctx, "dicts") else [ctx]:
            if not isinstance(d, dict):
                continue
            for value in d.values():
                if isinstance(value, BaseForm) and id(value) not in seen:
                    seen.add(id(value))
                    if value.is_bound:
                        for field, msgs in value.errors.items():
                            errors.setdefault(field, []).extend(msgs)
    return errors


def assert_form_error(response, field):
    """The page was re-shown (not redirected) with an error on `field`."""
    assert response.status_code == 200, (
        f"expected the form back with an error, got {response.status_code} "
        f"{response.get('Location', '')}"
    )
    errors = form_errors(response)
    assert field in errors or (field == "__all__" and errors), (
        f"no error on {field!r}; errors were {errors}"
    )
    # ... and the error is on the page, not only in the context.
    page = visible_text(response)
    assert any(
        str(msg) in page or _escaped(str(msg)) in text_of(response)
        for msg in errors.get(field, sum(errors.values(), []))
    ), "the form error is not shown on the page"


def _escaped(text):
    from django.utils.html import escape

    return str(escape(text))


def assert_login_redirect(response, next_path=None):
    """Anonymous request sent to log in (optionally with ?next= back to `next_path`)."""
    assert response.status_code == 302, f"expected a redirect to log in, got {response.status_code}"
    url = response["Location"]
    assert urlsplit(url).path == reverse("account_login"), f"redirected to {url}, not to log in"
    if next_path is not None:
        assert f"next={next_path}" in unquote(url), f"{url} does not return to {next_path}"


def positions(content, *needles):
    """Index of each needle in content; fails clearly if one is missing."""
    out = []
    for needle in needles:
        i = content.find(needle)
        assert i >= 0, f"{needle!r} not found on the page"
        out.append(i)
    return out


def assert_in_order(content, *needles):
    pos = positions(content, *needles)
    assert pos == sorted(pos), f"wrong order: {list(zip(needles, pos, strict=True))}"


class _FormParser(HTMLParser):
    """The default values a browser would submit for one <form> (by index or containing
    a given input name): inputs, checked boxes, selected options, textareas."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._form = None
        self._select = None
        self._select_multiple = False
        self._select_had_selected = False
        self._first_option = None
        self._textarea = None
        self._option_value = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {"attrs": a, "fields": [], "names": set()}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            self._form["names"].add(name)
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"].append((name, a.get("value", "on")))
            elif kind not in ("file", "submit", "button", "image", "reset"):
                self._form["fields"].append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._form["names"].add(name)
            self._select = name
            self._select_multiple = "multiple" in a
            self._select_had_selected = False
            self._first_option = None
        elif tag == "option" and self._select:
            value = a.get("value")
            self._option_value = value
            if self._first_option is None and value is not None:
                self._first_option = value
            if "selected" in a and value is not None:
                self._form["fields"].append((self._select, value))
                self._select_had_selected = True
        elif tag == "textarea" and name:
            self._form["names"].add(name)
            self._textarea = [name, ""]

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select:
            if not self._select_had_selected and not self._select_multiple and self._first_option:
                self._form["fields"].append((self._select, self._first_option))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self._form["fields"].append(tuple(self._textarea))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def form_defaults(content, containing):
    """A dict (lists for repeated names) of what the form holding field `containing` sends."""
    if isinstance(content, bytes):
        content = content.decode()
    parser = _FormParser()
    parser.feed(content)
    for form in parser.forms:
        if containing in form["names"]:
            data = {}
            for name, value in form["fields"]:
                if value.startswith("\n"):
                    value = value[1:]
                data.setdefault(name, []).append(value)
            return {k: v if len(v) > 1 else v[0] for k, v in data.items()}
    raise AssertionError(f"no form with a field named {containing!r}")


def shows_count(page, n, noun):
    """True if the text shows "3 ratings" or "Ratings 3" (a label beside the number)."""
    return bool(re.search(rf"\b{n}\s+{noun}s?\b|\b{noun}s?\W+{n}\b", page, re.I))
