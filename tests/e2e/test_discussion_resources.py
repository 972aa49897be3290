"""Sharing knowledge in the browser: a member adds a PDF to their topic (a program renamed .pdf
is refused with a message), keeps the topic as a tagged resource, and another member finds it on
the Resources page by its tag; every page passes axe."""

from pathlib import Path

import pytest

from discussions import services
from discussions.demo import sample_pdf
from members.models import User
from network.models import MentoringTopic, NetworkSettings
from tests.discussions.support import a_space
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import MemberFactory

pytestmark = pytest.mark.browser


def test_a_member_shares_a_document_and_keeps_the_topic_as_a_resource(  # type: ignore[no-untyped-def]
    page, another_browser, settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    MentoringTopic.objects.create(settings=NetworkSettings.load(), name="Interview preparation")
    space = a_space("Board readiness", description="Interviews and board papers.")
    writer: User = MemberFactory(name="Siobhan Kelly")
    topic = services.start_topic(
        author=writer, space=space, title="Questions from my NED interview", body="See attached."
    )
    program = tmp_path / "questions.pdf"
    program.write_bytes(b"MZ\x90\x00" + b"\x00" * 500)
    guide = tmp_path / "NED questions.pdf"
    guide.write_bytes(sample_pdf("Questions the panel asked"))

    sign_in(page, writer.email)
    page.goto(f"/discussions/topics/{topic.pk}/")
    page.get_by_role("link", name="Add a document").click()
    assert_accessible(page)
    page.get_by_label("Choose a document").set_input_files(str(program))
    page.get_by_role("button", name="Add the document").click()
    assert "must be a PDF or a Word document" in page.get_by_role("alert").inner_text()
    assert_accessible(page)
    page.get_by_label("Choose a document").set_input_files(str(guide))
    page.get_by_role("button", name="Add the document").click()
    assert "NED questions.pdf has been added to your post." in page.locator("main").inner_text()
    assert_accessible(page)

    page.goto(f"/discussions/topics/{topic.pk}/")
    assert "NED questions.pdf" in page.locator("main").inner_text()
    page.get_by_role("link", name="Keep this topic as a resource").click()
    assert_accessible(page)
    page.get_by_label("Keep this topic in Resources").check()
    page.get_by_label("Interview preparation").check()
    page.get_by_role("button", name="Save").click()
    main = page.locator("main").inner_text()
    assert "The topic is kept in Resources." in main and "Interview preparation" in main
    assert_accessible(page)

    reader = another_browser(MemberFactory(name="Mei Chen"))
    reader.goto("/discussions/")
    reader.get_by_role("link", name="Resources", exact=True).click()
    reader.get_by_role("link", name="Interview preparation").click()
    assert_accessible(reader)
    reader.get_by_role("link", name="Questions from my NED interview").click()
    with reader.expect_download() as download:
        reader.get_by_role("link", name="NED questions.pdf").click()
    assert download.value.suggested_filename == "NED questions.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
