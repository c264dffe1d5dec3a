"""Hostile and odd pictures uploaded as an avatar (and as a poster in the admin, which
shares core.images): each is refused with a clear form error or kept as a clean
re-encoding, never a 500 (issue 6: hostile input).

Refused: anything that isn't JPEG, PNG, WebP or GIF data whatever its name, truncated
files, an empty file, and decompression bombs, which are refused from their header before
a pixel is decoded (a subprocess measures that the process doesn't grow).

Kept, re-encoded from pixels: polyglots (the payload is gone), pictures with GPS EXIF,
comments or text chunks (all metadata gone), animated GIF, PNG and WebP (kept as a still
of their first frame: the site shows avatars and posters as still pictures), CMYK JPEG,
16-bit PNG, palettes with transparency, extreme shapes. Every stored file is reopened with
Pillow to check.
"""

import io
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, features
from PIL.PngImagePlugin import PngInfo

from films.models import Film

from .helpers import assert_form_error, form_defaults, form_errors, visible_text

EDIT = "/accounts/profile/"
GPS_IFD = 0x8825
ORIENTATION = 0x0112
RED, CYAN, GREEN, BLUE = (220, 20, 20), (0, 255, 255), (20, 200, 20), (20, 20, 220)


# --- building the corpus ---------------------------------------------------------------


def save(image, fmt, **params):
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def noise(size, mode="RGB"):
    bands = len(mode)
    return Image.frombytes(mode, size, os.urandom(size[0] * size[1] * bands))


