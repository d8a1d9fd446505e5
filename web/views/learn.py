"""Plain-language guides. Written in our own words; they inform and never advise."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from directory import selectors


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str
    summary: str


TOPICS = (
    Topic(
        "how-it-works",
        "How ketamine-assisted treatment for addiction works",
        "What happens in a program, what it is meant to do and what it is not.",
    ),
    Topic(
        "routes",
        "The ways ketamine is given",
        "IV infusion, IM injection, intranasal esketamine and sublingual or oral forms.",
    ),
    Topic(
        "psychotherapy-and-integration",
        "Psychotherapy and integration",
        "Why the talking part of treatment matters as much as the medicine.",
    ),
    Topic(
        "side-effects",
        "Common side effects",
        "What people often notice during and after a session, and how clinics watch over you.",
    ),
    Topic(
        "cost-and-insurance",
        "Cost and insurance",
        "What programs tend to cost, what insurance may cover and what to ask.",
    ),
    Topic(
        "questions-to-ask",
        "Questions to ask a provider",
        "A checklist to take to your first consultation.",
    ),
)
TOPICS_BY_SLUG = {t.slug: t for t in TOPICS}


@require_GET
def learn_index(request: HttpRequest) -> HttpResponse:
    return render(request, "web/learn/index.html", {"topics": TOPICS})


@require_GET
def learn_topic(request: HttpRequest, topic: str) -> HttpResponse:
    found = TOPICS_BY_SLUG.get(topic)
    if found is None:
        raise Http404("No such guide.")
    context = {"topic": found, "topics": TOPICS}
    if found.slug == "routes":
        context["routes"] = selectors.routes_list()
    return render(request, f"web/learn/{found.slug}.html", context)
