"""No personal health information reaches the logs, through the whole booking flow.

Every logger at every level is captured (caplog on the root at DEBUG, every known logger
set to DEBUG, and caplog's handler added to any logger that does not propagate), then each
record's message, args and every other attribute is searched for the patient's name, email,
reason, cancellation text and intake answers.
"""

from __future__ import annotations

import logging

import pytest
from django.core import mail

from notifications.tasks import send_due_notifications
from tests.booking import test_appointments_support as support
from tests.booking.test_appointments_support import local

frozen = support.frozen
world = support.world

NAME = "Zebulon Quixotewright"
EMAIL = "zebulon.quixotewright.4711@example.test"
PASSWORD = "marmalade-trombone-8831"
REASON = "Xylophonic cravings since Thursday 5512"
CANCEL_REASON = "Grandmother Ophelia hospitalised 7734"
MEDICATION = "Quetiapinex-Zorbamycin"
SECRETS = (NAME, "Zebulon", "Quixotewright", EMAIL, PASSWORD, REASON, CANCEL_REASON, MEDICATION)


@pytest.fixture
def all_logs(caplog):
    """caplog, at DEBUG for every logger, also for loggers that do not propagate."""
    caplog.set_level(logging.DEBUG)
    saved = []
    for name in list(logging.root.manager.loggerDict):
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.disabled))
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if not logger.propagate:
            logger.addHandler(caplog.handler)
    yield caplog
    for logger, level, disabled in saved:
        logger.setLevel(level)
        logger.disabled = disabled
        if caplog.handler in logger.handlers:
            logger.removeHandler(caplog.handler)


def _record_texts(record: logging.LogRecord) -> list[str]:
    texts = [record.getMessage(), repr(record.args)]
    texts += [f"{key}={value!r}" for key, value in vars(record).items()]
    if record.exc_info:
        texts.append(logging.Formatter().formatException(record.exc_info))
    return texts


def test_the_whole_booking_flow_logs_no_personal_health_information(
    api, client, world, all_logs, settings
):
    settings.RATE_LIMITS = True  # the lockout path logs too
    # Register, then a failed and a successful login (API and web).
    registered = api.post(
        "/api/v1/auth/register/",
        {"email": EMAIL, "password": PASSWORD, "full_name": NAME},
        format="json",
    )
    assert registered.status_code == 201
    assert api.post(
        "/api/v1/auth/token/", {"email": EMAIL, "password": "wrong-password-1"}, format="json"
    ).status_code in (400, 401)
    token = api.post(
        "/api/v1/auth/token/", {"email": EMAIL, "password": PASSWORD}, format="json"
    ).json()["token"]
    assert client.post("/login/", {"username": EMAIL, "password": "wrong"}).status_code == 200
    assert client.post("/login/", {"username": EMAIL, "password": PASSWORD}).status_code == 302
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    # Search and slots.
    assert api.get("/api/v1/providers/", {"q": "Sunrise"}).json()["count"] >= 1
    slots = api.get(
        "/api/v1/providers/sunrise/slots/",
        {"consultation_type": world.ctype30.pk, "start": "2027-03-03", "end": "2027-03-04"},
    )
    assert slots.status_code == 200

    # Book with intake and reason; a bad booking too (validation errors are logged by nobody).
    intake = {
        "current_substances": ["alcohol"],
        "current_medications": [MEDICATION],
        "psychosis_history": "no",
        "pregnant": "no",
    }
    body = {
        "provider": "sunrise",
        "consultation_type": world.ctype30.pk,
        "start": local(3, 9).isoformat(),
        "reason": REASON,
        "intake": intake,
    }
    booked = api.post("/api/v1/appointments/", body, format="json")
    assert booked.status_code == 201, booked.json()
    appointment_id = booked.json()["id"]
    bad = dict(body, intake={"current_medications": [MEDICATION * 10]})
    assert api.post("/api/v1/appointments/", bad, format="json").status_code == 400
    taken = api.post("/api/v1/appointments/", body, format="json")
    assert taken.status_code == 409

    # Reschedule, staff confirm (API and dashboard list), patient cancel with a reason.
    moved = api.post(
        f"/api/v1/appointments/{appointment_id}/reschedule/",
        {"start": local(3, 10).isoformat()},
        format="json",
    )
    assert moved.status_code == 200
    api.credentials()
    api.force_authenticate(world.carol)
    assert (
        api.post(
            f"/api/v1/provider/appointments/{appointment_id}/confirm/", {}, format="json"
        ).status_code
        == 200
    )
    assert api.get("/api/v1/provider/appointments/").status_code == 200
    api.force_authenticate(None)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert (
        api.post(
            f"/api/v1/appointments/{appointment_id}/cancel/",
            {"reason": CANCEL_REASON},
            format="json",
        ).status_code
        == 200
    )

    # The emails go out (notifications' sweep), to the patient's address.
    send_due_notifications()
    assert any(EMAIL in message.to for message in mail.outbox)

    # Export and deletion.
    assert api.get("/api/v1/me/export/").status_code == 200
    assert api.post("/api/v1/me/delete/", {"password": PASSWORD}, format="json").status_code == 204

    records = all_logs.records
    assert any(r.name == "core.request" for r in records)
    assert any(r.name.startswith("notifications") for r in records), "the sweep logs"
    leaks = [
        (record.name, secret, text)
        for record in records
        for text in _record_texts(record)
        for secret in SECRETS
        if secret.lower() in text.lower()
    ]
    assert leaks == []


def test_no_logger_of_ours_stops_propagation():
    ours = ("core", "accounts", "booking", "notifications", "directory", "web", "audit", "demo")
    stopped = [
        name
        for name, logger in logging.root.manager.loggerDict.items()
        if name.split(".")[0] in ours
        and isinstance(logger, logging.Logger)
        and not logger.propagate
    ]
    assert stopped == []
