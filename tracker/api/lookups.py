"""Finding one object by the id in the path: what is not an id answers 404; lists come in pages."""

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination

# The largest primary key PostgreSQL's bigint holds; a larger number is no object.
MAX_ID = 2**63 - 1


class NumericIds:
    """Mix into a viewset: its ids are ASCII digits in the route itself, so "abc", a NUL or "²" is a 404
    before any view code runs (an action reading its own object would otherwise meet them as a 500)."""

    lookup_value_regex = "[0-9]{1,18}"  # at most 18 digits: every one of them fits a bigint


def object_or_404(queryset: QuerySet, pk: str, message: str | None = None) -> Model:
    """The object with this id among `queryset`; a path segment that is not an id is a 404 too, in JSON.

    For a view whose route takes any segment (`<str:pk>`), as the router's views answer for theirs."""
    if not (pk.isascii() and pk.isdigit()) or int(pk) > MAX_ID:
        raise NotFound(message)
    return get_object_or_404(queryset, pk=int(pk))


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200
