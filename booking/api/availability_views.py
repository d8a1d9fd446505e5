"""Public slots, and the provider staff API for hours, exceptions, time off and policy."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from booking import availability
from booking.api.availability_serializers import (
    AvailabilityExceptionSerializer,
    AvailabilityRuleSerializer,
    BookingPolicySerializer,
    SlotsQuerySerializer,
    SlotsResponseSerializer,
    TimeOffSerializer,
)
from booking.models import AvailabilityException, AvailabilityRule, TimeOff
from booking.permissions import IsProviderStaff, request_provider
from core.exceptions import InvalidInput, NotFound
from directory.models import ConsultationType, Location, Provider

_ERROR = OpenApiResponse(description='`{"detail", "code", "errors"?}`')


class SlotsView(APIView):
    """Every start a patient could book right now, in order."""

    permission_classes = (AllowAny,)
    authentication_classes = ()

    @extend_schema(
        summary="Bookable slots of a provider",
        tags=["booking"],
        parameters=[SlotsQuerySerializer],
        responses={200: SlotsResponseSerializer, 400: _ERROR, 404: _ERROR},
    )
    def get(self, request: Request, slug: str) -> Response:
        provider = Provider.objects.published().filter(slug=slug).first()
        if provider is None:
            raise NotFound("No provider with that name is listed.", code="provider_not_found")
        query = SlotsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        consultation_type = ConsultationType.objects.filter(
            pk=params["consultation_type"], provider=provider, is_active=True
        ).first()
        if consultation_type is None:
            raise InvalidInput(
                "This provider offers no such consultation type; pick one from its profile.",
                code="unknown_consultation_type",
                errors={"consultation_type": ["Not a consultation type of this provider."]},
            )
        location = None
        if "location" in params:
            location = Location.objects.filter(pk=params["location"], provider=provider).first()
            if location is None:
                raise InvalidInput(
                    "This provider has no such location.",
                    code="unknown_location",
                    errors={"location": ["Not a location of this provider."]},
                )
        tz_name, slots = availability.slots_list(
            provider=provider,
            consultation_type=consultation_type,
            start_date=params["start"],
            end_date=params["end"],
            location=location,
        )
        # Rendered by hand: DRF's DateTimeField would convert to UTC, losing the local offset.
        body = {
            "timezone": tz_name,
            "slots": [
                {
                    "start": slot.start.isoformat(),
                    "end": slot.end.isoformat(),
                    "location": slot.location_id,
                }
                for slot in slots
            ],
        }
        return Response(body)


class _StaffViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """CRUD of the caller's provider's objects; others' are 404. Writes go to services."""

    permission_classes = (IsProviderStaff,)
    model: type

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return self.model.objects.none()
        return self.staff_queryset(request_provider(self.request))

    def _fields(self, serializer) -> dict[str, Any]:
        # Keys are model attribute names: "location" arrives as "location_id" (its source).
        return dict(serializer.validated_data)


@extend_schema(tags=["provider staff"])
class AvailabilityRuleViewSet(_StaffViewSet):
    """Weekly opening hours of your locations, in each location's local wall time."""

    serializer_class = AvailabilityRuleSerializer
    model = AvailabilityRule

    def staff_queryset(self, provider):
        return AvailabilityRule.objects.filter(location__provider=provider).order_by(
            "location_id", "weekday", "start_time", "pk"
        )

    def perform_create(self, serializer) -> None:
        serializer.instance = availability.availability_rule_create(
            provider=request_provider(self.request), **self._fields(serializer)
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = availability.availability_rule_update(
            rule=serializer.instance, **self._fields(serializer)
        )

    def perform_destroy(self, instance) -> None:
        availability.availability_rule_delete(rule=instance)


@extend_schema(tags=["provider staff"])
class TimeOffViewSet(_StaffViewSet):
    """Blocks of time you are away (all locations, or one)."""

    serializer_class = TimeOffSerializer
    model = TimeOff

    def staff_queryset(self, provider):
        return TimeOff.objects.filter(provider=provider).order_by("start", "pk")

    def perform_create(self, serializer) -> None:
        serializer.instance = availability.time_off_create(
            provider=request_provider(self.request), **self._fields(serializer)
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = availability.time_off_update(
            time_off=serializer.instance, **self._fields(serializer)
        )

    def perform_destroy(self, instance) -> None:
        availability.time_off_delete(time_off=instance)


@extend_schema(tags=["provider staff"])
class AvailabilityExceptionViewSet(_StaffViewSet):
    """Dates that differ from the weekly hours: closed, or extra hours."""

    serializer_class = AvailabilityExceptionSerializer
    model = AvailabilityException

    def staff_queryset(self, provider):
        return AvailabilityException.objects.filter(location__provider=provider).order_by(
            "date", "start_time", "pk"
        )

    def perform_create(self, serializer) -> None:
        serializer.instance = availability.availability_exception_create(
            provider=request_provider(self.request), **self._fields(serializer)
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = availability.availability_exception_update(
            exception=serializer.instance, **self._fields(serializer)
        )

    def perform_destroy(self, instance) -> None:
        availability.availability_exception_delete(exception=instance)


@extend_schema(tags=["provider staff"])
class BookingPolicyView(APIView):
    """Minimum notice, horizon, buffer, slot step and hold length of your practice."""

    permission_classes = (IsProviderStaff,)

    @extend_schema(summary="Your booking policy", responses={200: BookingPolicySerializer})
    def get(self, request: Request) -> Response:
        policy = availability.booking_policy_get(provider=request_provider(request))
        return Response(BookingPolicySerializer(policy).data)

    @extend_schema(
        summary="Change your booking policy",
        request=BookingPolicySerializer,
        responses={200: BookingPolicySerializer, 400: _ERROR},
    )
    def put(self, request: Request) -> Response:
        return self._write(request, partial=False)

    @extend_schema(
        summary="Change some of your booking policy",
        request=BookingPolicySerializer,
        responses={200: BookingPolicySerializer, 400: _ERROR},
    )
    def patch(self, request: Request) -> Response:
        return self._write(request, partial=True)

    def _write(self, request: Request, *, partial: bool) -> Response:
        provider = request_provider(request)
        current = availability.booking_policy_get(provider=provider)
        data = BookingPolicySerializer(current, data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        policy = availability.booking_policy_update(provider=provider, **data.validated_data)
        return Response(BookingPolicySerializer(policy).data)
