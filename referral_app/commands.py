"""Command-line commands: ``flask --app wsgi <command>``."""

from __future__ import annotations

import click
from flask import Flask

from referral_app.extensions import db


def register(app: Flask) -> None:
    from referral_app.referrals.commands import COMMANDS as REFERRAL_COMMANDS
    from referral_app.reports.commands import reports_group, seed_demo_referrals_command
    from referral_app.trials.commands import import_ctgov_command

    for command in (
        seed_demo_command,
        create_user_command,
        import_ctgov_command,
        seed_demo_referrals_command,
        reports_group,
        mfa_code_command,
        *REFERRAL_COMMANDS,
    ):
        app.cli.add_command(command)


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo network (communities, centres, trials, users). Idempotent."""
    from referral_app import seed_data
    from referral_app.seeding import seed_demo

    created = seed_demo()
    summary = ", ".join(f"{kind}: {count}" for kind, count in created.items())
    click.echo(f"Demo network loaded (created {summary}).")
    click.echo(f"Demo logins (password: {seed_data.DEMO_PASSWORD}):")
    for role, email in seed_data.DEMO_LOGINS:
        click.echo(f"  {role:<32} {email}")
    _echo_demo_second_factor()


def _echo_demo_second_factor() -> None:
    from referral_app.seeding import enrol_demo_staff

    enrolled = enrol_demo_staff()
    click.echo(
        "Managers and admins need a second factor (TOTP). Current code of a demo user: "
        "flask --app wsgi mfa-code EMAIL"
    )
    for email, (secret, codes) in enrolled.items():
        if email.startswith("admin@"):
            click.echo(f"  {email}: authenticator key {secret}")
            click.echo(f"  {email}: recovery codes (shown once) {' '.join(codes)}")


@click.command("mfa-code")
@click.argument("email")
def mfa_code_command(email: str) -> None:
    """Print the current TOTP code of a user (development only)."""
    import pyotp
    from flask import current_app
    from sqlalchemy import func, select

    from referral_app.auth import mfa
    from referral_app.models import User

    if not current_app.config.get("DEV_MFA_COMMAND"):
        raise click.ClickException("mfa-code is for development only.")
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    secret = mfa.secret_of(user) if user is not None else None
    if secret is None:
        raise click.ClickException(f"{email} has no second factor.")
    click.echo(pyotp.TOTP(secret).now())


@click.command("create-user")
@click.argument("email")
@click.option("--role", required=True, help="coordinator, nurse, physician, manager or admin")
@click.option("--centre", "centre", required=True, help="Short name of the centre, e.g. CHUM")
@click.option("--password", required=True, help="At least 10 characters")
@click.option("--name", default=None, help="Display name (defaults to the e-mail)")
def create_user_command(
    email: str, role: str, centre: str, password: str, name: str | None
) -> None:
    """Create a user (an admin too) for scripts and operators."""
    from referral_app.seeding import create_user

    try:
        user = create_user(email, role, centre, password, name=name)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role.value}) at {user.centre.short_name}.")
