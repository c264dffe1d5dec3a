"""Uploaded pictures: validated, re-encoded and resized before anyone sees them.

Every poster and avatar passes through `reencode_upload`: only real JPEG, PNG, WebP or GIF
data is accepted, size and pixel count are bounded before decoding (a JPEG bigger than
what is kept is decoded at a reduced scale), the first frame of an animation is kept as a
still picture, and it is re-encoded from pixels alone (so EXIF, GPS, text chunks and any
appended payload are gone); the resized renditions pages use are written beside it.
"""

import io
import os
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_STORED_SIDE = 2000


def _megabytes(n):
    return f"{n / 1_048_576:.1f}"


def _megapixels(n):
    return f"{n / 1_000_000:g}"


def _too_large(size, limit):
    return ValidationError(
        _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
        % {"size": _megabytes(size), "limit": _megabytes(limit)},
        code="too_large",
    )


def _kept_size(width, height):
    """The size `thumbnail` will shrink a width×height picture to."""
    scale = min(1, MAX_STORED_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


# EXIF orientation -> the transposition that shows the picture upright (as ImageOps does).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _to_8_bit(image):
    """16-bit grey (PNG) and other wide modes as 8-bit grey: convert() would clip them."""
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        wide = image.convert("I") if image.mode != "F" else image
        return wide.point(lambda value: value / 256).convert("L")
    return image


def reencode_upload(upload, *, max_bytes=None, max_pixels=None, max_decode_pixels=None):
    """Return a ContentFile holding a clean re-encoding of `upload`, or raise ValidationError.

    The result is JPEG, or PNG when the picture has transparency; its name keeps the
    upload's stem with the matching extension. An animated GIF, PNG or WebP gives its
    first frame.
    """
    max_bytes = max_bytes or settings.MAX_IMAGE_UPLOAD_BYTES
    max_pixels = max_pixels or settings.MAX_IMAGE_PIXELS
    max_decode_pixels = max_decode_pixels or settings.MAX_IMAGE_DECODE_PIXELS
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise _too_large(size, max_bytes)
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=sorted(ALLOWED_FORMATS))
            # The header tells the size before any pixel is decoded: refuse bombs here.
            width, height = image.size
            if width * height > max_pixels:
                raise ValidationError(
                    _(
                        "The picture is too large (%(w)s×%(h)s pixels); the limit is "
                        "%(limit)s megapixels."
                    )
                    % {"w": width, "h": height, "limit": _megapixels(max_pixels)},
                    code="too_many_pixels",
                )
            # Only JPEG can decode at a reduced scale; it then needs no more than is kept.
            image.draft(image.mode, _kept_size(width, height))
            if image.size[0] * image.size[1] > max_decode_pixels:
                raise ValidationError(
                    _(
                        "The picture is too large (%(w)s×%(h)s pixels): a PNG, WebP or GIF "
                        "can have at most %(limit)s megapixels. Make it smaller or save it "
                        "as a JPEG."
                    )
                    % {"w": width, "h": height, "limit": _megapixels(max_decode_pixels)},
                    code="too_many_pixels",
                )
            image.seek(0)
            image.load()
            orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard, for headers far beyond ours: the same answer, sooner.
        raise ValidationError(
            _("The picture is too large; the limit is %(limit)s megapixels.")
            % {"limit": _megapixels(max_pixels)},
            code="too_many_pixels",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(
            _("Upload a valid image: JPEG, PNG, WebP or GIF."), code="invalid_image"
        ) from None

    image = _to_8_bit(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )
    target = "RGBA" if has_alpha else "RGB"
    if image.mode not in ("L", "LA", "RGB", "RGBA"):
        image = image.convert(target)  # palette, CMYK, 1-bit: LANCZOS can't resample them
    # Shrink first, then turn upright: no step works on more pixels than it must.
    image.thumbnail((MAX_STORED_SIDE, MAX_STORED_SIDE), Image.Resampling.LANCZOS)
    if orientation in _UPRIGHT:
        image = image.transpose(_UPRIGHT[orientation])
    if image.mode != target:
        image = image.convert(target)
    image.info = {}  # nothing of the upload's metadata may reach the encoder
    stem = os.path.splitext(os.path.basename(getattr(upload, "name", "") or "image"))[0]
    stem = stem[:60] or "image"
    return ContentFile(encode(image), name=f"{stem}.{'png' if has_alpha else 'jpg'}")


def encode(image):
    """Bytes of `image` as PNG (with alpha) or JPEG, with no metadata at all."""
    out = io.BytesIO()
    if image.mode == "RGBA":
        image.save(out, "PNG", optimize=True)
    else:
        image.convert("RGB").save(out, "JPEG", quality=86, optimize=True, progressive=True)
    return out.getvalue()


def rendition_name(name, size):
    root, ext = os.path.splitext(name)
    return f"{root}.{size}{ext}"


class ImageRendition:
    """The URL of one stored rendition; a name computation, no storage round trip."""

    def __init__(self, name, size):
        self.name = rendition_name(name, size)
        self.size = size

    @property
    def url(self):
        return default_storage.url(self.name)


def write_renditions(name, sizes, *, square=False):
    """Write resized copies of stored image `name`: width `size`, or size×size if square."""
    with default_storage.open(name, "rb") as fh:
        original = Image.open(fh)
        original.load()
    for size in sizes:
        if square:
            copy = ImageOps.fit(original, (size, size), Image.Resampling.LANCZOS)
        else:
            copy = original.copy()
            copy.thumbnail((size, size * 3), Image.Resampling.LANCZOS)
        target = rendition_name(name, size)
        if default_storage.exists(target):
            default_storage.delete(target)
        default_storage.save(target, ContentFile(encode(copy)))


def delete_with_renditions(name, sizes):
    for target in [name, *(rendition_name(name, s) for s in sizes)]:
        if target and default_storage.exists(target):
            default_storage.delete(target)


class RenditionsMixin:
    """For a model with one image field: writes its renditions whenever a new image is saved.

    Set `rendition_field`, `rendition_sizes` and optionally `rendition_square`.
    """

    rendition_field = ""
    rendition_sizes = ()
    rendition_square = False

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        if cls.rendition_field in field_names:
            instance._loaded_image = values[field_names.index(cls.rendition_field)]
        return instance

    def save(self, *args, **kwargs):
        image = getattr(self, self.rendition_field)
        changed = bool(image) and image.name != getattr(self, "_loaded_image", None)
        super().save(*args, **kwargs)
        if changed:
            write_renditions(image.name, self.rendition_sizes, square=self.rendition_square)
            self._loaded_image = image.name

    def image_url(self, size):
        image = getattr(self, self.rendition_field)
        if not image:
            return ""
        return ImageRendition(image.name, size).url
