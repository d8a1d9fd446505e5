"""Pages outside the API: the one-click unsubscribe and the staff calendar feed."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications import ics, preferences, selectors
from notifications.emails import unsubscribe_user_id


# CSRF-exempt: the signed token is the credential, and RFC 8058 one-click POSTs come from
# the mail provider, which has no CSRF cookie. Turning reminders off is the only effect.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    user_id = unsubscribe_user_id(token)
    if user_id is None:
        return render(request, "notifications/unsubscribe.html", {"state": "invalid"}, status=404)
    if request.method == "GET":
        # A GET never changes anything: link scanners open every URL in an email.
        return render(request, "notifications/unsubscribe.html", {"state": "confirm"})
    try:
        preferences.reminders_unsubscribe(user_id=user_id)
    except Exception:
        return render(request, "notifications/unsubscribe.html", {"state": "invalid"}, status=404)
    return render(request, "notifications/unsubscribe.html", {"state": "done"})


@require_http_methods(["GET", "HEAD"])
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed, appointments = selectors.feed_appointments(token=token, now=timezone.now())
    if feed is None:
        raise Http404("Unknown calendar feed.")
    body = ics.feed(appointments, name="Appointments")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
