"""Hostile input: whatever a client sends, the answer is a clear 4xx or a safe 2xx, never 5xx.

Oversized and malformed bodies, deep JSON, wrong content types, unicode edge cases, injection
strings in every text filter and field, odd page numbers and ids, times without offsets and
absurd dates. Every 4xx carries ``{"detail", "code"}``; stored text comes back verbatim and
is escaped on the pages.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import User
from booking.models import Appointment, TimeOff
from tests.booking import test_appointments_support as support
from tests.booking.test_appointments_support import booking_body, local

frozen = support.frozen
world = support.world

pytestmark = pytest.mark.django_db

BOOK = "/api/v1/appointments/"
REGISTER = "/api/v1/auth/register/"
TIME_OFF = "/api/v1/provider/time-off/"
RULES = "/api/v1/provider/availability/"
SEARCH = "/api/v1/providers/"

INJECTION = [
    "'; DROP TABLE booking_appointment; --",
    '" OR 1=1 --',
    "1) UNION SELECT password FROM accounts_user --",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{ settings.SECRET_KEY }}",
    "%(password)s %s {0}",
]
UNICODE = [
    "\u202eevil\u202c right-to-left override",
    "عيادة الكيتامين",
    "🧪💉 emoji 👨‍👩‍👧",
    "e\u0301\u0301\u0301 combining",
    "\ufeffbom and \u200b zero width",
    "\U0010ffff last code point",
]


def assert_error(response, *statuses: int) -> dict:
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert {"detail", "code"} <= set(body)
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def raw_post(client: APIClient, path: str, data: bytes | str, content_type: str, **extra):
    return client.generic("POST", path, data, content_type=content_type, **extra)


@pytest.fixture
def alice_api(world) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.alice)
    return client


@pytest.fixture
def carol_api(world) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.carol)
    return client


# --- sizes and shapes of bodies ----------------------------------------------------------


def test_a_body_over_the_upload_limit_is_a_413_and_books_nothing(alice_api, world):
    body = booking_body(world, local(3, 9), reason="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE))

    response = alice_api.post(BOOK, body, format="json")

    assert assert_error(response, 413)["code"] == "request_too_large"
    assert not Appointment.objects.exists()


def test_an_oversized_anonymous_body_is_refused_before_it_is_read(api):
    data = b"{" + b" " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b"}"

    response = raw_post(api, REGISTER, data, "application/json")

    assert_error(response, 413)
    assert not User.objects.exists()


def test_an_oversized_form_post_to_a_page_is_a_400_not_a_500(client):
    data = "full_name=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = client.post("/register/", data, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400


def test_a_long_text_just_under_the_limit_is_a_400_naming_the_field(alice_api, world):
    body = booking_body(world, local(3, 9), reason="x" * 500_000)

    response = alice_api.post(BOOK, body, format="json")

    assert "reason" in assert_error(response, 400)["errors"]
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("depth", [50, 5_000, 200_000])
def test_deeply_nested_json_is_a_400(alice_api, depth):
    data = "[" * depth + "]" * depth

    response = raw_post(alice_api, BOOK, data, "application/json")

    assert_error(response, 400)
    assert not Appointment.objects.exists()


def test_deeply_nested_intake_is_a_400(alice_api, world):
    nested: object = "opioid"
    for _ in range(200):
        nested = {"a": nested}
    body = booking_body(world, local(3, 9), intake={"current_substances": nested})

    response = alice_api.post(BOOK, body, format="json")

    assert_error(response, 400)


@pytest.mark.parametrize(
    "data",
    [b"{not json", b'{"provider": "sunrise",', b"\xff\xfe\x00{", b"", b"null", b"NaN", b"[]"],
    ids=["garbage", "truncated", "bad-utf8", "empty", "null", "nan", "array"],
)
def test_malformed_json_bodies_are_a_400(alice_api, data):
    response = raw_post(alice_api, BOOK, data, "application/json")

    assert_error(response, 400)
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "image/png", "application/x-msgpack"]
)
def test_a_body_that_is_not_json_is_a_415(alice_api, world, content_type):
    data = json.dumps(booking_body(world, local(3, 9)))

    response = raw_post(alice_api, BOOK, data, content_type)

    assert assert_error(response, 415)["code"] == "unsupported_media_type"
    assert not Appointment.objects.exists()


def test_a_malformed_multipart_body_is_a_400(alice_api):
    response = raw_post(
        alice_api, BOOK, b"--x\r\nno headers\r\n--x--", "multipart/form-data; boundary=x"
    )

    assert_error(response, 400)


def test_an_invalid_content_length_is_a_400(api):
    response = api.generic(
        "POST", REGISTER, b"{}", content_type="application/json", CONTENT_LENGTH="-5"
    )

    assert_error(response, 400)


# --- unicode ---------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["reason", "intake"])
def test_a_lone_surrogate_in_a_body_is_a_400(alice_api, world, field):
    value = {"current_medications": ["\ud800"]} if field == "intake" else "a\ud800b"
    # json.dumps escapes the surrogate as \ud800, which is valid JSON text.
    data = json.dumps(booking_body(world, local(3, 9), **{field: value}))

    response = raw_post(alice_api, BOOK, data, "application/json")

    assert_error(response, 400)
    assert not Appointment.objects.exists()


def test_a_lone_surrogate_in_a_json_key_is_a_400(alice_api, world):
    data = json.dumps(booking_body(world, local(3, 9), intake={"\udfff": "yes"}))

    response = raw_post(alice_api, BOOK, data, "application/json")

    assert_error(response, 400)


@pytest.mark.parametrize("value", ["a\x00b", "\x00"])
def test_a_nul_byte_in_a_text_field_is_a_400(alice_api, world, value):
    response = alice_api.post(BOOK, booking_body(world, local(3, 9), reason=value), format="json")

    assert "reason" in assert_error(response, 400)["errors"]


@pytest.mark.parametrize("text", UNICODE + INJECTION)
def test_odd_text_in_reason_and_intake_is_stored_verbatim(alice_api, world, text):
    body = booking_body(
        world, local(3, 9), reason=text, intake={"current_medications": [text[:100]]}
    )

    response = alice_api.post(BOOK, body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["reason"] == text
    appointment = Appointment.objects.get()
    assert appointment.reason == text
    assert appointment.intake["current_medications"] == [text[:100].strip()]


@pytest.mark.parametrize("text", UNICODE + INJECTION)
def test_odd_full_names_are_stored_verbatim(api, text):
    response = api.post(
        REGISTER,
        {"email": "odd@example.test", "password": "a-long-passphrase-1", "full_name": text},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["user"]["full_name"] == text.strip()


@pytest.mark.parametrize(
    "email",
    [
        "a\x00b@example.test",
        "\ud800@example.test",
        "<script>@example.test",
        "x" * 300 + "@example.test",
        "'; drop table accounts_user; --@example.test",
        "🧪@example.test",
    ],
)
def test_hostile_emails_are_a_400(api, email):
    data = json.dumps({"email": email, "password": "a-long-passphrase-1", "full_name": "X"})

    response = raw_post(api, REGISTER, data, "application/json")

    assert_error(response, 400)
    assert not User.objects.exists()


@pytest.mark.parametrize("text", ["a\x00b", "a\ud800b", "x" * 100_000, *INJECTION, *UNICODE])
def test_hostile_token_logins_are_a_4xx(api, text):
    data = json.dumps({"email": text, "password": text})

    response = raw_post(api, "/api/v1/auth/token/", data, "application/json")

    assert_error(response, 400, 401)


@pytest.mark.parametrize(
    "key", ["\x00", " ", "k" * 256, "tab\tkey", "\x7f", "é-latin1", "🧪".encode().decode("latin-1")]
)
def test_odd_idempotency_keys_are_a_400_or_work(alice_api, world, key):
    response = alice_api.post(
        BOOK, booking_body(world, local(3, 9)), format="json", HTTP_IDEMPOTENCY_KEY=key
    )

    if response.status_code != 201:
        assert assert_error(response, 400)["code"] == "invalid_idempotency_key"
        assert not Appointment.objects.exists()


@pytest.mark.parametrize("text", ["a\x00b", "\ud800", *INJECTION, *UNICODE, "x" * 20_000])
def test_time_off_reason_is_stored_verbatim_or_refused(carol_api, text):
    data = json.dumps(
        {"start": "2027-03-10T09:00:00-05:00", "end": "2027-03-10T12:00:00-05:00", "reason": text}
    )

    response = raw_post(carol_api, TIME_OFF, data, "application/json")

    if response.status_code == 201:
        assert TimeOff.objects.get().reason == response.json()["reason"]
    else:
        assert_error(response, 400)
        assert not TimeOff.objects.exists()


# --- text filters and path segments ----------------------------------------------------


@pytest.mark.parametrize("text", [*INJECTION, *UNICODE, "\x00", "%00", "\ud800", "x" * 5000])
@pytest.mark.parametrize(
    "param", ["q", "near", "route", "specialty", "insurance", "language", "ordering", "radius"]
)
def test_hostile_search_parameters_are_a_400_or_a_safe_list(api, world, param, text):
    # Sent as raw bytes: a lone surrogate goes out as the (invalid) UTF-8 a client could send.
    value = quote(text, safe="", encoding="utf-8", errors="surrogatepass")

    response = api.get(f"{SEARCH}?{param}={value}")

    if response.status_code == 200:
        assert set(response.json()) == {"count", "next", "previous", "results"}
    else:
        assert_error(response, 400)


@pytest.mark.parametrize("text", ["'; DROP TABLE x; --", "<script>", "%00", "..%2F..", "🧪"])
def test_hostile_slugs_in_paths_are_a_json_404(api, world, text):
    for path in (f"{SEARCH}{text}/", f"{SEARCH}{text}/slots/"):
        assert_error(api.get(path), 404)


@pytest.mark.parametrize(
    "params",
    [
        {"consultation_type": "1 OR 1=1"},
        {"consultation_type": "-1"},
        {"consultation_type": "99999999999999999999999999"},
        {"start": "0001-01-01", "end": "0001-01-02"},
        {"start": "9999-12-30", "end": "9999-12-31"},
        {"start": "2027-02-30", "end": "2027-03-01"},
        {"start": "2027-03-01T09:00", "end": "2027-03-02"},
        {"location": "<script>"},
    ],
)
def test_hostile_slot_queries_are_a_4xx(api, world, params):
    query = {"consultation_type": world.ctype30.pk, "start": "2027-03-02", "end": "2027-03-03"}

    response = api.get(f"{SEARCH}sunrise/slots/", {**query, **params})

    assert_error(response, 400)


@pytest.mark.parametrize("page", ["99999999999999999999", "-1", "0", "1e3", "abc", "\x00"])
def test_odd_page_numbers_are_a_json_404(api, world, page):
    assert_error(api.get(SEARCH, {"page": page}), 404)


@pytest.mark.parametrize("page_size", ["abc", "0", "-5", "", "1.5", "\x00"])
def test_odd_page_sizes_are_a_400(api, world, page_size):
    body = assert_error(api.get(SEARCH, {"page_size": page_size}), 400)

    assert "page_size" in body["errors"]


def test_a_huge_page_size_is_capped_at_100(api, world):
    response = api.get(SEARCH, {"page_size": "9" * 40})

    assert response.status_code == 200


@pytest.mark.parametrize("ident", ["-1", "0", "abc", "1.5", "99999999999999999999999", "%00"])
@pytest.mark.parametrize(
    "prefix",
    [
        "/api/v1/appointments/",
        "/api/v1/holds/",
        "/api/v1/waitlist/",
        "/api/v1/provider/appointments/",
        RULES,
        TIME_OFF,
        "/api/v1/provider/availability-exceptions/",
    ],
)
def test_odd_ids_in_paths_are_a_json_404(world, prefix, ident):
    client = APIClient()
    client.force_authenticate(world.carol if "/provider/" in prefix else world.alice)

    assert_error(client.get(f"{prefix}{ident}/"), 404)


def test_an_unknown_api_path_is_a_json_404(api):
    assert assert_error(api.get("/api/v1/no-such-thing/"), 404)["code"] == "not_found"


def test_a_disallowed_host_on_the_api_is_a_json_400(api, settings):
    settings.ALLOWED_HOSTS = ["care.example.org"]

    response = api.get(SEARCH, HTTP_HOST="evil.example.com")

    assert_error(response, 400)


# --- times -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start", ["2027-03-03T09:00:00", "2027-03-03 09:00", "2027-03-03", "09:00", "1741000000"]
)
def test_a_booking_time_without_an_offset_is_a_400(alice_api, world, start):
    body = {**booking_body(world, local(3, 9)), "start": start}

    response = alice_api.post(BOOK, body, format="json")

    assert "start" in assert_error(response, 400)["errors"]


@pytest.mark.parametrize(
    "start",
    [
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-12:00",
    ],
)
def test_absurd_booking_dates_are_a_4xx(alice_api, world, start):
    body = {**booking_body(world, local(3, 9)), "start": start}

    response = alice_api.post(BOOK, body, format="json")

    assert_error(response, 400, 409)
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2027-03-10T09:00:00", "2027-03-10T12:00:00"),
        ("0001-01-01T00:00:00Z", "0001-01-01T05:00:00Z"),
        ("0001-01-01T00:00:00+05:00", "0001-01-01T05:00:00+05:00"),
        ("9999-12-31T20:00:00Z", "9999-12-31T23:00:00Z"),
        ("9999-12-31T20:00:00-12:00", "9999-12-31T23:00:00-12:00"),
    ],
)
def test_naive_or_absurd_time_off_is_a_400_or_stored(carol_api, start, end):
    response = carol_api.post(TIME_OFF, {"start": start, "end": end}, format="json")

    if response.status_code == 201:
        listed = carol_api.get(TIME_OFF)
        assert listed.status_code == 200
    else:
        assert_error(response, 400)


@pytest.mark.parametrize(
    ("earliest", "latest"), [("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31")]
)
def test_absurd_waitlist_dates_are_a_4xx_or_stored(alice_api, world, earliest, latest):
    response = alice_api.post(
        "/api/v1/waitlist/",
        {"provider": "sunrise", "earliest_date": earliest, "latest_date": latest},
        format="json",
    )

    if response.status_code != 201:
        assert_error(response, 400, 409)


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "0001-01-01"},
        {"date_to": "9999-12-31"},
        {"date_from": "9999-12-31", "date_to": "9999-12-31"},
        {"status": "<script>"},
    ],
)
def test_absurd_staff_appointment_filters_are_a_4xx_or_a_list(carol_api, params):
    response = carol_api.get("/api/v1/provider/appointments/", params)

    if response.status_code != 200:
        assert_error(response, 400)


# --- stored safely, escaped on the pages -------------------------------------------------


def test_injected_markup_is_escaped_on_the_staff_dashboard(alice_api, world, client):
    world.alice.full_name = "<script>alert('name')</script>"
    world.alice.save()
    body = booking_body(world, local(3, 9), reason="<img src=x onerror=alert('reason')>")
    assert alice_api.post(BOOK, body, format="json").status_code == 201

    client.force_login(world.carol)
    page = client.get("/dashboard/").content.decode()

    assert "<script>alert('name')</script>" not in page
    assert "<img src=x onerror" not in page
    assert "&lt;script&gt;" in page
    assert "&lt;img src=x onerror" in page


def test_injected_markup_in_the_search_box_is_escaped(client, world):
    page = client.get("/", {"q": "<script>alert('q')</script>"}).content.decode()

    assert "<script>alert('q')</script>" not in page


@pytest.mark.parametrize(
    "query",
    [
        "start=0001-01-01&end=0001-01-02",
        "start=9999-12-30&end=9999-12-31",
        "start=%ED%A0%80&end=%00",
        "consultation_type=99999999999999999999999&start=2027-03-02&end=2027-03-03",
        "location=-1&start=2027-03-02&end=2027-03-03",
    ],
)
def test_hostile_slot_queries_on_the_profile_page_are_not_a_server_error(client, world, query):
    response = client.get(f"/providers/sunrise/slots/?consultation_type={world.ctype30.pk}&{query}")

    assert response.status_code < 500


@pytest.mark.parametrize(
    "query",
    ["q=%ED%A0%80", "near=%00", "page=99999999999999999999", "page_size=-1", "radius=1e999"],
)
def test_hostile_queries_on_the_search_page_are_not_a_server_error(client, world, query):
    assert client.get(f"/?{query}").status_code < 500