def _chunk(kind, data):
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_stream(width, height, *, color_type=0, bit_depth=1, row=None, rows=None):
    """A valid PNG of `height` copies of `row` (filter byte included; zeros by default),
    compressed as it is made, so even a huge picture costs little memory here."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color_type]
    row = row or b"\x00" * (1 + (width * channels * bit_depth + 7) // 8)
    rows = height if rows is None else rows
    compressor = zlib.compressobj(9)
    parts, block = [], row * 256
    for _ in range(rows // 256):
        parts.append(compressor.compress(block))
    parts.append(compressor.compress(row * (rows % 256)))
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )


def png_header_bomb():
    """50000×50000 declared, a handful of bytes of pixel data."""
    return png_stream(50_000, 50_000, color_type=2, bit_depth=8, row=b"\x00" * 4, rows=1)


def gif_screen_bomb():
    """A 1×1 frame on a 6000×6000 logical screen: ~100 bytes, a 36-megapixel canvas."""
    data = bytearray(save(Image.new("P", (1, 1), 0), "GIF"))
    data[6:10] = struct.pack("<HH", 6000, 6000)
    return bytes(data)


def jpeg_header_bomb():
    """A small JPEG whose frame header claims 60000×60000."""
    data = bytearray(save(Image.new("RGB", (16, 16), RED), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 60_000, 60_000)
    return bytes(data)


def jpeg_with_gps(size=(120, 80), orientation=None, color=RED):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)})
    if orientation:
        exif[ORIENTATION] = orientation
    data = save(Image.new("RGB", size, color), "JPEG", exif=exif.tobytes(), comment=b"GPS here")
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD), "the test image lacks GPS"
    return data


def frames(*colors, size=(40, 30), mode="RGB"):
    return [Image.new(mode, size, color) for color in colors]


def animated(fmt):
    first, *rest = frames(RED, GREEN, BLUE)
    return save(first, fmt, save_all=True, append_images=rest, duration=100, loop=0)


def png_with_text():
    info = PngInfo()
    info.add_text("Comment", "<script>alert('text chunk')</script>")
    info.add_itxt("GPSInfo", "52.5200 N, 13.4050 E")
    return save(Image.new("RGBA", (40, 30), (*GREEN, 200)), "PNG", pnginfo=info)


def palette_with_transparency():
    image = Image.new("P", (40, 30), 1)
    image.putpalette([0, 0, 0, *GREEN] + [0] * 762)
    image.paste(0, (0, 0, 20, 30))  # left half: palette entry 0, fully transparent
    return save(image, "PNG", transparency=0)


def png_16bit_rgb():
    pixel = struct.pack(">HHH", 0x8000, 0x4000, 0xFFFF)
    return png_stream(40, 30, color_type=2, bit_depth=16, row=b"\x00" + pixel * 40)


def zip_bytes():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("shell.php", "<?php system($_GET['c']); ?>")
    return out.getvalue()


# name: (file name, bytes, what the error must say)
REFUSED = {
    "text named .jpg": ("notes.jpg", lambda: b"just some text, not a picture\n" * 20, "valid"),
    "HTML named .jpg": (
        "page.jpg",
        lambda: b"<html><body><script>alert(1)</script></body></html>",
        "valid",
    ),
    "PHP named .jpg": ("shell.jpg", lambda: b"<?php system($_GET['c']); ?>", "valid"),
    "GIF header with script": (
        "gifar.gif",
        lambda: b"GIF89a/*<script>alert(1)</script>*/=1;",
        "valid",
    ),
    "SVG with script named .png": (
        "vector.png",
        lambda: (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
            b"<script>alert(2)</script></svg>"
        ),
        "valid",
    ),
    "zip named .png": ("archive.png", zip_bytes, "valid"),
    "PDF named .jpg": (
        "doc.jpg",
        lambda: b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
        "valid",
    ),
    "BMP (not an allowed format)": (
        "old.bmp",
        lambda: save(Image.new("RGB", (8, 8)), "BMP"),
        "valid",
    ),
    "TIFF (not an allowed format)": (
        "scan.tif",
        lambda: save(Image.new("RGB", (8, 8)), "TIFF"),
        "valid",
    ),
    "empty file": ("empty.jpg", lambda: b"", "empty"),
    "truncated PNG": (
        "cut.png",
        lambda: (lambda d: d[: len(d) // 2])(save(noise((120, 90)), "PNG")),
        "valid",
    ),
    "truncated JPEG": (
        "cut.jpg",
        lambda: (lambda d: d[: len(d) // 2])(save(noise((120, 90)), "JPEG")),
        "valid",
    ),
    "PNG signature only": ("sig.png", lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "valid"),
    "PNG declaring 50000×50000": ("bomb.png", png_header_bomb, "too large"),
    "compressible PNG 20000×20000": (
        "flat.png",
        lambda: png_stream(20_000, 20_000),
        "too large",
    ),
    "compressible RGBA PNG 5000×5000 (25 megapixels)": (
        "flat-rgba.png",
        lambda: png_stream(5000, 5000, color_type=6, bit_depth=8),
        "too large",
    ),
    "GIF with a 6000×6000 screen": ("screen.gif", gif_screen_bomb, "too large"),
    "JPEG declaring 60000×60000": ("huge.jpg", jpeg_header_bomb, "too large"),
}


def _pixel(image, xy=(5, 5)):
    return image.convert("RGBA").getpixel(xy)


def _near(actual, expected, tolerance=12):
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=False))


# name: (file name, bytes, check of the stored original: Image -> None (asserts))
ACCEPTED = {
    "JPEG with GPS EXIF and a comment": (
        "holiday.jpg",
        jpeg_with_gps,
        lambda im: _near(_pixel(im), RED) or pytest.fail("colour changed"),
    ),
    "JPEG turned by its EXIF orientation": (
        "turned.jpg",
        lambda: jpeg_with_gps(size=(120, 80), orientation=6),
        lambda im: im.size == (80, 120) or pytest.fail(f"not turned upright: {im.size}"),
    ),
    "GIF with a comment and script appended": (
        "polyglot.gif",
        lambda: (
            save(Image.new("P", (40, 30), 2), "GIF", comment=b"<script>alert(1)</script>")
            + b"/*';alert('polyglot')//*/"
        ),
        None,
    ),
    "JPEG with HTML appended": (
        "polyglot.jpg",
        lambda: (
            save(Image.new("RGB", (40, 30), BLUE), "JPEG")
            + b"<html><script>alert('polyglot')</script></html>"
        ),
        None,
    ),
    "PNG with a zip appended": (
        "polyglot.png",
        lambda: save(Image.new("RGB", (40, 30), GREEN), "PNG") + zip_bytes(),
        None,
    ),
    "PNG with text chunks": ("text.png", png_with_text, None),
    "animated GIF": (
        "moving.gif",
        lambda: animated("GIF"),
        lambda im: _near(_pixel(im), RED, 40) or pytest.fail("not the first frame"),
    ),
    "animated PNG": (
        "moving.png",
        lambda: animated("PNG"),
        lambda im: _near(_pixel(im), RED) or pytest.fail("not the first frame"),
    ),
    "animated WebP": (
        "moving.webp",
        lambda: animated("WEBP"),
        lambda im: _near(_pixel(im), RED, 30) or pytest.fail("not the first frame"),
    ),
    "still WebP": ("still.webp", lambda: save(Image.new("RGB", (40, 30), BLUE), "WEBP"), None),
    "CMYK JPEG": (
        "print.jpg",
        lambda: save(Image.new("CMYK", (40, 30), (255, 0, 0, 0)), "JPEG"),
        lambda im: (
            (im.mode == "RGB" and _near(_pixel(im), CYAN, 30))
            or pytest.fail(f"{im.mode} {_pixel(im)}")
        ),
    ),
    "16-bit grey PNG": (
        "deep-grey.png",
        lambda: save(Image.new("I;16", (40, 30), 30_000), "PNG"),
        # 30000 of 65535 is a mid grey, not the white a clipping conversion gives.
        lambda im: _near(_pixel(im), (117, 117, 117, 255), 3) or pytest.fail(f"{_pixel(im)}"),
    ),
    "16-bit RGB PNG": (
        "deep.png",
        png_16bit_rgb,
        lambda im: _near(_pixel(im), (128, 64, 255, 255), 3) or pytest.fail(f"{_pixel(im)}"),
    ),
    "palette with transparency": (
        "clear.png",
        palette_with_transparency,
        lambda im: (
            (im.format == "PNG" and _pixel(im, (2, 2))[3] == 0 and _pixel(im, (35, 2))[3] == 255)
            or pytest.fail(f"{im.format} {_pixel(im, (2, 2))} {_pixel(im, (35, 2))}")
        ),
    ),
    "grey with alpha": (
        "grey-alpha.png",
        lambda: save(Image.new("LA", (40, 30), (90, 128)), "PNG"),
        lambda im: (im.format == "PNG" and _pixel(im)[3] == 128) or pytest.fail(f"{_pixel(im)}"),
    ),
    "1-bit PNG": ("bits.png", lambda: save(Image.new("1", (40, 30), 1), "PNG"), None),
    "a 10000×2 strip": (
        "strip.png",
        lambda: save(Image.new("RGB", (10_000, 2), GREEN), "PNG"),
        lambda im: max(im.size) <= 2000 or pytest.fail(f"{im.size}"),
    ),
    "1×1 pixel": ("dot.png", lambda: save(Image.new("RGB", (1, 1), RED), "PNG"), None),
    "JPEG of 20 megapixels (decoded at a reduced scale)": (
        "camera.jpg",
        lambda: save(Image.linear_gradient("L").resize((5200, 3900)), "JPEG", quality=70),
        lambda im: max(im.size) == 2000 or pytest.fail(f"{im.size}"),
    ),
}
PAYLOAD_MARKERS = (b"script", b"polyglot", b"alert", b"<?php", b"PK\x03\x04", b"SpyCam", b"GPS")


# --- helpers ---------------------------------------------------------------------------


def upload(client, name, data):
    return client.post(
        EDIT,
        {
            "display_name": "Alice",
            "bio": "",
            "website": "",
            "avatar": SimpleUploadedFile(name, data, content_type="application/octet-stream"),
        },
    )


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def assert_clean_file(path):
    """A stored picture: JPEG or PNG, one frame, no metadata, nothing of the upload's
    payloads; returns it opened."""
    raw = path.read_bytes()
    for marker in PAYLOAD_MARKERS:
        assert marker not in raw, f"{path.name} keeps {marker!r}"
    assert not zipfile.is_zipfile(io.BytesIO(raw)), f"{path.name} is still a zip"
    image = Image.open(io.BytesIO(raw))
    image.load()
    assert image.format in ("JPEG", "PNG"), f"{path.name} is {image.format}"
    assert not getattr(image, "is_animated", False) and getattr(image, "n_frames", 1) == 1
    assert len(image.getexif()) == 0, f"{path.name} has EXIF {dict(image.getexif())}"
    kept = set(image.info) - {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi"}
    kept -= {"progressive", "progression", "adobe", "adobe_transform"}
    assert not kept, f"{path.name} keeps metadata {sorted(kept)}"
    assert not getattr(image, "text", {}), f"{path.name} keeps text chunks"
    return image


# --- avatars ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_uploads_are_a_clear_form_error(case, login, user, settings):
    name, build, says = REFUSED[case]
    response = upload(login(user), name, build())
    assert_form_error(response, "avatar")
    message = " ".join(form_errors(response)["avatar"]).lower()
    assert says in message, f"{case}: the error says {message!r}"
    user.refresh_from_db()
    assert not user.avatar and stored_files(settings) == []


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(ACCEPTED))
def test_odd_but_real_pictures_are_kept_as_clean_copies(case, login, user, settings):
    name, build, check = ACCEPTED[case]
    if name.endswith(".webp") and not features.check("webp"):
        pytest.skip("Pillow without WebP")
    c = login(user)
    response = upload(c, name, build())
    assert response.status_code == 302, f"{case}: {form_errors(response)}"
    user.refresh_from_db()
    assert user.avatar.name.startswith("avatars/")
    files = stored_files(settings)
    assert len(files) == 1 + len(user.AVATAR_SIZES), [f.name for f in files]
    for path in files:
        assert path.suffix in (".jpg", ".png"), path.name
        image = assert_clean_file(path)
        assert max(image.size) <= 2000
    if check:
        check(Image.open(Path(settings.MEDIA_ROOT) / user.avatar.name))
    # ... and the profile shows it.
    page = c.get(reverse("accounts:profile", args=[user.username]))
    assert page.status_code == 200 and user.avatar_large in page.content.decode()


@pytest.mark.django_db
def test_a_hostile_file_name_is_not_kept(login, user, settings):
    data = save(Image.new("RGB", (40, 30), RED), "PNG")
    response = upload(login(user), "../../<svg onload=alert(1)>.php.png", data)
    assert response.status_code == 302
    user.refresh_from_db()
    name = user.avatar.name
    assert name.startswith("avatars/") and "/" not in name.removeprefix("avatars/")
    assert not any(c in name for c in "<>\"' ") and name.endswith(".jpg"), name
    assert all(
        Path(settings.MEDIA_ROOT) in p.parents and p.suffix in (".jpg", ".png")
        for p in stored_files(settings)
    )


# --- posters, through the admin ---------------------------------------------------------


@pytest.mark.django_db
def test_posters_in_the_admin_get_the_same_treatment(login, staff_user, film, settings):
    c = login(staff_user)
    url = reverse("admin:films_film_change", args=[film.pk])
    data = form_defaults(c.get(url).content, containing="title")

    bad = c.post(url, {**data, "poster": SimpleUploadedFile("p.jpg", b"<?php echo 1; ?>")})
    assert bad.status_code == 200
    assert "Upload a valid image" in visible_text(bad)
    film.refresh_from_db()
    assert not film.poster and stored_files(settings) == []

    bomb = c.post(url, {**data, "poster": SimpleUploadedFile("p.png", png_header_bomb())})
    assert bomb.status_code == 200 and "too large" in visible_text(bomb)

    good = c.post(url, {**data, "poster": SimpleUploadedFile("p.jpg", jpeg_with_gps())})
    assert good.status_code == 302, form_errors(good)
    film = Film.objects.get(pk=film.pk)
    assert film.poster.name.startswith("posters/")
    for path in stored_files(settings):
        assert_clean_file(path)


# --- bombs cost no memory ---------------------------------------------------------------

_MEASURE = r"""
import json, sys
import django
django.setup()
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from core.forms import CleanImageField

