from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = "Discussions"

    def ready(self) -> None:
        from discussions import (
            digest,  # noqa: F401  (registers the digest mail)
            moderation,  # noqa: F401  (registers the moderation mail)
            notify,  # noqa: F401  (registers the mention and reply mail)
        )
        from discussions.export import discussions_section
        from discussions.following import forget
        from discussions.leaving import forget_name_in_posts, remove_posts_of
        from network.personal_data import contributes, erases, withdraws

        # On erasure the posts stay: the account row stays too, without a name, and its posts
        # show as "A former member" (discussions.models.author_name).
        contributes("discussions")(discussions_section)
        # ...unless they choose, as they delete their account, to remove them too.
        withdraws(remove_posts_of)
        # Where others quoted or mentioned them, their name goes (before the mentions do).
        erases(forget_name_in_posts)
        # What they followed and read, and the marks of their name in others' posts, go.
        erases(forget)
