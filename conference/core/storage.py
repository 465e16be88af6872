"""
A Django storage that keeps files in PostgreSQL (`StoredFile` rows), chosen
with `FILE_STORAGE=database` (conference/settings.py).

Why: a cluster of web and worker nodes needs one place for uploaded photos
and logos and for the exports that workers prepare, and the database is the
one shared service every deployment (and CI) already has. Files here are
modest (images of a few hundred kilobytes, exports of a few megabytes); for
large volumes point `STORAGE_BACKEND` at an object store instead.

Written here rather than taken from PyPI: django-db-file-storage keeps
base64 text and encodes the model and content type into every file name,
and django-binary-database-files mirrors every file onto the local disk of
the node that reads it (state on local disk is what this replaces); what
Django needs is the handful of methods below.

Files are never served from a URL of their own: views that check who asks
open them (`url()` refuses).
"""

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.utils.deconstruct import deconstructible

from conference.core.models import StoredFile


@deconstructible(path="conference.core.storage.DatabaseStorage")
class DatabaseStorage(Storage):
    def _open(self, name, mode="rb"):
        if any(flag in mode for flag in "wa+"):
            raise ValueError("DatabaseStorage opens files for reading only; save() writes.")
        content = StoredFile.objects.filter(name=name).values_list("content", flat=True).first()
        if content is None:
            raise FileNotFoundError(name)
        file = ContentFile(bytes(content), name=name)
        file.mode = mode
        return file

    def _save(self, name, content):
        """
        Store `content` under `name`, or under the next available name when a
        concurrent save took `name` between `get_available_name` (called by
        `save`) and this insert: the unique name is the arbiter, as O_EXCL is
        for the file system.
        """
        data = b"".join(
            chunk.encode() if isinstance(chunk, str) else chunk for chunk in content.chunks()
        )
        while True:
            try:
                with transaction.atomic():
                    StoredFile.objects.create(name=name, content=data, size=len(data))
                return name
            except IntegrityError:
                name = self.get_available_name(name, max_length=None)

    def delete(self, name):
        StoredFile.objects.filter(name=name).delete()

    def exists(self, name):
        return StoredFile.objects.filter(name=name).exists()

    def size(self, name):
        size = StoredFile.objects.filter(name=name).values_list("size", flat=True).first()
        if size is None:
            raise FileNotFoundError(name)
        return size

    def get_created_time(self, name):
        created = StoredFile.objects.filter(name=name).values_list("created_at", flat=True).first()
        if created is None:
            raise FileNotFoundError(name)
        return created

    # A stored file is never changed: saving again writes a new name.
    get_modified_time = get_created_time
    get_accessed_time = get_created_time

    def listdir(self, path):
        """The folders and files directly inside `path` ("" is the top)."""
        prefix = path.strip("/") + "/" if path.strip("/") else ""
        names = StoredFile.objects.filter(name__startswith=prefix).values_list("name", flat=True)
        directories, files = set(), []
        for name in names:
            rest = name[len(prefix) :]
            head, slash, _tail = rest.partition("/")
            if slash:
                directories.add(head)
            else:
                files.append(rest)
        return sorted(directories), sorted(files)

    def url(self, name):
        raise NotImplementedError(
            "Stored files have no public URL: a view that checks who asks serves them."
        )
