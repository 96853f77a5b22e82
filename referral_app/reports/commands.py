"""``flask --app wsgi seed-demo-referrals``: demo referrals for the report pages;
``flask --app wsgi reports rebuild-aggregates``: the monthly summaries from scratch."""

from __future__ import annotations

import click

from referral_app.extensions import db


@click.command("seed-demo-referrals")
@click.option("--count", default=400, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--seed", default=2026, show_default=True, help="Random seed (repeatable data).")
def seed_demo_referrals_command(count: int, seed: int) -> None:
    """Add COUNT demo referrals, with their history, between the demo centres."""
    from referral_app.reports.demo import seed_demo_referrals

    try:
        created = seed_demo_referrals(count, seed)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {created} demo referrals.")


@click.group("reports")
def reports_group() -> None:
    """Report maintenance."""


@reports_group.command("rebuild-aggregates")
def rebuild_aggregates_command() -> None:
    """Recompute the monthly report summaries from every referral (one transaction)."""
    from referral_app.models import ReportCentreMonth
    from referral_app.reports import aggregates

    aggregates.rebuild()
    rows = db.session.scalar(db.select(db.func.count()).select_from(ReportCentreMonth))
    db.session.commit()
    click.echo(f"Rebuilt the report summaries ({rows} centre-month rows).")
