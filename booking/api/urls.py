from django.urls import include, path

urlpatterns = [
    path("", include("booking.api.urls_availability")),
    path("", include("booking.api.urls_appointments")),
]
