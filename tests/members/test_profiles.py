import io
import json

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from members import services
from members.models import Profile, Region, User, Visibility
from network.models import (
    OPTIONAL_EMAIL_CATEGORIES,
    EmailCategory,
    NetworkSettings,
    SensitiveCharacteristic,
)
from tests.factories import (
    PASSWORD,
    BoardMemberFactory,
    MemberFactory,
    enable_totp,
    sign_in_with_mfa,
)

pytestmark = pytest.mark.django_db


def fill(user: User, **fields: object) -> Profile:
    profile = Profile.objects.get(user=user)
    visibility = fields.pop("visibility", {})
    for field, value in fields.items():
        setattr(profile, field, value)
    profile.visibility = {**profile.visibility, **visibility}  # type: ignore[dict-item]
    profile.save()
    return profile


@pytest.fixture
def amara(db: None) -> User:
    user = MemberFactory(name="Amara Okafor", email="amara@example.org")
    fill(
        user,
        job_title="Director of Nursing",
        organisation="Leeds Teaching Hospitals",
        region=Region.NORTH_EAST_YORKSHIRE,
        career_aspiration="Chief executive of a teaching hospital",
        bio="Quietly passionate about zephyrology and ward rounds.",
        pronouns="she/her",
        visibility={
            "job_title": Visibility.MEMBERS,
            "career_aspiration": Visibility.BOARD,
            "bio": Visibility.ONLY_ME,
            "pronouns": Visibility.ONLY_ME,
            "region": Visibility.MEMBERS,
        },
    )
    return user


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


class TestWhoSeesWhat:
    @pytest.mark.parametrize("url", ["/members/", "/members/1/", "/profile/edit/", "/my-data/"])
    def test_visitors_are_sent_to_sign_in(self, client: Client, url: str) -> None:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_another_member_sees_members_fields_only(self, client: Client, amara: User) -> None:
        client.force_login(MemberFactory())
        shown = page(client, f"/members/{amara.pk}/")
        assert "Director of Nursing" in shown
        assert "Chief executive of a teaching hospital" not in shown
        assert "zephyrology" not in shown
        assert "she/her" not in shown

    def test_the_board_also_sees_board_only_fields(self, client: Client, amara: User) -> None:
        sign_in_with_mfa(client, BoardMemberFactory())
        shown = page(client, f"/members/{amara.pk}/")
        assert "Chief executive of a teaching hospital" in shown
        assert "zephyrology" not in shown

    def test_the_member_sees_everything_of_their_own(self, client: Client, amara: User) -> None:
        client.force_login(amara)
        shown = page(client, f"/members/{amara.pk}/")
        assert "zephyrology" in shown
        assert "Chief executive of a teaching hospital" in shown

    def test_directory_cards_show_only_members_fields(self, client: Client, amara: User) -> None:
        client.force_login(MemberFactory())
        listing = page(client, "/members/")
        assert "Amara Okafor" in listing
        assert "Director of Nursing" in listing
        assert "zephyrology" not in listing
        assert "Chief executive" not in listing

    @pytest.mark.parametrize("hidden", ["zephyrology", "chief executive", "she/her"])
    def test_searching_for_a_hidden_value_does_not_find_the_member(
        self, client: Client, amara: User, hidden: str
    ) -> None:
        client.force_login(BoardMemberFactory())
        listing = page(client, f"/members/?q={hidden}")
        assert "Amara Okafor" not in listing
        assert "0 members found" in listing

    def test_searching_for_a_shown_value_finds_the_member(
        self, client: Client, amara: User
    ) -> None:
        client.force_login(MemberFactory())
        assert "Amara Okafor" in page(client, "/members/?q=nursing")
        assert "Amara Okafor" in page(client, "/members/?q=Okafor")

    def test_filters_match_only_shown_values(self, client: Client, amara: User) -> None:
        client.force_login(MemberFactory())
        assert "Amara Okafor" in page(client, "/members/?region=north_east_yorkshire")
        fill(amara, visibility={"region": Visibility.ONLY_ME})
        assert "Amara Okafor" not in page(client, "/members/?region=north_east_yorkshire")

    def test_suspended_members_leave_the_directory(self, client: Client, amara: User) -> None:
        client.force_login(MemberFactory())
        amara.is_active = False
        amara.save()
        assert "Amara Okafor" not in page(client, "/members/")
        assert client.get(f"/members/{amara.pk}/").status_code == 404

    def test_a_member_cannot_change_someone_elses_profile(
        self, client: Client, amara: User
    ) -> None:
        intruder = MemberFactory()
        client.force_login(intruder)
        client.post("/profile/edit/", {"display_name": "Changed", "job_title": "Changed"})
        assert Profile.objects.get(user=amara).display_name == "Amara Okafor"


