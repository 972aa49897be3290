from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from members.models import BOARD_GROUP, User


@transaction.atomic
def appoint_to_board(*, user: User) -> None:
    """Give a member the board's access to the admin; they still need MFA to use it."""
    group, _ = Group.objects.get_or_create(name=BOARD_GROUP)
    user.groups.add(group)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


@transaction.atomic
def create_member(*, email: str, name: str, password: str | None) -> User:
    """Create an account whose address is already confirmed (it came through an invitation)."""
    user = User.objects.create_user(email=email, password=password, name=name)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user
