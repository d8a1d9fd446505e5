"""Thin API views: validate, call a service or selector, render."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorSerializer
from core.exceptions import InvalidInput
from directory.models import ConsultationType, Provider
from notifications import preferences, waitlist
from notifications.api.serializers import (
    CalendarFeedSerializer,
    PreferenceSerializer,
    PreferenceUpdateSerializer,
    WaitlistEntrySerializer,
    WaitlistJoinSerializer,
)
from notifications.models import WaitlistEntry


class NotificationPreferencesView(APIView):
    @extend_schema(responses=PreferenceSerializer)
    def get(self, request: Request) -> Response:
        pref = preferences.preference_get(user=request.user)
        return Response(PreferenceSerializer(pref).data)

    @extend_schema(request=PreferenceUpdateSerializer, responses=PreferenceSerializer)
    def patch(self, request: Request) -> Response:
        data = PreferenceUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if "reminders_enabled" not in data.validated_data:
            pref = preferences.preference_get(user=request.user)
        else:
            pref = preferences.preference_update(
                user=request.user, reminders_enabled=data.validated_data["reminders_enabled"]
            )
        return Response(PreferenceSerializer(pref).data)


class WaitlistView(ListAPIView):
    serializer_class = WaitlistEntrySerializer

    def get_queryset(self):
        # the caller's own entries only
        return WaitlistEntry.objects.filter(patient=self.request.user).select_related("provider")

    @extend_schema(
        request=WaitlistJoinSerializer,
        responses={
            201: WaitlistEntrySerializer,
            409: OpenApiResponse(ErrorSerializer, description="`already_waiting`."),
        },
    )
    def post(self, request: Request) -> Response:
        data = WaitlistJoinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        provider = Provider.objects.published().filter(slug=values["provider"]).first()
        if provider is None:
            raise InvalidInput(
                "No provider has that slug.", errors={"provider": ["Unknown provider."]}
            )
        ctype = None
        if values.get("consultation_type") is not None:
            ctype = ConsultationType.objects.filter(pk=values["consultation_type"]).first()
            if ctype is None or ctype.provider_id != provider.pk:
                raise InvalidInput(
                    "That consultation type is not offered by this provider.",
                    errors={"consultation_type": ["Not offered by this provider."]},
                )
        entry = waitlist.waitlist_join(
            patient=request.user,
            provider=provider,
            consultation_type=ctype,
            earliest_date=values.get("earliest_date"),
            latest_date=values.get("latest_date"),
        )
        return Response(WaitlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class WaitlistEntryView(APIView):
    @extend_schema(responses=WaitlistEntrySerializer)
    def get(self, request: Request, pk: int) -> Response:
        entry = WaitlistEntry.objects.filter(pk=pk, patient=request.user).first()
        if entry is None:
            from core.exceptions import NotFound

            raise NotFound("No such waitlist entry.")
        return Response(WaitlistEntrySerializer(entry).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        waitlist.waitlist_leave(patient=request.user, entry_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


_NOT_STAFF = OpenApiResponse(ErrorSerializer, description="`not_staff`: patients have no feed.")


class CalendarFeedView(APIView):
    @extend_schema(responses={200: CalendarFeedSerializer, 403: _NOT_STAFF})
    def get(self, request: Request) -> Response:
        feed = preferences.calendar_feed_get(user=request.user)
        return Response(CalendarFeedSerializer(feed).data)


class CalendarFeedResetView(APIView):
    @extend_schema(request=None, responses={200: CalendarFeedSerializer, 403: _NOT_STAFF})
    def post(self, request: Request) -> Response:
        feed = preferences.calendar_feed_reset(user=request.user)
        return Response(CalendarFeedSerializer(feed).data)
