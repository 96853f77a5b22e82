"""Patient identifiers: RAMQ checks, encryption at rest, rotation, keyed duplicates, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from referral_app import patient_data
from referral_app.models import AuditLog, Referral
from referral_app.patient_data import PatientIdentifiers, hin_error, normalise_hin


def test_hin_is_normalised():
    assert normalise_hin(" trem 1234-5678 ") == "TREM12345678"
    assert patient_data.format_hin("trem12345678") == "TREM 1234 5678"


@pytest.mark.parametrize(
    ("value", "dob", "ok"),
    [
        ("TREM 6003 1512", None, True),
        ("trem 6053 1512", dt.date(1960, 3, 15), True),  # women: month + 50
        ("TREM 6003 1512", dt.date(1960, 3, 15), True),
        ("TREM 6003 1512", dt.date(1961, 3, 15), False),  # does not match the birth date
        ("TRE 6003 1512", None, False),
        ("TREM 6003 151", None, False),
        ("1234 6003 1512", None, False),
        ("TREM 6013 1512", None, False),  # month 13
        ("TREM 6003 3212", None, False),  # day 32
    ],
)
def test_hin_format_and_plausibility(app, value, dob, ok):
    assert (hin_error(value, dob) is None) == ok


def test_identifiers_are_encrypted_at_rest(app, db, cast):
    referral = cast.referral(
        "submitted",
        identifiers=PatientIdentifiers(
            "Jeanne Tremblay", dt.date(1960, 3, 15), "tREm 6053 1512", ""
        ),
    )
    db.session.commit()
    raw = db.session.execute(
        text("SELECT identifiers_encrypted, patient_key FROM referrals WHERE id = :id"),
        {"id": referral.id},
    ).one()
    assert "Tremblay" not in raw[0] and "TREM" not in raw[0]
    assert len(raw[1]) == 64 and "TREM" not in raw[1]
    loaded = patient_data.load(referral)
    assert loaded.name == "Jeanne Tremblay"
    assert loaded.health_insurance_number == "TREM60531512"
    assert loaded.date_of_birth == dt.date(1960, 3, 15)


def test_patient_key_is_keyed_and_normalised(app):
    key = patient_data.patient_key("TREM 6053 1512")
    assert key == patient_data.patient_key("trem60531512")
    app.config["PATIENT_HASH_KEY"], old = "another-key", app.config["PATIENT_HASH_KEY"]
    try:
        assert patient_data.patient_key("TREM 6053 1512") != key
    finally:
        app.config["PATIENT_HASH_KEY"] = old


def test_key_rotation(app, db, cast, runner):
    referral = cast.referral("submitted")
    db.session.commit()
    before = referral.identifiers_encrypted
    old_keys = list(app.config["PATIENT_DATA_KEYS"])
    new_key = Fernet.generate_key().decode()
    app.config["PATIENT_DATA_KEYS"] = [new_key, *old_keys]
    try:
        result = runner.invoke(args=["rotate-patient-key"])
        assert result.exit_code == 0, result.output
        assert "1 referral" in result.output
        db.session.expire_all()
        after = db.session.get(Referral, referral.id).identifiers_encrypted
        assert after != before
        app.config["PATIENT_DATA_KEYS"] = [new_key]  # the old key is gone: still readable
        assert patient_data.decrypt(after).name.startswith("Patient")
    finally:
        app.config["PATIENT_DATA_KEYS"] = old_keys


def _audit_rows(db, referral):
    return db.session.scalars(
        select(AuditLog).where(
            AuditLog.object_id == referral.id, AuditLog.action == "view_identifiers"
        )
    ).all()


def test_reveal_checks_who_and_audits_every_display(app, db, cast, make):
    referral = cast.referral("acknowledged")
    db.session.commit()
    for user in (cast.referring["physician"], cast.receiving["nurse"]):
        assert patient_data.reveal(referral, user) is not None
    for user in (
        cast.referring["manager"],
        cast.receiving["manager"],
        cast.outsider["coordinator"],
    ):
        assert patient_data.reveal(referral, user) is None
    admin = cast.outsider["admin"]
    assert patient_data.reveal(referral, admin) is None
    assert patient_data.reveal(referral, admin, reason="Audit of a complaint #42") is not None
    db.session.commit()
    rows = _audit_rows(db, referral)
    assert [r.user_id for r in rows] == [
        cast.referring["physician"].id,
        cast.receiving["nurse"].id,
        admin.id,
    ]
    assert rows[-1].reason == "Audit of a complaint #42"
    assert rows[0].reason is None
