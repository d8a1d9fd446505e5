from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.api.serializers import (
    AuthResultSerializer,
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
