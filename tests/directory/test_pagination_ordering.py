"""Pagination envelope, page size limits and every ordering, ties included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from directory.models import Provider
from tests.directory.conftest import make_provider_at, results, slugs
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/providers/"
NEAR = "38.5,-98.0"
T0 = datetime(2027, 3, 15, 14, 0, tzinfo=UTC)


def _bulk_providers(count: int) -> list[Provider]:
    return Provider.objects.bulk_create(
        Provider(slug=f"bulk-{i:03d}", name=f"Bulk {i:03d}") for i in range(count)
    )


def _set_next_available(provider: Provider, value: datetime | None) -> None:
    # editable=False: booking keeps it current; tests set it directly.
    Provider.objects.filter(pk=provider.pk).update(next_available=value)


def test_first_middle_and_last_page_links(api):
    _bulk_providers(25)

    first = api.get(URL, {"page_size": 10}).json()
    middle = api.get(URL, {"page_size": 10, "page": 2}).json()
    last = api.get(URL, {"page_size": 10, "page": 3}).json()

    assert first["count"] == middle["count"] == last["count"] == 25
    assert first["previous"] is None
    assert first["next"].endswith("/api/v1/providers/?page=2&page_size=10")
    assert middle["previous"].endswith("/api/v1/providers/?page_size=10")
    assert middle["next"].endswith("/api/v1/providers/?page=3&page_size=10")
    assert last["next"] is None
    assert [len(p["results"]) for p in (first, middle, last)] == [10, 10, 5]


def test_next_link_keeps_the_search_parameters(api):
    for i in range(3):
        make_provider_at(i + 1, 0, routes=["iv-infusion"])

    body = api.get(URL, {"near": NEAR, "route": "iv-infusion", "page_size": 2}).json()

    assert "near=38.5%2C-98.0" in body["next"]
    assert "route=iv-infusion" in body["next"]
    assert "page=2" in body["next"]


def test_default_page_size_is_20(api):
    _bulk_providers(21)

    body = api.get(URL).json()

    assert len(body["results"]) == 20
    assert body["count"] == 21


def test_page_size_above_100_is_clamped_to_100(api):
    _bulk_providers(101)

    body = api.get(URL, {"page_size": 1000}).json()

    assert len(body["results"]) == 100
    assert body["next"] is not None


@pytest.mark.parametrize("page", ["99", "0", "abc", "-1"])
def test_invalid_page_is_a_json_404(api, page):
    _bulk_providers(3)

    response = api.get(URL, {"page": page})

    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found"
    assert body["detail"]


def test_pages_are_disjoint_and_cover_every_result_with_distance_ties(api):
    # Nine providers at three identical distances: order must be stable across pages.
    made = [make_provider_at(float(1 + i // 3), 0) for i in range(9)]

    seen = []
    for page in (1, 2, 3):
        seen += slugs(api.get(URL, {"near": NEAR, "page_size": 3, "page": page}))

    assert seen == [p.slug for p in sorted(made, key=lambda p: (1 + made.index(p) // 3, p.pk))]


def test_near_pages_count_every_result_and_the_last_page_is_partial(api):
    for i in range(7):
        make_provider_at(float(i + 1), 0)

    pages = [api.get(URL, {"near": NEAR, "page_size": 3, "page": n}).json() for n in (1, 2, 3)]
    last = api.get(URL, {"near": NEAR, "page_size": 3, "page": "last"}).json()

    assert [p["count"] for p in pages] == [7, 7, 7]
    assert [len(p["results"]) for p in pages] == [3, 3, 1]
    assert pages[2]["next"] is None and pages[2]["previous"]
    assert last["results"] == pages[2]["results"]


@pytest.mark.parametrize("page", ["3", "0", "abc", "-1", "1.5"])
def test_a_page_past_the_results_near_a_point_is_a_json_404(api, page):
    for i in range(4):
        make_provider_at(float(i + 1), 0)

    response = api.get(URL, {"near": NEAR, "page_size": 2, "page": page})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_no_result_near_a_point_is_an_empty_first_page(api):
    make_provider_at(30.0, 0)  # far outside the radius

    body = api.get(URL, {"near": NEAR, "radius": 10}).json()

    assert (body["count"], body["results"], body["next"]) == (0, [], None)


def test_without_near_results_are_ordered_by_name(api):
    for name in ["Cedar", "Alpha", "Birch"]:
        ProviderFactory(name=name)

    assert [r["name"] for r in results(api.get(URL))] == ["Alpha", "Birch", "Cedar"]


def test_with_near_results_are_ordered_by_distance_by_default(api):
    far = make_provider_at(9, 0, name="A far")
    near = make_provider_at(2, 90, name="Z near")
    middle = make_provider_at(5, 180, name="M middle")

    assert slugs(api.get(URL, {"near": NEAR})) == [near.slug, middle.slug, far.slug]


def test_ordering_by_name_with_near_overrides_distance(api):
    b = make_provider_at(1, 0, name="Bravo")
    a = make_provider_at(9, 0, name="Alpha")

    response = api.get(URL, {"near": NEAR, "ordering": "name"})

    assert slugs(response) == [a.slug, b.slug]
    assert [r["distance_miles"] is not None for r in results(response)] == [True, True]


def test_reverse_name_ordering(api):
    a = ProviderFactory(name="Alpha")
    b = ProviderFactory(name="Bravo")

    assert slugs(api.get(URL, {"ordering": "-name"})) == [b.slug, a.slug]


def test_next_available_ordering_puts_providers_without_a_slot_last(api):
    none_first_pk = ProviderFactory(name="A none")
    later = ProviderFactory(name="B later")
    sooner = ProviderFactory(name="C sooner")
    none_second_pk = ProviderFactory(name="D none")
    _set_next_available(later, T0 + timedelta(days=3))
    _set_next_available(sooner, T0 + timedelta(hours=2))

    response = api.get(URL, {"ordering": "next_available"})

    assert slugs(response) == [sooner.slug, later.slug, none_first_pk.slug, none_second_pk.slug]
    assert results(response)[0]["next_available"] == "2027-03-15T16:00:00Z"
    assert results(response)[2]["next_available"] is None


def test_reverse_next_available_ordering_still_puts_nulls_last(api):
    empty = ProviderFactory(name="A none")
    later = ProviderFactory(name="B later")
    sooner = ProviderFactory(name="C sooner")
    _set_next_available(later, T0 + timedelta(days=3))
    _set_next_available(sooner, T0)

    assert slugs(api.get(URL, {"ordering": "-next_available"})) == [
        later.slug,
        sooner.slug,
        empty.slug,
    ]


def test_next_available_ties_are_ordered_by_creation(api):
    made = [ProviderFactory(name=f"{letter} clinic") for letter in "ZYX"]
    for provider in made:
        _set_next_available(provider, T0)

    assert slugs(api.get(URL, {"ordering": "next_available"})) == [p.slug for p in made]


def test_next_available_ordering_works_with_near(api):
    close = make_provider_at(1, 0)
    far_but_sooner = make_provider_at(20, 0)
    _set_next_available(close, T0 + timedelta(days=1))
    _set_next_available(far_but_sooner, T0)

    response = api.get(URL, {"near": NEAR, "ordering": "next_available"})

    assert slugs(response) == [far_but_sooner.slug, close.slug]


def test_distance_ties_are_ordered_by_creation(api):
    made = [make_provider_at(4, 0, name=f"{letter} clinic") for letter in "ZYX"]

    assert slugs(api.get(URL, {"near": NEAR})) == [p.slug for p in made]


def test_name_ties_are_ordered_by_creation(api):
    made = [ProviderFactory(name="Same Name") for _ in range(3)]

    assert slugs(api.get(URL)) == [p.slug for p in made]
