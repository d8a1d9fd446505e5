"""Small template helpers for the web pages."""

from __future__ import annotations

import datetime as dt

from django import template

from directory.models import ProviderStaff

register = template.Library()


@register.simple_tag
def staff_provider(user):
    """The provider the user works for, or None (for the "Clinic dashboard" link)."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = ProviderStaff.objects.filter(user=user).select_related("provider").first()
    return membership.provider if membership else None


@register.filter
def local_time(moment: dt.datetime | None) -> str:
    """ "Tue 16 Mar 2027, 9:00 AM EDT" in the zone the datetime already carries."""
    if moment is None:
        return ""
    hour = moment.strftime("%I").lstrip("0")
    return f"{moment:%a} {moment.day} {moment:%b %Y}, {hour}:{moment:%M %p} {moment.tzname()}"


@register.filter
def clock(moment: dt.datetime | None) -> str:
    """ "9:00 AM" (the slot picker shows the date once, above its times)."""
    if moment is None:
        return ""
    return f"{moment.strftime('%I').lstrip('0')}:{moment:%M %p}"


@register.filter
def field_errors(errors: dict, name: str) -> list[str]:
    return (errors or {}).get(name, [])
