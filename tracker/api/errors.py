"""The API's exception handler: the domain's ValidationError is a 400 naming its fields.

Services (procedures.timeline and the others) raise Django's ValidationError with a dict
naming the field at fault; a view calls them directly and this handler answers as a serializer would.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
    return drf_exception_handler(exc, context)
