"""
Uploaded pictures (delegates' photos, organisations' logos, speakers'
photos): an upload is checked to be a real
JPEG, PNG or WebP image, turned upright by its EXIF orientation, and encoded
again from its pixels in two sizes (640 px and 160 px), so that nothing of
the original file survives: no EXIF (GPS position, camera serial), no
comments, no ICC profile, no trailing bytes.

Only the encoded bytes are stored (WebP, which keeps a logo's transparency),
through the storage API (`ImageSwap`); the files are served by views that
check who asks (b2b_meetings.matchmaking.views.profiles,
sessions_app.views.speakers).
"""

import logging
from dataclasses import dataclass
from io import BytesIO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from conference.core.errors import DomainError

MAX_BYTES = 5 * 1024 * 1024
# A small file may still decode to a huge bitmap (a "decompression bomb").
MAX_PIXELS = 40_000_000
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
LARGE = 640
SMALL = 160
SIZES = ("large", "small")
FORMAT = "WEBP"
EXTENSION = "webp"
CONTENT_TYPE = "image/webp"
QUALITY = 85

logger = logging.getLogger(__name__)


class ImageRefused(DomainError):
    """An upload that is not an image we take; the message says why."""


@dataclass(frozen=True)
class PreparedImage:
    """An image checked and encoded again, ready to store: bytes of each size."""

    large: bytes
    small: bytes

    def files(self, stem):
        """(large, small) as ContentFiles named after `stem` ("photo", "logo")."""
        return (
            ContentFile(self.large, name=f"{stem}-{LARGE}.{EXTENSION}"),
            ContentFile(self.small, name=f"{stem}-{SMALL}.{EXTENSION}"),
        )


def too_large_message():
    return _("The image is larger than %(mb)s MB. Choose a smaller one.") % {
        "mb": MAX_BYTES // (1024 * 1024)
    }


def _not_an_image():
    return ImageRefused(_("This file is not a JPEG, PNG or WebP image. Choose a photo or logo."))


def _open(upload):
    """The decoded image of `upload`, or ImageRefused."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ImageRefused(too_large_message())
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise _not_an_image()
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ImageRefused(
                    _("The image has too many pixels. Choose one under 40 megapixels.")
                )
            probe.verify()
        # verify() leaves the image unusable: open again and decode every pixel,
        # which is where a truncated file fails.
        upload.seek(0)
        image = Image.open(upload)
        # A JPEG can be decoded at a fraction of its size: far faster for a
        # phone's 12-megapixel photo, and still more than the large size needs.
        image.draft(None, (LARGE * 2, LARGE * 2))
        image.load()
    except ImageRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _not_an_image() from None
    return image


def _upright_rgb(image):
    """The pixels turned by the EXIF orientation, as RGB or RGBA, without any metadata."""
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    image = image.convert("RGBA" if has_alpha else "RGB")
    # A fresh image of the same pixels: no info, EXIF or ICC profile carried over.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    return clean


def _encode(image):
    out = BytesIO()
    image.save(out, FORMAT, quality=QUALITY, method=4)
    return out.getvalue()


def _square(image, size):
    """A square crop of the middle (a little above it, where faces are), at most `size`."""
    side = min(size, *image.size)
    return ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS, centering=(0.5, 0.4))


def _within(image, size):
    """The whole image, scaled down to fit a `size` square (never up)."""
    copy = image.copy()
    copy.thumbnail((size, size), Image.Resampling.LANCZOS)
    return copy


def image_prepare(upload, *, crop=True):
    """
    Check `upload` (an uploaded file) and encode it in the two sizes.
    Photos are cropped square (`crop`); logos keep their shape and fit the
    square. Raises ImageRefused with a message for the person.
    """
    image = _upright_rgb(_open(upload))
    shape = _square if crop else _within
    return PreparedImage(large=_encode(shape(image, LARGE)), small=_encode(shape(image, SMALL)))


def content_type_of(name):
    """The Content-Type of a stored image, by its extension (only our own files are stored)."""
    lowered = name.lower()
    if lowered.endswith(".webp"):
        return "image/webp"
    if lowered.endswith((".jpg", ".jpeg")):
        return "image/jpeg"
    if lowered.endswith(".png"):
        return "image/png"
    return "application/octet-stream"


def _delete_files(names):
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # a file left behind must not fail the request
            logger.warning("Could not delete the stored image %s", name, exc_info=True)


class ImageSwap:
    """
    Stores new image files for the fields (large, small) of `instance` and
    removes the old ones once the transaction commits; if the block fails,
    `rollback()` deletes the new files and the old ones are kept.
    """

    def __init__(self, instance, fields):
        self.instance = instance
        self.fields = fields
        self.written = []

    def replace(self, prepared, stem):
        old = self._names()
        for field, content in zip(self.fields, prepared.files(stem), strict=True):
            file = getattr(self.instance, field)
            file.save(content.name, content, save=False)
            self.written.append(file.name)
        self._delete_after_commit(old)

    def remove(self):
        old = self._names()
        for field in self.fields:
            setattr(self.instance, field, "")
        self._delete_after_commit(old)

    def rollback(self):
        _delete_files(self.written)

    def _names(self):
        return [getattr(self.instance, f).name for f in self.fields if getattr(self.instance, f)]

    @staticmethod
    def _delete_after_commit(names):
        if names:
            transaction.on_commit(lambda: _delete_files(names))
