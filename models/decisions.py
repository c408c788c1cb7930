"""The level above's decision on its units' ratings (quyết định xếp loại), beside each unit's self-rating.

A unit rates itself in its report (`self_rating`, tự đánh giá); its parent, the level above, decides (quyết định),
and may decide again later (xếp loại lại). The quota (excellent ≤ 20% of good, 25% with the deciding level's
override and its reason) is checked on the decisions of one decider across its whole group, never on one unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import pendulum
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from models.audit import audit
from models.deciders import decided_by
from models.enums import DONE_STATUSES, AssignmentStatus, NoticeKind, NoticeStatus
from models.errors import InputError, Problem, capped
from models.outbox_keys import notice_key
from models.reports import QUOTA, QUOTA_OVERRIDE, RATINGS, SUBJECT_VI
from models.status import lock_campaign
from models.tables import Assignment, Campaign, OrgUnit, OutboxEntry, RatingDecision, Report


@dataclass(frozen=True)
class GroupRow:
    """One unit of a decider's group: what it said of itself, and what the level above decided."""

    code: str
    name: str
    self_rating: str | None
    decision: str | None
    decided_at: pendulum.DateTime | None
    version: int


def decide(
    session: Session,
    campaign: Campaign,
    decider: OrgUnit,
    ratings: dict[str, str],
    now: pendulum.DateTime,
    actor: str,
    levels: tuple[str, ...],
    override_reason: str | None = None,
    reason: str | None = None,
) -> list[GroupRow]:
    """Decide (or decide again) the ratings of some of the units `decider` decides (models.deciders), all or
    nothing; a unit is decided after it has reported and after every unit it decides has been decided."""
    lock_campaign(session, campaign.id)
    units = _group_members(session, campaign, decider, ratings, levels)
    current = _current(session, campaign.id, decider.id)
    after = {**{unit_id: row.rating for unit_id, row in current.items()}, **{u.id: ratings[u.code] for u in units}}
    override = override_reason or next((r.quota_override for r in current.values() if r.quota_override), None)
    _check_quota(decider, after, override is not None)
    for unit in units:
        previous = current.get(unit.id)
        if previous is not None and previous.rating == ratings[unit.code] and not override_reason:
            continue  # the same decision again changes nothing
        if previous is not None:
            previous.current = False
            session.flush()  # one current decision per unit, in the order the database sees them
        version = (previous.version if previous else 0) + 1
        session.add(
            RatingDecision(
                campaign_id=campaign.id,
                unit_id=unit.id,
                decider_id=decider.id,
                rating=ratings[unit.code],
                version=version,
                current=True,
                quota_override=override_reason,
                decided_at=now,
                actor=actor,
            )
        )
        session.add(
            _told(campaign, unit, decider, version, ratings[unit.code], previous, override_reason or reason, now)
        )
        audit(
            session,
            at=now,
            actor=actor,
            action="rating.rerate" if previous else "rating.decide",
            campaign_id=campaign.id,
            entity="unit",
            entity_key=unit.code,
            from_state=previous.rating if previous else None,
            to_state=ratings[unit.code],
            reason=override_reason or reason,
            details={"decider": decider.code, "quota_override": bool(override_reason)},
        )
    session.flush()
    return group(session, campaign, decider, levels)


def _told(
    campaign: Campaign,
    unit: OrgUnit,
    decider: OrgUnit,
    version: int,
    rating: str,
    previous: RatingDecision | None,
    reason: str | None,
    now: pendulum.DateTime,
) -> OutboxEntry:
    """The unit is told of the decision, and of a re-rating with the rating it replaces (Quy định 366, Điều 15)."""
    kind = NoticeKind.RATING_DECIDED.value
    return OutboxEntry(
        key=notice_key(campaign.key, unit.code, None, kind, f"v{version}"),
        campaign_id=campaign.id,
        unit_id=unit.id,
        kind=kind,
        days=0,
        recipients=[unit.code],
        status=NoticeStatus.PENDING.value,
        created_at=now,
        deliver_after=now,
        attempts=0,
        details={
            "rating": rating,
            "previous": previous.rating if previous else None,
            "decider": decider.name,
            "reason": reason or "",
        },
    )


