from django.contrib import admin

from directory.models import (
    AddictionSpecialty,
    AdministrationRoute,
    ConsultationType,
    InsurancePlan,
    Language,
    Location,
    Provider,
    ProviderRoute,
    ProviderStaff,
)


class LocationInline(admin.StackedInline):
    model = Location
    extra = 0


class ProviderRouteInline(admin.TabularInline):
    model = ProviderRoute
    extra = 0
    autocomplete_fields = ("route",)


class ConsultationTypeInline(admin.StackedInline):
    model = ConsultationType
    extra = 0
    autocomplete_fields = ("route",)


class ProviderStaffInline(admin.TabularInline):
    model = ProviderStaff
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "kind",
        "accepting_new_patients",
        "telehealth",
        "esketamine_rems_certified",
        "is_published",
        "last_verified",
        "next_available",
    )
    list_filter = (
        "kind",
        "is_published",
        "accepting_new_patients",
        "telehealth",
        "psychotherapy_integration",
        "esketamine_rems_certified",
        "routes",
        "specialties",
        "insurance",
        "locations__state",
    )
    search_fields = ("name", "slug", "locations__city", "locations__postal_code")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("next_available", "created_at", "updated_at")
    filter_horizontal = ("specialties", "insurance", "languages")
    inlines = (LocationInline, ProviderRouteInline, ConsultationTypeInline, ProviderStaffInline)
    list_per_page = 50
    show_full_result_count = False  # counting 100k rows on every page view is wasted work


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("__str__", "provider", "postal_code", "timezone")
    list_filter = ("state", "timezone")
    search_fields = ("city", "postal_code", "provider__name")
    list_select_related = ("provider",)
    autocomplete_fields = ("provider",)
    show_full_result_count = False


@admin.register(ConsultationType)
class ConsultationTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "provider", "duration_minutes", "price", "mode", "route", "is_active")
    list_filter = ("mode", "route", "is_active")
    search_fields = ("name", "provider__name")
    list_select_related = ("provider", "route")
    autocomplete_fields = ("provider", "route")


@admin.register(ProviderStaff)
class ProviderStaffAdmin(admin.ModelAdmin):
    list_display = ("user", "provider", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "provider__name")
    list_select_related = ("user", "provider")
    autocomplete_fields = ("user", "provider")


@admin.register(AdministrationRoute, AddictionSpecialty, InsurancePlan, Language)
class ReferenceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "sort_order")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
