"""Command-line commands: ``flask --app wsgi <command>``."""

from __future__ import annotations

import click
from flask import Flask

from referral_app.extensions import db


def register(app: Flask) -> None:
    from referral_app.referrals.commands import COMMANDS as REFERRAL_COMMANDS
    from referral_app.reports.commands import seed_demo_referrals_command
    from referral_app.trials.commands import import_ctgov_command

    for command in (
        seed_demo_command,
        create_user_command,
        import_ctgov_command,
        seed_demo_referrals_command,
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
        click.echo(f"  {role:<24} {email}")


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
