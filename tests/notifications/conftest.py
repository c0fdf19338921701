"""Every test here runs the app against a real SMTP server in the test process."""

from __future__ import annotations

import pytest

from dialogue.config import Settings
from tests.notifications.smtp_sink import SmtpSink, smtp

__all__ = ["smtp"]

MAIL_FROM = "Dialogue <noreply@dialogue.example>"


@pytest.fixture
def settings(database_url: str, smtp: SmtpSink) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key="test-secret",
        base_url="http://testserver",
        check_events=True,
        smtp_url=smtp.url,
        mail_from=MAIL_FROM,
        mail_retry_seconds=0.05,  # an outage in a test lasts a second, not hours
        mail_max_attempts=3,
    )
