"""Imports: create a job for an uploaded file, validate it with progress, write it in one transaction.

A job runs in two phases:

1. validate: read the file, prepare every row (parse, check, encrypt; in worker processes
   for large files), resolve references and scope, and record the row-by-row error report.
   Prepared rows are spooled to a temporary file. Progress is saved as it goes.
2. write: in ONE transaction. In the default mode (整体导入) any error means nothing is
   written; in "valid rows" mode (导入有效行) exactly the valid rows are written.
"""
from __future__ import annotations

import gc
import logging
import multiprocessing
import pickle
import tempfile
import time
from collections import deque
from itertools import islice
from typing import IO, Iterator

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.audit import audit_record
from shequ.core.errors import InvalidInput, NotAllowed, ShequError
from shequ.jurisdiction import scoping
from shequ.registry.models import Tag

from . import columns as cols
from .importers import IMPORTERS
from .progress import progress_clear, progress_set
from .models import ImportJob, ImportRowError, Kind, Mode
from .reader import open_table
from .rows import RowPreparer, worker_init, worker_prepare

logger = logging.getLogger(__name__)

CHUNK_ROWS = 5000
#: Rows above which preparation runs in worker processes.
PARALLEL_MIN_BYTES = 2 * 1024 * 1024
#: Files up to this size are imported inline by the request that uploaded them.
INLINE_MAX_BYTES = 256 * 1024
#: The error report keeps this many lines; the count covers all.
ERROR_LIMIT = 20000
PROGRESS_SECONDS = 0.5
#: Prepared chunks queued ahead of the consumer (worker pipeline).
IN_FLIGHT = 4
#: Kinds validated and written in one pass (one transaction), see ``_stream``.
STREAMED = {Kind.RESIDENTS}
#: The capability importing each kind needs; registry kinds need "registry.import".
IMPORT_CAPABILITY = {Kind.FEED_12345: "appeals.import"}


def import_capability(kind: str) -> str:
    return IMPORT_CAPABILITY.get(kind, "registry.import")


def importable_kinds(user) -> list[tuple[str, str]]:
    """The (value, label) of each kind this user may import."""
    return [(value, label) for value, label in Kind.choices if scoping.can(user, import_capability(value))]


