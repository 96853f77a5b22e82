"""Passerelle: inter-hospital referral of oncology patients to clinical trials."""

from __future__ import annotations

import logging

from flask import Flask

from config import Config, get_config


def create_app(config: str | Config | None = None) -> Flask:
    """Application factory: ``config`` is a name (``"testing"``) or a Config object."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="static",
        instance_relative_config=False,
    )
    from referral_app.documents.uploads import Request

    app.request_class = Request  # uploads spooled sealed, larger bodies where files go
    cfg = config if isinstance(config, Config) else get_config(config)
    app.config.from_object(cfg)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    register_converters(app)  # before any route: ``<int:…>`` is bounded to the database's ids

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_commands(app)
    register_celery(app)
    register_proxy_fix(app)
    logging.getLogger("passerelle").setLevel(logging.INFO)
    return app


def register_converters(app: Flask) -> None:
    from referral_app import inputs

    inputs.install_converters(app)


def register_extensions(app: Flask) -> None:
    from referral_app import database, i18n
    from referral_app.auth.session import configure_login
    from referral_app.extensions import babel, csrf, db, limiter, migrate

    database.configure_engine_options(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    limiter.init_app(app)
    configure_login(app)
    with app.app_context():
        database.install_sqlite_pragmas(db.engine)


def register_blueprints(app: Flask) -> None:
    import referral_app.auth.mfa  # noqa: F401 (its routes join the auth blueprint)
    import referral_app.auth.password  # noqa: F401 (its routes join the auth blueprint)
    from referral_app.admin.views import bp as admin_bp
    from referral_app.api import init_api
    from referral_app.auth.views import bp as auth_bp
    from referral_app.communities.views import bp as communities_bp
    from referral_app.documents.views import bp as documents_bp
    from referral_app.eligibility.views import bp as eligibility_bp
    from referral_app.main.views import bp as main_bp
    from referral_app.notifications.views import bp as notifications_bp
    from referral_app.notifications.views import mailbox_bp, outbox_bp
    from referral_app.profile.views import bp as profile_bp
    from referral_app.public.views import bp as public_bp
    from referral_app.referrals.views import bp as referrals_bp
    from referral_app.reports.views import bp as reports_bp
    from referral_app.trials.views import bp as trials_bp

    for blueprint in (
        public_bp,
        auth_bp,
        main_bp,
        referrals_bp,
        documents_bp,
        eligibility_bp,
        trials_bp,
        communities_bp,
        reports_bp,
        notifications_bp,
        outbox_bp,
        mailbox_bp,
        profile_bp,
        admin_bp,
    ):
        app.register_blueprint(blueprint)
    init_api(app)


def register_errorhandlers(app: Flask) -> None:
    from referral_app.errors import register

    register(app)


def register_request_hooks(app: Flask) -> None:
    from referral_app import inputs, security

    security.register_headers(app)
    inputs.register(app)


def register_template_helpers(app: Flask) -> None:
    from referral_app import templating

    templating.register(app)


def register_commands(app: Flask) -> None:
    from referral_app.commands import register

    register(app)


def register_proxy_fix(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` reverse proxies, believe their X-Forwarded-For/-Proto.

    With 0 (the default) those headers are ignored: anyone could write them.
    """
    from werkzeug.middleware.proxy_fix import ProxyFix

    trusted = int(app.config.get("TRUSTED_PROXIES") or 0)
    if trusted > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted)


def register_celery(app: Flask) -> None:
    from workers import celery_init_app

    celery_init_app(app)
