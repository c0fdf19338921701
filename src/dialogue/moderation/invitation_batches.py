"""Bulk invitations: one call invites a whole list and keeps its outcome as a batch.

The batch is what the result page shows, so reloading that page reads the batch and never
invites anyone again. Links are shown and downloaded from it (there is no mail yet) without
being stored: each sent line keeps a random seed, and its token is an HMAC of that seed
under the server's secret, so the table alone opens no invitation.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import secrets
from datetime import timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts import invitations
from dialogue.accounts.models import User
from dialogue.config import Settings
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Dialogue
from dialogue.errors import Invalid, NotFound
from dialogue.i18n import gettext as _
from dialogue.moderation.audit import record_action
from dialogue.moderation.invitation_lists import Entry
from dialogue.moderation.models import InvitationBatch
from dialogue.policy import Role
from dialogue.spreadsheet import safe_cell

SENT, MEMBER, INVALID = "sent", "member", "invalid"


def token_of(secret: str, seed: str) -> str:
    mac = hmac.new(secret.encode(), b"invitation-batch:" + seed.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def invitation_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/invitations/{token}"


async def invite_list(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    actor: User,
    entries: list[Entry],
    role: Role,
    lifetime: timedelta,
    secret: str,
    mail: Settings | None = None,
) -> InvitationBatch:
    """Invite every valid line who is not a member yet, each audited (and e-mailed, with
    `mail`); keep the outcome."""
    assert dialogue.id is not None and actor.id is not None
    if not any(entry.problem is None for entry in entries):
        raise Invalid(
            _("No valid email address was found."),
            fields=[{"field": "emails", "message": "no valid address"}],
        )
    members = {
        user.email
        for _m, user in await dialogues.list_members(session=session, dialogue_id=dialogue.id)
    }
    rows: list[dict[str, Any]] = []
    for entry in entries:
        row: dict[str, Any] = {
            "line": entry.line,
            "email": entry.email,
            "role": (entry.role or role).value,
            "display_name": entry.display_name,
            "reason": entry.problem.value if entry.problem else None,
            "status": INVALID if entry.problem else MEMBER if entry.email in members else SENT,
        }
        if row["status"] == SENT:
            seed = secrets.token_urlsafe(16)
            invitation, _token = await invitations.create_invitation(
                session=session,
                dialogue=dialogue,
                inviter=actor,
                email=entry.email,
                role=Role(row["role"]),
                lifetime=lifetime,
                token=token_of(secret, seed),
                display_name=entry.display_name,
                mail=mail,
            )
            await record_action(
                session=session,
                dialogue_id=dialogue.id,
                actor_id=actor.id,
                action="member.invite",
                target_type="invitation",
                target_id=invitation.id,
                after={"email": entry.email, "role": row["role"]},
            )
            row |= {
                "seed": seed,
                "invitation_id": invitation.id,
                "expires_at": invitation.expires_at.isoformat(),
            }
        rows.append(row)
    batch = InvitationBatch(dialogue_id=dialogue.id, created_by=actor.id, rows=rows)
    session.add(batch)
    await session.flush()
    return batch


async def batch_of(
    *, session: AsyncSession, batch_id: int, dialogue: Dialogue, reader: User
) -> InvitationBatch:
    """A batch, for the organizer who made it only: everyone else is told it does not exist."""
    batch = await session.get(InvitationBatch, batch_id)
    if batch is None or batch.dialogue_id != dialogue.id or batch.created_by != reader.id:
        raise NotFound(_("Not found."))
    return batch


def batch_rows(batch: InvitationBatch, *, base_url: str, secret: str) -> list[dict[str, Any]]:
    """The batch's lines with each sent line's link (its seed is never shown)."""
    return [
        {k: v for k, v in row.items() if k != "seed"}
        | (
            {"url": invitation_url(base_url, token_of(secret, row["seed"]))}
            if "seed" in row
            else {}
        )
        for row in batch.rows
    ]


CSV_COLUMNS = ("email", "role", "display_name", "status", "reason", "url", "expires_at")


def rows_csv(rows: list[dict[str, Any]]) -> str:
    """The batch as CSV for a spreadsheet or a mail merge; every cell safe to open."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([safe_cell(str(row.get(name) or "")) for name in CSV_COLUMNS])
    return out.getvalue()