def group(session: Session, campaign: Campaign, decider: OrgUnit, levels: tuple[str, ...]) -> list[GroupRow]:
    """Every unit `decider` decides in the campaign, with its self-rating and current decision."""
    children = list(session.scalars(decided_by(campaign.id, decider, levels)))
    current = _current(session, campaign.id, decider.id)
    own = self_ratings(session, campaign.id, [c.id for c in children])
    return [
        GroupRow(
            code=c.code,
            name=c.name,
            self_rating=own.get(c.id),
            decision=current[c.id].rating if c.id in current else None,
            decided_at=current[c.id].decided_at if c.id in current else None,
            version=current[c.id].version if c.id in current else 0,
        )
        for c in children
    ]


def self_ratings(
    session: Session, campaign_id: int, unit_ids: list[int] | None = None, within: str | None = None
) -> dict[int, str]:
    """Each unit's latest self-rating in a report it has submitted (None: every unit of the campaign, or of the
    subtree at the path `within`)."""
    query = _self_rated(campaign_id, within).order_by(Report.submitted_at, Report.id)
    if unit_ids is not None:
        query = query.where(Assignment.unit_id.in_(unit_ids))
    return {unit_id: rating for unit_id, rating in session.execute(query).tuples() if rating is not None}


def decisions(session: Session, campaign_id: int, within: str | None = None) -> dict[int, str]:
    """Every current decision of the campaign (or of the subtree at the path `within`): unit id → rating."""
    query = _decided(campaign_id, within).order_by(RatingDecision.id)
    return dict(session.execute(query).tuples().all())


def rated_by_self(campaign_id: int, within: str | None = None) -> Select[tuple[int, str | None, int]]:
    """`self_ratings` as a query: unit_id, rating, and `newest` (1: the self-rating `self_ratings` keeps)."""
    # `unit_id + 0`: not the column itself, so that SQLite reads the few reports with a self-rating and sorts them,
    # rather than walking every assignment of the campaign in unit order to save the sort.
    newest = func.row_number().over(
        partition_by=Assignment.unit_id + 0, order_by=(Report.submitted_at.desc(), Report.id.desc())
    )
    return _self_rated(campaign_id, within).add_columns(newest.label("newest"))


def rated_by_decision(campaign_id: int, within: str | None = None) -> Select[tuple[int, str, int]]:
    """`decisions` as a query: unit_id, rating, and `newest` (1: the decision `decisions` keeps)."""
    newest = func.row_number().over(partition_by=RatingDecision.unit_id, order_by=RatingDecision.id.desc())
    return _decided(campaign_id, within).add_columns(newest.label("newest"))


def _self_rated(campaign_id: int, within: str | None) -> Select[tuple[int, str | None]]:
    query = (
        select(Assignment.unit_id.label("unit_id"), Report.self_rating.label("rating"))
        .join(Report, Report.assignment_id == Assignment.id)
        .where(
            Assignment.campaign_id == campaign_id,
            Assignment.status.in_(DONE_STATUSES),
            Report.current.is_(True),
            Report.self_rating.is_not(None),
        )
    )
    if within is not None:
        query = query.join(OrgUnit, OrgUnit.id == Assignment.unit_id).where(
            OrgUnit.path.startswith(within, autoescape=True)
        )
    return query


def _decided(campaign_id: int, within: str | None) -> Select[tuple[int, str]]:
    query = select(RatingDecision.unit_id.label("unit_id"), RatingDecision.rating.label("rating")).where(
        RatingDecision.campaign_id == campaign_id, RatingDecision.current.is_(True)
    )
    if within is not None:
        query = query.join(OrgUnit, OrgUnit.id == RatingDecision.unit_id).where(
            OrgUnit.path.startswith(within, autoescape=True)
        )
    return query


