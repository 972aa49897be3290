"""Profile photos: checked, resized and stripped of metadata before they are stored."""

import uuid
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 800
# A photo is decoded in full before it is shrunk: 40 million pixels is about 160 MB while it is
# worked on. A few kilobytes of compressed PNG can claim billions, so the size in the file's
# header is checked before any pixel is read.
MAX_PIXELS = 40_000_000
# What each accepted format may be called.
EXTENSIONS = {"JPEG": {"jpg", "jpeg"}, "PNG": {"png"}, "WEBP": {"webp"}}
NOT_A_PHOTO = "The file must be a photo in JPG, PNG or WEBP format."
TOO_MANY_PIXELS = (
    "The photo is too big to use: it must have fewer than 40 million pixels (for example "
    "6,000 by 6,000 pixels). Save a smaller copy of it and upload that."
)


def prepare_photo(upload: UploadedFile) -> ContentFile:
    """A clean JPEG of at most 800 pixels a side, or a ValidationError a person can act on."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError("The photo must be smaller than 5 MB.")
    try:
        # Opening reads only the header. Pillow refuses (or, below twice its own limit, warns
        # about) pictures it judges to be decompression bombs; either way this one is too big.
        # Only the accepted formats are parsed at all: others (TIFF, EPS and the rest) are
        # refused before Pillow reads more than their first bytes.
        with Image.open(upload, formats=list(EXTENSIONS)) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ValidationError(TOO_MANY_PIXELS)
            probe.verify()
        upload.seek(0)
        image = Image.open(upload, formats=list(EXTENSIONS))
        # A JPEG can be decoded at a half, a quarter or an eighth of its size: no more than the
        # thumbnail needs.
        image.draft("RGB", (MAX_SIDE, MAX_SIDE))
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(TOO_MANY_PIXELS) from None
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValidationError(NOT_A_PHOTO) from None
    extension = (upload.name or "").rsplit(".", 1)[-1].lower()
    if image.format not in EXTENSIONS:
        raise ValidationError(NOT_A_PHOTO)
    if extension not in EXTENSIONS[image.format]:
        raise ValidationError(
            f"The file is a {image.format} image but its name ends in .{extension}: "
            "rename it or save it again as JPG, PNG or WEBP."
        )
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    # Copying only the pixels into a new image leaves location, camera and other metadata behind.
    clean = Image.new("RGB", image.size, "white")
    clean.paste(image.convert("RGBA"), mask=image.convert("RGBA"))
    buffer = BytesIO()
    clean.save(buffer, format="JPEG", quality=85)
    return ContentFile(buffer.getvalue(), name=f"{uuid.uuid4().hex}.jpg")
