"""Idempotency-Key on booking and rescheduling: replays, reused keys, expiry, concurrency."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from booking.models import Appointment, IdempotencyKey
from tests.booking import test_appointments_support as support
from tests.booking.test_appointments_support import booking_body, build_world, iso, local
from tests.conftest import requires_postgres

# Fixtures shared by the appointment tests.
frozen = support.frozen
world = support.world

URL = "/api/v1/appointments/"


def post(api, user, body, key, url=URL):
    api.force_authenticate(user)
    return api.post(url, body, format="json", headers={"Idempotency-Key": key})


def test_a_retried_booking_returns_the_first_response_and_books_nothing_new(api, world):
    body = booking_body(world, local(3, 9))

    first = post(api, world.alice, body, "key-1")
    retry = post(api, world.alice, body, "key-1")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Appointment.objects.count() == 1


def test_the_same_key_with_a_different_body_is_422(api, world):
    post(api, world.alice, booking_body(world, local(3, 9)), "key-1")

    response = post(api, world.alice, booking_body(world, local(3, 10)), "key-1")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Appointment.objects.count() == 1


def test_keys_belong_to_one_user(api, world):
    post(api, world.alice, booking_body(world, local(3, 9)), "shared")

    response = post(api, world.bob, booking_body(world, local(3, 10)), "shared")

    assert response.status_code == 201
    assert Appointment.objects.count() == 2


def test_a_failed_request_leaves_no_key_so_a_retry_runs_again(api, world):
    taken = post(api, world.bob, booking_body(world, local(3, 9)), "bob-1")
    assert taken.status_code == 201
    failed = post(api, world.alice, booking_body(world, local(3, 9)), "alice-1")
    api.force_authenticate(world.bob)
    api.post(f"{URL}{taken.json()['id']}/cancel/", {}, format="json")

    retry = post(api, world.alice, booking_body(world, local(3, 9)), "alice-1")

    assert failed.status_code == 409
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry


def test_a_retried_reschedule_returns_the_first_response(api, world):
    booked = post(api, world.alice, booking_body(world, local(3, 9)), "book").json()
    url = f"{URL}{booked['id']}/reschedule/"

    first = post(api, world.alice, {"start": iso(local(4, 9))}, "move", url=url)
    retry = post(api, world.alice, {"start": iso(local(4, 9))}, "move", url=url)

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert Appointment.objects.get().sequence == 1


def test_a_booking_key_reused_for_a_reschedule_is_422(api, world):
    booked = post(api, world.alice, booking_body(world, local(3, 9)), "k").json()

    response = post(
        api, world.alice, {"start": iso(local(4, 9))}, "k", url=f"{URL}{booked['id']}/reschedule/"
    )

    assert response.status_code == 422


def test_keys_expire_after_a_day(api, world, frozen):
    post(api, world.alice, booking_body(world, local(3, 9)), "key-1")
    frozen.shift(dt.timedelta(hours=25))

    response = post(api, world.alice, booking_body(world, local(4, 9)), "key-1")

    assert response.status_code == 201
    assert Appointment.objects.count() == 2
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.parametrize("key", ["", "   ", "x" * 256, "bad\x00key"])
def test_a_malformed_key_is_400(api, world, key):
    response = post(api, world.alice, booking_body(world, local(3, 9)), key)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Appointment.objects.exists()


@requires_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_requests_with_the_same_key_book_once(frozen):
    world = build_world()
    body = booking_body(world, local(3, 9))
    threads_count = 20
    barrier = threading.Barrier(threads_count)
    results: list[tuple[int, bool]] = []
    lock = threading.Lock()

    def worker():
        client = APIClient()
        client.force_authenticate(world.alice)
        try:
            barrier.wait()
            response = client.post(URL, body, format="json", headers={"Idempotency-Key": "same"})
            with lock:
                results.append((response.status_code, response.has_header("Idempotent-Replayed")))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Appointment.objects.count() == 1
    assert sorted(results) == [(201, False)] + [(201, True)] * (threads_count - 1)
