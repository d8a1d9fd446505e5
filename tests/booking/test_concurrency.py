"""Simultaneous bookings never both succeed: >= 20 threads, each with its own connection,
released together by a Barrier. PostgreSQL relies on the exclusion constraint; the SQLite
version on IMMEDIATE transactions."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection
from rest_framework.test import APIClient

from booking import services
from booking.models import Appointment
from tests.booking import test_appointments_support as support
from tests.booking.test_appointments_support import booking_body, build_world, iso, local
from tests.conftest import requires_postgres
from tests.factories import UserFactory

# Fixtures shared by the appointment tests.
frozen = support.frozen

URL = "/api/v1/appointments/"
THREADS = 20


def race(requests: list[Callable[[APIClient], object]]) -> Counter:
    """Run each request in its own thread (own DB connection), all released at once."""
    barrier = threading.Barrier(len(requests))
    codes: list[int] = []
    lock = threading.Lock()

    def worker(request):
        client = APIClient()
        try:
            barrier.wait(timeout=30)
            response = request(client)
            with lock:
                codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return Counter(codes)


def booker(world, user, start, ctype=None):
    def request(client):
        client.force_authenticate(user)
        return client.post(URL, booking_body(world, start, ctype), format="json")

    return request


def patients(n):
    return [UserFactory(email=f"racer{i}@example.test") for i in range(n)]


def one_slot_race(frozen):
    world = build_world()
    codes = race([booker(world, user, local(3, 9)) for user in patients(THREADS)])

    assert codes == Counter({201: 1, 409: THREADS - 1})
    assert Appointment.objects.filter(status="requested").count() == 1


@requires_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_bookings_of_one_slot_on_postgresql_give_exactly_one_201(frozen):
    one_slot_race(frozen)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_bookings_of_one_slot_on_any_database_give_exactly_one_201(frozen):
    """Runs without PostgreSQL too: on SQLite, IMMEDIATE transactions serialise the writers."""
    one_slot_race(frozen)


@requires_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_overlapping_slots_of_different_lengths_give_exactly_one_201(frozen):
    world = build_world()
    users = patients(THREADS)
    requests = [
        booker(world, user, local(3, 9), world.ctype60)
        if i % 2
        else booker(world, user, local(3, 9, 30), world.ctype30)
        for i, user in enumerate(users)
    ]

    codes = race(requests)

    assert codes == Counter({201: 1, 409: THREADS - 1})
    assert Appointment.objects.filter(status="requested").count() == 1


@requires_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reschedule_racing_bookings_for_the_same_time_gives_exactly_one_winner(frozen):
    world = build_world()
    moving = services.appointment_book(
        patient=world.alice,
        provider=world.provider,
        consultation_type=world.ctype30,
        start=local(3, 14),
    )

    def rescheduler(client):
        client.force_authenticate(world.alice)
        return client.post(
            f"{URL}{moving.pk}/reschedule/", {"start": iso(local(3, 9))}, format="json"
        )

    requests = [rescheduler] + [booker(world, user, local(3, 9)) for user in patients(THREADS)]

    codes = race(requests)

    assert codes[200] + codes[201] == 1
    assert codes[409] == THREADS
    at_nine = Appointment.objects.filter(status="requested", start=local(3, 9))
    assert at_nine.count() == 1
    moving.refresh_from_db()
    if codes[201]:
        assert moving.start == local(3, 14)  # the reschedule lost and kept its old time
    else:
        assert moving.start == local(3, 9)


@requires_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_constraint_violation_is_a_409_never_a_500(frozen):
    """Bypass the Python check: the database alone must refuse the overlap."""
    world = build_world()
    services.appointment_book(
        patient=world.alice,
        provider=world.provider,
        consultation_type=world.ctype60,
        start=local(3, 9),
    )
    from unittest import mock

    from booking.availability import Slot

    fake = Slot(start=local(3, 9, 30), end=local(3, 10), location_id=world.location.pk)
    with mock.patch("booking.services.slot_check", return_value=fake):
        client = APIClient()
        response = booker(world, world.bob, local(3, 9, 30))(client)

    assert response.status_code == 409
    assert response.json()["code"] == "slot_unavailable"
