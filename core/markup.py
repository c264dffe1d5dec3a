"""The safe Markdown subset reviews and replies are written in.

Paragraphs, emphasis, links, block quotes, lists and code; no headings, images, tables or
raw HTML (HTML is shown as the text it is). The rendered HTML is then run through a
whitelist sanitizer as a second, independent line of defence.
"""

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt(
    "commonmark", {"html": False, "linkify": False, "typographer": False, "breaks": True}
).disable(["image", "heading", "lheading", "html_block", "html_inline", "hr"])

ALLOWED_TAGS = {"p", "br", "em", "strong", "a", "blockquote", "ul", "ol", "li", "code", "pre"}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
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
        url_schemes={"http", "https", "mailto"},
        link_rel=LINK_REL,
        strip_comments=True,
    )
