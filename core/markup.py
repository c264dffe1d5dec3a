"""The safe Markdown subset reviews and replies are written in.

Paragraphs, emphasis, links, block quotes, lists and code, and inline spoilers written
`||like this||`; no headings, images, tables or raw HTML (HTML is shown as the text it is).
The rendered HTML is then run through a whitelist sanitizer as a second, independent
line of defence.
"""

import re

import nh3
from markdown_it import MarkdownIt

SPOILER_CLASS = "spoiler"


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
