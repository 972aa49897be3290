from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Mentoring"

    def ready(self) -> None:
        from mentoring import emails  # noqa: F401  (registers the mentoring mail's context)
        from mentoring.reputation import for_vetting
        from network import vetting

        vetting.contributes("mentoring record")(for_vetting)
