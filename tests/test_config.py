"""Configuration: production refuses to start without its secrets."""

from __future__ import annotations

import pytest

from config import ConfigError, DevelopmentConfig, ProductionConfig, load_dev_secrets


def test_production_refuses_without_secrets(monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "PATIENT_DATA_KEYS", "PATIENT_HASH_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError) as error:
        ProductionConfig()
    message = str(error.value)
    assert "SECRET_KEY" in message and "DATABASE_URL" in message and "PATIENT_DATA_KEYS" in message


def test_production_reads_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/passerelle")
    monkeypatch.setenv("PATIENT_DATA_KEYS", "k1,k2")
    monkeypatch.setenv("PATIENT_HASH_KEY", "h")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    config = ProductionConfig()
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@db/passerelle"
    assert config.PATIENT_DATA_KEYS == ["k1", "k2"]
    assert config.SESSION_COOKIE_SECURE is True


def test_development_secrets_are_generated_once_per_instance(tmp_path, monkeypatch):
    first = load_dev_secrets(tmp_path)
    second = load_dev_secrets(tmp_path)
    assert first == second
    assert len(first["SECRET_KEY"]) > 40
    assert (tmp_path / "dev-secrets.json").stat().st_mode & 0o077 == 0


def test_development_default_is_sqlite_and_embedded_broker(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = DevelopmentConfig()
    assert config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    assert config.REDIS_URL.startswith("redis://127.0.0.1:")
