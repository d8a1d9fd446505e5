"""What booking announces. Other apps (notifications) listen; booking never imports them.

``appointment_changed`` is sent *inside* the transaction that changed the appointment, so a
receiver's writes (the notification outbox) commit or roll back with the change.

Keyword arguments sent with it:
    appointment: booking.models.Appointment (already saved, status and times current)
    event: one of EVENTS
    actor: the User who acted, or None for the system
    previous_start: for "rescheduled", the start before the change (aware datetime)
"""

from __future__ import annotations

from django.dispatch import Signal

BOOKED = "booked"  # a patient requested an appointment (status requested)
CONFIRMED = "confirmed"
DECLINED = "declined"
CANCELLED = "cancelled"  # by patient or provider; see appointment.status
RESCHEDULED = "rescheduled"
COMPLETED = "completed"
NO_SHOW = "no_show"
EVENTS = (BOOKED, CONFIRMED, DECLINED, CANCELLED, RESCHEDULED, COMPLETED, NO_SHOW)

appointment_changed = Signal()

# Sent (outside any transaction, after commit) when an active appointment stops occupying a
# time range, so waitlists can offer it. Arguments: provider_id, start, end (aware datetimes).
slot_freed = Signal()
