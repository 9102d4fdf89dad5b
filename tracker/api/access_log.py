"""Write the access log of patients' records (procedures.models.AccessLog) for a request."""

from procedures.models import AccessLog


def log_access(request, *, action: str, what: str, patients: list, object_id="", ward=None) -> None:
    """Record that the request's user read or changed these patients' records (one row each).

    A view of a whole ward (the board) is one row naming the ward: pass `patients=[]` and `ward`.
    """
    rows = list(dict.fromkeys(getattr(patient, "pk", patient) for patient in patients))
    AccessLog.objects.bulk_create(
        AccessLog(
            user=request.user,
            patient_id=patient,
            ward=ward,
            action=action,
            what=what,
            object_id=str(object_id),
            method=request.method,
            path=request.path[:300],
        )
        for patient in (rows or ([None] if ward is not None else []))
    )