def status(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024

def measure(work):
    # getrusage's ru_maxrss is inherited from the parent across fork and exec; this
    # process's own high-water mark is VmHWM, which writing 5 to clear_refs resets.
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass
    before = status("VmRSS")
    outcome = work()
    return outcome, status("VmHWM") - before

def clean(data, name):
    try:
        CleanImageField().clean(SimpleUploadedFile(name, data))
        return "kept"
    except ValidationError as exc:
        return " ".join(exc.messages)

results = {}
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    outcome, growth = measure(lambda: clean(data, path.rsplit("/", 1)[-1]))
    results[path] = {"outcome": outcome, "growth": growth}
# The probe must see memory Pillow allocates: a 144 MB picture (6000×6000, 4 bytes a pixel).
results["probe"] = measure(lambda: Image.new("RGB", (6000, 6000), (1, 2, 3)).load())[1]
print(json.dumps(results))
"""
BOMBS = {
    "header-50000.png": png_header_bomb,
    "flat-20000.png": lambda: png_stream(20_000, 20_000),
    "flat-rgba-5000.png": lambda: png_stream(5000, 5000, color_type=6, bit_depth=8),
    "screen-6000.gif": gif_screen_bomb,
    "header-60000.jpg": jpeg_header_bomb,
}
MAX_GROWTH = 50 * 1024 * 1024


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_bombs_are_refused_without_the_memory_they_ask_for(tmp_path):
    paths = []
    for name, build in BOMBS.items():
        path = tmp_path / name
        path.write_bytes(build())
        paths.append(str(path))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "bomb-test",
        "PYTHONPATH": str(django_settings.BASE_DIR),
    }
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *paths],
        capture_output=True,
        text=True,
        env=env,
        cwd=django_settings.BASE_DIR,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    probe = results.pop("probe")
    for path, result in results.items():
        name = Path(path).name
        assert "too large" in result["outcome"], f"{name}: {result['outcome']}"
        assert result["growth"] < MAX_GROWTH, f"{name} grew the process by {result['growth']:,} B"
    assert probe > MAX_GROWTH, "the probe can't see memory Pillow allocates"
