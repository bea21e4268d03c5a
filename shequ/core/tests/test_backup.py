"""`shequ backup` and `shequ restore`: a bundle restored into an empty database gives back every
record equal, personal data still decrypts with the restored keys, and bad input is refused."""
from __future__ import annotations

import tarfile

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from shequ.core.testing import build_world

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _snapshot() -> dict[str, list]:
    data = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        data[model._meta.label] = list(model._base_manager.order_by("pk").values_list())
    return data


def _empty_database() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            cursor.execute("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view', 'trigger') "
                           "AND name NOT LIKE 'sqlite_%'")
            for kind, name in cursor.fetchall():
                if kind == "table":
                    cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
            cursor.execute("PRAGMA foreign_keys = ON")
    assert not connection.introspection.table_names()


@pytest.fixture
def passphrase_file(tmp_path):
    path = tmp_path / "pass"
    path.write_text("correct horse battery staple\n")
    return path


def test_restore_into_an_empty_database_gives_back_every_record(tmp_path, passphrase_file, settings, capsys):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "media" / "appeals").mkdir(parents=True)
    (tmp_path / "media" / "appeals" / "photo.jpg").write_bytes(b"\xff\xd8 a photo")
    world = build_world()
    resident = world.residents[next(iter(world.residents))]
    id_number = resident.id_number
    before = _snapshot()
    assert sum(len(rows) for rows in before.values()) > 50
    bundle = tmp_path / "b.tar"
    call_command("backup", str(bundle), "--passphrase-file", str(passphrase_file))
    assert "with keys, with media" in capsys.readouterr().out
    with tarfile.open(bundle) as tar:
        assert {"manifest.json", "keys.enc", "media.tar"} <= set(tar.getnames())
        assert settings.SHEQU_DATA_KEY.encode() not in tar.extractfile("keys.enc").read()  # keys are encrypted

    _empty_database()
    (tmp_path / "media" / "appeals" / "photo.jpg").unlink()
    keys = tmp_path / "restored.env"
    call_command("restore", str(bundle), "--passphrase-file", str(passphrase_file), "--keys-out", str(keys))
    out = capsys.readouterr().out
    assert "every table matches the backup" in out

    after = _snapshot()
    before.pop("core.AuditLog"), after.pop("core.AuditLog")  # the backup itself is audit-logged afterwards
    assert after == before
    from shequ.registry.models import Resident

    assert Resident.objects.get(pk=resident.pk).id_number == id_number  # still decrypts
    assert (tmp_path / "media" / "appeals" / "photo.jpg").read_bytes() == b"\xff\xd8 a photo"
    env = keys.read_text()
    assert f"SHEQU_DATA_KEY={settings.SHEQU_DATA_KEY}\n" in env and f"SHEQU_HASH_KEY={settings.SHEQU_HASH_KEY}\n" in env
    assert oct(keys.stat().st_mode & 0o777) == "0o600"


def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    build_world()
    bundle = tmp_path / "b.tar"
    call_command("backup", str(bundle), "--no-keys")
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(bundle))


def test_wrong_passphrase_is_refused_before_anything_is_written(tmp_path, passphrase_file):
    build_world()
    bundle = tmp_path / "b.tar"
    call_command("backup", str(bundle), "--passphrase-file", str(passphrase_file))
    wrong = tmp_path / "wrong"
    wrong.write_text("guess")
    _empty_database()
    with pytest.raises(CommandError, match="wrong passphrase"):
        call_command("restore", str(bundle), "--passphrase-file", str(wrong), "--keys-out", str(tmp_path / "k"))
    assert not connection.introspection.table_names()
    assert not (tmp_path / "k").exists()
    call_command("restore", str(bundle))  # the database back for the tests after this one
    assert connection.introspection.table_names()


def test_backup_needs_a_passphrase_or_an_explicit_no_keys(tmp_path, monkeypatch):
    monkeypatch.delenv("SHEQU_BACKUP_PASSPHRASE", raising=False)
    with pytest.raises(CommandError, match="passphrase"):
        call_command("backup", str(tmp_path / "b.tar"))
    assert not (tmp_path / "b.tar").exists()


def test_restore_rejects_what_is_not_a_backup(tmp_path):
    junk = tmp_path / "junk.tar"
    with tarfile.open(junk, "w"):
        pass
    with pytest.raises(CommandError, match="not a Shequ backup"):
        call_command("restore", str(junk))
    with pytest.raises(CommandError, match="no such backup"):
        call_command("restore", str(tmp_path / "missing.tar"))
