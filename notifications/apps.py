from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from booking import events
        from notifications import receivers

        events.appointment_changed.connect(
            receivers.on_appointment_changed, dispatch_uid="notifications.appointment_changed"
        )
        events.slot_freed.connect(receivers.on_slot_freed, dispatch_uid="notifications.slot_freed")
