"""Idempotency-Key: a POST retried with the same key, query and body gets the first reply."""

import hashlib
import json
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tracker.api.models import IdempotencyKey


def idempotent(view_method):
    """Decorate a POST handler: a retry with the same Idempotency-Key and body gets the first reply.

    The key is per user; the same key with a different body or query is refused (422). The handler runs in
    a transaction with the stored reply, so a crash between the two leaves neither.
    """

    @wraps(view_method)
    def handle(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > 200 or "\x00" in key:
            raise ValidationError({"Idempotency-Key": ["At most 200 characters, and no NUL."]})
        digest = request_digest(request)
        IdempotencyKey.objects.expired(timezone.now()).filter(user=request.user, key=key).delete()
        earlier = IdempotencyKey.objects.filter(user=request.user, key=key).first()
        if earlier is None:
            try:
                with transaction.atomic():
                    response = view_method(self, request, *args, **kwargs)
                    if 200 <= response.status_code < 300:
                        store_reply(request, key, digest, response)
                    return response
            except IntegrityError:
                # The same key arrived twice at once: the other request won; answer with its reply.
                earlier = IdempotencyKey.objects.filter(user=request.user, key=key).first()
                if earlier is None:
                    raise
        if earlier.request_hash != digest:
            return Response(
                {"detail": "This Idempotency-Key was used with a different request."},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Response(earlier.response, status=earlier.status_code, headers={"Idempotent-Replayed": "true"})

    return handle


def request_digest(request) -> str:
    """What makes two requests the same one: method, path, query (a FHIR booking's `?ward=`) and body."""
    parts = [request.method, request.path, request.data]
    if request.query_params:  # a request without one keeps the digest it had before the query counted
        parts.append(sorted(request.query_params.lists()))
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def store_reply(request, key: str, digest: str, response: Response) -> None:
    IdempotencyKey.objects.create(
        user=request.user,
        key=key,
        request_hash=digest,
        status_code=response.status_code,
        response=json.loads(json.dumps(response.data, default=str)),
    )
