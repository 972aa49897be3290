"""Demo discussions for trying the site: each network's spaces, with a few threads members
might really have. Running it again changes nothing; the other network's demo spaces go."""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from discussions import notify
from discussions.models import Follow, Post, Space, Topic
from members.models import User
from network.models import MembershipCategory, MentoringTopic, NetworkSettings


@dataclass(frozen=True)
class DemoThread:
    title: str
    # Who writes each post, as an index into the preset's demo members (-1: the board member),
    # and what they write; the first post opens the topic.
    posts: list[tuple[int, str]]
    days_ago: int = 3
    pinned: bool = False
    # Kept as a resource under these of the board's topics (mentoring's demo list).
    resource_tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoSpace:
    name: str
    slug: str
    description: str
    audience: str = ""  # a membership category's name; empty for every member
    announcement_only: bool = False
    threads: list[DemoThread] = field(default_factory=list)


BOARD_INTERVIEW = DemoThread(
    "Preparing for a board interview",
    [
        (
            0,
            "I have a non-executive director interview at an integrated care board next "
            "month. For those who have been through one: **what did the panel ask that you did "
            "not expect?**",
        ),
        (
            1,
            "They asked me how I would hold the chief executive to account on a decision I "
            "agreed with. Have an example ready of challenging well, not just of agreeing.",
        ),
        (
            2,
            "Read the last three sets of public board papers and the most recent CQC report. "
            "I was asked which risk on their register I would want to hear more about.",
        ),
        (
            0,
            "Thank you both, that is really useful. @[member 1], may I ask you more about the "
            "challenge question after the day?",
        ),
    ],
    days_ago=6,
    resource_tags=("Interview preparation", "Non-executive roles"),
)
FIRST_BOARD_PACK = DemoThread(
    "Reading your first board pack",
    [
        (
            3,
            "My first pack arrived at 400 pages. How do people decide what to read closely?",
        ),
        (
            1,
            "Start with the committee chairs' assurance reports and the risk register, then "
            "follow what they flag. The integrated performance report tells you where to dig.",
        ),
    ],
    days_ago=2,
    resource_tags=("Board governance", "Finance for non-finance leaders"),
)
WELCOME = DemoThread(
    "Welcome to the network's discussions",
    [
        (
            -1,
            "These spaces are for members only. Please follow the "
            "[guidelines](/guidelines/), be generous with what you know and keep what others "
            "share in confidence.",
        )
    ],
    days_ago=10,
    pinned=True,
)

# Both networks have these two.
ANNOUNCEMENTS = DemoSpace(
    "Announcements",
    "announcements",
    "News from the programme board.",
    announcement_only=True,
    threads=[WELCOME],
)
BOARD_READINESS = DemoSpace(
    "Board readiness",
    "board-readiness",
    "Interviews, board papers and the step up to a board role.",
    threads=[BOARD_INTERVIEW, FIRST_BOARD_PACK],
)

