"""Keep the search columns of locations in step with every edit (admin, import, API, shell),
and this process's copy of the reference tables (``selectors.reference_ids``) fresh.

Bulk writes that send no signals (``QuerySet.update`` of these provider fields,
``bulk_create`` of links, COPY) must call ``location_search_facts_refresh`` themselves.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from directory.models import (
    AddictionSpecialty,
    AdministrationRoute,
    InsurancePlan,
    Language,
    Location,
    Provider,
    ProviderRoute,
)
from directory.selectors import reference_ids_forget
from directory.services import location_search_facts_refresh

_SEARCHED_PROVIDER_FIELDS = {"is_published", "accepting_new_patients", "telehealth"}


@receiver(post_save, sender=Provider, dispatch_uid="directory_provider_search_facts")
def provider_saved(sender, instance: Provider, update_fields=None, **kwargs) -> None:
    if update_fields is not None and not _SEARCHED_PROVIDER_FIELDS & set(update_fields):
        return  # e.g. next_available: nothing searched on changed
    location_search_facts_refresh(provider_ids=[instance.pk])


@receiver(post_save, sender=Location, dispatch_uid="directory_location_search_facts")
@receiver(post_save, sender=ProviderRoute, dispatch_uid="directory_route_search_facts")
@receiver(post_delete, sender=ProviderRoute, dispatch_uid="directory_route_gone_search_facts")
def provider_part_changed(sender, instance, **kwargs) -> None:
    location_search_facts_refresh(provider_ids=[instance.provider_id])


def links_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    """Specialties or insurance added, removed or cleared, from either side of the link."""
    if not reverse:  # provider.specialties.add(...): one provider
        if action in ("post_add", "post_remove", "post_clear"):
            location_search_facts_refresh(provider_ids=[instance.pk])
        return
    # specialty.providers.add(...): the providers are in pk_set, except on clear.
    if action == "pre_clear":
        column = next(f.attname for f in sender._meta.fields if f.related_model is type(instance))
        instance._search_facts_cleared = list(
            sender.objects.filter(**{column: instance.pk}).values_list("provider_id", flat=True)
        )
    elif action == "post_clear":
        location_search_facts_refresh(provider_ids=instance.__dict__.pop("_search_facts_cleared"))
    elif action in ("post_add", "post_remove"):
        location_search_facts_refresh(provider_ids=pk_set)


for _through in (Provider.specialties.through, Provider.insurance.through):
    m2m_changed.connect(links_changed, sender=_through, dispatch_uid=f"search_facts_{_through}")


def reference_table_changed(sender, **kwargs) -> None:
    reference_ids_forget()


for _reference in (AdministrationRoute, AddictionSpecialty, InsurancePlan, Language):
    for _signal in (post_save, post_delete):
        _signal.connect(
            reference_table_changed, sender=_reference, dispatch_uid=f"reference_ids_{_reference}"
        )
