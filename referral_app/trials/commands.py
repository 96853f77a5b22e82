"""``flask --app wsgi import-ctgov FILE.json [--community SLUG]``."""

from __future__ import annotations

import click
from flask_babel import force_locale

from referral_app.extensions import db


@click.command("import-ctgov")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--community", "community", default=None, help="Slug of the community of new trials")
def import_ctgov_command(path: str, community: str | None) -> None:
    """Import trials from a ClinicalTrials.gov API v2 JSON export (``{"studies": [...]}``).

    Studies that cannot be read are left out, one line each on stderr (by NCT number,
    or position), and the command exits with 1; the others are imported.
    """
    from referral_app.trials import ctgov, services

    try:
        report = ctgov.import_studies(path, community_slug=community)
    except (ctgov.ImportFileError, services.TrialError) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    with force_locale("en"):
        for line in report.summary_lines():
            click.echo(line)
        # One line per study left out (the good ones are imported), and a failing exit.
        for bad in report.bad_studies:
            click.echo(f"Skipped {bad.message()}", err=True)
    if report.bad_studies:
        raise SystemExit(1)
