"""Schemathesis hooks for scripts/schema-fuzz: a fresh API token for every request.

The run may log its own user out or set its password (both revoke its tokens, as they should), or
make it a nurse; each request is sent as an administrator with a token issued just before.
"""

import django
import schemathesis

django.setup()

from procedures.models import ApiToken, Staff  # noqa: E402  (after django.setup())

FUZZER = "schema-fuzzer"


@schemathesis.auth(refresh_interval=None)
class FreshToken:
    def get(self, case, ctx) -> str:
        fuzzer, _ = Staff.objects.get_or_create(username=FUZZER, defaults={"role": Staff.Role.ADMIN})
        Staff.objects.filter(pk=fuzzer.pk).update(role=Staff.Role.ADMIN, is_active=True)
        return ApiToken.objects.issue(user=Staff.objects.get(pk=fuzzer.pk))[1]

    def set(self, case, data: str, ctx) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}
