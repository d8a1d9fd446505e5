from django.urls import path

from booking.api import appointment_views as views

urlpatterns = [
    path("appointments/", views.AppointmentListCreateView.as_view(), name="appointment-list"),
    path(
        "appointments/<int:pk>/", views.AppointmentDetailView.as_view(), name="appointment-detail"
    ),
    path(
        "appointments/<int:pk>/cancel/",
        views.AppointmentCancelView.as_view(),
        name="appointment-cancel",
    ),
    path(
        "appointments/<int:pk>/reschedule/",
        views.AppointmentRescheduleView.as_view(),
        name="appointment-reschedule",
    ),
    path("holds/", views.HoldCreateView.as_view(), name="hold-list"),
    path("holds/<int:pk>/", views.HoldDetailView.as_view(), name="hold-detail"),
    path(
        "provider/appointments/",
        views.ProviderAppointmentListView.as_view(),
        name="provider-appointment-list",
    ),
    path(
        "provider/appointments/<int:pk>/",
        views.ProviderAppointmentDetailView.as_view(),
        name="provider-appointment-detail",
    ),
    *[
        path(
            f"provider/appointments/<int:pk>/{action}/",
            views.staff_action_view(action),
            name=f"provider-appointment-{action}",
        )
        for action in views.STAFF_ACTIONS
    ],
]
