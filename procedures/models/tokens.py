"""API tokens: one per log-in, stored as a digest, expiring, and dead once the password changes.

Not DRF's `authtoken`: that keeps one everlasting token per user in clear text. Here a token is
good for `API_TOKEN_HOURS`, a new log-in gives a new one (the others keep working until they
expire or the user logs out), and each remembers the user's session hash (Django's HMAC of the
password hash) when it was issued: a new password, set anywhere (admin, API, `changepassword`),
changes that hash and so revokes every token, as it logs out every session.
"""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def expired(self, now) -> "ApiTokenQuerySet":
        return self.filter(expires_at__lte=now)

    def issue(self, *, user, now=None) -> tuple["ApiToken", str]:
        """Create a token for the user; return it and its key (shown once, never stored)."""
        now = now or timezone.now()
        key = secrets.token_hex(20)
        token = self.create(
            user=user,
            digest=digest(key),
            created_at=now,
            expires_at=now + dt.timedelta(hours=settings.API_TOKEN_HOURS),
            session_hash=user.get_session_auth_hash(),
        )
        return token, key

    def for_key(self, key: str) -> "ApiToken | None":
        return self.select_related("user").filter(digest=digest(key)).first()


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the key; the key is not kept.")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    session_hash = models.CharField(max_length=128, help_text="The user's session hash when it was issued.")

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"token of {self.user} until {self.expires_at:%Y-%m-%d %H:%M}"

    def is_valid(self, now) -> bool:
        """Unexpired, its user active, and her password unchanged since it was issued."""
        return (
            now < self.expires_at
            and self.user.is_active
            and constant_time_compare(self.session_hash, self.user.get_session_auth_hash())
        )
