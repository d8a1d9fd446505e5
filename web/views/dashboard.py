"""Clinic staff dashboard."""

from __future__ import annotations

from django.http import Http404


def dashboard(request):
    raise Http404


def appointment_action(request, pk, action):
    raise Http404


def hours(request):
    raise Http404


def hours_delete(request, pk):
    raise Http404


def time_off(request):
    raise Http404


def time_off_delete(request, pk):
    raise Http404
