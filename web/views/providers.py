"""Provider profile with its slot picker."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def provider_detail(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404


@require_GET
def provider_slots(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404
