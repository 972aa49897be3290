"""One way out: a member deleting their account and the board removing a member erase alike."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.db import models
from django.test import Client

from members import services
from members.models import Profile, Region, User
from network import mail
from network.models import AuditAction, AuditEvent, EmailCategory
from tests.factories import ApplicationFactory, BoardMemberFactory, MemberFactory

pytestmark = pytest.mark.django_db

NEEDLES = ["amara", "okafor", "zephyrology", "director of nursing"]


def assert_no_trace(needles: list[str]) -> None:
    """No text column of any table mentions any of `needles`."""
    for model in apps.get_models():
        text_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        for row in model.objects.values_list(*text_fields) if text_fields else []:
            found = [n for n in needles for value in row if value and n in str(value).lower()]
            assert not found, f"{model.__name__} still holds {found}"


@pytest.fixture
def amara(db: None, django_capture_on_commit_callbacks) -> User:  # type: ignore[no-untyped-def]
    user = MemberFactory(name="Amara Okafor", email="amara@example.org")
    profile = Profile.objects.get(user=user)
    profile.job_title = "Director of Nursing"
    profile.region = Region.NORTH_EAST_YORKSHIRE
    profile.bio = "Quietly passionate about zephyrology and ward rounds."
    profile.save()
    profile.milestones.create(achieved_on="2025-03-31", description="Amara's first board post")
    ApplicationFactory(name="Amara Okafor", email=user.email, job_title="Director of Nursing")
    mail.opt_out(email=user.email, category=EmailCategory.EVENTS)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/accounts/password/reset/", {"email": user.email})
    return user


def test_a_member_deleting_their_account_is_on_the_record_without_personal_data(
    amara: User,
) -> None:
    services.delete_account(user=amara)
    event = AuditEvent.objects.get(action=AuditAction.ACCOUNT_DELETED)
    assert event.actor == amara
    assert (event.target_type, event.target_id) == ("members.User", str(amara.pk))
    assert event.data == {"initiated_by": "member"}
    assert_no_trace(NEEDLES)


def test_the_board_removing_a_member_erases_the_same_way_and_says_who_and_why(
    amara: User,
) -> None:
    board = BoardMemberFactory(name="Priya Shah")
    services.erase_member(user=amara, actor=board, reason="Removed after a conduct report")
    assert_no_trace(NEEDLES)
    amara.refresh_from_db()
    assert amara.email == f"deleted-{amara.pk}@deleted.invalid"
    assert not amara.is_active
    assert not amara.has_usable_password()
    assert not Profile.objects.filter(user=amara).exists()
    event = AuditEvent.objects.get(action=AuditAction.ACCOUNT_DELETED)
    assert (event.actor, event.reason) == (board, "Removed after a conduct report")
    assert event.data == {"initiated_by": "board"}


def test_erasing_signs_the_member_out_everywhere(amara: User) -> None:
    client = Client()
    client.force_login(amara)
    assert client.get("/home/").status_code == 200
    services.erase_member(user=amara, actor=amara, reason="")
    response = client.get("/home/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_erasing_takes_away_every_kind_of_access(amara: User) -> None:
    services.appoint_to_board(user=amara)
    amara.is_superuser = True
    amara.save()
    amara.user_permissions.add(Permission.objects.get(codename="change_user"))
    services.erase_member(user=amara, actor=amara, reason="")
    amara.refresh_from_db()
    assert (amara.is_active, amara.is_staff, amara.is_superuser) == (False, False, False)
    assert not amara.groups.exists()
    assert not amara.user_permissions.exists()


def test_erasing_twice_changes_nothing_the_second_time(amara: User) -> None:
    board = BoardMemberFactory()
    services.erase_member(user=amara, actor=board, reason="Removed")
    amara.refresh_from_db()
    erased = User.objects.filter(pk=amara.pk).values().get()
    services.delete_account(user=amara)
    assert User.objects.filter(pk=amara.pk).values().get() == erased
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT_DELETED).count() == 1