def import_job_create(*, actor, file: UploadedFile, kind: str, mode: str = Mode.WHOLE) -> ImportJob:
    """Store the uploaded file as an import job and start it (inline when small, else as a task)."""
    if kind not in Kind.values:
        raise InvalidInput(_("未知的导入类型:%(k)s") % {"k": kind}, extra={"field": "kind"})
    scoping.ensure_can(actor, import_capability(kind))
    if mode not in Mode.values:
        raise InvalidInput(_("未知的导入方式:%(m)s") % {"m": mode}, extra={"field": "mode"})
    name = file.name or ""
    if not name.lower().endswith((".xlsx", ".csv")):
        raise InvalidInput(_("只支持 .xlsx 和 .csv 文件"), code="bad_format", extra={"field": "file"})
    if file.size > settings.SHEQU_IMPORT_MAX_BYTES:
        raise InvalidInput(_("文件过大(上限 %(n)d MB)") % {"n": settings.SHEQU_IMPORT_MAX_BYTES // 2**20}, extra={"field": "file"})
    nodes = scoping.bound_nodes(actor)
    job = ImportJob(kind=kind, mode=mode, original_name=name[:255], created_by=actor, node=nodes[0] if nodes else None)
    job.file.save(name, file, save=False)
    job.save()
    audit_record(actor=actor, verb="import.created", target=job, node_id=job.node_id,
                 extra={"kind": kind, "mode": mode, "file": name, "bytes": file.size})
    if file.size <= INLINE_MAX_BYTES:
        import_job_run(job_id=job.pk)
    else:
        from .tasks import import_job_process

        import_job_process.enqueue(job.pk)
    job.refresh_from_db()
    return job


def _chunks(iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _tag_map() -> dict[str, int]:
    mapping = {}
    for tag_id, code, name in Tag.objects.filter(active=True).values_list("id", "code", "name"):
        mapping[code] = mapping[code.lower()] = mapping[name] = tag_id
    return mapping


class _Report:
    """Collect the row-by-row error report, saving it in batches (the first ERROR_LIMIT lines)."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.count = 0
        self.pending: list[ImportRowError] = []

    def add(self, row: int, column_key: str, message: str) -> None:
        self.count += 1
        if self.count <= ERROR_LIMIT:
            header = cols.header_of(self.job.kind, column_key) if column_key else ""
            self.pending.append(ImportRowError(job_id=self.job.pk, row=row, column=header[:64], message=str(message)[:300]))

    def flush(self) -> None:
        if self.pending:
            ImportRowError.objects.bulk_create(self.pending, batch_size=1000)
            self.pending = []


def _save(job: ImportJob, **fields) -> None:
    for key, value in fields.items():
        setattr(job, key, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields, updated_at=timezone.now())


def _prepared_rows(table, preparer: RowPreparer, job: ImportJob, tags) -> Iterator[list]:
    """Yield chunks of (row number, prepared data or None, errors), in file order."""
    chunks = _chunks(table.rows, CHUNK_ROWS)
    if job.file.size < PARALLEL_MIN_BYTES or multiprocessing.cpu_count() < 2:
        for chunk in chunks:
            yield [(number, *preparer(cells)) for number, cells in chunk]
        return
    # Worker processes are forked: they inherit settings and never touch the database. At most
    # IN_FLIGHT chunks are out at a time: the consumer (which may be writing) sets the pace, so
    # prepared rows never pile up in memory.
    context = multiprocessing.get_context("fork")
    with context.Pool(processes=min(2, multiprocessing.cpu_count()), initializer=worker_init,
                      initargs=(job.kind, preparer.positions, tags)) as pool:
        pending: deque = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(worker_prepare, (chunk,)))
            if len(pending) >= IN_FLIGHT:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def import_job_run(*, job_id: int) -> ImportJob:
    """Validate and write one import job. Errors in the file end up in the report, never as exceptions."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.finished:
        return job
    user = job.created_by
    report = _Report(job)
    ImportRowError.objects.filter(job=job).delete()
    _save(job, status=ImportJob.Status.VALIDATING, started_at=timezone.now(), processed_rows=0, error_count=0,
          created_count=0, updated_count=0, message="")
    try:
        if not scoping.can(user, import_capability(job.kind)):
            raise NotAllowed(_("您的角色无权导入此类数据"))
        if job.kind in STREAMED:
            with job.file.open("rb") as binary:
                _stream(job, user, binary, report)
            return job
        with job.file.open("rb") as binary, tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as spool:
            valid = _validate(job, user, binary, report, spool)
            report.flush()
            if report.count and job.mode == Mode.WHOLE:
                _save(job, status=ImportJob.Status.REJECTED, error_count=report.count, finished_at=timezone.now(),
                      message=_("发现 %(n)d 处错误,整个文件未导入。请修改后重新上传,或选择“导入有效行”。") % {"n": report.count})
            else:
                _write(job, user, spool, valid, report)
    except ShequError as exc:
        report.flush()
        if not report.count:
            report.add(1, "", exc.message)
            report.flush()
        _save(job, status=ImportJob.Status.FAILED, error_count=report.count, finished_at=timezone.now(), message=exc.message[:300])
    except (IntegrityError, DatabaseError) as exc:
        logger.exception("import job %s failed while writing", job.pk)
        _save(job, status=ImportJob.Status.FAILED, finished_at=timezone.now(),
              message=_("写入数据库失败,未导入任何数据(%(e)s)") % {"e": type(exc).__name__})
    return job


def _open(job: ImportJob, binary: IO[bytes], report: _Report):
    """The table and its column positions; a bad header raises (reported on row 1)."""
    table = open_table(binary, job.original_name)
    positions, missing, duplicated = cols.match_headers(job.kind, table.headers)
    if missing or duplicated:
        for header in missing:
            report.add(1, "", _("缺少必填列:%(c)s") % {"c": header})
        for header in duplicated:
            report.add(1, "", _("列重复:%(c)s") % {"c": header})
        raise InvalidInput(_("表头不正确:请使用导入模板的列名"), code="bad_header")
    _save(job, total_rows=table.total_rows)
    return table, positions


def _resolved_chunks(job: ImportJob, user, table, positions, report: _Report, state: dict, *, live: bool = True) -> Iterator[list]:
    """Prepare, check duplicates and resolve the file chunk by chunk; yield the valid rows of each.

    Errors go to ``report``. ``live``: save progress and flush the report as it goes (not when
    running inside the write transaction, whose writes a rejection rolls back).
    ``state["processed"]`` counts the rows read.
    """
    tags = _tag_map() if job.kind == Kind.RESIDENTS else {}
    preparer = RowPreparer(job.kind, positions, tags)
    importer = IMPORTERS[job.kind](user=user, job_id=job.pk, node_id=job.node_id)
    seen: dict = {}
    processed = 0
    last_progress = 0.0
    for prepared in _prepared_rows(table, preparer, job, tags):
        candidates = []
        for number, data, errors in prepared:
            if errors:
                for column, message in errors:
                    report.add(number, column, message)
                continue
            key = importer.key_of(data)
            first = seen.get(key)
            if first is not None:
                report.add(number, importer.key_column(data), _("与第%(n)d行重复") % {"n": first})
                continue
            seen[key] = number
            candidates.append((number, data))
        resolved, errors = importer.resolve(candidates) if candidates else ([], [])
        for number, column, message in errors:
            report.add(number, column, message)
        processed += len(prepared)
        state["processed"] = processed
        if resolved:
            yield resolved
        if time.monotonic() - last_progress > PROGRESS_SECONDS:
            if live:
                report.flush()
                _save(job, processed_rows=processed, error_count=report.count)
            else:  # inside the write transaction: the job row would not be seen until the end
                progress_set(job.pk, processed=processed, errors=report.count)
            last_progress = time.monotonic()
    if not processed and not report.count:
        raise InvalidInput(_("文件没有数据行"), code="empty_file")


def _validate(job: ImportJob, user, binary: IO[bytes], report: _Report, spool) -> int:
    table, positions = _open(job, binary, report)
    state = {"processed": 0}
    valid_count = 0
    for resolved in _resolved_chunks(job, user, table, positions, report, state):
        pickle.dump(resolved, spool, protocol=pickle.HIGHEST_PROTOCOL)
        valid_count += len(resolved)
    processed = state["processed"]
    _save(job, processed_rows=processed, total_rows=processed, error_count=report.count)
    return valid_count


def _stream(job: ImportJob, user, binary: IO[bytes], report: _Report) -> None:
    """Validate and write in one pass, inside ONE transaction (residents).

    Each chunk is written as soon as it is resolved, while the worker processes prepare the
    next ones: no spool, and writing overlaps preparation. In whole-file mode writing stops at
    the first error and the transaction is rolled back at the end, so nothing is written; in
    valid-rows mode exactly the valid rows are. The error report and the progress are saved
    after the transaction (a rollback would take them with it); while it runs the job shows
    status "validating" and its total.
    """
    table, positions = _open(job, binary, report)
    # The pass allocates millions of short-lived, acyclic dicts and tuples; the cyclic garbage
    # collector would walk every live object (the household map, batches in flight) again and
    # again. Paused for the pass (the forked workers inherit it) and restored after.
    paused = gc.isenabled()
    gc.disable()
    try:
        _stream_pass(job, user, table, positions, report)
    finally:
        progress_clear(job.pk)
        if paused:
            gc.enable()


def _stream_pass(job: ImportJob, user, table, positions, report: _Report) -> None:
    importer = IMPORTERS[job.kind](user=user, job_id=job.pk, node_id=job.node_id)
    state = {"processed": 0}
    created = updated = 0
    write_errors: list = []
    whole = job.mode == Mode.WHOLE
    try:
        with transaction.atomic():
            for rows in _resolved_chunks(job, user, table, positions, report, state, live=False):
                if whole and (report.count or write_errors):
                    continue  # will be rolled back: keep validating for the report, stop writing
                c, u, errors = importer.write(rows)
                created, updated = created + c, updated + u
                write_errors.extend(errors)
            if whole and (report.count or write_errors):
                raise _Rejected
            audit_record(actor=user, verb="import.finished", target=job, node_id=job.node_id,
                         extra={"kind": job.kind, "created": created, "updated": updated, "errors": report.count + len(write_errors)})
    except _Rejected:
        for number, column, message in write_errors:
            report.add(number, column, message)
        report.flush()
        processed = state["processed"]
        _save(job, status=ImportJob.Status.REJECTED, processed_rows=processed, total_rows=processed, error_count=report.count,
              finished_at=timezone.now(),
              message=(_("发现 %(n)d 处错误,整个文件未导入。请修改后重新上传,或选择“导入有效行”。") % {"n": report.count}
                       if not write_errors else _("发现 %(n)d 处错误,整个文件未导入。") % {"n": report.count}))
        return
    except ShequError:
        report.flush()
        _save(job, processed_rows=state["processed"])
        raise
    processed = state["processed"]
    _save(job, processed_rows=processed, total_rows=processed)
    _finish(job, created, updated, write_errors, report)


def _spooled(spool) -> Iterator[list]:
    spool.seek(0)
    while True:
        try:
            yield pickle.load(spool)
        except EOFError:
            return


class _Rejected(Exception):
    pass


def _write(job: ImportJob, user, spool, valid: int, report: _Report) -> None:
    _save(job, status=ImportJob.Status.WRITING)
    importer = IMPORTERS[job.kind](user=user, job_id=job.pk, node_id=job.node_id)
    created = updated = 0
    write_errors = []
    try:
        with transaction.atomic():
            for rows in _spooled(spool):
                c, u, errors = importer.write(rows)
                created, updated = created + c, updated + u
                write_errors.extend(errors)
            if write_errors and job.mode == Mode.WHOLE:
                raise _Rejected
            note = importer.note()
            audit_record(actor=user, verb="import.finished", target=job, node_id=job.node_id,
                         extra={"kind": job.kind, "created": created, "updated": updated, "errors": report.count + len(write_errors)})
    except _Rejected:
        for number, column, message in write_errors:
            report.add(number, column, message)
        report.flush()
        _save(job, status=ImportJob.Status.REJECTED, error_count=report.count, finished_at=timezone.now(),
              message=_("发现 %(n)d 处错误,整个文件未导入。") % {"n": report.count})
        return
    _finish(job, created, updated, write_errors, report, note)


def _finish(job: ImportJob, created: int, updated: int, write_errors: list, report: _Report, note: str = "") -> None:
    for number, column, message in write_errors:
        report.add(number, column, message)
    report.flush()
    message = _("导入完成:新增 %(c)d 条,更新 %(u)d 条") % {"c": created, "u": updated} + note
    if report.count:
        message += _(",跳过有错误的 %(n)d 处") % {"n": report.count}
    _save(job, status=ImportJob.Status.DONE, created_count=created, updated_count=updated, error_count=report.count,
          finished_at=timezone.now(), message=message[:300])
