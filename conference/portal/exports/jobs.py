"""
Exports prepared in the background: an attendee list (XLSX or PDF) or a
badge sheet too large to build inside a request runs as a `Job` on the
`long` queue, reports rows written of the total, and leaves its file in the
default storage (the database or an object store in a cluster) under an
unguessable name for EXPORT_FILE_HOURS. Organisers of the conference download
it through a view that audits every download; the beat's sweep deletes files
that expired and restarts runs whose task was lost or whose worker died.

A run may start twice (the task is `acks_late`, and the sweep restarts a run
whose lease ran out): each run claims the job with a fresh token, and only the
run holding the token may report progress or record its file; a run that lost
the job deletes what it wrote.

The synchronous downloads (`attendees.xlsx`, `badges.pdf`, ...) build their
file with the same `attendee_file` and `badges_file`.
"""

import logging
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from conference.core.models import Job
from conference.portal.exports.attendees import (
    CHUNK_SIZE,
    attendee_table,
    badge_registrations,
    describe_filters,
    registrations_filtered,
)
from conference.portal.exports.audit import EXPORT_ATTENDEES, EXPORT_BADGES
from conference.portal.exports.columns import attendee_columns_for
from conference.portal.exports.params import ExportParams
from conference.portal.exports.writers import CONTENT_TYPES, export_filename, write_pdf, write_xlsx

logger = logging.getLogger(__name__)

# The job kinds (the same names as the audit actions of their downloads).
EXPORT_JOB_KINDS = (EXPORT_ATTENDEES, EXPORT_BADGES)
# What may be prepared in the background: the format and the job kind.
PREPARED_FORMATS = {"xlsx": EXPORT_ATTENDEES, "pdf": EXPORT_ATTENDEES, "badges": EXPORT_BADGES}
# Progress is written after every this many rows (one UPDATE each).
PROGRESS_EVERY = 500
# A run that has not reported for this long is taken for dead by the sweep.
LEASE = timedelta(minutes=3)
# A job still queued after this long lost its task (the broker was down).
START_GRACE = timedelta(minutes=2)
SWEEP_LIMIT = 50
# How many of a conference's prepared files the exports page lists.
RECENT_FILES = 10


def exported_line(conference, user, *, now=None):
    """The line "Exported <when> (<zone>) by <who>" of a printed list's header."""
    now = timezone.localtime(now or timezone.now(), conference.tz)
    return _("Exported %(when)s (%(zone)s) by %(who)s") % {
        "when": f"{now:%Y-%m-%d %H:%M}",
        "zone": conference.time_zone,
        "who": user.display_name if user is not None else "",
    }


def _counted(rows, on_progress):
    """`rows`, calling on_progress(n) after every PROGRESS_EVERY of them."""
    count = 0
    for count, row in enumerate(rows, start=1):
        yield row
        if on_progress is not None and count % PROGRESS_EVERY == 0:
            on_progress(count)


def attendee_file(*, conference, params, table, fmt, actor, on_progress=None):
    """
    The attendee list `table` (`attendee_table` for `params`) as an XLSX or
    PDF in a temporary file (rewound). Returns (file, rows). `on_progress(rows)`
    is called as rows are written.
    """
    count = table.count
    table = replace(table, rows=_counted(table.rows, on_progress))
    if fmt == "xlsx":
        about = [
            (_("Conference"), str(conference.name)),
            (_("Export"), _("Attendee list")),
            (_("Exported"), exported_line(conference, actor)),
            (_("Filters"), describe_filters(params, conference=conference)),
            (_("Rows"), count),
        ]
        return write_xlsx(table, sheet_title=_("Attendees"), about=about), count
    subtitle = " · ".join(
        [
            exported_line(conference, actor),
            ngettext("%(count)s row", "%(count)s rows", count) % {"count": count},
            describe_filters(params, conference=conference),
        ]
    )
    file = write_pdf(
        table,
        title=_("Attendee list · %(conference)s") % {"conference": conference.name},
        subtitle=subtitle,
        footer=_("%(conference)s · confidential") % {"conference": conference.name},
        empty_message=_("No registrations match these filters."),
    )
    return file, count


def badge_params(params):
    """Badges: one per person, approved delegates unless statuses were chosen."""
    return replace(params, columns=[], layout="people", status=params.status or ["approved"])


def badge_count(*, conference, params):
    return registrations_filtered(conference=conference, params=badge_params(params)).count()


