"""Who is in a dialogue now, across instances: each instance announces its own list."""

from __future__ import annotations

from typing import Any


class Presence:
    def __init__(self, instance_id: str) -> None:
        self.instance_id = instance_id
        self._by_instance: dict[int, dict[str, list[str]]] = {}

    def set_local(self, dialogue_id: int, names: list[str]) -> None:
        self._set(dialogue_id, self.instance_id, names)

    def local(self, dialogue_id: int) -> list[str]:
        """What this instance last announced for the dialogue."""
        return self._by_instance.get(dialogue_id, {}).get(self.instance_id, [])

    def update_remote(self, dialogue_id: int, message: dict[str, Any]) -> None:
        instance = str(message.get("instance", ""))
        if instance and instance != self.instance_id:
            self._set(dialogue_id, instance, [str(n) for n in message.get("online", [])])

    def _set(self, dialogue_id: int, instance: str, names: list[str]) -> None:
        lists = self._by_instance.setdefault(dialogue_id, {})
        if names:
            lists[instance] = names
        else:
            lists.pop(instance, None)
            if not lists:
                self._by_instance.pop(dialogue_id, None)

    def online(self, dialogue_id: int, here: list[str]) -> list[str]:
        """Everyone the other instances announced, with `here` as this instance's people."""
        names = set(here)
        for instance, listed in self._by_instance.get(dialogue_id, {}).items():
            if instance != self.instance_id:
                names.update(listed)
        return sorted(names)
