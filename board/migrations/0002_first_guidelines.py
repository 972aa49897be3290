"""The guidelines the site showed as a fixed page become the first published version."""

from django.db import migrations
from django.utils import timezone

BODY = """\
## Membership

{eligibility}

Membership is by invitation only. The programme board considers every expression of interest \
and nomination, and may ask members who know an applicant's mentoring for their view. An \
invitation is personal to the person it is sent to.

## Mentoring

- Agree goals, how often you will meet and how long the mentoring will last at the start.
- What is said in mentoring stays between mentor and mentee, unless someone is at risk of harm.
- Either side can end a mentoring relationship early, politely and without needing to give a \
reason.

## Respect and confidentiality

- Treat every member with dignity and respect, online and at events.
- Do not share what another member tells you about themselves, including anything on their \
profile, outside the network without their permission.
- Do not use the network to sell products or services, or to recruit for your organisation \
without the programme board's agreement.

## If something goes wrong

If you are worried about another member's conduct, tell the programme board at <{contact}>. \
The programme board will look into it fairly, may take no action, give a warning, or suspend or \
end a membership, and will record its reasons.
"""


def publish_first_version(apps, schema_editor):
    GuidelinesVersion = apps.get_model("board", "GuidelinesVersion")
    NetworkSettings = apps.get_model("network", "NetworkSettings")
    if GuidelinesVersion.objects.exists():
        return
    network = NetworkSettings.objects.filter(pk=1).first()

    def setting(name):
        return getattr(network, name) if network else NetworkSettings._meta.get_field(name).default

    now = timezone.now()
    GuidelinesVersion.objects.create(
        version=setting("guidelines_version"),
        title="Guidelines and code of conduct",
        body=BODY.format(
            # Line breaks in the settings were shown as such on the old page.
            eligibility=setting("eligibility").strip().replace("\n", "  \n"),
            contact=setting("contact_email"),
        ),
        change_summary="The first published guidelines and code of conduct of the network.",
        created_at=now,
        published_at=now,
    )


def remove_first_version(apps, schema_editor):
    apps.get_model("board", "GuidelinesVersion").objects.filter(published_by=None).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0001_reports_and_guidelines"),
        ("network", "0013_audit_append_only"),
    ]

    operations = [migrations.RunPython(publish_first_version, remove_first_version)]
