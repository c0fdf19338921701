"""Speed-ups that reach into other libraries' private parts, kept together and pinned.

Each module here was measured to pay for itself (docs/performance.md), and each depends on
something its library does not promise to keep:

- `sqlite_driver`: SQLAlchemy's aiosqlite adapter classes, and aiosqlite's connection thread.
- `websocket_protocol`: uvicorn's sans-I/O websocket protocol, and websockets' frames.
- `warmup`: FastAPI planning each route on the first request that reaches it.

pyproject.toml allows only the minor releases these were checked against, and
tests/adapters/ asserts each private attribute, signature and behaviour they rely on, so a
new release that changes one fails there, naming the release, before anything subtler
breaks. Read those tests before raising a pin.
"""
