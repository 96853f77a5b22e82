"""``flask --app wsgi import-ctgov FILE.json [--community SLUG]`` or
``flask --app wsgi import-ctgov --nct NCT… [--nct NCT…]`` (from the registry's API)."""

from __future__ import annotations

import click
from flask_babel import force_locale

from referral_app.extensions import db


@click.command("import-ctgov")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--nct", "ncts", multiple=True, help="NCT number to fetch from the registry (repeatable)"
)
@click.option("--community", "community", default=None, help="Slug of the community of new trials")
def import_ctgov_command(path: str | None, ncts: tuple[str, ...], community: str | None) -> None:
    """Import trials from a ClinicalTrials.gov API v2 JSON export (``{"studies": [...]}``)
    or, with ``--nct``, from the registry's API (``CTGOV_API_URL``).

    New studies wait for review; changes to a published trial are held for review.
    Studies that cannot be read are left out, one line each on stderr (by NCT number,
    or position), and the command exits with 1; the others are imported.
    """
    from referral_app.trials import ctgov, registry_sync, services

    if bool(path) == bool(ncts):
        raise click.UsageError("Give either a JSON file or one or more --nct numbers.")
    not_found: list[str] = []
    with force_locale("en"):
        try:
            if path:
                report = ctgov.import_studies(path, community_slug=community)
            else:
                numbers = [registry_sync.normalise_nct(nct) for nct in ncts]
                result = registry_sync.import_from_registry(numbers, community_slug=community)
                report, not_found = result.report, result.not_found
        except (
            ValueError,  # a bad NCT number; ImportFileError
            registry_sync.RegistryError,
            services.TrialError,
        ) as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
        db.session.commit()
        for line in report.summary_lines():
            click.echo(line)
        # One line per study left out (the good ones are imported), and a failing exit.
        for bad in report.bad_studies:
            click.echo(f"Skipped {bad.message()}", err=True)
        for nct in not_found:
            click.echo(f"Not in the registry: {nct}", err=True)
    if report.bad_studies or not_found:
        raise SystemExit(1)
