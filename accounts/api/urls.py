from django.urls import path

from accounts.api import views

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="auth-register"),
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/me/", views.MeView.as_view(), name="auth-me"),
    path("me/export/", views.DataExportView.as_view(), name="me-export"),
    path("me/delete/", views.AccountDeleteView.as_view(), name="me-delete"),
]
