from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny

from core.api import ErrorSerializer, Pagination
from core.exceptions import NotFound
from directory import selectors
from directory.api.serializers import (
    InsurancePlanSerializer,
    LanguageSerializer,
    ProviderDetailSerializer,
    ProviderListSerializer,
    RouteSerializer,
    SpecialtySerializer,
)
from directory.cards import cards_load
from directory.filters import ProviderSearchFilter
from directory.models import Provider


class ReferenceListView(generics.ListAPIView):
    """A small reference table, returned whole as a JSON array (not paginated)."""

    permission_classes = (AllowAny,)
    authentication_classes = ()
    pagination_class = None


@extend_schema(summary="Administration routes", tags=["directory"])
class RouteListView(ReferenceListView):
    serializer_class = RouteSerializer

    def get_queryset(self):
        return selectors.routes_list()


@extend_schema(summary="Addiction specialties", tags=["directory"])
class SpecialtyListView(ReferenceListView):
    serializer_class = SpecialtySerializer

    def get_queryset(self):
        return selectors.specialties_list()


@extend_schema(summary="Insurance plans", tags=["directory"])
class InsurancePlanListView(ReferenceListView):
    serializer_class = InsurancePlanSerializer

    def get_queryset(self):
        return selectors.insurance_plans_list()


@extend_schema(summary="Languages", tags=["directory"])
class LanguageListView(ReferenceListView):
    serializer_class = LanguageSerializer

    def get_queryset(self):
        return selectors.languages_list()


class ProviderSearchPagination(Pagination):
    django_paginator_class = selectors.SearchPaginator  # a search near a point: one query


@extend_schema(
    summary="Search providers",
    tags=["directory"],
    responses={
        200: ProviderListSerializer(many=True),
        400: OpenApiResponse(
            ErrorSerializer,
            description=(
                "A parameter is invalid: unknown ZIP (code unknown_zip), malformed coordinates, "
                "radius out of range, unknown slug, bad boolean or ordering."
            ),
        ),
        404: OpenApiResponse(ErrorSerializer, description="The page does not exist."),
    },
)
class ProviderListView(generics.ListAPIView):
    """Providers matching every filter given; nearest first when `near` is given."""

    permission_classes = (AllowAny,)
    authentication_classes = ()
    serializer_class = ProviderListSerializer
    filter_backends = (DjangoFilterBackend,)
    filterset_class = ProviderSearchFilter
    pagination_class = ProviderSearchPagination

    def get_queryset(self):
        return Provider.objects.published()

    def paginate_queryset(self, queryset):
        return cards_load(super().paginate_queryset(queryset))


@extend_schema(
    summary="Provider profile",
    tags=["directory"],
    responses={
        200: ProviderDetailSerializer,
        404: OpenApiResponse(ErrorSerializer, description="No published provider has this slug."),
    },
)
class ProviderDetailView(generics.RetrieveAPIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()
    serializer_class = ProviderDetailSerializer

    def get_object(self) -> Provider:
        provider = selectors.provider_get_published(slug=self.kwargs["slug"])
        if provider is None:
            raise NotFound("No provider with that name is listed.", code="provider_not_found")
        return provider
