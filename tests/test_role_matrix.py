"""Who may do what: every foundation action against every kind of caller, in both visibilities.

The expected statuses are written out here from the contract's REST table; they are not
computed from `dialogue.policy` (that would test the policy against itself). A non-member of
an `invite` dialogue gets 404 for everything in it, exactly as if it did not exist.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from dialogue.access import SESSION_COOKIE
from dialogue.accounts import resets
from dialogue.accounts import service as accounts
from dialogue.accounts.models import TokenKind, User
from dialogue.csrf import CSRF_COOKIE, CSRF_FIELD
from dialogue.db import utcnow
from dialogue.dialogues import service as dialogues
from dialogue.dialogues import theme_service
from dialogue.dialogues.models import Dialogue, Theme
from dialogue.events.publish import commit
from dialogue.moderation import concerns, invitation_batches, invitation_lists
from dialogue.policy import (
    ROLE_ACTIONS,
    SITE_ACTIONS,
    Action,
    Refusal,
    ReportAudience,
    ReportReview,
    ReportState,
    Role,
    Standing,
    ThreadState,
    Visibility,
    can,
    denial_status,
    may_act_on,
    may_download,
    may_move_report,
    may_reply,
    member_acts,
    role_in_dialogue,
    skips_queue,
)
from dialogue.state import app_state
from dialogue.threads import service as threads
from tests.factories import PASSWORD, Factory
from tests.helpers import browser, invite, session_token
from tests.test_route_policy import routes_of

CALLERS = (
    "anonymous",
    "outsider",  # signed in, member of nothing
    "observer",
    "participant",
    "expert",
    "advisor",
    "moderator",
    "organizer",
    "admin",  # site admin, not a member
    "other_moderator",  # moderator of another dialogue only
)
MEMBERS = ("observer", "participant", "expert", "advisor", "moderator", "organizer")
NON_MEMBERS = ("anonymous", "outsider", "other_moderator")
_unique = itertools.count(1)


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(CALLERS, status)


def signed_in(status: int) -> dict[str, int]:
    return {**everyone(status), "anonymous": 401}


def only(ok: int, *allowed: str) -> dict[str, int]:
    """`ok` for the listed callers; 401 for the anonymous caller and 403 for everyone else."""
    return {c: ok if c in allowed else 401 if c == "anonymous" else 403 for c in CALLERS}


@dataclass
class World:
    app: FastAPI
    dialogue: Dialogue
    theme: Theme
    target: User  # a participant whose membership the member rows change
    staff_target: User  # a moderator, whom only organizers may act on
    users: dict[str, User]
    spare: User  # the account the anonymous caller signs in with

    def user(self, caller: str) -> User | None:
        return self.users.get(caller)


@dataclass(frozen=True)
class Row:
    """One action: how to call it and, for a `public` dialogue, each caller's status."""

    name: str
    method: str
    path: str
    expected: dict[str, int]
    page: bool = False  # an HTML route: session cookie and CSRF form field
    body: Callable[[World, str], Any] | None = None
    in_dialogue: bool = True  # invite dialogue: non-members get 404
    form: bool = False
    visibility_matters: bool = True  # else the row runs against a public dialogue only
    reset: bool = False  # `{token}` (and a body's `token`) is a fresh password-reset token

    def expected_for(self, visibility: str) -> dict[str, int]:
        if visibility == "invite" and self.in_dialogue:
            return {**self.expected, **dict.fromkeys(NON_MEMBERS, 404)}
        return self.expected


def _theme_body(world: World, caller: str) -> dict[str, Any]:
    opens = utcnow() + timedelta(days=30)
    return {
        "title": f"Theme by {caller}",
        "opens_at": opens.isoformat(),
        "closes_at": (opens + timedelta(days=7)).isoformat(),
    }


def _credentials(world: World, caller: str) -> dict[str, str]:
    user = world.user(caller) or world.spare
    return {"email": user.email, "password": PASSWORD}


def _new_account(world: World, caller: str) -> dict[str, str] | None:
    return {"display_name": "Newcomer", "password": PASSWORD} if caller == "anonymous" else None


def _mute_body() -> dict[str, str]:
    return {"muted_until": (utcnow() + timedelta(hours=1)).isoformat(), "reason": "matrix"}


def _page_mute_body(world: World, caller: str) -> dict[str, str]:
    # A minute apart per call: `datetime-local` has minutes, and the same end twice is a 409.
    until = utcnow() + timedelta(hours=1, minutes=next(_unique))
    return {"action": "mute", "until": until.strftime("%Y-%m-%dT%H:%M"), "reason": "matrix"}


async def _reset_token(app: FastAPI) -> str:
    """A reset link of an account of its own, so that using it changes no caller's login."""
    async with app_state(app).database.session() as session:
        user = await accounts.create_user(
            session=session, email=f"reset-{next(_unique)}@example.org", password=None
        )
        token = await resets.create_reset(session=session, user=user, created_by=None)
        await session.commit()
        return token


async def _batch(world: World) -> int:
    """A bulk invitation made by the dialogue's organizer: only they may see it."""
    async with app_state(world.app).database.session() as session:
        batch = await invitation_batches.invite_list(
            session=session,
            dialogue=world.dialogue,
            actor=world.users["organizer"],
            entries=invitation_lists.read_pasted(f"batch-{next(_unique)}@example.org"),
            role=Role.PARTICIPANT,
            lifetime=timedelta(days=1),
            secret="matrix",
        )
        await session.commit()
        assert batch.id is not None
        return batch.id


async def _fresh_concern(world: World) -> int:
    """A concern of its own for each caller of a row that moves one on."""
    async with app_state(world.app).database.session() as session:
        concern = await concerns.raise_concern(
            session=session,
            dialogue=world.dialogue,
            raiser=world.users["participant"],
            body="A concern about conduct.",
            about_user_id=world.target.id,
            sees_members=False,
        )
        await session.commit()
        assert concern.id is not None
        return concern.id


