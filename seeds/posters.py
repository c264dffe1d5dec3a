"""Placeholder posters for the demo films, drawn with Pillow: no third-party artwork.

Each poster is a 2:3 picture with a two-colour gradient and a soft disc whose colours and
angle come from a hash of the film's slug, so the same film always gets the same poster,
with its title and year set in large type.
"""

import colorsys
import hashlib
import unicodedata
from functools import cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from core.images import encode

WIDTH, HEIGHT = 600, 900
MARGIN = 48
TITLE_SIZES = range(148, 39, -6)
MAX_TITLE_LINES = 4


# Tried in order; Pillow also looks for a bare file name in the system font folders.
FONT_FILES = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "Arial Bold.ttf")


@cache
def _font(size):
    """A bold TrueType face if the system has one, else the face Pillow embeds."""
    for name in FONT_FILES:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    # Pillow >= 10.1 embeds Aileron (ASCII only) when FreeType is present; without
    # FreeType the bitmap fallback ignores `size`: small, but still legible.
    return ImageFont.load_default(size=size)


def _printable(text, font):
    """`text` without accents when the font is the ASCII-only embedded one (no tofu boxes)."""
    if getattr(font, "path", None) and isinstance(font.path, str):
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _rgb(hue, saturation, value):
    r, g, b = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return round(r * 255), round(g * 255), round(b * 255)


def palette(slug):
    """(light, dark, accent) colours derived from `slug`, stable across runs and machines."""
    digest = hashlib.sha256(slug.encode()).digest()
    hue = digest[0] / 255
    shift = 0.06 + digest[1] / 255 * 0.22
    light = _rgb(hue, 0.45 + digest[2] / 255 * 0.25, 0.62 + digest[3] / 255 * 0.18)
    dark = _rgb(hue + shift, 0.55 + digest[4] / 255 * 0.25, 0.10 + digest[5] / 255 * 0.10)
    accent = _rgb(hue - shift, 0.35, 0.95)
    angle = -30 + digest[6] / 255 * 60
    disc = (0.2 + digest[7] / 255 * 0.6, 0.12 + digest[8] / 255 * 0.3)
    return light, dark, accent, angle, disc


def _gradient(light, dark, angle):
    # Drawn at a quarter of the size and scaled up: a gradient loses nothing, and it's fast.
    width, height = WIDTH // 4, HEIGHT // 4
    side = int((width**2 + height**2) ** 0.5) + 2
    mask = Image.linear_gradient("L").resize((side, side)).rotate(angle, Image.Resampling.BICUBIC)
    left, top = (side - width) // 2, (side - height) // 2
    mask = mask.crop((left, top, left + width, top + height))
    mask = mask.resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC)
    return Image.composite(
        Image.new("RGB", (WIDTH, HEIGHT), dark), Image.new("RGB", (WIDTH, HEIGHT), light), mask
    )


def _wrap(text, font, width):
    lines = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def _fit_title(title, width):
    """The largest font and line wrapping that fit `title` in `width` and a few lines."""
    for size in TITLE_SIZES:
        font = _font(size)
        lines = _wrap(title, font, width)
        if len(lines) <= MAX_TITLE_LINES and all(font.getlength(x) <= width for x in lines):
            return font, lines
    font = _font(TITLE_SIZES[-1])
    return font, _wrap(title, font, width)


def render_poster(slug, title, year=None):
    """JPEG bytes of a 600×900 poster for a film."""
    light, dark, accent, angle, (disc_x, disc_y) = palette(slug)
    image = _gradient(light, dark, angle).convert("RGBA")

    # A soft-edged disc: drawn small and blurred, then scaled up.
    scale = 4
    glow = Image.new("RGBA", (WIDTH // scale, HEIGHT // scale), (*accent, 0))
    draw = ImageDraw.Draw(glow)
    radius = WIDTH * 0.42 / scale
    cx, cy = WIDTH * disc_x / scale, HEIGHT * disc_y / scale + radius * 0.4
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(*accent, 70))
    glow = glow.filter(ImageFilter.GaussianBlur(1.5))
    image.alpha_composite(glow.resize(image.size, Image.Resampling.BICUBIC))

    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    inset = 22
    draw.rectangle(
        (inset, inset, WIDTH - inset, HEIGHT - inset), outline=(255, 255, 255, 90), width=2
    )

    font, lines = _fit_title(_printable(title, _font(TITLE_SIZES[0])), WIDTH - 2 * MARGIN)
    ascent, descent = font.getmetrics()
    line_height = round((ascent + descent) * 1.02)
    year_font = _font(34)
    bottom = HEIGHT - MARGIN - 40
    if year:
        bottom -= 60
    top = bottom - line_height * len(lines)

    shadow = Image.new("RGBA", image.size, (0, 0, 0, 0))
    shadow_draw = ImageDraw.Draw(shadow)
    for i, line in enumerate(lines):
        y = top + i * line_height
        shadow_draw.text((MARGIN + 3, y + 4), line, font=font, fill=(0, 0, 0, 150))
        draw.text((MARGIN, y), line, font=font, fill=(255, 255, 255, 255))
    if year:
        rule_y = bottom + 22
        draw.line((MARGIN, rule_y, MARGIN + 64, rule_y), fill=(*accent, 255), width=4)
        draw.text((MARGIN, rule_y + 14), str(year), font=year_font, fill=(*accent, 255))

    image.alpha_composite(shadow.filter(ImageFilter.GaussianBlur(4)))
    image.alpha_composite(overlay)
    return encode(image.convert("RGB"))
