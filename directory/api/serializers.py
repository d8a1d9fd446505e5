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


class RoutePriceSerializer(serializers.Serializer):
    route = serializers.CharField(source="route.slug")
    name = serializers.CharField(source="route.name")
    price_per_session = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    price_per_course = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    course_sessions = serializers.IntegerField(allow_null=True)


class ProviderListSerializer(serializers.ModelSerializer):
    """A search result card: the provider and its ``card`` (``directory.cards.cards_load``).

    The declared fields document the card and render it on the profile; the list renders
    the same dict directly (``to_representation``), as a test checks.
    """

    distance_miles = serializers.SerializerMethodField(
        help_text="Great-circle miles to the nearest location; null without `near`."
    )
    locations = LocationSerializer(many=True, read_only=True, source="card.locations")
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

    def to_representation(self, provider: Provider) -> dict:
        # Field by field, DRF spent about 6 ms on a page of 20 cards on the benchmark
        # machine, more than any query of the page; this builds the same dict directly.
        card = provider.card
        next_available = provider.next_available
        last_verified = provider.last_verified
        return {
            "slug": provider.slug,
            "name": provider.name,
            "kind": provider.kind,
            "distance_miles": self.get_distance_miles(provider),
            "locations": [
                {name: getattr(location, name) for name in _LOCATION_FIELDS}
                for location in card.locations
            ],
            "routes": self.get_routes(provider),
            "specialties": self.get_specialties(provider),
            "insurance": self.get_insurance(provider),
            "accepting_new_patients": provider.accepting_new_patients,
            "telehealth": provider.telehealth,
            "psychotherapy_integration": provider.psychotherapy_integration,
            "esketamine_rems_certified": provider.esketamine_rems_certified,
            "price_from": self.get_price_from(provider),
            "next_available": (
                None if next_available is None else _DATETIME.to_representation(next_available)
            ),
            "last_verified": None if last_verified is None else last_verified.isoformat(),
        }

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_distance_miles(self, obj: Provider) -> float | None:
        distance = getattr(obj, "distance", None)
        return None if distance is None else round(distance, 2)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_routes(self, obj: Provider) -> list[str]:
        return [route.slug for route in obj.card.routes]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_specialties(self, obj: Provider) -> list[str]:
        return [label.slug for label in obj.card.specialties]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_insurance(self, obj: Provider) -> list[str]:
        return [label.slug for label in obj.card.insurance]

    @extend_schema_field(serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True))
    def get_price_from(self, obj: Provider) -> str | None:
        price = obj.card.price_from
        return None if price is None else f"{price:.2f}"


_LOCATION_FIELDS = LocationSerializer.Meta.fields
_DATETIME = serializers.DateTimeField()  # renders next_available as the declared field does


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

    def to_representation(self, provider: Provider) -> dict:
        # One provider: DRF's field-by-field rendering, card fields from their sources.
        return serializers.ModelSerializer.to_representation(self, provider)

    @extend_schema_field(RoutePriceSerializer(many=True))
    def get_route_prices(self, obj: Provider) -> list[dict]:
        return RoutePriceSerializer(obj.provider_routes.all(), many=True).data
