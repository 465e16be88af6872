"""
The files of the database storage (conference.core.storage.DatabaseStorage).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredFile(models.Model):
    """
    A file of the database storage (conference.core.storage.DatabaseStorage):
    uploads and generated exports shared by every web and worker node without
    a shared disk or an object store. Meant for modest files (photos, logos,
    exports of a few megabytes): each is read into memory whole.
    """

    # Unique: the storage's names are its keys; the index (with its
    # pattern-ops twin that PostgreSQL gets for a unique varchar) also serves
    # listdir()'s prefix search.
    name = models.CharField(max_length=1024, unique=True)
    content = models.BinaryField()
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")

    def __str__(self):
        return self.name
