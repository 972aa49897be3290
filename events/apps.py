from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        from events import emails  # noqa: F401  (registers the event mail's context)
        from events.export import erase_from_events, events_section
        from events.services import remove_member_from_events
        from members.suspension import on_suspend
        from network.personal_data import contributes, erases

        contributes("events")(events_section)
        erases(erase_from_events)
        # A suspended member's seats go to the waiting lists; they are not given back on lift.
        on_suspend(lambda user: remove_member_from_events(member=user))
