"""Mentoring in the browser: a mentee finds a suggested mentor and asks them, the mentor accepts,
they check in, the mentee says it is working and gives close-out feedback at the end; and the
programme board matches a round, changes one pair and publishes it, and the mentee and the mentor
each agree to the pairing, which is then under way for both."""

from datetime import timedelta

import pytest
from django.core.cache import cache

from mentoring import services
from mentoring.models import CheckIn, CloseOut, FitAnswer, MatchingRound, Pairing
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import BoardMemberFactory, enable_totp
from tests.mentoring.support import london_today, mentee_with_goals, mentor_with_offer

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def fresh_suggestions() -> None:
    """Suggestions are kept a few minutes; each journey starts without any kept."""
    cache.clear()


def banner(page) -> str:  # type: ignore[no-untyped-def]
    """The notification banner a members' page shows after an action."""
    return page.locator(".nhsuk-notification-banner").inner_text()


def main(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator("main").inner_text()


def board_message(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator(".messagelist").inner_text()


def test_a_mentee_asks_a_suggested_mentor_and_the_pairing_runs_to_its_close_out(
    page, another_browser
) -> None:  # type: ignore[no-untyped-def]
    grace = mentor_with_offer(name="Grace Adeyemi", topics=("Board readiness",))
    sam = mentee_with_goals(name="Sam Patel", topics=("Board readiness",))

    # Sam sees Grace suggested, with the reasons in words, and asks her.
    sign_in(page, sam.email)
    page.goto("/mentoring/")
    text = main(page)
    assert "Grace Adeyemi" in text
    assert "You both work on board readiness" in text.replace("Board", "board")
    assert_accessible(page)
    page.get_by_role("link", name="Ask Grace Adeyemi to mentor you").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Ask Grace Adeyemi to mentor you"
    assert_accessible(page)
    page.get_by_role("button", name="Send your request").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert_accessible(page)
    page.get_by_label("A short note to introduce yourself").fill(
        "I would like help preparing for my first non-executive board post."
    )
    page.get_by_role("button", name="Send your request").click()
    page.wait_for_url("**/mentoring/requests/*/")
    assert "Your request has gone to Grace Adeyemi" in banner(page)
    assert_accessible(page)

    # Grace reads the request on her mentoring home and accepts.
    grace_page = another_browser(grace)
    grace_page.goto("/mentoring/")
    assert "Sam Patel asked you to mentor them" in main(grace_page)
    assert "first non-executive board post" in main(grace_page)
    assert_accessible(grace_page)
    grace_page.get_by_role("button", name="Accept").click()
    grace_page.wait_for_url("**/mentoring/pairings/*/")
    assert "You are now mentoring Sam Patel" in banner(grace_page)
    assert_accessible(grace_page)
    pairing = Pairing.objects.get(mentor=grace, mentee=sam)
    assert pairing.status == Pairing.Status.ACTIVE

    # Both see the pairing on their mentoring home.
    page.goto("/mentoring/")
    assert "Grace Adeyemi mentors you" in main(page)
    assert_accessible(page)
    grace_page.goto("/mentoring/")
    assert "You mentor Sam Patel" in main(grace_page)

    # Grace records their first meeting, with notes only the two of them read.
    grace_page.get_by_role("link", name="Sam Patel").first.click()
    grace_page.get_by_label("When did you meet?").fill(london_today().strftime("%d/%m/%Y"))
    grace_page.get_by_label("Video call").check()
    grace_page.get_by_label("Notes (optional)").fill("Talked through a mock interview panel.")
    grace_page.get_by_role("button", name="Record the check-in").click()
    assert "Your check-in has been recorded." in banner(grace_page)
    assert "Talked through a mock interview panel." in main(grace_page)
    assert_accessible(grace_page)
    assert CheckIn.objects.filter(pairing=pairing).count() == 1

    # Some weeks in, Sam is asked privately whether it is working, and says yes.
    started = london_today() - timedelta(weeks=4)
    Pairing.objects.filter(pk=pairing.pk).update(
        started_on=started, ends_on=started + timedelta(days=180)
    )
    page.get_by_role("link", name="Grace Adeyemi").first.click()
    assert "Talked through a mock interview panel." in main(page)
    assert "Is this mentoring working for you?" in main(page)
    assert_accessible(page)
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Send your answer").click()
    assert "We are glad it is working." in banner(page)
    assert "Is this mentoring working for you?" not in main(page)
    assert_accessible(page)
    assert FitAnswer.objects.get(pairing=pairing, member=sam).working is True

    # The term ends; Sam gives close-out feedback.
    Pairing.objects.filter(pk=pairing.pk).update(ends_on=london_today())
    assert services.finish_pairings() == 1
    page.reload()
    assert "Completed" in main(page)
    assert_accessible(page)
    page.locator("input[name=goals_met][value=yes]").check()
    page.locator("input[name=would_recommend][value=yes]").check()
    page.get_by_label("A line for the record (optional)").fill("Appointed to a trust board.")
    page.get_by_role("button", name="Send your feedback").click()
    assert "Thank you for your feedback." in banner(page)
    assert "You have given your close-out feedback." in main(page)
    assert_accessible(page)
    given = CloseOut.objects.get(pairing=pairing, member=sam)
    assert given.would_recommend is True and given.for_the_record == "Appointed to a trust board."


def test_the_board_matches_a_round_changes_a_pair_and_both_sides_agree_to_the_proposal(
    page, another_browser
) -> None:  # type: ignore[no-untyped-def]
    board = BoardMemberFactory(name="Priya Shah")
    secret = enable_totp(board)
    grace = mentor_with_offer(name="Grace Adeyemi", topics=("Board readiness",))
    omar = mentor_with_offer(
        name="Omar Haddad",
        topics=("Board readiness",),
        profile={"organisation": "Bradford District Care NHS Foundation Trust"},
    )
    sam = mentee_with_goals(name="Sam Patel", topics=("Board readiness",))

    # The board opens a round and adds Sam.
    admin = another_browser(board, secret=secret)
    admin.goto("/board/mentoring/matchinground/add/")
    admin.locator("#id_title").fill("Spring round")
    admin.locator("input[name=_save]").click()
    assert "“Spring round” is open" in board_message(admin)
    matching_round = MatchingRound.objects.get(title="Spring round")
    admin.get_by_label("The mentee's email address").fill(sam.email)
    admin.get_by_role("button", name="Add to the round").click()
    assert "is in the round" in board_message(admin)

    # The matching proposes a mentor; the board swaps to the other one, then publishes.
    admin.get_by_role("button", name="Run matching").click()
    assert "Matching done: 1 matched, 0 not matched" in board_message(admin)
    proposal = matching_round.proposals.get(mentee=sam)
    other = omar if proposal.mentor_id == grace.pk else grace
    admin.locator(f"#swap-{sam.pk}").select_option(str(other.pk))
    admin.get_by_role("button", name="Swap the mentor").click()
    assert "is now proposed to" in board_message(admin)
    admin.get_by_role("button", name="Publish and tell both sides").click()
    assert "1 pairing(s) proposed" in board_message(admin)

    pairing = Pairing.objects.get(mentee=sam)
    assert pairing.mentor_id == other.pk
    assert pairing.status == Pairing.Status.PROPOSED
    assert pairing.origin == Pairing.Origin.ROUND

    # Sam sees the proposed pairing on their mentoring home, and agrees to it.
    sign_in(page, sam.email)
    page.goto("/mentoring/")
    text = main(page)
    assert f"{other.profile.display_name} mentors you" in text
    assert "Proposed" in text and "Both of you need to agree before it starts." in text
    assert_accessible(page)
    page.get_by_role("link", name=other.profile.display_name, exact=True).click()
    page.get_by_role("button", name="Agree to this pairing").click()
    assert "once the other has agreed too" in banner(page)
    assert "The pairing starts once" in main(page)
    assert_accessible(page)

    # The mentor agrees too, and the pairing is under way for both of them.
    mentor_page = another_browser(other)
    mentor_page.goto("/mentoring/")
    assert "You mentor Sam Patel" in main(mentor_page)
    mentor_page.get_by_role("link", name="Sam Patel", exact=True).click()
    assert "Proposed" in main(mentor_page)
    assert_accessible(mentor_page)
    mentor_page.get_by_role("button", name="Agree to this pairing").click()
    assert "You have both agreed: your mentoring has started." in banner(mentor_page)
    assert "Under way" in main(mentor_page)
    assert_accessible(mentor_page)
    assert Pairing.objects.get(pk=pairing.pk).status == Pairing.Status.ACTIVE
    page.goto("/mentoring/")
    assert f"{other.profile.display_name} mentors you" in main(page)
    assert "Under way" in main(page) and "Proposed" not in main(page)
    assert_accessible(page)
