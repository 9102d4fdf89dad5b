"""Questionnaires and their responses in the API: their shapes, and the list of questionnaires.

Texts come in the request's language (Accept-Language, through Django's LocaleMiddleware), with
English for any text not translated.
"""

from django.utils import translation
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from procedures.models import Questionnaire, QuestionnaireItem, QuestionnaireResponse
from tracker.api.fields import StrictDateTimeField
from tracker.api.serializers import StrictSerializer


def number(value):
    """A limit as JSON: 10 rather than "10.000"."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


class ItemSerializer(serializers.Serializer):
    link_id = serializers.CharField()
    text = serializers.SerializerMethodField()
    type = serializers.ChoiceField(choices=QuestionnaireItem.Type.choices)
    required = serializers.BooleanField()
    min = serializers.SerializerMethodField()
    max = serializers.SerializerMethodField()
    options = serializers.SerializerMethodField()

    def get_text(self, item) -> str:
        return item.text_in(translation.get_language())

    def get_min(self, item) -> float | None:
        return number(item.min_value)

    def get_max(self, item) -> float | None:
        return number(item.max_value)

    def get_options(self, item) -> list[dict]:
        return item.options_in(translation.get_language())


class QuestionnaireSerializer(serializers.Serializer):
    code = serializers.SlugField()
    version = serializers.IntegerField()
    title = serializers.SerializerMethodField()
    items = ItemSerializer(many=True)

    def get_title(self, questionnaire) -> str:
        return questionnaire.title_in(translation.get_language())


class QuestionnaireRefSerializer(serializers.Serializer):
    code = serializers.SlugField()
    version = serializers.IntegerField(required=False, min_value=1, help_text="The newest published one if omitted.")


class ResponseSerializer(serializers.ModelSerializer):
    questionnaire = QuestionnaireRefSerializer()

    class Meta:
        model = QuestionnaireResponse
        fields = ["id", "questionnaire", "milestone", "authored_at", "source", "answers"]


class ResponseInput(StrictSerializer):
    questionnaire = QuestionnaireRefSerializer()
    milestone = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    authored_at = StrictDateTimeField()
    answers = serializers.DictField(help_text="{link_id: value}")

    def validate_questionnaire(self, ref: dict) -> Questionnaire:
        published = Questionnaire.objects.published().filter(code=ref["code"]).prefetch_related("items")
        if "version" in ref:
            published = published.filter(version=ref["version"])
        found = published.order_by("-version").first()
        if found is None:
            raise serializers.ValidationError("No such published questionnaire.")
        return found


class QuestionnaireList(APIView):
    """The newest published version of every questionnaire, in the request's language."""

    @extend_schema(responses=QuestionnaireSerializer(many=True))
    def get(self, request):
        questionnaires = Questionnaire.objects.newest_published().prefetch_related("items")
        return Response(QuestionnaireSerializer(questionnaires, many=True).data)
