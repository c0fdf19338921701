"""Live updates: the websocket endpoint, the per-instance hub, presence and typing."""
