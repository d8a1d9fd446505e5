"""Availability: the slot engine, ``next_available`` and the writes of opening hours.

Other code imports from here (``from booking.availability import slots_list``):

* ``engine``: ``Slot``, ``slots_list``, ``slot_check`` (read its docstring for the rules);
* ``next_available``: ``provider_refresh_next_available``,
  ``providers_refresh_next_available``, ``next_available_refresh_on_commit``;
* ``services``: CRUD of weekly rules, exceptions, time off and the booking policy.
"""

from booking.availability.engine import (
    DEFAULT_POLICY,
    MAX_RANGE_DAYS,
    Policy,
    Slot,
    policy_get,
    slot_check,
    slots_list,
)
from booking.availability.next_available import (
    next_available_refresh_on_commit,
    provider_refresh_next_available,
    providers_refresh_next_available,
    providers_stale_ids,
    providers_without_slot_ids,
)
from booking.availability.services import (
    availability_exception_create,
    availability_exception_delete,
    availability_exception_update,
    availability_rule_create,
    availability_rule_delete,
    availability_rule_update,
    booking_policy_get,
    booking_policy_update,
    time_off_create,
    time_off_delete,
    time_off_update,
)

__all__ = [
    "DEFAULT_POLICY",
    "MAX_RANGE_DAYS",
    "Policy",
    "Slot",
    "availability_exception_create",
    "availability_exception_delete",
    "availability_exception_update",
    "availability_rule_create",
    "availability_rule_delete",
    "availability_rule_update",
    "booking_policy_get",
    "booking_policy_update",
    "next_available_refresh_on_commit",
    "policy_get",
    "provider_refresh_next_available",
    "providers_refresh_next_available",
    "providers_stale_ids",
    "providers_without_slot_ids",
    "slot_check",
    "slots_list",
    "time_off_create",
    "time_off_delete",
    "time_off_update",
]
