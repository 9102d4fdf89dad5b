"""What every endpoint of the API shares, whichever app it belongs to.

- authentication: expiring tokens (`Authorization: Token <key>`).
- parsers: JSON only, with its failures answered as parse errors.
- serializers: unknown fields are refused, not ignored (StrictSerializer, RefuseUnknownFields).
- fields: times with their offset (StrictDateTimeField), clock times (ClockTimeField).
- filters: query parameters read by FilterSets; a bad value is a 400 naming the parameter.
- lookups: ids that are not numbers answer 404 (NumericIds, object_or_404); pages of a list (Pagination).
- permissions: what only administrators may do (SeesAllWards).
- idempotency: a POST retried with the same Idempotency-Key and body gets the first reply;
  models: the replies kept for that (IdempotencyKey; an app, label "api", for this one model).
- access_log: writes the access log of patients' records (its model, AccessLog, stays in procedures
  beside the patients it names: the ward's pages and the admin write it too).
- errors: the domain's ValidationError becomes a 400 naming its fields, like a serializer's.
- schema: the error answers every operation documents in the OpenAPI schema.
- docs, urls: the interactive documentation (/api/docs/) and the schema it reads (/api/schema/).
"""
