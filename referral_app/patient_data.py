"""Patient identifiers: validation, encryption at rest, duplicate keys, audited reads.

Identifiers (name, date of birth, Quebec health-insurance number, phone) are
stored only as a Fernet token in ``Referral.identifiers_encrypted``. Keys come
from ``PATIENT_DATA_KEYS`` through a ``MultiFernet``: the first key encrypts, all
of them decrypt, so a new key can be put first and the rows re-encrypted with
``rotate_all()`` (``flask --app wsgi rotate-patient-key``).

Duplicates are matched through ``Referral.patient_key``, a keyed HMAC
(``PATIENT_HASH_KEY``) of the normalised health-insurance number: equal numbers
give equal keys, and the number cannot be read back from the key.

Every display of identifiers goes through ``reveal()``, which checks who may see
them and writes an AuditLog row. Nothing here logs identifiers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from dataclasses import asdict, dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from referral_app import audit, permissions
from referral_app.extensions import db
from referral_app.models import Referral, User
from referral_app.pagination import in_id_batches
from referral_app.workflow.states import OPEN_STATES

RAMQ_PATTERN = re.compile(r"^[A-Z]{4}\d{8}$")


@dataclass(frozen=True)
class PatientIdentifiers:
    name: str
    date_of_birth: dt.date | None
    health_insurance_number: str
    phone: str = ""

    def to_json(self) -> str:
        data = asdict(self)
        data["date_of_birth"] = self.date_of_birth.isoformat() if self.date_of_birth else None
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> PatientIdentifiers:
        data = json.loads(text)
        dob = data.get("date_of_birth")
        return cls(
            name=data.get("name", ""),
            date_of_birth=dt.date.fromisoformat(dob) if dob else None,
            health_insurance_number=data.get("health_insurance_number", ""),
            phone=data.get("phone", ""),
        )

    @property
    def formatted_hin(self) -> str:
        return format_hin(self.health_insurance_number)


# -- The health-insurance number (RAMQ) ------------------------------------


def normalise_hin(value: str | None) -> str:
    """``"trem 1234 5678"`` → ``"TREM12345678"``: no spaces or dashes, upper case."""
    return re.sub(r"[\s\-]", "", value or "").upper()


def format_hin(value: str) -> str:
    """``"TREM12345678"`` → ``"TREM 1234 5678"`` for display."""
    value = normalise_hin(value)
    if not RAMQ_PATTERN.match(value):
        return value
    return f"{value[:4]} {value[4:8]} {value[8:]}"


def hin_error(value: str | None, date_of_birth: dt.date | None = None) -> str | None:
    """Why a RAMQ number is invalid, or None.

    Format: 4 letters then 8 digits, ``YYMMDD`` + 2: the month has 50 added for
    women, so 01–12 or 51–62; the day is 01–31. When the date of birth is known,
    the embedded digits must match it.
    """
    hin = normalise_hin(value)
    if not RAMQ_PATTERN.match(hin):
        return _("A health-insurance number is 4 letters and 8 digits, e.g. TREM 1234 5678.")
    yy, mm, dd = int(hin[4:6]), int(hin[6:8]), int(hin[8:10])
    month = mm - 50 if mm > 50 else mm
    if not (1 <= month <= 12 and 1 <= dd <= 31):
        return _("The birth date in this health-insurance number is not plausible.")
    if date_of_birth and (
        date_of_birth.year % 100 != yy or date_of_birth.month != month or date_of_birth.day != dd
    ):
        return _("This health-insurance number does not match the date of birth.")
    return None


# -- Keys, encryption, HMAC -------------------------------------------------


def _fernet() -> MultiFernet:
    keys = current_app.config.get("PATIENT_DATA_KEYS") or []
    if isinstance(keys, str):
        keys = [k.strip() for k in keys.split(",") if k.strip()]
    if not keys:
        raise RuntimeError("PATIENT_DATA_KEYS is not configured")
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def fernet() -> MultiFernet:
    """The patient-data keys (documents wrap their data keys with them)."""
    return _fernet()


def encrypt(identifiers: PatientIdentifiers) -> str:
    return _fernet().encrypt(identifiers.to_json().encode()).decode()


def decrypt(token: str) -> PatientIdentifiers:
    return PatientIdentifiers.from_json(_fernet().decrypt(token.encode()).decode())


def seal(document: dict) -> str:
    """Any JSON document that may hold identifiers (a kept API answer), encrypted."""
    return _fernet().encrypt(json.dumps(document, ensure_ascii=False).encode()).decode()


def unseal(token: str) -> dict:
    return json.loads(_fernet().decrypt(token.encode()).decode())


def patient_key(hin: str) -> str:
    """Keyed HMAC-SHA256 (hex) of the normalised number: equal patients, equal keys."""
    key = current_app.config.get("PATIENT_HASH_KEY")
    if not key:
        raise RuntimeError("PATIENT_HASH_KEY is not configured")
    return hmac.new(key.encode(), normalise_hin(hin).encode(), hashlib.sha256).hexdigest()


def store(referral: Referral, identifiers: PatientIdentifiers) -> None:
    """Encrypt the identifiers onto the referral and set its duplicate key."""
    normalised = PatientIdentifiers(
        name=identifiers.name.strip(),
        date_of_birth=identifiers.date_of_birth,
        health_insurance_number=normalise_hin(identifiers.health_insurance_number),
        phone=identifiers.phone.strip(),
    )
    referral.identifiers_encrypted = encrypt(normalised)
    referral.patient_key = (
        patient_key(normalised.health_insurance_number)
        if normalised.health_insurance_number
        else None
    )


def load(referral: Referral) -> PatientIdentifiers | None:
    """Decrypt without any check or audit: for services only (forms, prefill)."""
    if not referral.identifiers_encrypted:
        return None
    return decrypt(referral.identifiers_encrypted)


def rotate_all(batch_size: int = 500) -> int:
    """Re-encrypt every stored token with the first key; returns how many changed.

    Referrals' identifiers and the API answers kept for idempotency (which may show
    them) both."""
    return _rotate_referrals(batch_size) + _rotate_kept_answers()


def _rotate_kept_answers() -> int:
    from referral_app.models import IdempotencyKey

    fernet = _fernet()
    changed = 0
    for row in db.session.scalars(select(IdempotencyKey)):
        row.answer_encrypted = fernet.rotate(row.answer_encrypted.encode()).decode()
        changed += 1
    db.session.flush()
    return changed


def _rotate_referrals(batch_size: int) -> int:
    fernet = _fernet()
    changed = 0
    encrypted = Referral.identifiers_encrypted.is_not(None)
    for rows in in_id_batches(Referral, encrypted, batch_size=batch_size):
        for referral in rows:
            try:
                rotated = fernet.rotate(referral.identifiers_encrypted.encode()).decode()
            except InvalidToken:
                raise RuntimeError(
                    f"Referral {referral.id}: no configured key decrypts its identifiers"
                ) from None
            # Bypass the version counter: rotation is not a change anyone made.
            db.session.execute(
                Referral.__table__.update()
                .where(Referral.__table__.c.id == referral.id)
                .values(identifiers_encrypted=rotated)
            )
            changed += 1
        db.session.expire_all()
    return changed


# -- Who sees them ----------------------------------------------------------


def reveal(
    referral: Referral, user: User, *, reason: str | None = None, channel: str = "web"
) -> PatientIdentifiers | None:
    """The identifiers if ``user`` may see them, each display audited; else None.

    ``permissions.can_see_patient_data`` decides, for the clinical content too:
    an admin's ``reason`` is recorded here even when there are no identifiers
    to show, since the clinical content is shown under it.
    """
    if not permissions.can_see_patient_data(user, referral, reason=reason):
        return None
    by_reason = not permissions.can_see_patient_data(user, referral)
    identifiers = load(referral)
    if identifiers is None and not by_reason:
        return None
    audit.record(
        "view_identifiers",
        "referral",
        referral.id,
        user_id=user.id,
        reason=reason if by_reason else None,
        channel=channel,
    )
    return identifiers


# -- Duplicates -------------------------------------------------------------


def open_referrals_of_patient(referral: Referral) -> list[Referral]:
    """Other open referrals of the same patient (same ``patient_key``), oldest first."""
    if not referral.patient_key:
        return []
    return list(
        db.session.scalars(
            select(Referral)
            .where(
                Referral.patient_key == referral.patient_key,
                Referral.state.in_(OPEN_STATES),
                Referral.id != referral.id,
            )
            .order_by(Referral.id)
        )
    )
