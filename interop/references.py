"""How the resources of one export name each other: each entry's fullUrl is a urn:uuid, stable for
the same object, so the same export twice (or a transaction stored twice) names the same things."""

import datetime as dt
import uuid

NAMESPACE = uuid.UUID("6f6b1c55-3f7e-4f0e-9d1e-5a1c2b7d9e10")


def full_url(kind: str, pk) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}/{pk}')}"


def ref(kind: str, pk) -> dict:
    return {"reference": full_url(kind, pk)}


def instant(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if moment else None
