"""Avatar uploads through "Edit my profile": only real pictures, re-encoded, metadata gone.

Fake images, decompression bombs and oversized files get a form error, never a 500, and
nothing is stored. Real pictures are re-encoded from pixels, so EXIF (GPS!) and anything
appended to the file are dropped.
"""

import io
import os
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from .helpers import assert_form_error, parse_tags, text_of

EDIT = "/accounts/profile/"
GPS_IFD = 0x8825


def jpeg_with_gps(size=(120, 80)):
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD), "test image lacks GPS"
    return data


def png_bytes(size=(64, 64), mode="RGBA", noise=False):
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new(mode, size, (10, 200, 10, 128) if mode == "RGBA" else (10, 200, 10))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _chunk(kind, data):
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bomb(side):
    """A real, valid 1-bit PNG of side×side black pixels: tiny on disk, huge in memory."""
    row = b"\x00" * (1 + (side + 7) // 8)
    compressor = zlib.compressobj(9)
    parts = []
    block = row * 1000
    for _ in range(side // 1000):
        parts.append(compressor.compress(block))
    parts.append(compressor.compress(row * (side % 1000)))
    parts.append(compressor.flush())
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def bombs():
    return {side: png_bomb(side) for side in (8000, 30000)}


def upload(client, name, data, content_type="image/jpeg"):
    return client.post(
        EDIT,
        {
            "display_name": "Alice",
            "bio": "",
            "website": "",
            "avatar": SimpleUploadedFile(name, data, content_type=content_type),
        },
    )


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return (
        sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        if root.exists()
        else []
    )


def assert_rejected(response, user, settings):
    assert_form_error(response, "avatar")
    user.refresh_from_db()
    assert not user.avatar
    assert stored_files(settings) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,data,content_type",
    [
        ("avatar.jpg", b"this is not a picture at all", "image/jpeg"),
        ("avatar.gif", b"GIF89a<?php system($_GET['c']); ?>", "image/gif"),
        ("avatar.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"),
        (
            "avatar.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "image/svg+xml",
        ),
        ("avatar.html", b"<html><script>alert(1)</script></html>", "text/html"),
        ("avatar.jpg", b"", "image/jpeg"),
    ],
)
def test_fake_images_are_a_form_error(login, user, settings, name, data, content_type):
    assert_rejected(upload(login(user), name, data, content_type), user, settings)


@pytest.mark.django_db
def test_truncated_jpeg_is_a_form_error(login, user, settings):
    data = jpeg_with_gps((400, 300))
    assert_rejected(upload(login(user), "cut.jpg", data[: len(data) // 2]), user, settings)


@pytest.mark.django_db
@pytest.mark.parametrize("side", [8000, 30000])
def test_decompression_bomb_is_a_form_error(login, user, settings, bombs, side):
    data = bombs[side]
    assert len(data) < settings.MAX_IMAGE_UPLOAD_BYTES  # small on the wire: only pixels betray it
    response = upload(login(user), "bomb.png", data, "image/png")
    assert_rejected(response, user, settings)


@pytest.mark.django_db
def test_oversized_file_is_a_form_error(login, user, settings):
    data = png_bytes((200, 200), mode="RGB", noise=True)
    settings.MAX_IMAGE_UPLOAD_BYTES = len(data) - 1
    assert_rejected(upload(login(user), "big.png", data, "image/png"), user, settings)


@pytest.mark.django_db
def test_jpeg_with_gps_is_accepted_and_stored_without_exif(login, user, settings):
    data = jpeg_with_gps()
    c = login(user)
    response = upload(c, "holiday.jpg", data)
    assert response.status_code == 302, response.content[:2000]
    user.refresh_from_db()
    assert user.avatar
    files = stored_files(settings)
    assert files and all(f.startswith("avatars/") for f in files)
    for name in files:
        raw = (Path(settings.MEDIA_ROOT) / name).read_bytes()
        assert b"Exif" not in raw and b"SpyCam" not in raw, f"{name} keeps its EXIF"
        with Image.open(io.BytesIO(raw)) as image:
            exif = image.getexif()
            assert not exif.get_ifd(GPS_IFD) and len(exif) == 0, f"{name}: {dict(exif)}"
    with default_storage.open(user.avatar.name) as fh, Image.open(fh) as image:
        image.load()
        assert image.format in ("JPEG", "PNG")

    # The profile shows the new avatar from a stored file.
    html = text_of(c.get(reverse("accounts:profile", args=[user.username])))
    srcs = [
        a["src"]
        for tag, a in parse_tags(html).tags
        if tag == "img" and "avatars/" in a.get("src", "")
    ]
    assert srcs, "the profile does not show the avatar"
    for src in srcs:
        name = src.split(settings.MEDIA_URL, 1)[-1]
        assert default_storage.exists(name), f"{src} points at no stored file"


@pytest.mark.django_db
def test_payload_appended_to_a_real_picture_is_dropped(login, user, settings):
    data = jpeg_with_gps() + b"<script>alert('polyglot')</script>"
    response = upload(login(user), "polyglot.jpg", data)
    assert response.status_code == 302
    for name in stored_files(settings):
        assert b"polyglot" not in (Path(settings.MEDIA_ROOT) / name).read_bytes()


@pytest.mark.django_db
def test_stored_name_never_keeps_a_dangerous_extension(login, user, settings):
    response = upload(login(user), "shell.php.html", png_bytes(mode="RGB"), "text/html")
    assert response.status_code == 302
    user.refresh_from_db()
    assert re.search(r"\.(jpe?g|png|webp|gif)$", user.avatar.name), user.avatar.name
    assert all(re.search(r"\.(jpe?g|png|webp|gif)$", f) for f in stored_files(settings))


@pytest.mark.django_db
def test_transparent_png_is_accepted(login, user, settings):
    response = upload(login(user), "clear.png", png_bytes(mode="RGBA"), "image/png")
    assert response.status_code == 302
    user.refresh_from_db()
    with default_storage.open(user.avatar.name) as fh, Image.open(fh) as image:
        assert image.size[0] <= 2000


@pytest.mark.django_db
def test_huge_but_honest_picture_is_scaled_down(login, user, settings):
    out = io.BytesIO()
    Image.new("RGB", (4000, 3000), (1, 2, 3)).save(out, "JPEG", quality=50)
    response = upload(login(user), "huge.jpg", out.getvalue())
    assert response.status_code == 302
    user.refresh_from_db()
    with default_storage.open(user.avatar.name) as fh, Image.open(fh) as image:
        assert max(image.size) <= 2000


@pytest.mark.django_db
def test_replacing_an_avatar_keeps_the_profile_working(login, user, settings):
    c = login(user)
    assert upload(c, "one.jpg", jpeg_with_gps()).status_code == 302
    assert upload(c, "two.png", png_bytes(mode="RGB"), "image/png").status_code == 302
    user.refresh_from_db()
    assert default_storage.exists(user.avatar.name)
    assert c.get(reverse("accounts:profile", args=[user.username])).status_code == 200


@pytest.mark.django_db
def test_anonymous_upload_stores_nothing(client, settings):
    response = client.post(EDIT, {"avatar": SimpleUploadedFile("a.jpg", jpeg_with_gps())})
    assert response.status_code == 302
    assert stored_files(settings) == []
