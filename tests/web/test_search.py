"""The "/" search page: same filters, same providers, same order as the API."""

from __future__ import annotations

import pytest

from tests.web.conftest import slugs_in

pytestmark = pytest.mark.django_db

QUERIES = [
    "",
    "near=94103",
    "near=94103&radius=5",
    "near=94103&radius=50&route=iv-infusion",
    "near=37.77,-122.41&radius=100&specialty=alcohol&specialty=opioid",
    "telehealth=true",
    "accepting_new_patients=true&ordering=name",
    "ordering=next_available",
    "near=94103&radius=500&insurance=aetna",
    "q=san+francisco",
    "q=oakland&near=94612",
    "near=10001&radius=25",
]


@pytest.mark.parametrize("query", QUERIES)
def test_search_page_lists_the_same_providers_in_the_same_order_as_the_api(
    client, api, directory_data, query
):
    api_slugs = [p["slug"] for p in api.get(f"/api/v1/providers/?{query}").json()["results"]]
    page = client.get(f"/?{query}")
    assert page.status_code == 200
    assert slugs_in(page.content.decode()) == api_slugs


def test_search_page_paginates_like_the_api(client, api, directory_data):
    for number in (1, 2, 3):
        query = f"page_size=2&page={number}"
        api_slugs = [p["slug"] for p in api.get(f"/api/v1/providers/?{query}").json()["results"]]
        assert slugs_in(client.get(f"/?{query}").content.decode()) == api_slugs
    assert "Page 2 of 3" in client.get("/?page_size=2&page=2").content.decode()


def test_search_form_uses_the_api_parameter_names(client, db):
    html = client.get("/").content.decode()
    for name in ("near", "radius", "route", "specialty", "insurance", "telehealth", "q"):
        assert f'name="{name}"' in html
    assert 'name="accepting_new_patients"' in html
    assert 'method="get"' in html


def test_result_card_shows_distance_routes_specialties_price_and_next_available(
    client, directory_data
):
    html = client.get("/?near=94103&radius=5").content.decode()
    assert "Mission Recovery" in html
    assert "miles away" in html
    assert "IV infusion, IM injection" in html
    assert "Opioid use, Alcohol use" in html
    assert "$450 per session" in html
    # Next available is shown in the clinic's zone (Pacific time).
    assert "PST" in html or "PDT" in html


def test_unknown_zip_is_an_inline_error_not_an_error_page(client, directory_data):
    response = client.get("/?near=00000")
    assert response.status_code == 200
    html = response.content.decode()
    assert "We don&#x27;t know the ZIP code 00000" in html
    assert 'aria-invalid="true"' in html
    assert 'id="near-error"' in html
    assert slugs_in(html) == []


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("near=north-pole", "Give a 5-digit US ZIP code"),
        ("near=94103&radius=9000", "The radius is in miles, from 1 to 500."),
        ("route=teleportation", "Unknown value &#x27;teleportation&#x27;"),
        ("telehealth=maybe", "Use true or false."),
        ("ordering=distance", "Ordering by distance needs a location"),
    ],
)
def test_bad_search_input_is_explained_next_to_the_field(client, directory_data, query, text):
    response = client.get(f"/?{query}")
    assert response.status_code == 200
    assert text in response.content.decode()
    assert "Please check your search" in response.content.decode()


def test_empty_results_suggest_a_wider_radius_and_telehealth(client, directory_data):
    html = client.get("/?near=10001&radius=5&specialty=nicotine").content.decode()
    assert "No providers match this search" in html
    assert "radius=50" in html
    assert "telehealth=true" in html


def test_results_carry_coordinates_for_the_map(client, directory_data):
    html = client.get("/?near=94103&radius=5").content.decode()
    assert 'id="results-map"' in html
    assert 'data-lat="37.772500"' in html


def test_every_page_shows_crisis_resources_and_no_inline_script(client, directory_data):
    for url in ("/", "/?near=94103", "/learn/", "/login/", "/register/"):
        html = client.get(url).content.decode()
        assert "988" in html, url
        assert "1-800-662-4357" in html, url
        assert "<script>" not in html and "style=" not in html, url


def test_pages_send_a_strict_content_security_policy(client, db):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize("page_size", [1, 2])
def test_search_page_query_count_does_not_grow_with_the_page(
    client, directory_data, django_assert_num_queries, page_size
):
    query = f"near=94103&radius=500&route=iv-infusion&specialty=alcohol&page_size={page_size}"
    # 1-2. route and specialty slugs   3. the page's (provider, distance) pairs and the total
    # 4. the page's providers   5. their locations   6. their routes, specialties, insurance
    # 7-9. the form's route, specialty and insurance choices
    with django_assert_num_queries(9):
        response = client.get(f"/?{query}")

    assert response.status_code == 200
    assert len(slugs_in(response.content.decode())) == page_size
