"""The list and detail endpoints read a fixed number of queries, whatever the page size."""

from __future__ import annotations

import pytest

from directory.models import Language
from tests.directory.conftest import add_location, make_provider_at
from tests.factories import ConsultationTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sixty_rich_providers(db):
    for i in range(60):
        provider = make_provider_at(
            1 + i % 20,
            i * 6,
            routes=["iv-infusion", "im-injection"],
            specialties=["alcohol", "opioid"],
            insurance=["self-pay", "medicaid"],
        )
        add_location(provider, 2 + i % 7, 180)


@pytest.mark.parametrize("page_size", [1, 10, 60])
def test_search_query_count_does_not_grow_with_the_page(
    api, sixty_rich_providers, django_assert_num_queries, page_size
):
    params = {
        "near": "38.5,-98.0",
        "radius": 50,
        "route": "iv-infusion",
        "specialty": ["alcohol", "cocaine"],
        "page_size": page_size,
    }
    # 1. the route table's slugs -> ids     2. the specialty table's slugs -> ids
    # 3. the page's (provider id, distance) pairs with the total, count(*) OVER ()
    # 4. the page's providers
    # 5. their locations                    6. their routes, specialties and insurance
    with django_assert_num_queries(6):
        response = api.get("/api/v1/providers/", params)

    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size
    assert all(len(r["locations"]) == 2 for r in response.json()["results"])
    assert all(r["routes"] == ["iv-infusion", "im-injection"] for r in response.json()["results"])

    # The process keeps the slugs: the same search again is queries 3-6 only.
    with django_assert_num_queries(4):
        again = api.get("/api/v1/providers/", params)
    assert again.json() == response.json()


@pytest.mark.parametrize("page_size", [5, 60])
def test_plain_listing_query_count_does_not_grow_with_the_page(
    api, sixty_rich_providers, django_assert_num_queries, page_size
):
    # 1. COUNT(*)  2. the page  3. its locations  4. its routes, specialties and insurance
    with django_assert_num_queries(4):
        response = api.get("/api/v1/providers/", {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


def test_detail_query_count_is_fixed(api, django_assert_num_queries):
    provider = make_provider_at(1, 0, routes=["iv-infusion"], specialties=["alcohol"])
    add_location(provider, 2, 90)
    provider.languages.set(Language.objects.filter(slug__in=["en", "es"]))
    for minutes in (30, 60, 90):
        ConsultationTypeFactory(provider=provider, duration_minutes=minutes)

    # 1. the provider  2. locations  3. provider routes + route  4. specialties
    # 5. insurance plans  6. languages  7. active consultation types + route
    with django_assert_num_queries(7):
        response = api.get(f"/api/v1/providers/{provider.slug}/")

    assert len(response.json()["consultation_types"]) == 3