async def _post(world: World) -> int:
    """A participant's published post, to act on."""
    author = world.users["participant"]
    async with app_state(world.app).database.session() as session:
        membership = await dialogues.get_membership(
            session=session, dialogue_id=world.dialogue.id or 0, user_id=author.id or 0
        )
        _thread, post, _created = await threads.create_thread(
            session=session,
            dialogue=world.dialogue,
            theme=world.theme,
            user=author,
            membership=membership,
            title="A thread",
            body="A post to warn about.",
            client_id=None,
            restricted=False,
        )
        await commit(session)
        assert post.id is not None
        return post.id


def _dialogue_body(world: World, caller: str) -> dict[str, Any]:
    return {"slug": f"made-by-{caller.replace('_', '-')}-{next(_unique)}", "title": "New"}


def _settings_form(world: World, caller: str) -> dict[str, Any]:
    d = world.dialogue
    return {
        "slug": d.slug,
        "title": f"Renamed by {caller}",
        "visibility": d.visibility,
        "moderation": d.moderation,
        "flag_threshold": "3",
    }


def _theme_form(world: World, caller: str) -> dict[str, Any]:
    opens = utcnow() + timedelta(days=30)
    return {
        "title": f"Theme by {caller}",
        "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (opens + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "summary": f"Summary by {caller}",
    }


async def _fresh_theme(world: World) -> int:
    """A theme of its own for each caller of a row that deletes one."""
    async with app_state(world.app).database.session() as session:
        theme = await theme_service.create_theme(
            session=session,
            dialogue=world.dialogue,
            fields={
                "title": "To delete",
                "opens_at": utcnow(),
                "closes_at": utcnow() + timedelta(days=1),
            },
        )
        await commit(session)
        assert theme.id is not None
        return theme.id


