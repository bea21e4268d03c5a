"""Backup and restore (``shequ backup`` / ``shequ restore``, docs/operations.md).

A backup is one ``.tar`` bundle:

* ``manifest.json`` — when, from which database vendor, the latest migration of each app, and a
  fingerprint of every table (row count and an order-independent hash of its rows), so a restore
  can prove that every record came back equal;
* ``database.sqlite3`` (SQLite's online backup API: consistent while the service runs) or
  ``database.dump`` (``pg_dump --format=custom``: one consistent snapshot);
* ``media.tar`` — uploaded files (appeal photos, attachments);
* ``keys.enc`` — the data and hash keys without which ID numbers and phones cannot be decrypted
  or looked up, encrypted with a passphrase (scrypt + AES-256-GCM). Without a passphrase the keys
  are left out and the bundle says so: store the keys elsewhere.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "shequ-backup/1"
KEY_NAMES = ("SHEQU_SECRET_KEY", "SHEQU_DATA_KEY", "SHEQU_HASH_KEY")


class BackupError(Exception):
    pass


# --- fingerprints ---------------------------------------------------------------------------------

def _table_names(cursor, vendor: str) -> list[str]:
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    return [row[0] for row in cursor.fetchall()]


def fingerprint(*, cursor=None, vendor: str | None = None) -> dict[str, list]:
    """{table: [rows, hash]} over every table; the hash is the sum of the rows' SHA-256 (mod 2^256),
    so it needs no ordering and streams through any number of rows.

    Without a cursor: the configured database. SQLite is read through a plain sqlite3 connection
    to a copy (Django's connection converts column values by their declared types)."""
    own = cursor is None
    if own and connection.vendor == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "copy.sqlite3"
            _sqlite_copy(copy)
            raw = sqlite3.connect(copy)
            try:
                return fingerprint(cursor=raw.cursor(), vendor="sqlite")
            finally:
                raw.close()
    if own:
        cursor = connection.cursor()
        vendor = connection.vendor
    quote = '"{}"'.format
    result = {}
    try:
        for table in _table_names(cursor, vendor):
            cursor.execute(f"SELECT * FROM {quote(table)}")
            count, total = 0, 0
            while True:
                rows = cursor.fetchmany(2000)
                if not rows:
                    break
                for row in rows:
                    count += 1
                    total += int.from_bytes(hashlib.sha256(repr(tuple(_plain(v) for v in row)).encode()).digest(), "big")
            result[table] = [count, format(total % (1 << 256), "064x")]
    finally:
        if own:
            cursor.close()
    return result


def _plain(value):
    """One representation per value whatever the driver's adapters (memoryview, Decimal, datetime)."""
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat()
    if isinstance(value, (dt.date, dt.time, dt.datetime)):
        return value.isoformat()
    return value


def _sqlite_copy(path: Path) -> None:
    """SQLite's online backup of the configured database into ``path`` (consistent while in use)."""
    connection.ensure_connection()
    target = sqlite3.connect(path)
    with target:
        connection.connection.backup(target)
    target.close()


# --- keys -------------------------------------------------------------------------------------------

def _kdf(passphrase: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=2 ** 15, r=8, p=1).derive(passphrase.encode())


def seal_keys(passphrase: str) -> bytes:
    keys = {"SHEQU_SECRET_KEY": settings.SECRET_KEY, "SHEQU_DATA_KEY": settings.SHEQU_DATA_KEY,
            "SHEQU_HASH_KEY": settings.SHEQU_HASH_KEY}
    salt, nonce = os.urandom(16), os.urandom(12)
    box = AESGCM(_kdf(passphrase, salt)).encrypt(nonce, json.dumps(keys).encode(), b"shequ keys")
    return json.dumps({"kdf": "scrypt", "n": 2 ** 15, "salt": base64.b64encode(salt).decode(),
                       "nonce": base64.b64encode(nonce).decode(), "box": base64.b64encode(box).decode()}).encode()


def open_keys(blob: bytes, passphrase: str) -> dict[str, str]:
    data = json.loads(blob)
    try:
        plain = AESGCM(_kdf(passphrase, base64.b64decode(data["salt"]))).decrypt(
            base64.b64decode(data["nonce"]), base64.b64decode(data["box"]), b"shequ keys")
    except Exception:  # noqa: BLE001 - cryptography raises InvalidTag
        raise BackupError("wrong passphrase: the keys in this backup cannot be decrypted") from None
    return json.loads(plain)


# --- backup -----------------------------------------------------------------------------------------

def _pg_env(cfg: dict) -> dict:
    env = dict(os.environ)
    if cfg.get("PASSWORD"):
        env["PGPASSWORD"] = cfg["PASSWORD"]
    return env


def _pg_args(cfg: dict) -> list[str]:
    args = ["--host", cfg.get("HOST") or "localhost", "--port", str(cfg.get("PORT") or 5432)]
    if cfg.get("USER"):
        args += ["--username", cfg["USER"]]
    return args


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def backup(output: Path, *, passphrase: str | None, media: bool = True) -> dict:
    """Write a bundle to ``output``; return its manifest."""
    vendor = connection.vendor
    cfg = connection.settings_dict
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if vendor == "sqlite":
            copy = tmp / "database.sqlite3"
            _sqlite_copy(copy)
            raw = sqlite3.connect(copy)
            prints = fingerprint(cursor=raw.cursor(), vendor="sqlite")
            raw.close()
        elif vendor == "postgresql":
            copy = tmp / "database.dump"
            # one snapshot for the dump and the fingerprint: export it, and dump with --snapshot
            with connection.cursor() as cursor:
                cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                try:
                    cursor.execute("SELECT pg_export_snapshot()")
                    snapshot = cursor.fetchone()[0]
                    run = subprocess.run(
                        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                         "--file", str(copy), *_pg_args(cfg), cfg["NAME"]],
                        env=_pg_env(cfg), capture_output=True, text=True)
                    if run.returncode:
                        raise BackupError(f"pg_dump failed: {run.stderr.strip()}")
                    prints = fingerprint(cursor=cursor, vendor="postgresql")
                finally:
                    cursor.execute("COMMIT")
        else:
            raise BackupError(f"unsupported database: {vendor}")
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "vendor": vendor,
            "migrations": {app: name for app, name in MigrationRecorder.Migration.objects.order_by("applied", "id")
                           .values_list("app", "name")},
            "tables": prints,
            "keys": bool(passphrase),
            "media": False,
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            tar.add(copy, arcname=copy.name)
            media_root = Path(settings.MEDIA_ROOT)
            if media and media_root.is_dir():
                media_tar = tmp / "media.tar"
                with tarfile.open(media_tar, "w") as inner:
                    inner.add(media_root, arcname="media")
                tar.add(media_tar, arcname="media.tar")
                manifest["media"] = True
            if passphrase:
                _add_bytes(tar, "keys.enc", seal_keys(passphrase))
            _add_bytes(tar, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        os.chmod(partial, 0o600)
        partial.replace(output)  # a bundle is either complete or absent
    return manifest


# --- restore ----------------------------------------------------------------------------------------

def _read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(tar.extractfile("manifest.json"))
    except KeyError:
        raise BackupError("not a Shequ backup: manifest.json is missing") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def _database_is_empty() -> bool:
    with connection.cursor() as cursor:
        return not _table_names(cursor, connection.vendor)


def restore(bundle: Path, *, passphrase: str | None = None, keys_out: Path | None = None, force: bool = False,
            media: bool = True, verify: bool = True) -> dict:
    """Restore a bundle into the configured database (which must be empty unless ``force``);
    return a report: tables restored, mismatches found by the fingerprint, where the keys went."""
    vendor = connection.vendor
    with tarfile.open(bundle) as tar, tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        manifest = _read_manifest(tar)
        if manifest["vendor"] != vendor:
            raise BackupError(f"this backup is of a {manifest['vendor']} database; the configured one is {vendor}")
        if not force and not _database_is_empty():
            raise BackupError("the target database is not empty: restore into an empty database, or pass --force "
                              "to replace what it holds")
        keys = None
        if keys_out is not None:
            if not manifest["keys"]:
                raise BackupError("this backup holds no keys (it was made without a passphrase)")
            if not passphrase:
                raise BackupError("a passphrase is needed to decrypt the keys in this backup")
            keys = open_keys(tar.extractfile("keys.enc").read(), passphrase)
        tar.extractall(tmp, filter="data")
        connection.close()
        if vendor == "sqlite":
            source = sqlite3.connect(tmp / "database.sqlite3")
            connection.ensure_connection()
            with source:
                source.backup(connection.connection)
            source.close()
        else:
            cfg = connection.settings_dict
            args = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                    *_pg_args(cfg), "--dbname", cfg["NAME"]]
            if force:
                args += ["--clean", "--if-exists"]
            run = subprocess.run([*args, str(tmp / "database.dump")], env=_pg_env(cfg), capture_output=True, text=True)
            if run.returncode:
                raise BackupError(f"pg_restore failed: {run.stderr.strip()}")
        connection.close()
        report = {"tables": len(manifest["tables"]), "mismatches": [], "keys_written": None, "media": False}
        if verify:
            now = fingerprint()
            for table, expected in manifest["tables"].items():
                if now.get(table) != expected:
                    report["mismatches"].append(f"{table}: expected {expected[0]} rows {expected[1][:12]}…, "
                                                f"found {now.get(table)}")
        if media and manifest["media"]:
            media_root = Path(settings.MEDIA_ROOT)
            with tarfile.open(tmp / "media.tar") as inner:
                inner.extractall(tmp / "m", filter="data")
            media_root.mkdir(parents=True, exist_ok=True)
            shutil.copytree(tmp / "m" / "media", media_root, dirs_exist_ok=True)
            report["media"] = True
        if keys is not None:
            keys_out.parent.mkdir(parents=True, exist_ok=True)
            keys_out.write_text("".join(f"{name}={keys[name]}\n" for name in KEY_NAMES))
            keys_out.chmod(0o600)
            report["keys_written"] = str(keys_out)
            report["keys_match"] = (keys["SHEQU_DATA_KEY"] == settings.SHEQU_DATA_KEY
                                    and keys["SHEQU_HASH_KEY"] == settings.SHEQU_HASH_KEY)
        return report
