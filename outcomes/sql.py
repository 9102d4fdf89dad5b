"""Two SQL pieces the ward's results need and Django lacks, on PostgreSQL and on SQLite (`make run`).

- `Percentile`: PostgreSQL's `percentile_cont`, the quantile interpolated between the sorted values,
  the same method as `statistics.quantile`. SQLite has none: there it calls `outcomes_percentile`,
  an aggregate written in Python (`statistics.quantile` itself) and registered on each connection.
- `Seconds`: the time between two timestamps in seconds, as a float.
"""

from django.db.models import Aggregate, FloatField, Func

from outcomes.statistics import quantile

SQLITE_PERCENTILE = "outcomes_percentile"


class Percentile(Aggregate):
    """The value below which `fraction` of the values lie (0.5: the median); NULL values are left out."""

    name = "Percentile"
    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)r) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    arity = 1

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile's fraction lies between 0 and 1.")
        self.fraction = float(fraction)
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, fraction=self.fraction, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        # The template as an attribute, not an argument: Aggregate.as_sql adds FILTER to it.
        clone = self.copy()
        clone.template = f"{SQLITE_PERCENTILE}(%(expressions)s, %(fraction)r)"
        return clone.as_sql(compiler, connection, **extra_context)


class Seconds(Func):
    """Seconds from `start` to `end` (two timestamps), a float; NULL if either is NULL."""

    output_field = FloatField()
    arity = 2
    template = "CAST(EXTRACT(EPOCH FROM (%(end)s - %(start)s)) AS double precision)"

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_sql(self, compiler, connection, template=None, **extra_context):
        (end, end_params), (start, start_params) = (compiler.compile(e) for e in self.get_source_expressions())
        sql = (template or self.template) % {"end": end, "start": start}
        return sql, (*end_params, *start_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django keeps SQLite timestamps as UTC text, which julianday() reads, in days: its float
        # error is under a millisecond, so round to milliseconds.
        template = "ROUND((julianday(%(end)s) - julianday(%(start)s)) * 86400.0, 3)"
        return self.as_sql(compiler, connection, template=template)


class PythonPercentile:
    """`outcomes_percentile(value, fraction)` for SQLite, computed by statistics.quantile."""

    def __init__(self):
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value, fraction):
        self.fraction = fraction
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return quantile(self.values, self.fraction)


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """On each new SQLite connection (the `connection_created` signal, see apps.py)."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate(SQLITE_PERCENTILE, 2, PythonPercentile)
