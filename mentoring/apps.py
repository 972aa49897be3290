from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Mentoring"

    def ready(self) -> None:
        from members.suspension import on_lift, on_suspend
        from mentoring import emails  # noqa: F401  (registers the mentoring mail's context)
        from mentoring.export import erase_from_mentoring, mentoring_section
        from mentoring.reputation import for_vetting
        from mentoring.services import pause_pairings_of, resume_pairings_of
        from network import vetting
        from network.personal_data import contributes, erases

        contributes("mentoring")(mentoring_section)
        erases(erase_from_mentoring)
        vetting.contributes("mentoring record")(for_vetting)
        on_suspend(pause_pairings_of)
        on_lift(resume_pairings_of)
