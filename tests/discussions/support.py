"""Spaces, topics and signed-in clients for the discussions tests."""

from django.test import Client

from discussions.models import Space
from members.models import Profile, User
from network.models import MembershipCategory, NetworkSettings


def a_space(name: str = "Board readiness", **fields: object) -> Space:
    slug = name.lower().replace(" ", "-")
    return Space.objects.create(name=name, slug=slug, **fields)


def category(name: str) -> MembershipCategory:
    return MembershipCategory.objects.get_or_create(settings=NetworkSettings.load(), name=name)[0]


def in_category(user: User, name: str) -> User:
    Profile.objects.filter(user=user).update(category=category(name))
    return user


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