class TestSensitiveSelfDescription:
    @pytest.fixture
    def characteristic(self) -> SensitiveCharacteristic:
        return SensitiveCharacteristic.objects.create(
            settings=NetworkSettings.load(), name="Sexual orientation"
        )

    def describe(self, client: Client, characteristic: SensitiveCharacteristic, visibility: str):  # type: ignore[no-untyped-def]
        return client.post(
            "/profile/self-description/",
            {
                f"text_{characteristic.pk}": "Bisexual and proud",
                f"visibility_{characteristic.pk}": visibility,
            },
        )

    def test_nothing_is_held_without_explicit_consent(
        self, client: Client, amara: User, characteristic: SensitiveCharacteristic
    ) -> None:
        client.force_login(amara)
        self.describe(client, characteristic, Visibility.MEMBERS)
        assert not Profile.objects.get(user=amara).self_descriptions.exists()
        refused = client.post("/profile/self-description/consent/", {})
        assert refused.status_code == 400
        assert "Tick the box to agree" in refused.content.decode()

    def test_consent_is_recorded_and_descriptions_start_hidden(
        self, client: Client, amara: User, characteristic: SensitiveCharacteristic
    ) -> None:
        client.force_login(amara)
        client.post("/profile/self-description/consent/", {"agree": "on"})
        consent = amara.sensitive_consents.get()
        assert consent.wording_version == services.SENSITIVE_CONSENT_VERSION
        assert consent.withdrawn_at is None
        form = page(client, "/profile/self-description/")
        assert '<option value="only_me" selected>' in form

    def test_a_hidden_description_stays_out_of_profile_directory_and_search(
        self, client: Client, amara: User, characteristic: SensitiveCharacteristic
    ) -> None:
        client.force_login(amara)
        client.post("/profile/self-description/consent/", {"agree": "on"})
        self.describe(client, characteristic, Visibility.ONLY_ME)
        assert "Bisexual and proud" in page(client, f"/members/{amara.pk}/")

        client.force_login(BoardMemberFactory())
        assert "Bisexual and proud" not in page(client, f"/members/{amara.pk}/")
        assert "Amara Okafor" not in page(client, "/members/?q=bisexual")

    def test_a_description_shown_to_members_is_searchable(
        self, client: Client, amara: User, characteristic: SensitiveCharacteristic
    ) -> None:
        client.force_login(amara)
        client.post("/profile/self-description/consent/", {"agree": "on"})
        self.describe(client, characteristic, Visibility.MEMBERS)
        client.force_login(MemberFactory())
        assert "Bisexual and proud" in page(client, f"/members/{amara.pk}/")
        assert "Amara Okafor" in page(client, "/members/?q=bisexual")
        assert "Bisexual and proud" not in page(client, "/members/?q=bisexual")

    def test_withdrawing_consent_deletes_the_descriptions(
        self, client: Client, amara: User, characteristic: SensitiveCharacteristic
    ) -> None:
        client.force_login(amara)
        client.post("/profile/self-description/consent/", {"agree": "on"})
        self.describe(client, characteristic, Visibility.MEMBERS)
        client.post("/profile/self-description/withdraw/")
        profile = Profile.objects.get(user=amara)
        assert not profile.self_descriptions.exists()
        assert "bisexual" not in profile.search_document.lower()
        assert amara.sensitive_consents.get().withdrawn_at is not None

    def test_sensitive_data_never_reaches_the_admin_lists(
        self, client: Client, amara: User, characteristic: SensitiveCharacteristic
    ) -> None:
        services.give_sensitive_consent(user=amara)
        services.save_self_descriptions(
            profile=Profile.objects.get(user=amara),
            entries={characteristic.pk: ("Bisexual and proud", Visibility.BOARD)},
        )
        board = BoardMemberFactory()
        enable_totp(board)
        sign_in_with_mfa(client, board)
        assert "Bisexual" not in page(client, "/board/members/user/")


