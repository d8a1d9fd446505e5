from django.urls import path

from notifications.api import views

urlpatterns = [
    path(
        "me/notification-preferences/",
        views.NotificationPreferencesView.as_view(),
        name="notification-preferences",
    ),
    path("waitlist/", views.WaitlistView.as_view(), name="waitlist"),
    path("waitlist/<int:pk>/", views.WaitlistEntryView.as_view(), name="waitlist-entry"),
    path(
        "provider/calendar-feed/", views.CalendarFeedView.as_view(), name="provider-calendar-feed"
    ),
    path(
        "provider/calendar-feed/reset/",
        views.CalendarFeedResetView.as_view(),
        name="provider-calendar-feed-reset",
    ),
]
