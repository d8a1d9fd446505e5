"""Locust users for bench/load/run.py: patients who search, read profiles, look up slots, book.

Configuration comes from the JSON file named by LOAD_CONFIG (written by run.py):
``searches`` (API query strings), ``hot`` (providers with consultation types that every user
books into, so bookings race for the same slots) and ``counts_path`` (where booking outcomes
are written at the end). A 409 ``slot_unavailable`` on booking is a normal outcome (someone
else got the slot) and counts as a success; every other non-2xx is a failure.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import uuid
from collections import Counter

from locust import HttpUser, between, events, task

CONFIG = json.loads(open(os.environ["LOAD_CONFIG"]).read())  # noqa: SIM115
OUTCOMES: Counter = Counter()


def _entry(entry) -> dict:
    return {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "rps": round(entry.total_rps, 1),
        "p50_ms": entry.get_response_time_percentile(0.50),
        "p95_ms": entry.get_response_time_percentile(0.95),
        "p99_ms": entry.get_response_time_percentile(0.99),
        "max_ms": round(entry.max_response_time or 0),
    }


@events.quitting.add_listener
def _write_outcomes(environment, **kwargs) -> None:
    """The final figures, after the last request (locust's CSV can miss the last second)."""
    stats = {entry.name: _entry(entry) for entry in environment.stats.entries.values()}
    stats["Aggregated"] = _entry(environment.stats.total)
    failures = {
        f"{error.name}: {error.error}": error.occurrences
        for error in environment.stats.errors.values()
    }
    with open(CONFIG["counts_path"], "w") as out:
        json.dump({"bookings": dict(OUTCOMES), "stats": stats, "failures": failures}, out)


class Patient(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.known: list[str] = [h["slug"] for h in CONFIG["hot"]]
        self.types: dict[str, list[int]] = {h["slug"]: h["types"] for h in CONFIG["hot"]}
        self.slots: dict[tuple[str, int], list[str]] = {}
        email = f"load-{uuid.uuid4().hex[:12]}@load.test"
        with self.client.post(
            "/api/v1/auth/register/",
            json={"email": email, "password": "Load-test-pw-93151", "full_name": "Load Patient"},
            name="register",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"register {response.status_code}")
                self.token = None
                return
            self.token = response.json()["token"]

    # --- reads -----------------------------------------------------------------------------

    @task(6)
    def search(self) -> None:
        query = self.rng.choice(CONFIG["searches"])
        with self.client.get(
            f"/api/v1/providers/?{query}", name="search", catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"search {r.status_code}")
                return
            slugs = [p["slug"] for p in r.json()["results"][:5]]
            self.known = (self.known + slugs)[-200:]

    @task(3)
    def provider(self) -> None:
        slug = self.rng.choice(self.known)
        with self.client.get(
            f"/api/v1/providers/{slug}/", name="provider", catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"provider {r.status_code}")
                return
            types = [
                c["id"]
                for c in r.json().get("consultation_types", [])
                if (c.get("course_sessions") or 1) == 1  # single visits; courses book many
            ]
            if types:
                self.types[slug] = types

    def _slots(self, slug: str, type_id: int) -> list[str]:
        today = dt.date.today()
        query = (
            f"consultation_type={type_id}&start={today.isoformat()}"
            f"&end={(today + dt.timedelta(days=14)).isoformat()}"
        )
        with self.client.get(
            f"/api/v1/providers/{slug}/slots/?{query}", name="slots", catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"slots {r.status_code}")
                return []
            starts = [s["start"] for s in r.json()["slots"]]
        self.slots[(slug, type_id)] = starts
        return starts

    @task(3)
    def slots(self) -> None:
        slug = self.rng.choice([s for s in self.known if s in self.types] or list(self.types))
        self._slots(slug, self.rng.choice(self.types[slug]))

    # --- writes ----------------------------------------------------------------------------

    @task(2)
    def book(self) -> None:
        if not self.token:
            return
        # Mostly the shared hot providers, so concurrent users compete for the same starts.
        if self.rng.random() < 0.7:
            hot = self.rng.choice(CONFIG["hot"])
            slug, type_id = hot["slug"], self.rng.choice(hot["types"])
        else:
            slug = self.rng.choice([s for s in self.known if s in self.types] or list(self.types))
            type_id = self.rng.choice(self.types[slug])
        starts = self.slots.get((slug, type_id)) or self._slots(slug, type_id)
        if not starts:
            return
        start = self.rng.choice(starts[:8])  # the earliest few: where collisions happen
        with self.client.post(
            "/api/v1/appointments/",
            json={"provider": slug, "consultation_type": type_id, "start": start},
            headers={"Authorization": f"Token {self.token}"},
            name="book",
            catch_response=True,
        ) as r:
            OUTCOMES[str(r.status_code)] += 1
            if r.status_code == 201:
                r.success()
                self.slots[(slug, type_id)] = [s for s in starts if s != start]
            elif r.status_code == 409 and r.json().get("code") == "slot_unavailable":
                r.success()  # lost the race or the slot went meanwhile: expected under load
                self.slots.pop((slug, type_id), None)
            else:
                r.failure(f"book {r.status_code} {r.text[:120]}")