class TestEditing:
    def test_bad_input_gets_a_clear_message_and_changes_nothing(
        self, client: Client, amara: User
    ) -> None:
        client.force_login(amara)
        response = client.post(
            "/profile/edit/",
            {
                "display_name": "",
                "links": "not a web address",
                **{f"{field}_visibility": "members" for field in Profile().visibility or {}},
            },
        )
        shown = response.content.decode()
        assert response.status_code == 200
        assert "There is a problem" in shown
        assert "is not a web address" in shown
        assert Profile.objects.get(user=amara).display_name == "Amara Okafor"


def image_file(
    name: str, image_format: str, size: tuple[int, int] = (1200, 900), **save: object
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format=image_format, **save)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


class TestPhotos:
    def test_a_photo_is_resized_and_its_metadata_removed(
        self, client: Client, amara: User, settings, tmp_path
    ) -> None:
        settings.MEDIA_ROOT = tmp_path
        exif = Image.Exif()
        exif[0x010F] = "Camera maker"  # Make
        exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPS
        client.force_login(amara)
        response = client.post(
            "/profile/photo/", {"photo": image_file("me.jpg", "JPEG", exif=exif)}
        )
        assert response.status_code == 302
        profile = Profile.objects.get(user=amara)
        with Image.open(profile.photo.path) as stored:
            assert max(stored.size) == 800
            assert not stored.getexif()
            assert "exif" not in stored.info

    @pytest.mark.parametrize(
        ("upload", "message"),
        [
            (
                SimpleUploadedFile("cv.pdf", b"%PDF-1.4 not a photo"),
                "must be a photo in JPG, PNG or WEBP",
            ),
            (image_file("me.png", "JPEG"), "but its name ends in .png"),
        ],
    )
    def test_refused_uploads_say_why_and_change_nothing(
        self, client: Client, amara: User, settings, tmp_path, upload, message: str
    ) -> None:
        settings.MEDIA_ROOT = tmp_path
        client.force_login(amara)
        response = client.post("/profile/photo/", {"photo": upload})
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Profile.objects.get(user=amara).photo

    def test_an_oversized_file_is_refused(
        self, client: Client, amara: User, settings, tmp_path
    ) -> None:
        settings.MEDIA_ROOT = tmp_path
        client.force_login(amara)
        big = SimpleUploadedFile("big.jpg", b"\xff" * (5 * 1024 * 1024 + 1))
        response = client.post("/profile/photo/", {"photo": big})
        assert "smaller than 5 MB" in response.content.decode()
        assert not Profile.objects.get(user=amara).photo

    def test_a_photo_shown_only_to_the_member_is_not_served_to_others(
        self, client: Client, amara: User, settings, tmp_path
    ) -> None:
        settings.MEDIA_ROOT = tmp_path
        client.force_login(amara)
        client.post("/profile/photo/", {"photo": image_file("me.jpg", "JPEG")})
        fill(amara, visibility={"photo": Visibility.ONLY_ME})
        assert client.get(f"/members/{amara.pk}/photo/").status_code == 200
        client.force_login(MemberFactory())
        assert client.get(f"/members/{amara.pk}/photo/").status_code == 404


class TestDirectoryQueries:
    def count_queries(self, client: Client, members: int) -> int:
        for _ in range(members):
            fill(MemberFactory(), job_title="Head of Nursing", region=Region.LONDON)
        page(client, "/members/")  # the network settings are cached after the first page
        with CaptureQueriesContext(connection) as queries:
            listing = page(client, "/members/")
        assert f"{Profile.objects.count()} members found" in listing
        return len(queries)

    def test_the_directory_runs_the_same_queries_for_5_or_50_results(
        self, client: Client, monkeypatch
    ) -> None:
        from members import views

        client.force_login(MemberFactory())
        monkeypatch.setattr(views, "DIRECTORY_PAGE_SIZE", 100)
        few = self.count_queries(client, 4)
        many = self.count_queries(client, 45)
        assert few == many


