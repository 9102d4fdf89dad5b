"""The API's authentication: expiring tokens (procedures.models.tokens)."""

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from procedures.models import ApiToken


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, as before; a token expired or revoked is refused (401) and deleted."""

    def authenticate_credentials(self, key):
        token = ApiToken.objects.for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.is_valid(timezone.now()):
            token.delete()
            raise exceptions.AuthenticationFailed("This token has expired or was revoked: log in again.")
        return token.user, token
