"""The ASGI entry point for `uvicorn dialogue.main:app`."""

from dialogue.app import create_app

app = create_app()