def badges_file(*, conference, params, sheet, on_progress=None):
    """The badge sheet for `params` in a temporary file (rewound). Returns (file, badges)."""
    from conference.portal.badges import badges_pdf

    queryset = badge_registrations(conference=conference, params=badge_params(params))
    return badges_pdf(
        conference=conference,
        registrations=_counted(queryset.iterator(chunk_size=CHUNK_SIZE), on_progress),
        sheet=sheet,
    )


# Starting a job ---------------------------------------------------------------------------------


def export_job_start(*, conference, actor, fmt, params, roles, sheet="a4", total=0):
    """
    Queue the background preparation of an attendee XLSX/PDF (`fmt` "xlsx",
    "pdf") or a badge sheet ("badges") for `params` (validated for `roles`,
    the exporter's roles, which choose the columns it may read). The same
    request by the same person while the first is still queued or running
    returns that job instead of a second one.
    """
    from conference.core.tasks import enqueue
    from conference.portal.exports.tasks import export_run

    kind = PREPARED_FORMATS[fmt]
    job_params = {
        "format": fmt,
        "query": params.as_query(),
        "roles": sorted(str(role) for role in roles),
        "language": translation.get_language() or settings.LANGUAGE_CODE,
    }
    if fmt == "badges":
        job_params["sheet"] = sheet
    running = Job.objects.filter(
        conference=conference,
        kind=kind,
        created_by=actor,
        status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
        params=job_params,
    ).first()
    if running is not None:
        return running
    job = Job.objects.create(
        conference=conference,
        kind=kind,
        total=total,
        params=job_params,
        created_by=actor,
        **Job.message_fields(gettext_noop("Waiting for a worker…")),
    )
    enqueue(export_run, job.pk)
    return job


def _stored_params(job):
    """ExportParams from a job's params, keeping only the columns its exporter may read."""
    query = dict(job.params.get("query", {}))
    columns = [key for key in str(query.pop("columns", "")).split(",") if key]
    registry = attendee_columns_for(
        conference=job.conference, roles=frozenset(job.params.get("roles", []))
    )
    params = ExportParams(**query)
    params.columns = [key for key in columns if key in registry] or params.columns
    return params, registry


# Running a job ----------------------------------------------------------------------------------


def _epoch(moment):
    return moment.timestamp()


def _claim(job_id, now):
    """Take the job for this run (queued, or running with its lease run out); None if taken."""
    token = uuid.uuid4().hex
    claimed = (
        Job.objects.filter(pk=job_id, kind__in=EXPORT_JOB_KINDS)
        .filter(
            Q(status=Job.Status.QUEUED)
            | Q(status=Job.Status.RUNNING, result__lease_until__lt=_epoch(now))
        )
        .update(
            status=Job.Status.RUNNING,
            done=0,
            **Job.message_fields(gettext_noop("Writing rows…")),
            result={"run": token, "lease_until": _epoch(now + LEASE)},
        )
    )
    return token if claimed else None


def _mine(job, token):
    """The job's row while this run (token) holds it."""
    return Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, result__run=token)


def export_job_run(*, job_id):
    """
    Prepare a background export: write the file, progress after every
    PROGRESS_EVERY rows, store it as `exports/<random>/<file name>`, and
    record name, file name, content type, size, rows and expiry in
    `job.result`. Safe to run twice (see the module). A failure marks the job
    failed with a message; its partial file is not kept.
    """
    job = Job.objects.select_related("conference", "created_by").filter(pk=job_id).first()
    if job is None:
        return None
    token = _claim(job_id, timezone.now())
    if token is None:
        return job  # finished, or another run holds it
    conference = job.conference

    def progress(rows):
        _mine(job, token).update(
            done=rows, result={"run": token, "lease_until": _epoch(timezone.now() + LEASE)}
        )

    fmt = job.params.get("format", "xlsx")
    name = None
    try:
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            params, registry = _stored_params(job)
            if fmt == "badges":
                extension, what = "pdf", "badges"
                _mine(job, token).update(total=badge_count(conference=conference, params=params))
                file, rows = badges_file(
                    conference=conference,
                    params=params,
                    sheet=job.params.get("sheet") or "a4",
                    on_progress=progress,
                )
            else:
                extension, what = fmt, "attendees"
                table = attendee_table(conference=conference, params=params, registry=registry)
                _mine(job, token).update(total=table.count)
                file, rows = attendee_file(
                    conference=conference,
                    params=params,
                    table=table,
                    fmt=fmt,
                    actor=job.created_by,
                    on_progress=progress,
                )
            filename = export_filename(conference, what, extension)
            with file:
                name = default_storage.save(f"exports/{uuid.uuid4().hex}/{filename}", File(file))
            finished = timezone.now()
            expires_at = finished + timedelta(hours=settings.EXPORT_FILE_HOURS)
            recorded = _mine(job, token).update(
                status=Job.Status.DONE,
                done=rows,
                total=rows,
                finished_at=finished,
                **Job.message_fields((gettext_noop("Rows written: %(count)s."), {"count": rows})),
                result={
                    "name": name,
                    "filename": filename,
                    "content_type": CONTENT_TYPES[extension],
                    "format": extension,
                    "size": default_storage.size(name),
                    "rows": rows,
                    "expires_at": expires_at.isoformat(),
                    "expires": _epoch(expires_at),
                },
            )
    except Exception:
        logger.exception("Export job %s failed", job.pk)
        if name is not None:
            default_storage.delete(name)
        _mine(job, token).update(
            status=Job.Status.FAILED,
            finished_at=timezone.now(),
            **Job.message_fields(gettext_noop("Stopped by an error. Please try again.")),
            result={},
        )
    else:
        if not recorded:
            # Another run took the job over meanwhile: its file is the one kept.
            default_storage.delete(name)
    job.refresh_from_db()
    return job


