from django.urls import path

from directory.api import views

urlpatterns = [
    path("routes/", views.RouteListView.as_view(), name="route-list"),
    path("specialties/", views.SpecialtyListView.as_view(), name="specialty-list"),
    path("insurance/", views.InsurancePlanListView.as_view(), name="insurance-list"),
    path("languages/", views.LanguageListView.as_view(), name="language-list"),
    path("providers/", views.ProviderListView.as_view(), name="provider-list"),
    path("providers/<slug:slug>/", views.ProviderDetailView.as_view(), name="provider-detail"),
]
