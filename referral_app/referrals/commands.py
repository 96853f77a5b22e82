"""CLI: ``flask --app wsgi api-token create EMAIL`` and ``rotate-patient-key``."""

from __future__ import annotations

import click
from sqlalchemy import func, select

from referral_app.extensions import db


@click.group("api-token")
def api_token_group() -> None:
    """Personal API tokens."""


@api_token_group.command("create")
@click.argument("email")
@click.option("--name", default="CLI", help="A name to recognise the token by")
def create_token_command(email: str, name: str) -> None:
    """Create a token for EMAIL; the token is printed on the last line."""
    from referral_app.api import tokens
    from referral_app.models import User

    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No user with e-mail {email}.")
    if not user.active:
        raise click.ClickException(f"{email} is deactivated.")
    try:
        token, plain = tokens.create_token(user, name)
    except tokens.TokenError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Token {token.prefix}… created for {user.email}. It is shown only once:")
    click.echo(plain)


@click.command("rotate-patient-key")
def rotate_patient_key_command() -> None:
    """Re-encrypt patient identifiers with the first key of PATIENT_DATA_KEYS.

    Put the new key first, keep the old ones after it, run this, then drop the old keys.
    """
    from referral_app import patient_data

    changed = patient_data.rotate_all()
    db.session.commit()
    click.echo(f"Re-encrypted the identifiers of {changed} referral(s).")


COMMANDS = (api_token_group, rotate_patient_key_command)
