"""Database helpers shared by the apps."""

from django.contrib.postgres.constraints import ExclusionConstraint


class CounterFieldsMixin:
    """
    For a model with counters that its services keep with F() expressions or
    under the lock their invariant needs (seats taken, calendar SEQUENCE,
    attempts, progress): a save of the whole row (a ModelForm, the admin, a
    plain `save()`) writes every field except those in `counter_fields`.
    Such a save writes back what it read, perhaps long before: a counter
    raised since by someone else would be lowered again (a lost update). A
    service that sets a counter names it in `update_fields`.
    """

    counter_fields = ()

    def save(self, **kwargs):
        whole_row = kwargs.get("update_fields") is None and not kwargs.get("force_insert")
        if whole_row and self.pk is not None and not self._state.adding:
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key
                and field.name not in self.counter_fields
                and field.attname not in deferred
            ]
        super().save(**kwargs)


class PostgresExclusionConstraint(ExclusionConstraint):
    """
    An exclusion constraint that exists on PostgreSQL and is skipped on the
    embedded SQLite database of `make run`, which has no such thing. The test
    suite and production run on PostgreSQL, where it always holds.
    """

    def _is_postgres(self, schema_editor):
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        if not self._is_postgres(schema_editor):
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if not self._is_postgres(schema_editor):
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if not self._is_postgres(schema_editor):
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using="default"):
        from django.db import connections

        if connections[using].vendor != "postgresql":
            return
        super().validate(model, instance, exclude=exclude, using=using)
