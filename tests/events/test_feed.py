"""A member's personal calendar feed: a secret link, shown once, kept only as a hash, renewable
and stoppable, serving the member's own events, and never written to a log."""

import hashlib
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from events import feeds, services
from events.models import CalendarFeed, Event, Registration
from members.models import User
from network.logs import redact
from tests.events.support import published_event, seated, set_network
from tests.factories import MemberFactory
from tests.network.test_logs import fetch, gunicorn  # noqa: F401  (the real gunicorn fixture)

Status = Registration.Status


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def token_of(link: str) -> str:
    found = re.search(r"/events/feed/([^/]+)\.ics", link)
    assert found, link
    return found.group(1)


def link_from(html: str) -> str:
    found = re.search(r'value="(http[^"]+/events/feed/[^"]+\.ics)"', html)
    assert found, "no calendar link on the page"
    return found.group(1)


def feed_of(client: Client, token: str) -> Calendar:
    response = client.get(reverse("events:feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


@pytest.mark.django_db
def test_making_a_link_shows_it_once_and_keeps_only_its_hash(member: User) -> None:
    client = signed_in(member)
    page = client.get(reverse("events:calendar_feed")).content.decode()
    assert "Make my calendar link" in page

    response = client.post(reverse("events:renew_feed"))

    link = link_from(response.content.decode())
    token = token_of(link)
    assert "no-store" in response["Cache-Control"]
    assert "Outlook" in response.content.decode()
    stored = CalendarFeed.objects.get(member=member)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(CalendarFeed.objects.values()))
    again = client.get(reverse("events:calendar_feed")).content.decode()
    assert token not in again
    assert "Make a new link" in again


@pytest.mark.django_db
def test_the_feed_holds_the_members_seats_and_offers_only(member: User) -> None:
    set_network(waiting_list_offer_hours=24)
    going = published_event(title="Going")
    seated(going, member)
    offered = published_event(title="Offered", capacity=1)
    first = seated(offered)
    services.register(event_id=offered.pk, member=member)
    services.cancel_registration(event_id=offered.pk, member=first)
    waiting = published_event(title="Waiting", capacity=1)
    seated(waiting)
    services.register(event_id=waiting.pk, member=member)
    published_event(title="Someone else's")
    long_ago = published_event(title="Long ago", starts_at=timezone.now() - timedelta(days=90))
    seated(long_ago, member)
    token = feeds.new_feed_link(member=member)

    calendar = feed_of(Client(), token)

    titles = sorted(str(entry["summary"]) for entry in calendar.walk("VEVENT"))
    assert titles == ["Going", "Offered"]
    assert "Amara Okafor" in str(calendar["x-wr-calname"])
    assert calendar.get("refresh-interval") is not None


@pytest.mark.django_db
def test_a_cancelled_event_stays_in_the_feed_marked_cancelled(member: User) -> None:
    event = published_event(title="Called off")
    seated(event, member)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    token = feeds.new_feed_link(member=member)
    (entry,) = feed_of(Client(), token).walk("VEVENT")
    assert str(entry["status"]) == "CANCELLED"


@pytest.mark.django_db
def test_a_link_after_renewal_is_not_found_and_says_nothing_more(member: User) -> None:
    client = signed_in(member)
    old = token_of(link_from(client.post(reverse("events:renew_feed")).content.decode()))
    new = token_of(link_from(client.post(reverse("events:renew_feed")).content.decode()))

    response = Client().get(reverse("events:feed", args=[old]))

    assert response.status_code == 404
    assert response.content == b"Not found"
    assert Client().get(reverse("events:feed", args=[new])).status_code == 200
    assert CalendarFeed.objects.filter(member=member).count() == 1


@pytest.mark.django_db
def test_a_stopped_link_an_unknown_link_and_a_departed_members_link_are_not_found(
    member: User,
) -> None:
    token = feeds.new_feed_link(member=member)
    signed_in(member).post(reverse("events:stop_feed"))
    assert Client().get(reverse("events:feed", args=[token])).status_code == 404
    assert Client().get(reverse("events:feed", args=["not-a-token"])).status_code == 404

    other = MemberFactory()
    theirs = feeds.new_feed_link(member=other)
    User.objects.filter(pk=other.pk).update(is_active=False)
    assert Client().get(reverse("events:feed", args=[theirs])).status_code == 404


@pytest.mark.django_db
def test_making_renewing_and_stopping_take_post_only(member: User) -> None:
    client = signed_in(member)
    assert client.get(reverse("events:renew_feed")).status_code == 405
    assert client.get(reverse("events:stop_feed")).status_code == 405
    assert not CalendarFeed.objects.exists()


@pytest.mark.django_db
def test_the_account_page_leads_to_the_calendar_link(member: User) -> None:
    html = signed_in(member).get(reverse("members:account")).content.decode()
    assert reverse("events:calendar_feed") in html


def test_redact_hides_the_feed_token() -> None:
    token = "4ZiSJystnKrBFsz5UJqUFmlXQvglZMxvom-BQmPwGfs"
    line = f'1.2.3.4 "GET /events/feed/{token}.ics HTTP/1.1" 200'
    assert token not in redact(line)
    assert "/events/feed/[redacted]/" in redact(line)


def test_the_access_and_error_logs_never_hold_a_feed_token(
    gunicorn: tuple[str, Path, Path],  # noqa: F811
) -> None:
    base, access, errors = gunicorn
    token = "Zq3s9XKfN0pL7tYb2cRw8eUv5hJm1aGdQ4oIxEy6-_k"

    status = fetch(f"{base}/events/feed/{token}.ics")

    assert status == 404  # unknown here; Django logs "Not Found: <path>" to the error log
    deadline = time.monotonic() + 10
    while "/events/feed/" not in access.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    access_log, error_log = access.read_text(), errors.read_text()
    assert "GET /events/feed/[redacted]/ HTTP/1.1" in access_log
    assert token not in access_log
    assert token not in error_log
