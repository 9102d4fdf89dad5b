"""The interactive API documentation (/api/docs/), and what it says to someone not logged in."""

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse
from drf_spectacular.views import SpectacularSwaggerSplitView

# The split view serves its start-up script as a file: no inline script (tracker.headers).
swagger = SpectacularSwaggerSplitView.as_view(url_name="api-schema")


def api_docs(request):
    """The documentation for a logged-in user or a token; a way to log in for anyone else.

    The documentation needs an authenticated user because the schema it reads does (it describes
    patient data). A browser without a session gets a page with a link to the log-in form, which
    comes back here; a program without a token still gets the API's 401 from the view itself."""
    if request.user.is_authenticated or "Authorization" in request.headers:
        return swagger(request)
    login_url = redirect_to_login(request.get_full_path(), reverse("login"))["Location"]
    response = render(request, "procedures/api_docs_login.html", {"login_url": login_url}, status=401)
    response["WWW-Authenticate"] = "Token"  # as the API answers: a token, or a session
    return response
