from django.urls import path
from rest_framework.routers import SimpleRouter

from booking.api import availability_views as views

router = SimpleRouter()
router.register("provider/availability", views.AvailabilityRuleViewSet, basename="staff-rule")
router.register("provider/time-off", views.TimeOffViewSet, basename="staff-time-off")
router.register(
    "provider/availability-exceptions",
    views.AvailabilityExceptionViewSet,
    basename="staff-exception",
)

urlpatterns = [
    path("providers/<slug:slug>/slots/", views.SlotsView.as_view(), name="provider-slots"),
    path(
        "provider/booking-policy/", views.BookingPolicyView.as_view(), name="staff-booking-policy"
    ),
    *router.urls,
]
