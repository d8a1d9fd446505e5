"""Errors the booking services raise (turned into responses by core.api.exception_handler)."""

from __future__ import annotations

from core.exceptions import Conflict, InvalidInput, NotFound


class SlotUnavailable(Conflict):
    default_code = "slot_unavailable"
    default_detail = (
        "That time is no longer available. Please choose another slot from the current list."
    )


class InvalidTransition(Conflict):
    default_code = "invalid_transition"
    default_detail = "This appointment can't be changed that way in its current state."


class AppointmentNotFound(NotFound):
    default_code = "appointment_not_found"
    default_detail = "No such appointment."


class InvalidBookingRequest(InvalidInput):
    default_code = "invalid_booking"
