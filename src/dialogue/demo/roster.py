"""The demo's people as `dialogue demo` prints them: who to sign in as to see each role."""

from __future__ import annotations

from dialogue.demo.content import read_content
from dialogue.policy import Role

# Staff first: those are the accounts someone trying the demo looks for.
ORDER = (Role.ORGANIZER, Role.MODERATOR, Role.ADVISOR, Role.EXPERT, Role.PARTICIPANT, Role.OBSERVER)


def roster_lines() -> list[str]:
    """One line per demo person, `role  name  email`, in columns, staff first."""
    people = sorted(read_content().people, key=lambda p: (ORDER.index(p.role), p.email))
    rows = [(p.role.value, str(p.profile.get("display_name", p.key)), p.email) for p in people]
    role_width = max(len(r[0]) for r in rows)
    name_width = max(len(r[1]) for r in rows)
    return [f"  {role:<{role_width}}  {name:<{name_width}}  {email}" for role, name, email in rows]
