from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