# Reading and downloading ------------------------------------------------------------------------


def export_job_expires_at(job):
    expires = job.result.get("expires_at")
    return datetime.fromisoformat(expires) if expires else None


def _with_expiry(job):
    if job is not None:
        job.file_expires_at = expires = export_job_expires_at(job)
        job.file_available = bool(
            job.status == Job.Status.DONE
            and job.result.get("name")
            and expires is not None
            and expires > timezone.now()
        )
    return job


def export_jobs_recent(*, conference, limit=RECENT_FILES):
    """
    The conference's latest background exports, newest first, with who asked
    and `file_expires_at` (one query).
    """
    recent = (
        Job.objects.filter(conference=conference, kind__in=EXPORT_JOB_KINDS)
        .select_related("created_by")
        .order_by("-created_at", "-pk")[:limit]
    )
    return [_with_expiry(job) for job in recent]


def export_job_get(*, conference, job_id):
    """A background export of `conference` by id, or None (another conference's is None too)."""
    return _with_expiry(
        Job.objects.filter(conference=conference, kind__in=EXPORT_JOB_KINDS, pk=job_id)
        .select_related("created_by")
        .first()
    )


def export_job_file(job, *, now=None):
    """
    The stored file of a finished job as (opened file, result), or None when
    there is none: not finished, failed, expired or deleted by the sweep.
    """
    now = now or timezone.now()
    expires_at = export_job_expires_at(job)
    if job.status != Job.Status.DONE or not job.result.get("name") or expires_at is None:
        return None
    if expires_at <= now:
        return None
    try:
        return default_storage.open(job.result["name"], "rb"), job.result
    except (FileNotFoundError, OSError):
        return None


# The sweep ---------------------------------------------------------------------------------------


def export_jobs_sweep(*, now=None):
    """
    Beat, every minute: delete the files of finished exports that expired
    (the job stays, marked expired), and enqueue again the runs whose task was
    lost (still queued after START_GRACE) or whose worker died (lease run
    out). Returns (expired job ids, resumed job ids).
    """
    from conference.core.tasks import enqueue
    from conference.portal.exports.tasks import export_run

    now = now or timezone.now()
    expired = list(
        Job.objects.filter(
            kind__in=EXPORT_JOB_KINDS,
            status=Job.Status.DONE,
            result__has_key="name",
            result__expires__lte=_epoch(now),
        ).values_list("pk", "result")[:SWEEP_LIMIT]
    )
    for pk, result in expired:
        default_storage.delete(result["name"])
        kept = {key: value for key, value in result.items() if key != "name"}
        Job.objects.filter(pk=pk).update(
            result={**kept, "deleted_at": now.isoformat()},
            **Job.message_fields(gettext_noop("The file expired and was deleted.")),
        )
    stalled = Job.objects.filter(kind__in=EXPORT_JOB_KINDS).filter(
        Q(status=Job.Status.QUEUED, created_at__lte=now - START_GRACE)
        | Q(status=Job.Status.RUNNING, result__lease_until__lt=_epoch(now))
    )
    resumed = list(stalled.values_list("pk", flat=True)[:SWEEP_LIMIT])
    for job_id in resumed:
        enqueue(export_run, job_id)
    return [pk for pk, _result in expired], resumed
