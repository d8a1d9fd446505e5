from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from directory.models import (
    AddictionSpecialty,
    AdministrationRoute,
    ConsultationType,
    InsurancePlan,
    Language,
    Location,
    Provider,
)
from directory.selectors import listed


class RouteSerializer(serializers.ModelSerializer):
    class Meta:
        model = AdministrationRoute
        fields = ("slug", "name", "description", "requires_rems")


class SpecialtySerializer(serializers.ModelSerializer):
    class Meta:
        model = AddictionSpecialty
        fields = ("slug", "name", "description")


class InsurancePlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = InsurancePlan
        fields = ("slug", "name", "kind")


class LanguageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Language
        fields = ("slug", "name")


class LocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = (
            "id",
            "name",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "latitude",
            "longitude",
            "timezone",
        )


class ListedSerializer(serializers.ListSerializer):
    """A relation of a result card, read with ``selectors.listed`` (prefetched lists)."""

    def get_attribute(self, instance: Provider) -> list:
        return listed(instance, self.source)


class RoutePriceSerializer(serializers.Serializer):
    route = serializers.CharField(source="route.slug")
    name = serializers.CharField(source="route.name")
    price_per_session = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    price_per_course = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    course_sessions = serializers.IntegerField(allow_null=True)


class ProviderListSerializer(serializers.ModelSerializer):
    """A search result card. Reads only prefetched relations (see selectors.with_listing_data)."""

    distance_miles = serializers.SerializerMethodField(
        help_text="Great-circle miles to the nearest location; null without `near`."
    )
    locations = ListedSerializer(child=LocationSerializer(), read_only=True)
    routes = serializers.SerializerMethodField()
    specialties = serializers.SerializerMethodField()
    insurance = serializers.SerializerMethodField()
    price_from = serializers.SerializerMethodField(
        help_text="Lowest cash price per session over the routes offered, if published."
    )

    class Meta:
        model = Provider
        fields = (
            "slug",
            "name",
            "kind",
            "distance_miles",
            "locations",
            "routes",
            "specialties",
            "insurance",
            "accepting_new_patients",
            "telehealth",
            "psychotherapy_integration",
            "esketamine_rems_certified",
            "price_from",
            "next_available",
            "last_verified",
        )

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_distance_miles(self, obj: Provider) -> float | None:
        distance = getattr(obj, "distance", None)
        return None if distance is None else round(distance, 2)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_routes(self, obj: Provider) -> list[str]:
        return [pr.route.slug for pr in listed(obj, "provider_routes")]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_specialties(self, obj: Provider) -> list[str]:
        return [specialty.slug for specialty in listed(obj, "specialties")]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_insurance(self, obj: Provider) -> list[str]:
        return [plan.slug for plan in listed(obj, "insurance")]

    @extend_schema_field(serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True))
    def get_price_from(self, obj: Provider) -> str | None:
        routes = listed(obj, "provider_routes")
        prices = [pr.price_per_session for pr in routes if pr.price_per_session]
        return f"{min(prices):.2f}" if prices else None


class ConsultationTypeSerializer(serializers.ModelSerializer):
    route = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = ConsultationType
        fields = (
            "id",
            "name",
            "description",
            "duration_minutes",
            "price",
            "mode",
            "route",
            "monitoring_minutes",
            "course_sessions",
            "course_interval_days",
            "requires_fasting",
            "requires_driver",
            "arrive_early_minutes",
            "preparation_notes",
        )


class ProviderDetailSerializer(ProviderListSerializer):
    consultation_types = ConsultationTypeSerializer(
        many=True, read_only=True, source="active_consultation_types"
    )
    languages = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    insurance_plans = InsurancePlanSerializer(many=True, read_only=True, source="insurance")
    route_prices = serializers.SerializerMethodField()

    class Meta(ProviderListSerializer.Meta):
        fields = (
            *ProviderListSerializer.Meta.fields,
            "description",
            "credentials",
            "website",
            "phone",
            "email",
            "mat_coordination",
            "languages",
            "insurance_plans",
            "route_prices",
            "consultation_types",
        )

    @extend_schema_field(RoutePriceSerializer(many=True))
    def get_route_prices(self, obj: Provider) -> list[dict]:
        return RoutePriceSerializer(listed(obj, "provider_routes"), many=True).data
