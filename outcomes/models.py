"""Per procedure, the pain figures the ward's results count, kept in step with the records they come from.

The figures read answers, baseline pain scores and the cement time, each written by several
services and corrected by staff: computed from those records for 5,000 procedures at each request
they cost a join and a sort of every answer (30,000 rows), too slow for the page. So each write that
can change them (outcomes.summary.sources()) recomputes its procedure's row, from the records, by the
same query, in the same transaction. The results then read one narrow row per procedure.
"""

from django.db import models


class PainSummary(models.Model):
    """Pain at rest as the results count it: the baseline, and the last answer at each time point (None: none).

    A procedure none of whose sources has been written yet has no row, which reads the same (a left join).
    """

    procedure = models.OneToOneField(
        "procedures.Procedure", primary_key=True, on_delete=models.CASCADE, related_name="pain_summary"
    )
    baseline = models.FloatField(null=True)
    prom_1w = models.FloatField(null=True)
    prom_1m = models.FloatField(null=True)
    prom_3m = models.FloatField(null=True)
    prom_6m = models.FloatField(null=True)
    prom_12m = models.FloatField(null=True)

    def __str__(self) -> str:
        return f"Pain summary of procedure {self.procedure_id}"
