from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import privacy, services
from accounts.api.serializers import (
    AccountDeleteInputSerializer,
    AuthResultSerializer,
    DataExportSerializer,
    RegisterInputSerializer,
    TokenInputSerializer,
    TokenResultSerializer,
    UserSerializer,
)
from accounts.api.throttles import AuthRateThrottle

_ERROR = OpenApiResponse(description='`{"detail", "code", "errors"?}`')


class RegisterView(APIView):
    """Create a patient account; the response carries its API token."""

    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_classes = (AuthRateThrottle,)

    @extend_schema(
        summary="Register a patient account",
        tags=["accounts"],
        request=RegisterInputSerializer,
        responses={201: AuthResultSerializer, 400: _ERROR},
    )
    def post(self, request: Request) -> Response:
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, token = services.user_register(**data.validated_data)
        body = {"token": token, "user": UserSerializer(user).data}
        return Response(body, status=status.HTTP_201_CREATED)


class TokenView(APIView):
    """Exchange an email and password for the account's API token."""

    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_classes = (AuthRateThrottle,)

    @extend_schema(
        summary="Log in (get an API token)",
        tags=["accounts"],
        request=TokenInputSerializer,
        responses={200: TokenResultSerializer, 400: _ERROR},
    )
    def post(self, request: Request) -> Response:
        data = TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _, token = services.user_token_obtain(**data.validated_data)
        return Response({"token": token})


class MeView(APIView):
    """The logged-in user, and the provider they work for if they are provider staff."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(summary="Current user", tags=["accounts"], responses={200: UserSerializer})
    def get(self, request: Request) -> Response:
        user = (
            get_user_model()
            .objects.select_related("provider_staff__provider")
            .get(pk=request.user.pk)
        )
        return Response(UserSerializer(user).data)


class DataExportView(APIView):
    """Download everything the service holds about you, as JSON."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(
        summary="Download my data",
        description=(
            "Your profile, every appointment (with the reason and intake answers you gave, "
            "and its history), waitlist entries and notification preferences. Sent as a "
            "JSON attachment."
        ),
        tags=["accounts"],
        responses={200: DataExportSerializer},
    )
    def get(self, request: Request) -> Response:
        body = privacy.user_data_export(user=request.user)
        response = Response(body)
        response["Content-Disposition"] = 'attachment; filename="my-data.json"'
        response["Cache-Control"] = "no-store"
        return response


class AccountDeleteView(APIView):
    """Delete your account (patients); confirm with your password."""

    permission_classes = (IsAuthenticated,)
    throttle_classes = (AuthRateThrottle,)

    @extend_schema(
        summary="Delete my account",
        description=(
            "Confirm with your current password. Your upcoming appointments are cancelled "
            "(the clinics are told), the reasons and intake answers of all your "
            "appointments are erased, pending emails to you are dropped and your account, "
            "tokens, waitlist entries and preferences are deleted. Clinics keep the dates "
            "and statuses of past appointments, without your name. Wrong password: 400 "
            "`wrong_password`. Clinic staff and operators: 409 `account_managed` (an "
            "administrator removes those accounts)."
        ),
        tags=["accounts"],
        request=AccountDeleteInputSerializer,
        responses={204: None, 400: _ERROR, 409: _ERROR},
    )
    def post(self, request: Request) -> Response:
        data = AccountDeleteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        privacy.user_delete(user=request.user, password=data.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)