PRESET_SPACES: dict[str, list[DemoSpace]] = {
    "women-leaders": [
        ANNOUNCEMENTS,
        BOARD_READINESS,
        DemoSpace(
            "Across professions",
            "across-professions",
            "What nurses, doctors, managers and allied professionals can learn from each other.",
            threads=[
                DemoThread(
                    "Leading a team outside your own profession",
                    [
                        (
                            4,
                            "I am a nurse now managing estates and finance teams. How did you "
                            "earn credibility with teams whose work you have never done?",
                        ),
                        (
                            5,
                            "Ask them to teach you, and be seen to act on what they tell you. "
                            "Credibility came from removing their blockers, not from knowing "
                            "the detail.",
                        ),
                    ],
                )
            ],
        ),
        DemoSpace(
            "Flexible working at senior level",
            "flexible-working",
            "Part-time, job shares and caring responsibilities in senior roles.",
            threads=[
                DemoThread(
                    "Job sharing a director role",
                    [
                        (
                            6,
                            "Has anyone here job shared at director level? We are "
                            "proposing it and the chair wants examples.",
                        ),
                        (
                            2,
                            "Two of our directors share the workforce portfolio. Agree "
                            "early who attends which committee and write it down.",
                        ),
                    ],
                    days_ago=1,
                )
            ],
        ),
    ],
    "lgbtq-leaders": [
        ANNOUNCEMENTS,
        BOARD_READINESS,
        DemoSpace(
            "Allies",
            "allies",
            "For allies: how to support LGBTQ+ colleagues well.",
            audience="Ally",
            threads=[
                DemoThread(
                    "Allies: how to speak up in meetings",
                    [
                        (
                            17,
                            "In a meeting last week a colleague made a 'joke' about a trans "
                            "patient and the room laughed. I froze. What do you say in the "
                            "moment?",
                        ),
                        (
                            18,
                            "Something short and calm works for me: *\"I don't think that's "
                            'funny, can we get back to the plan?"* Then follow up privately.',
                        ),
                        (
                            19,
                            "And check in with any LGBTQ+ colleagues who were there. Silence "
                            "from the senior people in the room is what they remember.",
                        ),
                    ],
                )
            ],
        ),
        DemoSpace(
            "Out at work",
            "out-at-work",
            "Members' space: being out as a leader in health and care.",
            audience="Member",
            threads=[
                DemoThread(
                    "Coming out to a new board",
                    [
                        (
                            1,
                            "I start as a non-executive in the autumn. Did you tell your new "
                            "board, and when?",
                        ),
                        (
                            2,
                            "I mentioned my husband in the first informal chat. Small and "
                            "early meant it never became a Moment.",
                        ),
                    ],
                )
            ],
        ),
    ],
}


def _named(body: str, members: Sequence[User]) -> str:
    """`@[member 1]` in a demo post names the preset's demo member 1."""
    return re.sub(r"@\[member (\d+)\]", lambda m: f"@[{members[int(m.group(1))].name}]", body)


def remove_other_presets(preset: str) -> None:
    """The other network's demo spaces go, with their threads, before its categories do."""
    ours = {space.slug for space in PRESET_SPACES[preset]}
    theirs = {space.slug for spaces in PRESET_SPACES.values() for space in spaces} - ours
    Topic.objects.filter(space__slug__in=theirs).delete()
    Space.objects.filter(slug__in=theirs).delete()


def seed_discussions(preset: str, *, members: Sequence[User], board: User) -> int:
    """The preset's spaces and threads; returns how many threads it made."""
    made = 0
    now = timezone.now()
    for position, demo in enumerate(PRESET_SPACES[preset]):
        audience = MembershipCategory.objects.get(name=demo.audience) if demo.audience else None
        space, _ = Space.objects.update_or_create(
            slug=demo.slug,
            defaults={
                "name": demo.name,
                "description": demo.description,
                "audience": audience,
                "position": position,
                "announcement_only": demo.announcement_only,
            },
        )
        for thread in demo.threads:
            if Topic.objects.filter(space=space, title=thread.title).exists():
                continue
            authors = [board if index < 0 else members[index] for index, _ in thread.posts]
            start = now - timedelta(days=thread.days_ago)
            times = [start + timedelta(hours=5 * n) for n in range(len(thread.posts))]
            topic = Topic.objects.create(
                space=space,
                author=authors[0],
                title=thread.title,
                created_at=start,
                last_post_at=times[-1],
                reply_count=len(thread.posts) - 1,
                pinned=thread.pinned,
                is_resource=bool(thread.resource_tags),
            )
            topic.tags.set(
                MentoringTopic.objects.filter(
                    settings=NetworkSettings.load(), name__in=thread.resource_tags
                )
            )
            posts = Post.objects.bulk_create(
                Post(topic=topic, author=author, body=_named(body, members), created_at=at)
                for author, (_, body), at in zip(authors, thread.posts, times, strict=True)
            )
            # As writing them would: their writers follow the topic, and mentions are kept
            # (without the emails, which a demo does not send).
            Follow.objects.bulk_create(
                [Follow(member=author, topic=topic) for author in set(authors)],
                ignore_conflicts=True,
            )
            for post in posts:
                notify.record_mentions(post, space=space, author=post.author)
            made += 1
    return made


def sample_pdf(*lines: str) -> bytes:
    """A small, valid one-page PDF showing the lines given: for demos and tests of documents."""
    escaped = [line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in lines]
    text = " T* ".join(f"({line}) Tj" for line in escaped)
    stream = f"BT /F1 12 Tf 14 TL 72 720 Td {text} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        start,
    )
    return bytes(out)
