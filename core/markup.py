"""The safe Markdown subset reviews and replies are written in.

Paragraphs, emphasis, links, block quotes, lists and code, and inline spoilers written
`||like this||`; no headings, images, tables or raw HTML (HTML is shown as the text it is).
The rendered HTML is then run through a whitelist sanitizer as a second, independent
line of defence.

`clean_text` is what every form applies to the text people type before it is checked or
kept: invisible control characters can't be shown, and XML (the Atom feeds) can't carry
them at all.
"""

import re

import nh3
from markdown_it import MarkdownIt

SPOILER_CLASS = "spoiler"

# C0 controls but tab and newline, DEL, C1 controls, and the two noncharacters XML 1.0
# forbids. NUL is among them: PostgreSQL refuses it in text.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"\r\n?")
# Bidirectional embeddings, overrides and isolates: in a one-line name they can make the
# text around it read backwards.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def clean_text(text, *, single_line=False, strip_bidi=False):
    """`text` as it may be kept and shown: line breaks as "\\n" (so lengths count as a
    browser's maxlength does), no control characters; with `single_line`, line breaks and
    tabs become spaces; `strip_bidi` drops bidirectional overrides too."""
    if not text:
        return text
    text = _LINE_BREAKS.sub("\n", str(text))
    if single_line:
        text = text.replace("\n", " ").replace("\t", " ")
    text = _CONTROL_CHARACTERS.sub("", text)
    if strip_bidi:
        text = _BIDI_CONTROLS.sub("", text)
    return text


def _inline_spoiler(state, silent):
    """`||text||` becomes <span class="spoiler">text</span>, its inside parsed as Markdown."""
    start = state.pos
    if not state.src.startswith("||", start):
        return False
    end = state.src.find("||", start + 2)
    if end < 0 or end == start + 2 or end > state.posMax:
        return False
    if not silent:
        old_max = state.posMax
        state.push("spoiler_open", "span", 1).attrs = {
            "class": SPOILER_CLASS,
            "tabindex": "0",
        }
        state.pos, state.posMax = start + 2, end
        state.md.inline.tokenize(state)
        state.posMax = old_max
        state.push("spoiler_close", "span", -1)
    state.pos = end + 2
    return True


_md = (
    MarkdownIt(
        "commonmark", {"html": False, "linkify": False, "typographer": False, "breaks": True}
    )
    .disable(["image", "heading", "lheading", "html_block", "html_inline", "hr"])
    .use(lambda md: md.inline.ruler.before("emphasis", "spoiler", _inline_spoiler))
)
_md.inline.add_terminator_char("|")  # so the plain-text rule stops where a spoiler may start

ALLOWED_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "a",
    "blockquote",
    "ul",
    "ol",
    "li",
    "code",
    "pre",
    "span",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
# A span is only ever an inline spoiler; nothing else may be smuggled in through one.
ALLOWED_ATTRIBUTE_VALUES = {"span": {"class": {SPOILER_CLASS}, "tabindex": {"0"}}}
LINK_REL = "nofollow ugc noopener"


def render_markdown(text):
    """HTML for user-written `text`; safe to mark safe in a template."""
    if not text:
        return ""
    html = _md.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values=ALLOWED_ATTRIBUTE_VALUES,
        url_schemes={"http", "https", "mailto"},
        link_rel=LINK_REL,
        strip_comments=True,
    )


def strip_spoilers(html, replacement="[spoiler]"):
    """`html` from render_markdown with each inline spoiler's text replaced (for feeds and
    other places where a reader can't choose to reveal it)."""
    return _SPOILER_SPAN.sub(replacement, html)


_SPOILER_SPAN = re.compile(r'<span class="spoiler"[^>]*>.*?</span>', re.S)
