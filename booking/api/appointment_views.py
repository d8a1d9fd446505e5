"""Patient appointments, web-flow holds and the provider staff's appointment list/actions.

Thin views: a serializer validates, a selector scopes the lookup to the caller (someone
else's appointment is 404), a service does the work, an output serializer renders it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from booking import selectors, services
from booking.api.appointment_serializers import (
    AppointmentDetailSerializer,
    AppointmentSerializer,
    BookingRequestSerializer,
    CancelRequestSerializer,
    HoldRequestSerializer,
    RescheduleRequestSerializer,
    StaffActionSerializer,
    StaffAppointmentFilterSerializer,
    StaffAppointmentSerializer,
)
from booking.idempotency import HEADER, idempotent_call, key_from_header
from booking.models import Appointment
from booking.permissions import IsProviderStaff, request_provider
from core.api import ErrorSerializer
from directory.models import Provider

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (e.g. a UUID) up to 255 characters. A retried request with the "
        "same key returns the first response (header `Idempotent-Replayed: true`) and books "
        "nothing new; the same key with a different body is refused with 422 "
        "`idempotency_key_reused`. Keys are kept for 24 hours."
    ),
)


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "Invalid input (per-field `errors`).",
        401: "Not logged in.",
        404: "No such appointment (or not yours).",
        409: "`slot_unavailable` or `invalid_transition`.",
        422: "`idempotency_key_reused`.",
    }
    return {
        code: OpenApiResponse(ErrorSerializer, description=descriptions[code]) for code in codes
    }


def _payload(request: Request) -> Any:
    data = request.data
    if isinstance(data, QueryDict):
        return {key: data.getlist(key) for key in sorted(data)}
    return data


def _respond(outcome: Any) -> Response:
    response = Response(outcome.body, status=outcome.status)
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


# --- patient ---------------------------------------------------------------------------


class AppointmentListCreateView(generics.GenericAPIView):
    serializer_class = AppointmentSerializer

    def get_queryset(self):
        return selectors.appointments_for_patient(patient=self.request.user)

    @extend_schema(
        summary="My appointments",
        tags=["appointments"],
        responses={200: AppointmentSerializer(many=True), **_errors(401)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AppointmentSerializer(page, many=True).data)

    @extend_schema(
        summary="Book an appointment",
        description=(
            "Books a start from the provider's slots list. A course books all its sessions "
            "or none (`sessions` lists them). 409 `slot_unavailable` when the start is not "
            "bookable (taken, outside hours, too soon or too far ahead)."
        ),
        tags=["appointments"],
        parameters=[IDEMPOTENCY_PARAMETER],
        request=BookingRequestSerializer,
        responses={201: AppointmentDetailSerializer, **_errors(400, 401, 409, 422)},
    )
    def post(self, request: Request) -> Response:
        key = key_from_header(request.headers.get(HEADER))
        serializer = BookingRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        def run() -> tuple[int, Any]:
            appointment = services.appointment_book(
                patient=request.user,
                provider=data["provider"],
                consultation_type=data["consultation_type"],
                start=data["start"],
                location=data["location"],
                reason=data.get("reason", ""),
                intake=data.get("intake") or {},
            )
            return status.HTTP_201_CREATED, AppointmentDetailSerializer(appointment).data

        outcome = idempotent_call(
            user=request.user,
            key=key,
            endpoint="appointments:create",
            payload=_payload(request),
            run=run,
        )
        return _respond(outcome)


@extend_schema(tags=["appointments"])
class AppointmentDetailView(APIView):
    @extend_schema(
        summary="One of my appointments",
        responses={200: AppointmentDetailSerializer, **_errors(401, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        appointment = selectors.appointment_get_for_patient(patient=request.user, appointment_id=pk)
        return Response(AppointmentDetailSerializer(appointment).data)


@extend_schema(tags=["appointments"])
class AppointmentCancelView(APIView):
    @extend_schema(
        summary="Cancel my appointment",
        description="The slot is bookable again at once.",
        request=CancelRequestSerializer,
        responses={200: AppointmentSerializer, **_errors(400, 401, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        appointment = selectors.appointment_get_for_patient(patient=request.user, appointment_id=pk)
        serializer = CancelRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appointment = services.appointment_cancel(
            appointment=appointment,
            actor=request.user,
            reason=serializer.validated_data["reason"],
        )
        return Response(AppointmentSerializer(appointment).data)


@extend_schema(tags=["appointments"])
class AppointmentRescheduleView(APIView):
    @extend_schema(
        summary="Move my appointment",
        description="409 `slot_unavailable` keeps the old time.",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=RescheduleRequestSerializer,
        responses={200: AppointmentSerializer, **_errors(400, 401, 404, 409, 422)},
    )
    def post(self, request: Request, pk: int) -> Response:
        key = key_from_header(request.headers.get(HEADER))
        appointment = selectors.appointment_get_for_patient(patient=request.user, appointment_id=pk)
        serializer = RescheduleRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        def run() -> tuple[int, Any]:
            moved = services.appointment_reschedule(
                appointment=appointment,
                actor=request.user,
                start=serializer.validated_data["start"],
            )
            return status.HTTP_200_OK, AppointmentSerializer(moved).data

        outcome = idempotent_call(
            user=request.user,
            key=key,
            endpoint=f"appointments:{appointment.pk}:reschedule",
            payload=_payload(request),
            run=run,
        )
        return _respond(outcome)


# --- holds (web booking flow) ----------------------------------------------------------


@extend_schema(tags=["appointments"])
class HoldCreateView(APIView):
    @extend_schema(
        summary="Hold a slot for a few minutes",
        description=(
            "Reserves the slot while the patient completes the booking. Booking the same "
            "provider, consultation type and start with POST /api/v1/appointments/ turns the "
            "hold into the appointment. An unused hold expires at `hold_expires_at`."
        ),
        request=HoldRequestSerializer,
        responses={201: AppointmentSerializer, **_errors(400, 401, 409)},
    )
    def post(self, request: Request) -> Response:
        serializer = HoldRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        hold = services.appointment_hold(
            patient=request.user,
            provider=data["provider"],
            consultation_type=data["consultation_type"],
            start=data["start"],
            location=data["location"],
        )
        return Response(AppointmentSerializer(hold).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["appointments"])
class HoldDetailView(APIView):
    @extend_schema(summary="My hold", responses={200: AppointmentSerializer, **_errors(401, 404)})
    def get(self, request: Request, pk: int) -> Response:
        hold = selectors.appointment_hold_get_for_patient(patient=request.user, appointment_id=pk)
        return Response(AppointmentSerializer(hold).data)

    @extend_schema(summary="Release my hold", responses={204: None, **_errors(401, 404, 409)})
    def delete(self, request: Request, pk: int) -> Response:
        hold = selectors.appointment_hold_get_for_patient(patient=request.user, appointment_id=pk)
        services.appointment_hold_release(appointment=hold, patient=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- provider staff --------------------------------------------------------------------


def _day_start(provider: Provider, day: dt.date) -> dt.datetime:
    locations = list(provider.locations.order_by("pk")[:1])
    tz = locations[0].tzinfo if locations else dt.UTC
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz)


class ProviderAppointmentListView(generics.GenericAPIView):
    permission_classes = (IsProviderStaff,)
    serializer_class = StaffAppointmentSerializer

    @extend_schema(
        summary="The provider's appointments",
        description=(
            "Filter with `status` (repeatable) and `date_from` / `date_to` (inclusive days in "
            "the clinic's time zone). Without `status`, holds and expired holds are left out."
        ),
        tags=["provider"],
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, many=True, enum=Appointment.Status.values),
            OpenApiParameter("date_from", OpenApiTypes.DATE),
            OpenApiParameter("date_to", OpenApiTypes.DATE),
        ],
        responses={200: StaffAppointmentSerializer(many=True), **_errors(400, 401, 404)},
    )
    def get(self, request: Request) -> Response:
        provider = request_provider(request)
        filters = StaffAppointmentFilterSerializer(
            data={
                **{
                    k: request.query_params.get(k)
                    for k in ("date_from", "date_to")
                    if k in request.query_params
                },
                **(
                    {"status": request.query_params.getlist("status")}
                    if "status" in request.query_params
                    else {}
                ),
            }
        )
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        queryset = selectors.appointments_for_provider(
            provider=provider,
            statuses=f.get("status"),
            start_from=_day_start(provider, f["date_from"]) if f.get("date_from") else None,
            start_before=(
                _day_start(provider, f["date_to"] + dt.timedelta(days=1))
                if f.get("date_to")
                else None
            ),
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(StaffAppointmentSerializer(page, many=True).data)


@extend_schema(tags=["provider"])
class ProviderAppointmentDetailView(APIView):
    permission_classes = (IsProviderStaff,)

    @extend_schema(
        summary="One of the provider's appointments",
        responses={200: StaffAppointmentSerializer, **_errors(401, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        appointment = selectors.appointment_get_for_provider(
            provider=request_provider(request), appointment_id=pk
        )
        return Response(StaffAppointmentSerializer(appointment).data)


STAFF_ACTIONS = {
    "confirm": services.appointment_confirm,
    "decline": services.appointment_decline,
    "complete": services.appointment_complete,
    "no-show": services.appointment_mark_no_show,
    "cancel": services.appointment_cancel,
}


@extend_schema(tags=["provider"])
class ProviderAppointmentActionView(APIView):
    permission_classes = (IsProviderStaff,)
    action_name = ""

    @extend_schema(
        request=StaffActionSerializer,
        responses={200: StaffAppointmentSerializer, **_errors(400, 401, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        appointment = selectors.appointment_get_for_provider(
            provider=request_provider(request), appointment_id=pk
        )
        serializer = StaffActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kwargs: dict[str, Any] = {"appointment": appointment, "actor": request.user}
        if self.action_name in ("decline", "cancel"):
            kwargs["reason"] = serializer.validated_data["reason"]
        if self.action_name == "cancel":
            kwargs["as_staff"] = True
        changed = STAFF_ACTIONS[self.action_name](**kwargs)
        changed = selectors.appointment_get_for_provider(
            provider=changed.provider, appointment_id=changed.pk
        )
        return Response(StaffAppointmentSerializer(changed).data)


def staff_action_view(name: str):
    summaries = {
        "confirm": "Confirm a requested appointment",
        "decline": "Decline a requested appointment",
        "complete": "Mark a started, confirmed appointment completed",
        "no-show": "Mark a started, confirmed appointment as a no-show",
        "cancel": "Cancel an appointment (by the provider)",
    }
    view = type(
        f"ProviderAppointment{name.title().replace('-', '')}View",
        (ProviderAppointmentActionView,),
        {"action_name": name},
    )
    # On the method, not the class: an operation_id on a view class applies to every method.
    return extend_schema_view(
        post=extend_schema(
            summary=summaries[name],
            operation_id=f"provider_appointment_{name.replace('-', '_')}",
        )
    )(view).as_view()
