"""Who may do what in evaluations (DOMAIN.md §8). What they may see is in selectors (always scoped)."""

from accounts.choices import DataScope
from accounts.roles import Role

from .choices import RoundStatus, SheetKind, SheetStatus


def may_manage_rounds(user) -> bool:
    """City staff and administrators open rounds, form teams, assign sites, excuse sheets and key in paper sheets.

    Rounds are the city's (DOMAIN.md §8: staff (city)): a staff account limited to a region sees every site of a
    round, every sheet and every scorer, so the permission alone is not enough; it takes the city-wide scope."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.has_perm("evaluations.change_round") and (user.is_superuser or user.scope == DataScope.CITY)


def leads_team(user, entry) -> bool:
    team = entry.team
    return team is not None and team.leader_id == getattr(user, "pk", None)


def may_see_progress(user, round_) -> bool:
    """Staff see every round's progress; a team leader their own teams' part (selectors.round_entries)."""
    if may_manage_rounds(user):
        return True
    return round_.teams.filter(leader=user).exists()


def may_return(user, sheet) -> bool:
    """The sheet's team leader, or staff, while the round is scoring and the sheet submitted."""
    if sheet.kind != SheetKind.ONSITE or sheet.status != SheetStatus.SUBMITTED:
        return False
    if sheet.entry.round.status != RoundStatus.SCORING:
        return False
    return may_manage_rounds(user) or leads_team(user, sheet.entry)


def is_reopened(sheet, round_status: str | None = None) -> bool:
    """A submitted on-site sheet that staff reopened after scoring closed (publication.sheet_reopen), to correct
    it after an upheld objection: back in progress, with the reason, in a scored or published round. It can be
    corrected and submitted again, recorded like any change after submission; a finalized round's sheets never
    can."""
    status = round_status or sheet.entry.round.status
    return (
        sheet.kind == SheetKind.ONSITE
        and status in (RoundStatus.SCORED, RoundStatus.PUBLISHED)
        and sheet.status == SheetStatus.IN_PROGRESS
        and sheet.first_submitted_at is not None
        and bool(sheet.returned_reason)
    )


def may_score(user, sheet) -> bool:
    """The sheet's own scorer, on an online sheet, while the round is scoring and the sheet neither submitted nor
    excused, or once staff reopened it: the score sheet page shows its inputs (services refuse every other change
    the same way)."""
    if sheet.kind != SheetKind.ONSITE or sheet.scorer_id != getattr(user, "pk", None):
        return False
    if is_reopened(sheet):
        return True
    return sheet.entry.round.status == RoundStatus.SCORING and sheet.status in (
        SheetStatus.NOT_STARTED,
        SheetStatus.IN_PROGRESS,
    )


def is_site_leader_of(user, site) -> bool:
    """A site leader (role) in the site's creation group: fills the site's self-assessment."""
    if not getattr(user, "is_authenticated", False) or not user.has_role(Role.LEADER):
        return False
    return site.group_members.filter(user=user).exists()
