"""Who is in a dialogue now, across instances: each instance announces its own list.

Announcements travel over the broker, which may lose them (Redis restarting) and cannot say
when an instance died. So every instance repeats its lists now and then (`REFRESH_SECONDS`),
and a list not heard again for `EXPIRE_AFTER` refreshes is dropped: a lost announcement is
repaired by the next one, and the people of a crashed instance do not stay "online" forever.
"""

from __future__ import annotations

from typing import Any

REFRESH_SECONDS = 20.0
EXPIRE_AFTER = 3  # refreshes missed before another instance's list is dropped


class Presence:
    def __init__(self, instance_id: str) -> None:
        self.instance_id = instance_id
        self._local: dict[int, list[str]] = {}
        # dialogue -> instance -> (its names, when last heard, on the loop's clock)
        self._remote: dict[int, dict[str, tuple[list[str], float]]] = {}

    def set_local(self, dialogue_id: int, names: list[str]) -> None:
        if names:
            self._local[dialogue_id] = names
        else:
            self._local.pop(dialogue_id, None)

    def local(self, dialogue_id: int) -> list[str]:
        """What this instance last announced for the dialogue."""
        return self._local.get(dialogue_id, [])

    def announced(self) -> dict[int, list[str]]:
        """Every list this instance has announced, to repeat them."""
        return dict(self._local)

    def update_remote(self, dialogue_id: int, message: dict[str, Any], now: float) -> bool:
        """Record another instance's list; True when that changes who is online."""
        instance = str(message.get("instance", ""))
        if not instance or instance == self.instance_id:
            return False
        names = [str(n) for n in message.get("online", [])]
        lists = self._remote.setdefault(dialogue_id, {})
        before = lists.get(instance, ([], 0.0))[0]
        if names:
            lists[instance] = (names, now)
        else:
            lists.pop(instance, None)
            if not lists:
                self._remote.pop(dialogue_id, None)
        return names != before

    def expire(self, now: float) -> list[int]:
        """Drop the lists of instances not heard from lately; the dialogues that changed."""
        deadline = now - REFRESH_SECONDS * EXPIRE_AFTER
        changed = []
        for dialogue_id, lists in list(self._remote.items()):
            stale = [instance for instance, (_, heard) in lists.items() if heard < deadline]
            if not stale:
                continue
            for instance in stale:
                del lists[instance]
            if not lists:
                del self._remote[dialogue_id]
            changed.append(dialogue_id)
        return changed

    def online(self, dialogue_id: int, here: list[str]) -> list[str]:
        """Everyone the other instances announced, with `here` as this instance's people."""
        names = set(here)
        for listed, _ in self._remote.get(dialogue_id, {}).values():
            names.update(listed)
        return sorted(names)