def _group_members(
    session: Session, campaign: Campaign, decider: OrgUnit, ratings: dict[str, str], levels: tuple[str, ...]
) -> list[OrgUnit]:
    if not ratings:
        raise InputError(
            [Problem(rule="required", field="ratings", vi="chưa có xếp loại nào", en="no rating was given")]
        )
    found = {
        u.code: u
        for u in session.scalars(decided_by(campaign.id, decider, levels).where(OrgUnit.code.in_(list(ratings))))
    }
    assessed = set(self_ratings(session, campaign.id, [u.id for u in found.values()])) | _submitted(
        session, campaign.id, [u.id for u in found.values()]
    )
    problems = []
    for code, rating in ratings.items():
        unit, where = found.get(code), f"ratings.{code}"
        if rating not in RATINGS:
            problems.append(
                Problem(
                    rule="unknown_rating",
                    field=where,
                    vi=f"mức xếp loại «{rating}» không có; dùng một trong: {', '.join(RATINGS)}",
                    en=f"no rating '{rating}'; use one of: {', '.join(RATINGS)}",
                )
            )
        if unit is None:
            problems.append(
                Problem(
                    rule="not_in_group",
                    field=where,
                    vi=f"{decider.code} không quyết định xếp loại «{code}» trong đợt này: cấp ủy cấp trên trực tiếp "
                    "theo quan hệ quản lý quyết định (chi bộ trực thuộc: đảng ủy cơ sở)",
                    en=f"{decider.code} does not decide '{code}''s rating in this campaign: the committee directly "
                    "above by the management line does (a branch: its grassroots committee)",
                )
            )
        elif unit.id not in assessed:
            problems.append(
                Problem(
                    rule="not_self_assessed",
                    field=where,
                    vi=f"«{code}» chưa nộp báo cáo tự đánh giá: quyết định xếp loại sau khi đơn vị đã tự đánh giá",
                    en=f"'{code}' has not submitted its self-assessment yet: the rating is decided after it",
                )
            )
        elif undecided := _undecided_below(session, campaign, unit, levels):
            shown = ", ".join(undecided[:10]) + (f" … (+{len(undecided) - 10})" if len(undecided) > 10 else "")
            problems.append(
                Problem(
                    rule="group_not_decided",
                    field=where,
                    vi=f"«{code}» chưa quyết định xếp loại {len(undecided)} đơn vị do mình quyết định ({shown}): "
                    "xếp loại một tổ chức sau khi các đơn vị của nó đã được xếp loại",
                    en=f"'{code}' has not yet decided the ratings of {len(undecided)} units it decides ({shown}): an "
                    "organization is rated after its units",
                )
            )
    if problems:
        raise InputError(capped(problems))
    return [found[code] for code in ratings]


def _undecided_below(session: Session, campaign: Campaign, unit: OrgUnit, levels: tuple[str, ...]) -> list[str]:
    """The units `unit` decides that have no decision yet (exempt ones aside): it is rated after them."""
    decided = select(RatingDecision.unit_id).where(
        RatingDecision.campaign_id == campaign.id, RatingDecision.current.is_(True)
    )
    exempt = select(Assignment.unit_id).where(
        Assignment.campaign_id == campaign.id, Assignment.status == AssignmentStatus.EXEMPT.value
    )
    query = decided_by(campaign.id, unit, levels).where(OrgUnit.id.not_in(decided), OrgUnit.id.not_in(exempt))
    return [u.code for u in session.scalars(query)]


def _submitted(session: Session, campaign_id: int, unit_ids: list[int]) -> set[int]:
    query = select(Assignment.unit_id).where(
        Assignment.campaign_id == campaign_id,
        Assignment.unit_id.in_(unit_ids),
        Assignment.status.in_(DONE_STATUSES),
    )
    return set(session.scalars(query))


def _current(session: Session, campaign_id: int, decider_id: int) -> dict[int, RatingDecision]:
    rows = session.scalars(
        select(RatingDecision).where(
            RatingDecision.campaign_id == campaign_id,
            RatingDecision.decider_id == decider_id,
            RatingDecision.current.is_(True),
        )
    )
    return {row.unit_id: row for row in rows}


def _check_quota(decider: OrgUnit, after: dict[int, str], override: bool) -> None:
    """Excellent at most 20% (25% with the override) of good, over the decider's whole group, in whole numbers."""
    percent = round(100 * (QUOTA_OVERRIDE if override else QUOTA))
    excellent = sum(1 for r in after.values() if r == "excellent")
    good = sum(1 for r in after.values() if r == "good")
    if excellent * 100 <= percent * good:
        return
    allowed, name = percent * good // 100, SUBJECT_VI["organization"]
    hint_vi = "" if override else "; cấp quyết định có thể cho tới 25% với đơn vị tiêu biểu (--override-reason)"
    hint_en = (
        "" if override else "; the deciding level may allow up to 25% for an outstanding group (--override-reason)"
    )
    raise InputError(
        [
            Problem(
                rule="excellent_quota",
                field="ratings",
                vi=f"{name} thuộc {decider.code}: {excellent} xuất sắc trên {good} tốt, vượt mức {percent}% "
                f"(tối đa {allowed} xuất sắc){hint_vi}",
                en=f"organizations under {decider.code}: {excellent} excellent against {good} good, over the "
                f"{percent}% quota (at most {allowed} excellent){hint_en}",
            )
        ]
    )
