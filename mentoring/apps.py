from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Mentoring"

    def ready(self) -> None:
        from mentoring import emails  # noqa: F401  (registers the mentoring mail's context)
        from mentoring.export import erase_from_mentoring, mentoring_section
        from mentoring.reputation import for_vetting
        from network import vetting
        from network.personal_data import contributes, erases

        contributes("mentoring")(mentoring_section)
        erases(erase_from_mentoring)
        vetting.contributes("mentoring record")(for_vetting)
