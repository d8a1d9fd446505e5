"""Booking flow and "my appointments"."""

from __future__ import annotations

from django.http import Http404


def book_start(request, slug):
    raise Http404


def book_details(request, pk):
    raise Http404


def my_appointments(request):
    raise Http404


def appointment_cancel(request, pk):
    raise Http404


def appointment_reschedule(request, pk):
    raise Http404
