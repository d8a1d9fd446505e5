"""``Idempotency-Key`` for booking and rescheduling (mobile networks retry POSTs).

The key row and the work it protects commit in *one* transaction:

1. insert ``IdempotencyKey(user, key)`` in a savepoint. The unique constraint decides who
   runs: on PostgreSQL a second request with the same key blocks on the uncommitted row
   until the first commits (then it replays) or rolls back (then it runs itself); on
   SQLite the IMMEDIATE transaction serialises them;
2. run the work and store its status and body on the row;
3. commit. When the work fails (409, 400, ...), everything rolls back, the key included,
   so a retry runs again instead of replaying an error.

A replay returns the stored status and body and creates nothing. The same key with a
different body or endpoint is refused (422 ``idempotency_key_reused``). Keys expire after
``KEY_TTL``: an expired key is purged when it is reused, and ``idempotency_keys_purge`` (run
with the holds task) deletes the rest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from booking.models import IdempotencyKey
from core.exceptions import Conflict, InvalidInput

HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 255
KEY_TTL = dt.timedelta(hours=24)


class IdempotencyKeyReused(InvalidInput):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = (
        "This Idempotency-Key was already used for a different request. Use a new key for a "
        "new request."
    )


class IdempotencyKeyInProgress(Conflict):
    default_code = "idempotency_key_in_progress"
    default_detail = "A request with this Idempotency-Key is still being processed. Retry shortly."


class InvalidIdempotencyKey(InvalidInput):
    default_code = "invalid_idempotency_key"
    default_detail = f"The Idempotency-Key header must be 1 to {KEY_MAX_LENGTH} visible characters."


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int
    body: Any
    replayed: bool


def key_from_header(value: str | None) -> str | None:
    """The header's key, None when absent; malformed -> InvalidIdempotencyKey (400)."""
    if value is None:
        return None
    key = value.strip()
    if not key or len(key) > KEY_MAX_LENGTH or not key.isprintable():
        raise InvalidIdempotencyKey()
    return key


def request_fingerprint(endpoint: str, payload: Any) -> str:
    canonical = json.dumps(
        {"endpoint": endpoint, "payload": payload},
        sort_keys=True,
        default=str,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent_call(
    *,
    user: Any,
    key: str | None,
    endpoint: str,
    payload: Any,
    run: Callable[[], tuple[int, Any]],
    now: dt.datetime | None = None,
) -> Outcome:
    """Run ``run`` (returning ``(status, body)``) at most once per ``(user, key)``.

    Without a key, ``run`` simply runs. Exceptions from ``run`` propagate and leave no key.
    """
    if key is None:
        status, body = run()
        return Outcome(status, body, replayed=False)

    now = now or timezone.now()
    fingerprint = request_fingerprint(endpoint, payload)
    IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=now - KEY_TTL).delete()

    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=user, key=key, endpoint=endpoint, request_hash=fingerprint
                )
        except IntegrityError:
            existing = IdempotencyKey.objects.filter(user=user, key=key).first()
            if existing is None:  # purged between our insert and this read
                raise IdempotencyKeyInProgress() from None
            if existing.request_hash != fingerprint or existing.endpoint != endpoint:
                raise IdempotencyKeyReused() from None
            if existing.response_status is None:
                raise IdempotencyKeyInProgress() from None
            return Outcome(existing.response_status, existing.response_body, replayed=True)

        status, body = run()
        record.response_status = status
        record.response_body = json.loads(json.dumps(body, default=str))
        record.save(update_fields=["response_status", "response_body"])
    return Outcome(status, body, replayed=False)


def idempotency_keys_purge(*, now: dt.datetime | None = None) -> int:
    """Delete keys older than ``KEY_TTL``; returns how many."""
    now = now or timezone.now()
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=now - KEY_TTL).delete()
    return deleted