class TestMyData:
    def test_the_export_holds_all_of_mine_and_nothing_of_anyone_else(
        self, client: Client, amara: User, django_capture_on_commit_callbacks
    ) -> None:
        other = MemberFactory(name="Zebedee Otherperson", email="zebedee@example.org")
        fill(other, job_title="Chief Pharmacist")
        characteristic = SensitiveCharacteristic.objects.create(
            settings=NetworkSettings.load(), name="Gender identity"
        )
        services.give_sensitive_consent(user=amara)
        services.save_self_descriptions(
            profile=Profile.objects.get(user=amara),
            entries={characteristic.pk: ("Non-binary", Visibility.ONLY_ME)},
        )
        Profile.objects.get(user=amara).milestones.create(
            achieved_on="2025-03-31", description="Appointed non-executive director"
        )
        from network import mail

        mail.opt_out(email=amara.email, category=EmailCategory.EVENTS)
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/accounts/password/reset/", {"email": amara.email})

        client.force_login(amara)
        response = client.get("/my-data/download/")
        assert response["Content-Disposition"] == 'attachment; filename="my-data.json"'
        data = json.loads(response.content)
        text = json.dumps(data)
        assert data["account"]["email"] == "amara@example.org"
        assert data["profile"]["job_title"] == "Director of Nursing"
        assert data["profile"]["bio"] == "Quietly passionate about zephyrology and ward rounds."
        assert data["profile"]["self_descriptions"][0]["description"] == "Non-binary"
        assert data["profile"]["milestones"][0]["description"] == "Appointed non-executive director"
        assert data["sensitive_data_consents"][0]["wording_version"]
        assert data["emails"]["messages"][0]["template"] == "account/password_reset_key"
        assert data["emails"]["stopped_categories"] == ["events"]
        assert "Zebedee" not in text and "zebedee" not in text and "Chief Pharmacist" not in text

    def test_deleting_the_account_leaves_no_personal_data_anywhere(
        self, client: Client, amara: User, django_capture_on_commit_callbacks
    ) -> None:
        from network import mail
        from tests.factories import ApplicationFactory

        ApplicationFactory(
            name="Amara Okafor",
            email=amara.email,
            job_title="Director of Nursing",
            status="approved",
        )
        mail.opt_out(email=amara.email, category=EmailCategory.EVENTS)
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/accounts/password/reset/", {"email": amara.email})
        client.force_login(amara)
        asked = client.get("/my-data/delete/")
        assert asked["Location"].startswith("/accounts/reauthenticate/")
        client.post(asked["Location"], {"password": PASSWORD})
        refused = client.post("/my-data/delete/", {})
        assert "Tick the box to confirm" in refused.content.decode()
        assert User.objects.get(pk=amara.pk).is_active

        done = client.post("/my-data/delete/", {"confirm": "on"})
        assert "Your account has been deleted" in done.content.decode()
        assert User.objects.filter(pk=amara.pk).exists()  # still counted, anonymously

        needles = ["amara", "okafor", "zephyrology", "director of nursing"]
        for model in apps.get_models():
            text_fields = [
                f.attname
                for f in model._meta.concrete_fields
                if isinstance(f, models.CharField | models.TextField | models.JSONField)
            ]
            for row in model.objects.values_list(*text_fields) if text_fields else []:
                found = [n for n in needles for value in row if value and n in str(value).lower()]
                assert not found, f"{model.__name__} still holds {found}"
        assert client.get("/home/").status_code == 302


class TestEmailChoices:
    def test_turning_a_category_off_and_on_again(self, client: Client, amara: User) -> None:
        from network.models import EmailOptOut

        client.force_login(amara)
        form = page(client, "/my-data/emails/")
        assert 'value="events" checked' in form
        every = [c.value for c in OPTIONAL_EMAIL_CATEGORIES]
        client.post("/my-data/emails/", {"receive": [c for c in every if c != "events"]})
        assert list(EmailOptOut.objects.values_list("email", "category")) == [
            (amara.email, EmailCategory.EVENTS)
        ]
        client.post("/my-data/emails/", {"receive": every})
        assert not EmailOptOut.objects.exists()
