from django.urls import path

from web.views import account, booking, dashboard, learn, privacy, providers, search

app_name = "web"

urlpatterns = [
    path("", search.search, name="search"),
    path("providers/<slug:slug>/", providers.provider_detail, name="provider"),
    path("providers/<slug:slug>/slots/", providers.provider_slots, name="provider_slots"),
    path("learn/", learn.learn_index, name="learn"),
    path("learn/<slug:topic>/", learn.learn_topic, name="learn_topic"),
    path("login/", account.LoginView.as_view(), name="login"),
    path("logout/", account.LogoutView.as_view(), name="logout"),
    path("register/", account.register, name="register"),
    path("account/", privacy.account, name="account"),
    path("account/export/", privacy.account_export, name="account_export"),
    path("account/delete/", privacy.account_delete, name="account_delete"),
    path("book/<slug:slug>/", booking.book_start, name="book_start"),
    path("book/hold/<int:pk>/", booking.book_details, name="book_details"),
    path("appointments/", booking.my_appointments, name="my_appointments"),
    path("appointments/<int:pk>/cancel/", booking.appointment_cancel, name="appointment_cancel"),
    path(
        "appointments/<int:pk>/reschedule/",
        booking.appointment_reschedule,
        name="appointment_reschedule",
    ),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path(
        "dashboard/appointments/<int:pk>/<str:action>/",
        dashboard.appointment_action,
        name="dashboard_action",
    ),
    path("dashboard/hours/", dashboard.hours, name="dashboard_hours"),
    path("dashboard/hours/<int:pk>/delete/", dashboard.hours_delete, name="dashboard_hours_delete"),
    path("dashboard/time-off/", dashboard.time_off, name="dashboard_time_off"),
    path(
        "dashboard/time-off/<int:pk>/delete/",
        dashboard.time_off_delete,
        name="dashboard_time_off_delete",
    ),
]
