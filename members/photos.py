"""Profile photos: checked, resized and stripped of metadata before they are stored."""

import uuid
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 800
# What each accepted format may be called.
EXTENSIONS = {"JPEG": {"jpg", "jpeg"}, "PNG": {"png"}, "WEBP": {"webp"}}


def prepare_photo(upload: UploadedFile) -> ContentFile:
    """A clean JPEG of at most 800 pixels a side, or a ValidationError a person can act on."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError("The photo must be smaller than 5 MB.")
    try:
        with Image.open(upload) as probe:
            probe.verify()
        upload.seek(0)
        image = Image.open(upload)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValidationError("The file must be a photo in JPG, PNG or WEBP format.") from None
    extension = (upload.name or "").rsplit(".", 1)[-1].lower()
    if image.format not in EXTENSIONS:
        raise ValidationError("The file must be a photo in JPG, PNG or WEBP format.")
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
