"""Inputs far bigger than any person would send are refused with a message, before they cost."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.test import Client
from PIL import Image, ImageFile

from members.models import Profile, User
from members.privacy import DEFAULTS
from tests.factories import MemberFactory

TWO_MEGABYTES = 2 * 1024 * 1024


def two_megabytes_of_words() -> str:
    """Distinct words, as pasted text has: their search vector is over PostgreSQL's 1 MB."""
    text = " ".join(f"zephyrology{n}" for n in range(TWO_MEGABYTES // 14))
    assert len(text) > TWO_MEGABYTES * 0.95
    return text


@pytest.fixture
def amara(db: None) -> User:
    user = MemberFactory(name="Amara Okafor")
    profile = Profile.objects.get(user=user)
    profile.bio = "Ward rounds and board papers."
    profile.save()
    return user


def profile_form(**fields: str) -> dict[str, str]:
    return {
        "display_name": "Amara Okafor",
        **{f"{key}_visibility": value for key, value in DEFAULTS.items()},
        **fields,
    }


@pytest.mark.django_db
class TestLongText:
    @pytest.mark.parametrize(
        ("field", "limit"),
        [
            ("bio", "5,000"),
            ("career_aspiration", "1,000"),
            ("links", "1,000"),
            ("living_library_topics", "500"),
        ],
    )
    def test_text_longer_than_its_limit_gets_a_clear_message_and_changes_nothing(
        self, client: Client, amara: User, field: str, limit: str
    ) -> None:
        before = Profile.objects.filter(user=amara).values().get()
        client.force_login(amara)
        response = client.post("/profile/edit/", profile_form(**{field: two_megabytes_of_words()}))
        assert response.status_code == 200
        page = response.content.decode()
        assert "There is a problem" in page
        assert f"must be {limit} characters or fewer" in page
        assert Profile.objects.filter(user=amara).values().get() == before

    def test_text_at_its_limit_is_saved_and_searchable(self, client: Client, amara: User) -> None:
        client.force_login(amara)
        bio = ("zephyrology " * 500)[:5000]
        response = client.post("/profile/edit/", profile_form(bio=bio))
        assert response.status_code == 302
        assert Profile.objects.get(user=amara).bio == bio


@pytest.mark.django_db(transaction=True)
def test_a_profile_that_cannot_be_indexed_is_not_saved_either(requires_postgres: None) -> None:
    """The row and its search vector are written together or not at all."""
    member = MemberFactory(name="Amara Okafor")
    profile = Profile.objects.get(user=member)
    profile.bio = two_megabytes_of_words()
    with pytest.raises(DatabaseError):
        profile.save()
    stored = Profile.objects.get(user=member)
    assert stored.bio == ""
    assert "zephyrology" not in stored.search_document


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims `width` x `height`: decoding it would need gigabytes."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    # After the 8-byte signature: length, b"IHDR", width, height, ..., then the chunk's CRC.
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


@pytest.mark.django_db
class TestHugePhotos:
    @pytest.mark.parametrize(
        ("width", "height"),
        [
            (7000, 7000),  # 49 megapixels: over the limit, under Pillow's own warning
            (13000, 13000),  # Pillow would warn, then decode about 500 MB
            (20000, 20000),  # Pillow refuses with an error of its own
            (1, 50_000_000),  # a sliver
        ],
    )
    def test_a_photo_with_too_many_pixels_is_refused_before_it_is_decoded(
        self, client: Client, amara: User, settings, tmp_path, monkeypatch, width: int, height: int
    ) -> None:
        settings.MEDIA_ROOT = tmp_path
        decoded: list[tuple[int, int]] = []
        load = ImageFile.ImageFile.load

        def watched_load(image: ImageFile.ImageFile) -> object:
            decoded.append(image.size)
            return load(image)

        monkeypatch.setattr(ImageFile.ImageFile, "load", watched_load)
        client.force_login(amara)
        upload = SimpleUploadedFile("me.png", png_claiming(width, height), "image/png")
        response = client.post("/profile/photo/", {"photo": upload})
        assert response.status_code == 200
        page = response.content.decode()
        assert "The photo is too big to use" in page
        assert "fewer than 40 million pixels" in page
        assert decoded == []
        assert not Profile.objects.get(user=amara).photo

    def test_a_large_jpeg_under_the_limit_is_accepted(
        self, client: Client, amara: User, settings, tmp_path
    ) -> None:
        settings.MEDIA_ROOT = tmp_path
        buffer = io.BytesIO()
        Image.new("RGB", (4000, 3000), "teal").save(buffer, format="JPEG", quality=50)
        client.force_login(amara)
        upload = SimpleUploadedFile("me.jpg", buffer.getvalue(), "image/jpeg")
        assert client.post("/profile/photo/", {"photo": upload}).status_code == 302
        with Image.open(Profile.objects.get(user=amara).photo.path) as stored:
            assert stored.size == (800, 600)
