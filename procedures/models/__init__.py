from procedures.models.audit import AccessLog
from procedures.models.observations import Complication, ObservationCheck, ObservationLimit, PainScore
from procedures.models.people import Patient, Staff, Ward
from procedures.models.procedures import Event, Milestone, Procedure
from procedures.models.protocols import EventKind, Protocol, ProtocolStep
from procedures.models.questionnaires import Questionnaire, QuestionnaireItem, QuestionnaireResponse, ResponseDraft
from procedures.models.tokens import ApiToken

__all__ = [
    "AccessLog",
    "ApiToken",
    "Complication",
    "Event",
    "EventKind",
    "Milestone",
    "ObservationCheck",
    "ObservationLimit",
    "PainScore",
    "Patient",
    "Procedure",
    "Protocol",
    "ProtocolStep",
    "Questionnaire",
    "QuestionnaireItem",
    "QuestionnaireResponse",
    "ResponseDraft",
    "Staff",
    "Ward",
]
