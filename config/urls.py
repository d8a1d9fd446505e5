from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.views import healthz, readyz

api_v1 = [
    path("", include("directory.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("booking.api.urls")),
    path("", include("notifications.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include(api_v1)),
    path("", include("notifications.urls")),
    path("", include("web.urls")),
]

# A lost database is a 503 to retry, whichever layer noticed it (core/views.py).
handler500 = "core.views.server_error"

# Under /api/ these answer in the API's {"detail", "code"} JSON (core/http_errors.py).
handler400 = "core.http_errors.bad_request"
handler403 = "core.http_errors.permission_denied"
handler404 = "core.http_errors.page_not_found"
