"""Hostile inputs the tests feed the site: see the files beside this one."""

import re
from pathlib import Path

HERE = Path(__file__).parent
_CODEPOINT = re.compile(r"\{U\+([0-9A-Fa-f]{4,6})\}")


def load(name="xss.txt"):
    """The payloads of a corpus file: one a line; blank lines and "#" comments skipped;
    {U+XXXX} stands for that character (NUL, controls, direction overrides...)."""
    payloads = []
    for line in (HERE / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        payloads.append(_CODEPOINT.sub(lambda m: chr(int(m.group(1), 16)), line))
    return payloads
