"""Each search filter on its own, through the HTTP API."""

from __future__ import annotations

import pytest

from directory.models import Language, Provider
from tests.conftest import requires_postgres
from tests.directory.conftest import make_provider_at, results, slugs
from tests.factories import LocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/providers/"


def _search(api, **params):
    return api.get(URL, params)


def test_route_filter_keeps_only_providers_offering_the_route(api):
    iv = ProviderFactory(routes=["iv-infusion"])
    ProviderFactory(routes=["im-injection"])
    ProviderFactory()

    assert slugs(_search(api, route="iv-infusion")) == [iv.slug]


def test_repeated_route_matches_any_of_the_values(api):
    iv = ProviderFactory(name="A", routes=["iv-infusion"])
    im = ProviderFactory(name="B", routes=["im-injection"])
    ProviderFactory(name="C", routes=["sublingual-oral"])

    assert slugs(_search(api, route=["iv-infusion", "im-injection"])) == [iv.slug, im.slug]


def test_comma_separated_route_values_match_any_of_them(api):
    iv = ProviderFactory(name="A", routes=["iv-infusion"])
    im = ProviderFactory(name="B", routes=["im-injection"])
    ProviderFactory(name="C", routes=["sublingual-oral"])

    assert slugs(_search(api, route="iv-infusion,im-injection")) == [iv.slug, im.slug]


def test_provider_offering_two_requested_routes_is_listed_once(api):
    both = ProviderFactory(routes=["iv-infusion", "im-injection"])

    response = _search(api, route=["iv-infusion", "im-injection"])

    assert slugs(response) == [both.slug]
    assert response.json()["count"] == 1


def test_route_and_specialty_must_both_match(api):
    both = ProviderFactory(name="A", routes=["iv-infusion"], specialties=["alcohol"])
    ProviderFactory(name="B", routes=["iv-infusion"], specialties=["opioid"])
    ProviderFactory(name="C", routes=["im-injection"], specialties=["alcohol"])

    assert slugs(_search(api, route="iv-infusion", specialty="alcohol")) == [both.slug]


def test_insurance_filter_keeps_only_providers_taking_the_plan(api):
    medicaid = ProviderFactory(name="A", insurance=["medicaid", "self-pay"])
    ProviderFactory(name="B", insurance=["self-pay"])

    assert slugs(_search(api, insurance="medicaid")) == [medicaid.slug]


def test_language_filter_keeps_only_providers_speaking_it(api):
    spanish = ProviderFactory(name="A")
    spanish.languages.set([Language.objects.get(slug="es")])
    ProviderFactory(name="B").languages.set([Language.objects.get(slug="en")])

    assert slugs(_search(api, language="es")) == [spanish.slug]


@pytest.mark.parametrize(("value", "expected_name"), [("true", "Tele"), ("false", "Office")])
def test_telehealth_filter(api, value, expected_name):
    ProviderFactory(name="Tele", telehealth=True)
    ProviderFactory(name="Office", telehealth=False)

    assert [r["name"] for r in results(_search(api, telehealth=value))] == [expected_name]


@pytest.mark.parametrize(
    ("value", "expected_name"), [("1", "Open"), ("yes", "Open"), ("0", "Full"), ("no", "Full")]
)
def test_accepting_new_patients_accepts_common_boolean_spellings(api, value, expected_name):
    ProviderFactory(name="Open", accepting_new_patients=True)
    ProviderFactory(name="Full", accepting_new_patients=False)

    rows = results(_search(api, accepting_new_patients=value))

    assert [r["name"] for r in rows] == [expected_name]


def test_q_matches_the_name_whatever_the_case(api):
    match = ProviderFactory(name="Harbor Light Ketamine")
    ProviderFactory(name="Other Clinic")

    assert slugs(_search(api, q="hArBoR")) == [match.slug]


def test_q_matches_a_location_city(api):
    match = ProviderFactory(name="A")
    LocationFactory(provider=match, city="Albuquerque")
    LocationFactory(provider=ProviderFactory(name="B"), city="Santa Fe")

    assert slugs(_search(api, q="albuquer")) == [match.slug]


def test_q_matches_the_description(api):
    match = ProviderFactory(name="A", description="Spanish-speaking integration circle.")
    ProviderFactory(name="B", description="Infusions only.")

    assert slugs(_search(api, q="integration circle")) == [match.slug]


def test_q_without_a_match_gives_an_empty_page(api):
    ProviderFactory(name="Harbor Light")

    response = _search(api, q="zzz-nothing")

    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_unpublished_providers_are_hidden_from_search(api):
    shown = make_provider_at(1, 0, name="Shown")
    make_provider_at(1, 0, name="Hidden", is_published=False)

    assert slugs(_search(api)) == [shown.slug]
    assert slugs(_search(api, near="38.5,-98.0", radius=5)) == [shown.slug]
    assert slugs(_search(api, q="hidden")) == []


def test_search_changes_nothing_in_the_database(api):
    provider = make_provider_at(1, 0)
    before = Provider.objects.values().get(pk=provider.pk)

    _search(api, near="38.5,-98.0", route="iv-infusion", q="x")

    assert Provider.objects.values().get(pk=provider.pk) == before


@requires_postgres
def test_free_text_search_can_use_the_trigram_indexes(api):
    # Migration 0005 indexes UPPER(column::text) with gin_trgm_ops: the expression must be
    # the one icontains compiles to, or PostgreSQL scans every description.
    from django.db import connection

    from directory import selectors
    from directory.selectors import ProviderSearch

    provider = ProviderFactory(name="Lakeside Ketamine", description="Evening sessions")
    search = selectors.provider_search(ProviderSearch(text="evening"))
    sql, params = search.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    for index in ("directory_provider_description_trgm", "directory_location_city_trgm"):
        assert index in plan
    assert slugs(api.get(URL, {"q": "EVENING"})) == [provider.slug]
