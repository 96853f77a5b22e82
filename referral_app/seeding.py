"""Load the demo network of ``seed_data`` into the database, and create users.

``seed_demo`` is idempotent: every record is looked up by its natural key (region
code, centre short name, community slug, user e-mail, trial NCT number, site as
trial and centre) and only what is missing is created, so a second run creates
nothing. It never changes a record that already exists, except to fill in a
community leader that is still empty and to add missing intake contacts.

``create_user`` is the checked way to add one user (``flask create-user``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from referral_app import seed_data
from referral_app.eligibility.demo_criteria import DEMO_CRITERIA
from referral_app.eligibility.service import set_criteria
from referral_app.extensions import db
from referral_app.models import (
    Centre,
    Community,
    Language,
    Membership,
    Phase,
    Region,
    Role,
    SiteStatus,
    Trial,
    TrialSite,
    TrialStatus,
    User,
)
from referral_app.security import MIN_PASSWORD_LENGTH, hash_password

KINDS = (
    "regions",
    "centres",
    "communities",
    "users",
    "memberships",
    "leaders",
    "trials",
    "sites",
    "intake_contacts",
    "criteria",
)


def seed_demo() -> dict[str, int]:
    """Create whatever is missing of the demo network; return counts created per kind."""
    counts = dict.fromkeys(KINDS, 0)
    regions = _seed_regions(counts)
    centres = _seed_centres(regions, counts)
    communities = _seed_communities(counts)
    users = _seed_users(centres, counts)
    _seed_memberships(users, communities, counts)
    _seed_leaders(users, communities, counts)
    _seed_trials(centres, communities, users, counts)
    db.session.commit()
    return counts


# ---------------------------------------------------------------------------
# Network: regions, centres, communities
# ---------------------------------------------------------------------------


def _seed_regions(counts: dict[str, int]) -> dict[str, Region]:
    regions = {r.code: r for r in db.session.scalars(sa.select(Region))}
    for code, name in seed_data.REGIONS:
        if code not in regions:
            regions[code] = Region(code=code, name=name)
            db.session.add(regions[code])
            counts["regions"] += 1
    db.session.flush()
    return regions


def _seed_centres(regions: dict[str, Region], counts: dict[str, int]) -> dict[str, Centre]:
    centres = {c.short_name: c for c in db.session.scalars(sa.select(Centre))}
    for data in seed_data.CENTRES:
        if data["short_name"] in centres:
            continue
        centre = Centre(
            name=data["name"],
            short_name=data["short_name"],
            city=data["city"],
            region=regions[data["region_code"]],
            intake_email=data["intake_email"],
        )
        db.session.add(centre)
        centres[centre.short_name] = centre
        counts["centres"] += 1
    db.session.flush()
    return centres


def _seed_communities(counts: dict[str, int]) -> dict[str, Community]:
    communities = {c.slug: c for c in db.session.scalars(sa.select(Community))}
    for data in seed_data.COMMUNITIES:
        if data["slug"] in communities:
            continue
        community = Community(
            slug=data["slug"],
            name_fr=data["name_fr"],
            name_en=data["name_en"],
            tumour_sites=data["tumour_sites"],
            launched_on=_date(data["launched_on"]),
            partner=data["partner"],
            description_fr=data["description_fr"],
            description_en=data["description_en"],
            goals_fr=data["goals_fr"],
            goals_en=data["goals_en"],
        )
        db.session.add(community)
        communities[community.slug] = community
        counts["communities"] += 1
    db.session.flush()
    return communities


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


# ---------------------------------------------------------------------------
# People: users, memberships, leaders
# ---------------------------------------------------------------------------


def _seed_users(centres: dict[str, Centre], counts: dict[str, int]) -> dict[str, User]:
    emails = [data["email"] for data in seed_data.USERS]
    users = {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.in_(emails)))}
    # One argon2 hash for every demo user: they share the demo password, and hashing
    # it once keeps seeding (and the tests that seed) fast.
    password_hash: str | None = None
    for data in seed_data.USERS:
        if data["email"] in users:
            continue
        password_hash = password_hash or hash_password(seed_data.DEMO_PASSWORD)
        user = User(
            email=data["email"],
            name=data["name"],
            role=Role(data["role"]),
            centre=centres[data["centre"]],
            language=Language(data["language"]),
            password_hash=password_hash,
        )
        db.session.add(user)
        users[user.email] = user
        counts["users"] += 1
    db.session.flush()
    return users


def _seed_memberships(
    users: dict[str, User], communities: dict[str, Community], counts: dict[str, int]
) -> None:
    user_ids = [user.id for user in users.values()]
    rows = db.session.execute(
        sa.select(Membership.user_id, Membership.community_id).where(
            Membership.user_id.in_(user_ids)
        )
    )
    existing = {(row.user_id, row.community_id) for row in rows}
    for data in seed_data.USERS:
        user = users[data["email"]]
        for slug in data["communities"]:
            community = communities[slug]
            if (user.id, community.id) in existing:
                continue
            membership = Membership(user=user, community=community)
            if community.launched_on is not None:
                membership.since = community.launched_on
            db.session.add(membership)
            existing.add((user.id, community.id))
            counts["memberships"] += 1


def _seed_leaders(
    users: dict[str, User], communities: dict[str, Community], counts: dict[str, int]
) -> None:
    """Give each community without a leader its demo leader; never replace one."""
    for data in seed_data.USERS:
        for slug in data["leader_of"]:
            community = communities[slug]
            if community.leader_id is None:
                community.leader_id = users[data["email"]].id
                counts["leaders"] += 1


# ---------------------------------------------------------------------------
# Trials and their sites
# ---------------------------------------------------------------------------


def _seed_trials(
    centres: dict[str, Centre],
    communities: dict[str, Community],
    users: dict[str, User],
    counts: dict[str, int],
) -> None:
    numbers = [data["nct_number"] for data in seed_data.TRIALS]
    trials = {
        t.nct_number: t
        for t in db.session.scalars(
            sa.select(Trial)
            .where(Trial.nct_number.in_(numbers))
            .options(selectinload(Trial.sites).selectinload(TrialSite.intake_contacts))
        )
    }
    for data in seed_data.TRIALS:
        trial = trials.get(data["nct_number"])
        if trial is None:
            trial = _new_trial(data, communities[data["community"]])
            counts["trials"] += 1
        for site_data in data["sites"]:
            _seed_site(trial, site_data, centres, users, counts)
        if not trial.eligibility_version:  # never over what a person edited since
            db.session.flush()
            set_criteria(trial, DEMO_CRITERIA[trial.nct_number], None, note="demo")
            counts["criteria"] += 1
    db.session.flush()


def _new_trial(data: dict[str, Any], community: Community) -> Trial:
    trial = Trial(
        nct_number=data["nct_number"],
        acronym=data["acronym"],
        title=data["title"],
        sponsor=data["sponsor"],
        phase=Phase(data["phase"]),
        community=community,
        tumour_site=data["tumour_site"],
        biomarkers=data["biomarkers"],
        eligibility_summary=data["eligibility_summary"],
        is_niche=data["is_niche"],
        status=TrialStatus(data["status"]),
        is_demo=True,
    )
    db.session.add(trial)
    return trial


def _seed_site(
    trial: Trial,
    data: dict[str, Any],
    centres: dict[str, Centre],
    users: dict[str, User],
    counts: dict[str, int],
) -> None:
    centre = centres[data["centre"]]
    site = next((s for s in trial.sites if s.centre_id == centre.id), None)
    if site is None:
        site = TrialSite(
            centre=centre,
            region_id=centre.region_id,
            niche=trial.is_niche,
            status=_site_status(trial, centre, SiteStatus(data["status"])),
            investigator_name=data["investigator_name"],
        )
        trial.sites.append(site)
        counts["sites"] += 1
    for email in data.get("intake", []):
        contact = users[email]
        if contact.centre_id != centre.id:
            raise ValueError(f"Intake contact {email} is not at {centre.short_name}.")
        if contact not in site.intake_contacts:
            site.intake_contacts.append(contact)
            counts["intake_contacts"] += 1
    if site.status == SiteStatus.RECRUITING and site.vouched_at is None:
        _seed_vouch(site, trial.nct_number + centre.short_name)


def _seed_vouch(site: TrialSite, key: str) -> None:
    """A confirmation 0 to 51 days ago, the same on every run: a few demo sites are due
    to confirm and a few are unverified (``trials.confirmation``)."""
    days = sum(key.encode()) % 52
    site.vouched_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    site.vouched_by = site.intake_contacts[0] if site.intake_contacts else None


def _site_status(trial: Trial, centre: Centre, wanted: SiteStatus) -> SiteStatus:
    """The status for a new site, keeping the niche rule if the data changed meanwhile.

    A niche trial already recruiting elsewhere in the centre's region (for example
    because an admin opened another site) gets its new site as ``upcoming``.
    """
    if not (trial.is_niche and wanted == SiteStatus.RECRUITING):
        return wanted
    region_taken = any(
        s.niche and s.status == SiteStatus.RECRUITING and s.region_id == centre.region_id
        for s in trial.sites
    )
    return SiteStatus.UPCOMING if region_taken else wanted


# ---------------------------------------------------------------------------
# One user
# ---------------------------------------------------------------------------


def create_user(
    email: str,
    role: str | Role,
    centre_short_name: str,
    password: str,
    name: str | None = None,
) -> User:
    """Add a user to the session (the caller commits); ``ValueError`` on bad input."""
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise ValueError(f"Invalid e-mail address: {email!r}.")
    role_value = _role(role)
    centre = _centre(centre_short_name)
    if db.session.scalar(sa.select(User.id).where(sa.func.lower(User.email) == email)):
        raise ValueError(f"A user with the e-mail {email} already exists.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    user = User(
        email=email,
        name=(name or "").strip() or email,
        role=role_value,
        centre=centre,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    return user


def _role(role: str | Role) -> Role:
    try:
        return Role(str(role).strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValueError(f"Unknown role {role!r}: use one of {allowed}.") from None


def _centre(short_name: str) -> Centre:
    wanted = short_name.strip()
    centre = db.session.scalar(sa.select(Centre).where(Centre.short_name == wanted))
    if centre is not None:
        return centre
    # Case-insensitive fallback in Python: SQLite's lower() ignores accents (Îles).
    centres = db.session.scalars(sa.select(Centre).order_by(Centre.short_name)).all()
    for candidate in centres:
        if candidate.short_name.casefold() == wanted.casefold():
            return candidate
    known = ", ".join(c.short_name for c in centres)
    hint = f" Known centres: {known}." if known else " No centre exists yet."
    raise ValueError(f"Unknown centre {short_name!r}.{hint}")


def enrol_demo_staff() -> dict[str, tuple[str, list[str]]]:
    """Turn the second factor on for the demo managers and admins not enrolled yet.

    Returns ``{email: (secret, recovery codes)}`` for those enrolled now; the
    ``seed-demo`` command prints them (and ``flask mfa-code EMAIL`` prints a code).
    """
    import pyotp

    from referral_app.auth import mfa

    emails = [data["email"] for data in seed_data.USERS]
    staff = db.session.scalars(
        sa.select(User)
        .where(User.email.in_(emails), User.role.in_([Role.MANAGER, Role.ADMIN]))
        .order_by(User.email)
    ).all()
    enrolled = {}
    for user in staff:
        if user.mfa_secret_encrypted is None:
            secret = pyotp.random_base32()
            enrolled[user.email] = (secret, mfa.enable_with_secret(user, secret))
    db.session.commit()
    return enrolled
