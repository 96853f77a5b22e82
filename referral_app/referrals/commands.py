"""CLI: ``api-token create EMAIL``, ``rotate-patient-key`` and ``reminders``."""

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
    """Re-encrypt patient identifiers and documents with the first key of PATIENT_DATA_KEYS.

    Put the new key first, keep the old ones after it, run this, then drop the old keys.
    Documents are re-sealed under new data keys (their bytes re-encrypted, not only
    their keys re-wrapped), batch by batch.
    """
    from referral_app import patient_data
    from referral_app.documents import service as documents

    changed = patient_data.rotate_all()
    db.session.commit()
    click.echo(f"Re-encrypted the identifiers of {changed} referral(s).")
    resealed = documents.rotate_all()
    click.echo(f"Re-encrypted {resealed} document(s).")


def parse_moment(value: str | None):
    """``--at``: an ISO date or date-time; without a zone it is Quebec time."""
    import datetime as dt

    from referral_app.timeutil import QUEBEC_TZ, utcnow

    if not value:
        return utcnow()
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO date-time, e.g. 2026-12-01T09:00 or 2026-12-01.",
            param_hint="--at",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=QUEBEC_TZ)
    return moment


def _roles(recipients) -> str:
    from referral_app.models import Community

    leaders = set(db.session.scalars(select(Community.leader_id)))
    names = sorted(
        f"{u.role.value} (community leader)" if u.id in leaders else u.role.value
        for u in recipients
    )
    return ", ".join(names)


@click.command("reminders")
@click.option("--at", "at", default=None, help="Run as at this ISO date-time (Quebec time).")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; write nothing.")
def reminders_command(at: str | None, dry_run: bool) -> None:
    """Send (or preview) the reminders and escalations due, as the beat job does."""
    from referral_app import reminders

    now = parse_moment(at)
    sent = reminders.run(now, dry_run=dry_run)
    for reminder in sent:
        click.echo(f"{reminder.reference}\t{reminder.kind}\t{_roles(reminder.recipients)}")
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run: {len(sent)} reminder(s) or escalation(s) would be sent.")
        return
    db.session.commit()
    click.echo(f"{len(sent)} reminder(s) or escalation(s) queued.")


COMMANDS = (api_token_group, rotate_patient_key_command, reminders_command)
