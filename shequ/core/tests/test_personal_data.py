"""ID numbers and phones: validation, encryption at rest, keyed lookup, masking; the audit log is append-only."""
import datetime as dt

import pytest
from django.db import connection

from shequ.core import crypto
from shequ.core.idcard import IdNumberError, check_digit, make_id_number, mask_id_number, mask_phone, parse_id_number, validate_phone
from shequ.core.models import AuditLog
from shequ.registry import selectors
from shequ.registry.models import Resident


def test_gb11643_check_digit_and_derived_fields():
    number = make_id_number("110105", dt.date(1949, 10, 1), 123)
    parsed = parse_id_number(number)
    assert parsed.birth_date == dt.date(1949, 10, 1)
    assert parsed.sex == "M"  # 17th digit 3 is odd
    assert parse_id_number("11010519491231002X").sex == "F"
    bad = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(IdNumberError, match="校验位"):
        parse_id_number(bad)
    with pytest.raises(IdNumberError, match="18位"):
        parse_id_number("1101051949")
    with pytest.raises(IdNumberError, match="出生日期"):
        first17 = "110105" + "20011332" + "001"  # 32 December does not exist
        parse_id_number(first17 + check_digit(first17))


def test_phone_validation():
    assert validate_phone("138 0013 8000") == "13800138000"
    assert validate_phone("+86 13800138000") == "13800138000"
    assert validate_phone("010-62345678") == "01062345678"
    with pytest.raises(ValueError):
        validate_phone("12345")


def test_masks():
    assert mask_id_number("110105194910011234") == "110105********1234"
    assert mask_phone("13812345678") == "138****5678"


def test_id_and_phone_are_encrypted_at_rest(world):
    resident = world.residents["A101h"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, id_hash FROM registry_resident WHERE id = %s", [resident.pk])
        raw_id, raw_phone, id_hash = cursor.fetchone()
    assert raw_id.startswith(crypto.PREFIX) and resident.id_number not in raw_id
    assert raw_phone.startswith(crypto.PREFIX) and resident.phone not in raw_phone
    assert id_hash and resident.id_number not in id_hash
    assert crypto.decrypt(raw_id) == resident.id_number


def test_search_by_full_id_number_and_phone(world):
    resident = world.residents["A102s"]
    worker = world.users["worker_a"]
    assert list(selectors.resident_list(user=worker, q=resident.id_number.lower())) == [resident]
    assert list(selectors.resident_list(user=worker, q=resident.phone)) == [resident]
    # the same number from another community is invisible to worker A
    foreign = world.residents["B101h"]
    assert list(selectors.resident_list(user=worker, q=foreign.id_number)) == []


def test_audit_log_is_append_only(world):
    entry = AuditLog.objects.first()
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        AuditLog.objects.all().update(verb="x")
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(Exception, match="append-only"):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditlog SET verb = 'tampered' WHERE id = %s", [entry.pk])


def test_every_write_is_audited(world):
    verbs = set(AuditLog.objects.values_list("verb", flat=True))
    assert {"node.created", "house.created", "household.created", "resident.created", "user.created"} <= verbs
    assert Resident.objects.count() == AuditLog.objects.filter(verb="resident.created").count()


def test_decryption_follows_a_change_of_the_data_key(settings):
    """The cipher is kept between calls (lists decrypt thousands of values) but never outlives its key."""
    import base64
    import os

    sealed = crypto.encrypt("13912345678")
    assert crypto.decrypt(sealed) == "13912345678"
    settings.SHEQU_DATA_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()
    with pytest.raises(Exception):  # noqa: B017 - the old ciphertext does not open with another key
        crypto.decrypt(sealed)
    assert crypto.decrypt(crypto.encrypt("王小明")) == "王小明"
