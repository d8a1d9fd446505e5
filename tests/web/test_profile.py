"""The provider profile and its slot picker."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.web.conftest import starts_in

pytestmark = pytest.mark.django_db


def test_profile_explains_routes_and_lists_what_a_patient_needs(client, clinic):
    html = client.get(f"/providers/{clinic.slug}/").content.decode()
    assert "Golden Gate Ketamine" in html
    assert "through a small tube in a vein" in html  # AdministrationRoute.description
    assert "Intranasal esketamine" in html
    assert "Opioid use" in html and "Alcohol use" in html
    assert "Doctor of Medicine (MD)" in html
    assert "Aetna" in html and "$450 per session" in html
    assert "Spanish" in html
    assert "Offers psychotherapy alongside treatment" in html
    assert "Details last checked on 15 January 2026" in html
    assert "988" in html


def test_profile_offers_bookable_times_in_the_clinics_time_zone(client, clinic):
    html = client.get(f"/providers/{clinic.slug}/").content.decode()
    starts = starts_in(html)
    assert starts
    first = dt.datetime.fromisoformat(starts[0])
    assert first.utcoffset() in (dt.timedelta(hours=-8), dt.timedelta(hours=-7))
    assert "America/Los_Angeles" in html
    assert 'data-clinic-timezone="America/Los_Angeles"' in html


def test_choosing_a_day_without_javascript_shows_that_days_times(client, clinic):
    html = client.get(f"/providers/{clinic.slug}/").content.decode()
    day = dt.datetime.fromisoformat(starts_in(html)[0]).date() + dt.timedelta(days=2)
    html = client.get(f"/providers/{clinic.slug}/?date={day.isoformat()}").content.decode()
    assert all(dt.datetime.fromisoformat(s).date() == day for s in starts_in(html))
    assert starts_in(html)


def test_slot_partial_is_the_picker_alone_for_htmx(client, clinic):
    telehealth = clinic.consultation_types.get(mode="telehealth")
    response = client.get(
        f"/providers/{clinic.slug}/slots/?consultation_type={telehealth.pk}",
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="slot-picker"' in html
    assert f'value="{telehealth.pk}" selected' in html


@pytest.mark.parametrize(
    "query", ["?date=not-a-date", "?consultation_type=999999", "?from=3000-01-01&location=x"]
)
def test_bad_picker_parameters_fall_back_instead_of_failing(client, clinic, query):
    assert client.get(f"/providers/{clinic.slug}/{query}").status_code == 200


def test_unknown_or_unpublished_provider_is_404(client, clinic):
    assert client.get("/providers/nobody/").status_code == 404
    clinic.is_published = False
    clinic.save()
    assert client.get(f"/providers/{clinic.slug}/").status_code == 404


def test_learn_pages_exist_with_crisis_resources_and_no_advice_disclaimer(client, db):
    index = client.get("/learn/").content.decode()
    for slug in (
        "how-it-works",
        "routes",
        "psychotherapy-and-integration",
        "side-effects",
        "cost-and-insurance",
        "questions-to-ask",
    ):
        assert f"/learn/{slug}/" in index
        html = client.get(f"/learn/{slug}/").content.decode()
        assert "not medical advice" in html
        assert "988" in html and "1-800-662-4357" in html
    assert "REMS" in client.get("/learn/routes/").content.decode()
    assert client.get("/learn/nothing/").status_code == 404