TABLE: list[Row] = [
    # accounts/api.py
    Row(
        "api login",
        "POST",
        "/api/v1/auth/login",
        everyone(200),
        body=_credentials,
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "api logout",
        "POST",
        "/api/v1/auth/logout",
        signed_in(204),
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row("metrics", "GET", "/metrics", everyone(200), in_dialogue=False, visibility_matters=False),
    Row("me", "GET", "/api/v1/me", signed_in(200), in_dialogue=False, visibility_matters=False),
    Row(
        "me update",
        "PATCH",
        "/api/v1/me",
        signed_in(200),
        body=lambda w, c: {"organization": f"Org of {c}"},
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "me password",
        "POST",
        "/api/v1/me/password",
        signed_in(422),  # past the policy, a common new password is refused: nothing changes
        body=lambda w, c: {"current_password": PASSWORD, "password": "password1234"},
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "password form",
        "POST",
        "/me/password",
        signed_in(422),
        page=True,
        form=True,
        body=lambda w, c: {"current_password": PASSWORD, "password": "password1234"},
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "api invitation accept",
        "POST",
        "/api/v1/invitations/{token}/accept",
        everyone(200),
        body=_new_account,
        in_dialogue=False,  # whoever holds the token, whatever the dialogue's visibility
    ),
    Row(
        "api password forgot",
        "POST",
        "/api/v1/auth/password/forgot",
        everyone(202),  # never says whether an account has the address
        body=lambda w, c: {"email": f"nobody-{next(_unique)}@example.org"},
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "api password reset",
        "POST",
        "/api/v1/auth/password/reset",
        everyone(204),
        body=lambda w, c: {"password": "a new matrix passphrase"},
        in_dialogue=False,
        visibility_matters=False,
        reset=True,
    ),
    # dialogues/api.py
    Row(
        "dialogue create",
        "POST",
        "/api/v1/dialogues",
        only(201, "admin"),
        body=_dialogue_body,
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row("dialogue list", "GET", "/api/v1/dialogues", everyone(200), in_dialogue=False),
    Row("dialogue read", "GET", "/api/v1/dialogues/{slug}", everyone(200)),
    Row(
        "dialogue update",
        "PATCH",
        "/api/v1/dialogues/{slug}",
        only(200, "organizer", "admin"),
        body=lambda w, c: {"title": f"Renamed by {c}"},
    ),
    Row(
        "conduct accept",
        "POST",
        "/api/v1/dialogues/{slug}/conduct/accept",
        # An admin who is not a member has no code to accept (403 not_member).
        only(204, *MEMBERS),
        body=lambda w, c: {"version": 1},
    ),
    Row(
        "theme create",
        "POST",
        "/api/v1/dialogues/{slug}/themes",
        only(201, "organizer", "admin"),
        body=_theme_body,
    ),
    Row(
        "theme update",
        "PATCH",
        "/api/v1/themes/{theme_id}",
        only(200, "moderator", "organizer", "admin"),
        body=lambda w, c: {"summary": f"Summary by {c}"},
    ),
    Row(
        "theme delete",
        "DELETE",
        "/api/v1/themes/{fresh_theme}",
        only(204, "organizer", "admin"),
    ),
    Row(
        "invitation create",
        "POST",
        "/api/v1/dialogues/{slug}/invitations",
        only(201, "organizer", "admin"),
        body=lambda w, c: {"email": f"{c}-{next(_unique)}@example.org", "role": "participant"},
    ),
    Row(
        "members read",
        "GET",
        "/api/v1/dialogues/{slug}/members",
        only(200, "advisor", "moderator", "organizer", "admin"),
    ),
    Row(
        "member role set",
        "PUT",
        "/api/v1/dialogues/{slug}/members/{target}",
        only(200, "organizer", "admin"),
        body=lambda w, c: {"role": "expert"},
    ),
    Row(
        "member mute",
        "PUT",
        "/api/v1/dialogues/{slug}/members/{target}",
        only(200, "moderator", "organizer", "admin"),
        body=lambda w, c: _mute_body(),
    ),
    Row(
        "member mute of staff",
        "PUT",
        "/api/v1/dialogues/{slug}/members/{staff_target}",
        # `policy.may_act_on`: only organizers act on moderators and organizers.
        only(200, "organizer", "admin"),
        body=lambda w, c: _mute_body(),
    ),
    # health.py
    Row("liveness", "GET", "/healthz", everyone(200), in_dialogue=False, visibility_matters=False),
    Row("readiness", "GET", "/readyz", everyone(200), in_dialogue=False, visibility_matters=False),
    Row(
        "site icon",
        "GET",
        "/favicon.ico",
        everyone(200),
        in_dialogue=False,
        visibility_matters=False,
    ),
    # web/pages.py
    Row("home page", "GET", "/", everyone(200), page=True, in_dialogue=False),
    Row(
        "login page",
        "GET",
        "/login",
        everyone(200),
        page=True,
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "login form",
        "POST",
        "/login",
        everyone(303),
        page=True,
        form=True,
        body=_credentials,
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "logout form",
        "POST",
        "/logout",
        signed_in(303),
        page=True,
        form=True,
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "invitation page",
        "GET",
        "/invitations/{token}",
        everyone(200),
        page=True,
        in_dialogue=False,
    ),
    Row(
        "invitation form",
        "POST",
        "/invitations/{token}",
        everyone(303),
        page=True,
        form=True,
        body=_new_account,
        in_dialogue=False,
    ),
    # web/password_pages.py
    Row(
        "password forgot page",
        "GET",
        "/password/forgot",
        everyone(200),
        page=True,
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "password forgot form",
        "POST",
        "/password/forgot",
        everyone(303),
        page=True,
        form=True,
        body=lambda w, c: {"email": f"nobody-{next(_unique)}@example.org"},
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "password reset page",
        "GET",
        "/password/reset/{token}",
        everyone(200),
        page=True,
        in_dialogue=False,
        visibility_matters=False,
        reset=True,
    ),
    Row(
        "password reset form",
        "POST",
        "/password/reset/{token}",
        everyone(303),
        page=True,
        form=True,
        body=lambda w, c: {"password": "a new matrix passphrase"},
        in_dialogue=False,
        visibility_matters=False,
        reset=True,
    ),
    # web/admin_pages.py
    Row(
        "admin page",
        "GET",
        "/admin",
        only(200, "admin"),
        page=True,
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "admin invite form",
        "POST",
        "/admin/admins",
        only(201, "admin"),  # a new account: the answer shows its one-time password link
        page=True,
        form=True,
        body=lambda w, c: {"email": f"admin-by-{c}-{next(_unique)}@example.org"},
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "admin mail retry form",
        "POST",
        "/admin/mail/{message_id}/retry",
        only(303, "admin"),  # no such dead letter: nothing to send again, no error
        page=True,
        form=True,
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "admin reset link form",
        "POST",
        "/admin/people/{target}/reset",
        only(201, "admin"),
        page=True,
        form=True,
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "admin disable form",
        "POST",
        "/admin/people/{target}/disable",
        only(303, "admin"),
        page=True,
        form=True,
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "admin delete account form",
        "POST",
        "/admin/people/{target}/delete",
        only(303, "admin"),
        page=True,
        form=True,
        body=lambda w, c: {"posts": "keep"},
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "admin enable form",
        "POST",
        "/admin/people/{target}/enable",
        only(409, "admin"),  # the policy lets the admin through; the account is not disabled
        page=True,
        form=True,
        in_dialogue=False,
        visibility_matters=False,
    ),
    # web/member_pages.py
    Row(
        "members page",
        "GET",
        "/d/{slug}/moderation/members",
        only(200, "advisor", "moderator", "organizer", "admin"),
        page=True,
    ),
    Row(
        "member mute form",
        "POST",
        "/d/{slug}/moderation/members/{target}",
        only(303, "moderator", "organizer", "admin"),
        page=True,
        form=True,
        body=_page_mute_body,
    ),
    Row(
        "member role form",
        "POST",
        "/d/{slug}/moderation/members/{target}",
        only(303, "organizer", "admin"),
        page=True,
        form=True,
        # A different role for each caller that may: the same role twice would be a 409.
        body=lambda w, c: {"action": "role", "role": "observer" if c == "admin" else "expert"},
    ),
    Row(
        "member mute form on staff",
        "POST",
        "/d/{slug}/moderation/members/{staff_target}",
        only(303, "organizer", "admin"),
        page=True,
        form=True,
        body=_page_mute_body,
    ),
    # web/invitation_pages.py
    Row(
        "bulk invitation form",
        "POST",
        "/d/{slug}/moderation/invitations",
        only(303, "organizer", "admin"),
        page=True,
        form=True,
        body=lambda w, c: {"emails": f"bulk-{c}-{next(_unique)}@example.org", "role": "expert"},
    ),
    Row(
        "invitation batch page",
        "GET",
        "/d/{slug}/moderation/invitations/{batch_id}",
        {**only(200, "organizer"), "admin": 404},  # only whoever made it
        page=True,
    ),
    Row(
        "invitation batch csv",
        "GET",
        "/d/{slug}/moderation/invitations/{batch_id}/links.csv",
        {**only(200, "organizer"), "admin": 404},
        page=True,
    ),
]
REVIEWERS = ("advisor", "moderator", "organizer", "admin")
TABLE += [
    # web/report_pages.py, web/report_workflow_pages.py, web/report_published_pages.py
    Row("report page", "GET", "/d/{slug}/report", only(200, *REVIEWERS), page=True),
    Row(
        "report job form",
        "POST",
        "/d/{slug}/report/jobs",
        only(303, "advisor", "organizer", "admin"),
        page=True,
        form=True,
        body=lambda w, c: {"format": "json"},
    ),
    Row(
        "report job page",
        "GET",
        "/d/{slug}/report/jobs/{job_id}",
        only(404, "advisor", "organizer", "admin"),  # a job that does not exist
        page=True,
    ),
    Row(
        "report quote review form",
        "POST",
        "/d/{slug}/report/quotes",
        only(303, *REVIEWERS),  # moderators too: the list, not the files
        page=True,
        form=True,
    ),
    Row(
        "report quote review page",
        "GET",
        "/d/{slug}/report/quotes/{job_id}",
        only(404, *REVIEWERS),  # a list that does not exist (or no longer)
        page=True,
    ),
    Row(
        "report narrative form",
        "POST",
        "/d/{slug}/report/narrative",
        only(303, "moderator", "organizer", "admin"),
        page=True,
        form=True,
        body=lambda w, c: {"introduction": f"Written by {c}"},
    ),
    Row(
        "report comment form",
        "POST",
        "/d/{slug}/report/comments",
        only(303, *REVIEWERS),
        page=True,
        form=True,
        body=lambda w, c: {"body": f"Comment by {c}", "section": "introduction"},
    ),
    Row(
        "report step form",
        "POST",
        "/d/{slug}/report/transitions",
        # A draft is never published: each reviewer is let in, then refused by its state.
        only(409, *REVIEWERS),
        page=True,
        form=True,
        body=lambda w, c: {"to": "published", "audience": "members"},
    ),
    Row(
        "report audience form",
        "POST",
        "/d/{slug}/report/audience",
        only(303, "organizer", "admin"),
        page=True,
        form=True,
        body=lambda w, c: {"audience": "members"},
    ),
    # Not published in this world: nobody finds it (tests/web/test_published_report.py
    # covers each audience once it is).
    Row("published report page", "GET", "/d/{slug}/report/published", everyone(404), page=True),
    # web/dialogue_setup_pages.py
    Row(
        "new dialogue page",
        "GET",
        "/dialogues/new",
        only(200, "admin"),
        page=True,
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "new dialogue form",
        "POST",
        "/dialogues/new",
        only(303, "admin"),
        page=True,
        form=True,
        body=_dialogue_body,
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row("settings page", "GET", "/d/{slug}/settings", only(200, "organizer", "admin"), page=True),
    Row(
        "settings form",
        "POST",
        "/d/{slug}/settings",
        only(303, "organizer", "admin"),
        page=True,
        form=True,
        body=_settings_form,
    ),
    Row(
        "safety settings form",
        "POST",
        "/d/{slug}/settings/safety",
        only(303, "organizer", "admin"),
        page=True,
        form=True,
        body=lambda w, c: {"presence": "count", "watch_list": f"Name of {c}"},
    ),
    Row(
        "status confirmation page",
        "GET",
        "/d/{slug}/settings/status/closed",
        only(200, "organizer", "admin"),
        page=True,
    ),
    Row(
        "status form",
        "POST",
        "/d/{slug}/settings/status/closed",
        # The organizer closes it; the admin after it finds it closed already (no change).
        only(303, "organizer", "admin"),
        page=True,
        form=True,
    ),
    # web/theme_setup_pages.py
    Row(
        "new theme page", "GET", "/d/{slug}/themes/new", only(200, "organizer", "admin"), page=True
    ),
    Row(
        "new theme form",
        "POST",
        "/d/{slug}/themes/new",
        only(303, "organizer", "admin"),
        page=True,
        form=True,
        body=_theme_form,
    ),
    Row(
        "theme edit page",
        "GET",
        "/d/{slug}/themes/{theme_id}/edit",
        only(200, "moderator", "organizer", "admin"),
        page=True,
    ),
    Row(
        "theme edit form",
        "POST",
        "/d/{slug}/themes/{theme_id}/edit",
        only(303, "moderator", "organizer", "admin"),
        page=True,
        form=True,
        body=_theme_form,
    ),
    Row(
        "theme move form",
        "POST",
        "/d/{slug}/themes/{theme_id}/move",
        only(303, "moderator", "organizer", "admin"),
        page=True,
        form=True,
        body=lambda w, c: {"position": "0"},
    ),
    Row(
        "theme delete page",
        "GET",
        "/d/{slug}/themes/{theme_id}/delete",
        only(200, "organizer", "admin"),
        page=True,
    ),
    Row(
        "theme delete form",
        "POST",
        "/d/{slug}/themes/{fresh_theme}/delete",
        only(303, "organizer", "admin"),
        page=True,
        form=True,
    ),
    # accounts/api.py, web/profile_pages.py, web/notification_pages.py: one's own pages.
    Row(
        "me export",
        "GET",
        "/api/v1/me/export",
        signed_in(200),
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "me delete",
        "DELETE",
        "/api/v1/me",
        signed_in(204),
        body=lambda w, c: {"password": PASSWORD, "posts": "keep"},
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "delete account form",
        "POST",
        "/me/delete",
        signed_in(303),
        page=True,
        form=True,
        body=lambda w, c: {"password": PASSWORD, "posts": "remove"},
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "profile page",
        "GET",
        "/me",
        {**everyone(200), "anonymous": 303},  # a visitor is sent to sign in
        page=True,
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "profile form",
        "POST",
        "/me",
        signed_in(303),
        page=True,
        form=True,
        body=lambda w, c: {"display_name": f"Name of {c}", "digest": "weekly"},
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "language form",
        "POST",
        "/language",
        everyone(303),
        page=True,
        form=True,
        body=lambda w, c: {"language": "fr", "next": "/"},
        in_dialogue=False,
        visibility_matters=False,
    ),
    Row(
        "notifications page",
        "GET",
        "/notifications",
        {**everyone(200), "anonymous": 303},
        page=True,
        in_dialogue=False,
        visibility_matters=False,
    ),
]
FOUNDATION_MODULES = {
    "dialogue.accounts.api",
    "dialogue.dialogues.api",
    "dialogue.health",
    "dialogue.web.pages",
    "dialogue.web.admin_pages",
    "dialogue.web.password_pages",
    "dialogue.web.member_pages",
    "dialogue.web.invitation_pages",
    "dialogue.web.report_pages",
    "dialogue.web.report_workflow_pages",
    "dialogue.web.report_published_pages",
    "dialogue.web.dialogue_setup_pages",
    "dialogue.web.theme_setup_pages",
    "dialogue.web.profile_pages",
    "dialogue.web.notification_pages",
}


@pytest.fixture
async def world(app: FastAPI, factory: Factory, visibility: str) -> World:
    organizer = await factory.user(display_name="Organizer")
    dialogue = await factory.dialogue(owner=organizer, visibility=visibility)
    other = await factory.dialogue(owner=await factory.user(), visibility=visibility)
    users: dict[str, User] = {"organizer": organizer}
    for role in ("observer", "participant", "expert", "advisor", "moderator"):
        users[role] = await factory.member(dialogue, role)
    users["outsider"] = await factory.user()
    users["admin"] = await factory.user(is_admin=True)
    users["other_moderator"] = await factory.member(other, Role.MODERATOR)
    return World(
        app=app,
        dialogue=dialogue,
        theme=await factory.theme(dialogue),
        target=await factory.member(dialogue, Role.PARTICIPANT),
        staff_target=await factory.member(dialogue, Role.MODERATOR),
        users=users,
        spare=await factory.user(),
    )


async def call(world: World, row: Row, caller: str) -> int:
    """Make the row's request as the caller, from a fresh browser; return the status."""
    app = world.app
    user = world.user(caller)
    values: dict[str, Any] = {
        "slug": world.dialogue.slug,
        "theme_id": world.theme.id,
        "target": world.target.id,
        "staff_target": world.staff_target.id,
        "job_id": "no-such-job",
        "message_id": "no-such-message",
    }
    if "{fresh_theme}" in row.path:
        values["fresh_theme"] = await _fresh_theme(world)
    if "{token}" in row.path:
        # Each caller holds an invitation of its own: for itself, or a new address.
        email = user.email if user else f"new-{next(_unique)}@example.org"
        values["token"] = await invite(app, world.dialogue, email=email, role=Role.OBSERVER)
    if row.reset:
        values["token"] = await _reset_token(app)
    if "{batch_id}" in row.path:
        values["batch_id"] = await _batch(world)
    if "{fresh_concern}" in row.path:
        values["fresh_concern"] = await _fresh_concern(world)
    if "{post_id}" in row.path:
        values["post_id"] = await _post(world)
    url = row.path.format(**values)
    body = row.body(world, caller) if row.body else None
    if row.reset and not row.page and body is not None:
        body = {**body, "token": values["token"]}
    headers: dict[str, str] = {}
    async with browser(app) as web:
        if row.page:
            web.cookies.set(CSRF_COOKIE, "matrix-csrf-token")
            if user is not None:
                web.cookies.set(SESSION_COOKIE, await session_token(app, user))
        elif user is not None:
            headers["Authorization"] = (
                f"Bearer {await session_token(app, user, kind=TokenKind.API)}"
            )
        if row.form:
            data = {**(body or {}), CSRF_FIELD: "matrix-csrf-token"}
            response = await web.request(row.method, url, data=data, headers=headers)
        elif body is not None:
            response = await web.request(row.method, url, json=body, headers=headers)
        else:
            response = await web.request(row.method, url, headers=headers)
    assert response.status_code < 500, (row.name, caller, response.text)
    if response.status_code >= 400 and not row.page:
        error = response.json()["error"]
        assert {"code", "message"} <= set(error), error
    return response.status_code


CASES = [
    pytest.param(row, visibility, id=f"{row.name}-{visibility}")
    for row in TABLE
    for visibility in ("public", "invite")
    if visibility == "public" or row.visibility_matters
]


@pytest.mark.parametrize(("row", "visibility"), CASES)
async def test_role_matrix(world: World, row: Row, visibility: str) -> None:
    expected = row.expected_for(visibility)
    actual = {caller: await call(world, row, caller) for caller in CALLERS}
    wrong = {
        c: f"expected {expected[c]}, got {actual[c]}" for c in CALLERS if actual[c] != expected[c]
    }
    assert not wrong, f"{row.method} {row.path} in a {visibility} dialogue: {wrong}"


def _route_path(path: str) -> str:
    """The route a row's path calls: its placeholders named as the route names them."""
    path = re.sub(r"\{(staff_)?target\}", "{user_id}", path)
    path = path.replace("{fresh_theme}", "{theme_id}")
    return path.replace("/settings/status/closed", "/settings/status/{to}")


class TestTheTableIsComplete:
    def test_every_foundation_route_has_a_row(self, tmp_path) -> None:
        from dialogue.app import create_app
        from dialogue.config import Settings

        app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}"))
        served = {
            (method, route.path)
            for route in routes_of(app)
            if route.kind == "http"
            and getattr(route.endpoint, "__module__", "") in FOUNDATION_MODULES
            for method in route.methods - {"HEAD"}
        }
        covered = {(row.method, _route_path(row.path)) for row in TABLE}
        assert served - covered == set(), "routes without a row in the role matrix"
        assert covered - served == set(), "rows for routes that do not exist"

    def test_every_caller_kind_has_an_expectation(self) -> None:
        for row in TABLE:
            assert set(row.expected) == set(CALLERS), row.name


class TestInviteDialoguesStayHidden:
    @pytest.mark.parametrize("visibility", ["invite"])
    async def test_the_list_shows_it_to_members_only(self, world: World, visibility: str) -> None:
        listed: dict[str, bool] = {}
        for caller in CALLERS:
            user = world.user(caller)
            headers = {}
            if user is not None:
                token = await session_token(world.app, user, kind=TokenKind.API)
                headers["Authorization"] = f"Bearer {token}"
            async with browser(world.app) as web:
                response = await web.get("/api/v1/dialogues", headers=headers)
                assert response.status_code == 200
                listed[caller] = world.dialogue.slug in {d["slug"] for d in response.json()}
        assert listed == {c: c not in NON_MEMBERS for c in CALLERS}

    @pytest.mark.parametrize("visibility", ["invite"])
    async def test_the_404_says_nothing_more_than_for_a_missing_slug(
        self, world: World, visibility: str
    ) -> None:
        token = await session_token(world.app, world.users["outsider"], kind=TokenKind.API)
        headers = {"Authorization": f"Bearer {token}"}
        async with browser(world.app) as web:
            hidden = await web.get(f"/api/v1/dialogues/{world.dialogue.slug}", headers=headers)
            missing = await web.get("/api/v1/dialogues/no-such-dialogue", headers=headers)
            hidden_theme = await web.patch(
                f"/api/v1/themes/{world.theme.id}", json={"summary": "x"}, headers=headers
            )
            missing_theme = await web.patch(
                "/api/v1/themes/999999", json={"summary": "x"}, headers=headers
            )
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content == missing.content
        assert hidden_theme.content == missing_theme.content == missing.content

    @pytest.mark.parametrize("visibility", ["public"])
    async def test_the_list_shows_a_public_dialogue_to_everyone(
        self, world: World, visibility: str
    ) -> None:
        async with browser(world.app) as web:
            response = await web.get("/api/v1/dialogues")
        assert world.dialogue.slug in {d["slug"] for d in response.json()}

    @pytest.mark.parametrize("visibility", ["invite"])
    async def test_the_role_is_reported_to_members(self, world: World, visibility: str) -> None:
        for caller in (*MEMBERS, "admin"):
            token = await session_token(world.app, world.users[caller], kind=TokenKind.API)
            async with browser(world.app) as web:
                response = await web.get(
                    f"/api/v1/dialogues/{world.dialogue.slug}",
                    headers={"Authorization": f"Bearer {token}"},
                )
            expected_role = "organizer" if caller == "admin" else caller
            assert response.json()["role"] == expected_role, caller


def standing(
    *,
    role: Role | None = None,
    admin: bool = False,
    signed_in: bool = True,
    visibility: Visibility | None = Visibility.INVITE,
    banned: bool = False,
) -> Standing:
    return Standing(
        signed_in=signed_in or admin,
        is_admin=admin,
        role=role,
        visibility=visibility,
        banned=banned,
    )


class TestPolicyUnits:
    def test_every_dialogue_action_has_its_roles(self) -> None:
        dialogue_actions = set(Action) - SITE_ACTIONS
        assert dialogue_actions == set(ROLE_ACTIONS)

    def test_admin_is_organizer_everywhere(self) -> None:
        admin = standing(admin=True)
        assert admin.effective_role == Role.ORGANIZER
        assert can(Action.DIALOGUE_UPDATE, admin) and can(Action.DIALOGUE_CREATE, admin)
        assert can(Action.REPORT_READ, admin)

    def test_only_admins_create_dialogues(self) -> None:
        assert not can(Action.DIALOGUE_CREATE, standing(role=Role.ORGANIZER))
        assert denial_status(Action.DIALOGUE_CREATE, standing(role=Role.ORGANIZER)) == 403
        assert denial_status(Action.DIALOGUE_CREATE, standing(signed_in=False)) == 401

    def test_site_actions(self) -> None:
        anonymous = standing(signed_in=False, visibility=None)
        assert can(Action.PUBLIC, anonymous) and can(Action.DIALOGUE_LIST, anonymous)
        assert can(Action.INVITATION_ACCEPT, anonymous)
        assert not can(Action.SIGNED_IN, anonymous)
        assert denial_status(Action.SIGNED_IN, anonymous) == 401

    def test_reading(self) -> None:
        assert can(Action.DIALOGUE_READ, standing(signed_in=False, visibility=Visibility.PUBLIC))
        assert not can(Action.DIALOGUE_READ, standing(visibility=Visibility.INVITE))
        assert can(Action.DIALOGUE_READ, standing(role=Role.OBSERVER))

    def test_denials_hide_invite_dialogues(self) -> None:
        for signed in (True, False):
            outsider = standing(signed_in=signed, visibility=Visibility.INVITE)
            assert denial_status(Action.DIALOGUE_UPDATE, outsider) == 404
            assert denial_status(Action.DIALOGUE_READ, outsider) == 404
        public = Visibility.PUBLIC
        assert denial_status(Action.DIALOGUE_UPDATE, standing(visibility=public)) == 403
        assert (
            denial_status(Action.DIALOGUE_UPDATE, standing(signed_in=False, visibility=public))
            == 401
        )
        assert denial_status(Action.DIALOGUE_UPDATE, standing(role=Role.MODERATOR)) == 403

    def test_contributors_and_observers(self) -> None:
        assert can(Action.POST_CREATE, standing(role=Role.PARTICIPANT))
        assert can(Action.POST_CREATE, standing(role=Role.EXPERT))
        assert not can(Action.POST_CREATE, standing(role=Role.OBSERVER))
        assert not can(Action.POST_CREATE, standing(visibility=Visibility.PUBLIC))

    def test_reports_are_for_organizers_and_advisors(self) -> None:
        allowed = {r for r in Role if can(Action.REPORT_READ, standing(role=r))}
        assert allowed == {Role.ORGANIZER, Role.ADVISOR}

    def test_a_banned_member_loses_the_role(self) -> None:
        banned = standing(role=Role.MODERATOR, banned=True)
        assert banned.effective_role is None
        assert not can(Action.POST_MODERATE, banned)
        assert denial_status(Action.POST_MODERATE, banned) == 404

    def test_only_site_admins_administer_the_site(self) -> None:
        assert can(Action.SITE_ADMIN, standing(admin=True))
        assert not can(Action.SITE_ADMIN, standing(role=Role.ORGANIZER))
        assert denial_status(Action.SITE_ADMIN, standing(role=Role.ORGANIZER)) == 403
        assert denial_status(Action.SITE_ADMIN, standing(signed_in=False, visibility=None)) == 401

    def test_the_member_acts_a_page_offers(self) -> None:
        participant, moderator = Role.PARTICIPANT, Role.MODERATOR
        everything = {"role", "trust", "untrust", "mute", "unmute", "ban", "unban"}
        assert member_acts(Role.ORGANIZER, moderator, on_self=False) == everything
        assert member_acts(moderator, participant, on_self=False) == {
            "mute",
            "unmute",
            "ban",
            "unban",
        }
        assert member_acts(moderator, moderator, on_self=False) == set()
        assert member_acts(Role.ORGANIZER, participant, on_self=True) == set()
        assert member_acts(Role.ADVISOR, participant, on_self=False) == set()

    def test_a_banned_admin_keeps_admin_rights(self) -> None:
        assert can(Action.POST_MODERATE, standing(role=Role.OBSERVER, admin=True, banned=True))


def code_of(refusal: Refusal | None) -> tuple[int, str] | None:
    return None if refusal is None else (refusal.status, refusal.code)


STAFF = (Role.ORGANIZER, Role.MODERATOR)
NOT_STAFF = (Role.ADVISOR, Role.EXPERT, Role.PARTICIPANT, Role.OBSERVER, None)
LOCKED = (409, "thread_locked")
NOT_PUBLISHED = (409, "thread_not_published")
FORBIDDEN = (403, "forbidden")


class TestResourceRules:
    """The rules that weigh a resource's state too, written out role by role."""

    def test_admin_counts_as_organizer_member_or_not(self) -> None:
        assert role_in_dialogue(is_admin=True, role=None) == Role.ORGANIZER
        assert role_in_dialogue(is_admin=True, role=Role.OBSERVER) == Role.ORGANIZER
        assert role_in_dialogue(is_admin=False, role=Role.EXPERT) == Role.EXPERT
        assert role_in_dialogue(is_admin=False, role=None) is None

    @pytest.mark.parametrize(
        ("published", "locked", "for_others"),
        [
            (True, False, None),
            (True, True, LOCKED),
            (False, False, NOT_PUBLISHED),
            (False, True, LOCKED),
        ],
    )
    def test_may_reply(self, published: bool, locked: bool, for_others: Any) -> None:
        thread = ThreadState(published=published, locked=locked)
        for role in STAFF:
            assert may_reply(role, thread) is None, role
        for other in NOT_STAFF:
            assert code_of(may_reply(other, thread)) == for_others, other

    def test_may_act_on(self) -> None:
        acts = ("mute", "unmute", "ban", "unban", "trust", "untrust", "role")
        staff_acts = {"mute", "unmute", "ban", "unban"}
        for act in acts:
            for target in Role:
                organizer = may_act_on(Role.ORGANIZER, target, act=act, on_self=False)
                assert organizer is None, (act, target)
                moderator = code_of(may_act_on(Role.MODERATOR, target, act=act, on_self=False))
                allowed = act in staff_acts and target not in STAFF
                assert moderator == (None if allowed else FORBIDDEN), (act, target)
                for other in NOT_STAFF:
                    refused = may_act_on(other, target, act=act, on_self=False)
                    assert code_of(refused) == FORBIDDEN, (other, act, target)
            for role in STAFF:
                on_self = may_act_on(role, role, act=act, on_self=True)
                assert code_of(on_self) == (403, "self_action"), (role, act)

    def test_skips_queue(self) -> None:
        for role in (*Role, None):
            assert skips_queue(role, trusted=True), role
            assert skips_queue(role, trusted=False) == (role in STAFF), role

    @pytest.mark.parametrize(
        ("audience", "allowed"),
        [
            (ReportAudience.PUBLIC, {*Role, None}),
            (ReportAudience.MEMBERS, set(Role)),
            (ReportAudience.REVIEWERS, {Role.ORGANIZER, Role.ADVISOR}),
        ],
    )
    def test_may_download(self, audience: ReportAudience, allowed: set[Role | None]) -> None:
        for role in (*Role, None):
            expected = None if role in allowed else FORBIDDEN
            assert code_of(may_download(role, audience)) == expected, role

    @pytest.mark.parametrize(
        ("current", "to", "allowed"),
        [
            ("draft", "in_review", {"organizer", "moderator"}),
            ("in_review", "approved", {"advisor", "organizer"}),
            ("in_review", "draft", {"organizer", "moderator", "advisor"}),
            ("approved", "draft", {"organizer", "moderator", "advisor"}),
            ("approved", "published", {"organizer"}),
        ],
    )
    def test_report_steps(self, current: str, to: str, allowed: set[str]) -> None:
        review = ReportReview(
            state=ReportState(current), has_advisors=False, advisor_approved=False
        )
        for role in (*Role, None):
            refusal = may_move_report(role, review, ReportState(to))
            expected = None if role in allowed else FORBIDDEN
            assert code_of(refusal) == expected, role

    def test_report_steps_that_do_not_exist(self) -> None:
        steps = {
            ("draft", "in_review"),
            ("in_review", "approved"),
            ("in_review", "draft"),
            ("approved", "draft"),
            ("approved", "published"),
        }
        for current, to in itertools.product(ReportState, ReportState):
            if (current, to) in steps:
                continue
            review = ReportReview(state=current, has_advisors=False, advisor_approved=False)
            refusal = may_move_report(Role.ORGANIZER, review, to)
            assert code_of(refusal) == (409, "invalid_transition"), (current, to)

    def test_advisors_sign_off_where_there_are_any(self) -> None:
        in_review = ReportReview(
            state=ReportState.IN_REVIEW, has_advisors=True, advisor_approved=False
        )
        assert code_of(may_move_report(Role.ORGANIZER, in_review, ReportState.APPROVED)) == (
            FORBIDDEN
        )
        assert may_move_report(Role.ADVISOR, in_review, ReportState.APPROVED) is None
        unapproved = ReportReview(
            state=ReportState.APPROVED, has_advisors=True, advisor_approved=False
        )
        refusal = may_move_report(Role.ORGANIZER, unapproved, ReportState.PUBLISHED)
        assert code_of(refusal) == (409, "advisor_approval_required")
        approved = ReportReview(
            state=ReportState.APPROVED, has_advisors=True, advisor_approved=True
        )
        assert may_move_report(Role.ORGANIZER, approved, ReportState.PUBLISHED) is None


# The moderators' tools in pages (web/codebook_pages.py): outside the foundation table, so its
# completeness check stays about the foundation routes.
STAFF_PAGE_ROWS: list[Row] = [
    Row(
        "codebook page",
        "GET",
        "/d/{slug}/moderation/codebook",
        only(200, "moderator", "organizer", "admin"),
        page=True,
    ),
    Row(
        "codebook create form",
        "POST",
        "/d/{slug}/moderation/codebook",
        only(303, "moderator", "organizer", "admin"),
        page=True,
        form=True,
        body=lambda w, c: {"name": f"Code by {c}", "description": ""},
    ),
    # web/moderation_tools.py: a content warning from the queue.
    Row(
        "content warning form",
        "POST",
        "/d/{slug}/moderation/posts/{post_id}/warning",
        only(303, "moderator", "organizer", "admin"),
        page=True,
        form=True,
        body=lambda w, c: {"content_warning": f"Warned by {c}"},
    ),
]


@pytest.mark.parametrize(
    ("row", "visibility"),
    [
        pytest.param(row, visibility, id=f"{row.name}-{visibility}")
        for row in STAFF_PAGE_ROWS
        for visibility in ("public", "invite")
    ],
)
async def test_staff_page_matrix(world: World, row: Row, visibility: str) -> None:
    expected = row.expected_for(visibility)
    actual = {caller: await call(world, row, caller) for caller in CALLERS}
    assert actual == expected, f"{row.method} {row.path} in a {visibility} dialogue"


# Concerns, the advisory council's dashboard, moderators' notes and the handover (issue 17):
# a concern is for its raiser, the organizers and the advisors; notes for staff only.
HANDLERS = ("organizer", "advisor", "admin")
STAFF_AND_ADMIN = ("moderator", "organizer", "admin")
OVERSIGHT_ROWS: list[Row] = [
    Row(
        "concern raise",
        "POST",
        "/api/v1/dialogues/{slug}/concerns",
        only(201, *MEMBERS, "admin"),
        body=lambda w, c: {"body": f"Concern by {c}", "about_user_id": w.target.id},
    ),
    Row("concern list", "GET", "/api/v1/dialogues/{slug}/concerns", only(200, *MEMBERS, "admin")),
    Row(
        "concern update",
        "PATCH",
        "/api/v1/concerns/{fresh_concern}",
        only(200, *HANDLERS),
        body=lambda w, c: {"status": "acknowledged"},
    ),
    Row("concerns page", "GET", "/d/{slug}/concerns", only(200, *MEMBERS, "admin"), page=True),
    Row(
        "concern form",
        "POST",
        "/d/{slug}/concerns",
        only(303, *MEMBERS, "admin"),
        page=True,
        form=True,
        body=lambda w, c: {"body": f"Concern by {c}"},
    ),
    Row(
        "concern move form",
        "POST",
        "/d/{slug}/concerns/{fresh_concern}",
        only(303, *HANDLERS),
        page=True,
        form=True,
        body=lambda w, c: {"status": "resolved", "outcome": "Handled."},
    ),
    Row("advisory page", "GET", "/d/{slug}/advisory", only(200, *HANDLERS), page=True),
    Row(
        "advisory question form",
        "POST",
        "/d/{slug}/advisory/questions",
        only(303, "advisor"),
        page=True,
        form=True,
        body=lambda w, c: {"question": f"Question by {c}"},
    ),
    Row("notes page", "GET", "/d/{slug}/moderation/notes", only(200, *STAFF_AND_ADMIN), page=True),
    Row(
        "member notes form",
        "POST",
        "/d/{slug}/moderation/notes/members/{target}",
        only(303, *STAFF_AND_ADMIN),
        page=True,
        form=True,
        body=lambda w, c: {"body": f"Note by {c}"},
    ),
    Row(
        "handover page",
        "GET",
        "/d/{slug}/moderation/handover",
        only(200, *STAFF_AND_ADMIN),
        page=True,
    ),
    Row(
        "handover read form",
        "POST",
        "/d/{slug}/moderation/handover",
        only(303, *STAFF_AND_ADMIN),
        page=True,
        form=True,
    ),
]


@pytest.mark.parametrize(
    ("row", "visibility"),
    [
        pytest.param(row, visibility, id=f"{row.name}-{visibility}")
        for row in OVERSIGHT_ROWS
        for visibility in ("public", "invite")
    ],
)
async def test_oversight_matrix(world: World, row: Row, visibility: str) -> None:
    expected = row.expected_for(visibility)
    actual = {caller: await call(world, row, caller) for caller in CALLERS}
    assert actual == expected, f"{row.method} {row.path} in a {visibility} dialogue"
