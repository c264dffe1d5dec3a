"""Uploaded pictures: validated, re-encoded and resized before anyone sees them.

Every poster and avatar passes through `reencode_upload`: only real JPEG, PNG, WebP or GIF
data is accepted, size and pixel count are bounded before decoding, the first frame is
re-encoded from pixels alone (so EXIF, GPS and any appended payload are gone), and the
resized renditions pages use are written beside the original.
"""

import io
import os
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_STORED_SIDE = 2000


def reencode_upload(upload, *, max_bytes=None, max_pixels=None):
    """Return a ContentFile holding a clean re-encoding of `upload`, or raise ValidationError.

    The result is JPEG, or PNG when the picture has transparency; its name keeps the
    upload's stem with the matching extension.
    """
    max_bytes = max_bytes or settings.MAX_IMAGE_UPLOAD_BYTES
    max_pixels = max_pixels or settings.MAX_IMAGE_PIXELS
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": round(size / 1_048_576, 1), "limit": round(max_bytes / 1_048_576, 1)},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(_("The file is too large."), code="too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=sorted(ALLOWED_FORMATS))
            # The header tells the size before any pixel is decoded: refuse bombs here.
            width, height = image.size
            if width * height > max_pixels:
                raise ValidationError(
                    _("The picture is too large (%(w)s×%(h)s pixels).") % {"w": width, "h": height},
                    code="too_many_pixels",
                )
            image.seek(0)
            image.load()
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise ValidationError(
            _("Upload a valid image: JPEG, PNG, WebP or GIF."), code="invalid_image"
        ) from None

    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((MAX_STORED_SIDE, MAX_STORED_SIDE), Image.Resampling.LANCZOS)
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
