from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = "Provider directory"

    def ready(self) -> None:
        from directory import receivers  # noqa: F401  (connects the signal receivers)
