"""What a search result card shows besides the provider's own row, read for a whole page.

A card lists the provider's locations, the routes it offers (with the cash price per
session), the addiction specialties it treats and the insurance it takes. ``cards_load``
reads them for a page of providers in two queries, whatever the page size, and gives each
provider a ``card`` (``Card``) that the API serializers and the web presenters read.

The two queries are plain SQL on purpose. They are the hottest reads of the service (every
search page, API and web) and the ORM spent more time building and iterating them than
PostgreSQL spent answering: on the benchmark machine a prefetch of locations and routes plus
one join per label table cost about 20 ms of Python per page against 4 ms of SQL, and these
two statements cost about 2 ms in all (docs/PERFORMANCE.md). The SQL is portable (SQLite and
PostgreSQL) and takes every table and column name from the models, so a renamed field
breaks a test rather than a query.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal

from django.db import connection

from directory.models import (
    AddictionSpecialty,
    AdministrationRoute,
    InsurancePlan,
    Location,
    Provider,
    ProviderRoute,
)


@dataclass(frozen=True, slots=True)
class CardLocation:
    """A location as a card shows it (the public address, the point and the time zone)."""

    id: int
    provider_id: int
    name: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    latitude: float
    longitude: float
    timezone: str


@dataclass(frozen=True, slots=True)
class Label:
    """A specialty or an insurance plan as a card shows it."""

    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class RouteOffer:
    """A route the provider offers, with its cash price per session if published."""

    slug: str
    name: str
    price_per_session: Decimal | None


@dataclass(frozen=True, slots=True)
class Card:
    """A provider's card relations, each in the order the service shows it."""

    locations: tuple[CardLocation, ...]  # by id: the order they were added in
    routes: tuple[RouteOffer, ...]  # by route sort order
    specialties: tuple[Label, ...]  # by sort order
    insurance: tuple[Label, ...]  # by sort order

    @property
    def price_from(self) -> Decimal | None:
        """The lowest published cash price per session over the routes offered."""
        prices = [route.price_per_session for route in self.routes if route.price_per_session]
        return min(prices) if prices else None


_LOCATION_COLUMNS = tuple(field.name for field in fields(CardLocation))


def _column(model, field_name: str, alias: str = "") -> str:
    name = connection.ops.quote_name(model._meta.get_field(field_name).column)
    return f"{alias}.{name}" if alias else name


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _marks(count: int) -> str:
    return ", ".join(["%s"] * count)


# Both statements are built from model metadata only; every value is a query parameter.
# They are built once per page size (at most the largest page), not on every request.


@functools.cache
def _locations_sql(count: int) -> str:
    columns = ", ".join(_column(Location, name) for name in _LOCATION_COLUMNS)
    return (
        f"SELECT {columns} FROM {_table(Location)}"  # noqa: S608 (names from the models)
        f" WHERE {_column(Location, 'provider')} IN ({_marks(count)})"
        f" ORDER BY {_column(Location, 'id')}"
    )


_ROUTES, _SPECIALTIES, _INSURANCE = 0, 1, 2  # the kind column of _labels_sql


@functools.cache
def _labels_sql(count: int) -> str:
    """(provider id, kind, sort order, id, slug, name, price) of the providers' labels.

    One UNION ALL over the three link tables, each joined to its reference table, ordered
    by kind, then by the reference table's sort order and id (the order of the reference
    lists, ``selectors.specialties_list`` and friends).
    """
    parts = []
    for kind, link, target_field, target, price_field in (
        (_ROUTES, ProviderRoute, "route", AdministrationRoute, "price_per_session"),
        (
            _SPECIALTIES,
            Provider.specialties.through,
            "addictionspecialty",
            AddictionSpecialty,
            None,
        ),
        (_INSURANCE, Provider.insurance.through, "insuranceplan", InsurancePlan, None),
    ):
        columns = ", ".join(
            [
                _column(link, "provider", "link"),
                str(kind),
                *(_column(target, name, "label") for name in ("sort_order", "id", "slug", "name")),
                _column(link, price_field, "link") if price_field else "NULL",
            ]
        )
        parts.append(
            f"SELECT {columns} FROM {_table(link)} link"  # noqa: S608 (names from the models)
            f" JOIN {_table(target)} label"
            f" ON {_column(target, 'id', 'label')} = {_column(link, target_field, 'link')}"
            f" WHERE {_column(link, 'provider', 'link')} IN ({_marks(count)})"
        )
    return " UNION ALL ".join(parts) + " ORDER BY 2, 3, 4"


_PRICE_FIELD = ProviderRoute._meta.get_field("price_per_session")
_CENT = Decimal(1).scaleb(-_PRICE_FIELD.decimal_places)


def _price(value) -> Decimal | None:
    """A price as the ORM would give it: SQLite hands back floats or ints, not Decimals."""
    if value is None or isinstance(value, Decimal):
        return value
    return decimal.Context(prec=15).create_decimal_from_float(float(value)).quantize(_CENT)


def _rows(sql: str, params: Iterable) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def cards_load(providers: Sequence[Provider]) -> Sequence[Provider]:
    """Give every provider of a page its ``card``: two queries for the whole page."""
    by_id = {provider.pk: provider for provider in providers}
    if not by_id:
        return providers
    ids = list(by_id)
    locations: dict[int, list[CardLocation]] = {pk: [] for pk in ids}
    for row in _rows(_locations_sql(len(ids)), ids):
        location = CardLocation(*row)
        locations[location.provider_id].append(location)
    labels: dict[int, tuple[list, list, list]] = {pk: ([], [], []) for pk in ids}
    for provider_id, kind, _, _, slug, name, price in _rows(_labels_sql(len(ids)), ids * 3):
        label = RouteOffer(slug, name, _price(price)) if kind == _ROUTES else Label(slug, name)
        labels[provider_id][kind].append(label)
    for pk, provider in by_id.items():
        routes, specialties, insurance = labels[pk]
        provider.card = Card(
            locations=tuple(locations[pk]),
            routes=tuple(routes),
            specialties=tuple(specialties),
            insurance=tuple(insurance),
        )
    return providers


def card_from_relations(provider: Provider) -> Card:
    """The card of a provider whose relations are already loaded (``with_profile_data``)."""
    return Card(
        locations=tuple(
            CardLocation(*(getattr(location, name) for name in _LOCATION_COLUMNS))
            for location in provider.locations.all()
        ),
        routes=tuple(
            RouteOffer(offer.route.slug, offer.route.name, offer.price_per_session)
            for offer in provider.provider_routes.all()
        ),
        specialties=tuple(Label(s.slug, s.name) for s in provider.specialties.all()),
        insurance=tuple(Label(plan.slug, plan.name) for plan in provider.insurance.all()),
    )
