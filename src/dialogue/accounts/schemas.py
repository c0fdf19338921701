"""Account API shapes."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from typing import Annotated, Literal

from babel import Locale
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from dialogue.accounts.models import Digest, QuoteConsent
from dialogue.bounds import SafeLine, one_line

SUPPORTED_LANGUAGES = ("en", "fr", "es", "pt")


# CLDR territories that are not ISO 3166-1 countries: groupings (EU, UN), pseudo-locales,
# "unknown region" and ISO's exceptionally reserved codes. Kosovo (XK) stays: it is
# user-assigned in ISO but is the code everyone uses for it.
_NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
)


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    return frozenset(
        code
        for code in map(str, Locale("en").territories)
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    )


@lru_cache(maxsize=1)
def timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _country(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    code = value.upper()
    if code not in country_codes():
        raise ValueError("not an ISO 3166-1 alpha-2 country code")
    return code


def _timezone(value: str) -> str:
    if value not in timezones():
        raise ValueError("not a known IANA time zone")
    return value


def _language(value: str) -> str:
    if value not in SUPPORTED_LANGUAGES:
        raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}")
    return value


def _email(value: str) -> str:
    return value.strip().lower()


Country = Annotated[str | None, AfterValidator(_country)]
Timezone = Annotated[str, AfterValidator(_timezone)]
Language = Annotated[str, AfterValidator(_language)]
Email = Annotated[EmailStr, AfterValidator(_email)]
# Length and commonness are checked by the service (`passwords.check_new_password`), which
# answers 422 with a message in the person's language.
Password = Annotated[str, Field(min_length=1, max_length=1024)]
# Stripped first: a name of blanks is no name (others would see an empty author line).
DisplayName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
    AfterValidator(one_line),
]


class AccountDeleteIn(BaseModel):
    """Deleting one's account takes the password again, and a choice about one's posts."""

    model_config = ConfigDict(extra="forbid")
    password: Annotated[str, Field(min_length=1, max_length=1024)]
    posts: Literal["keep", "remove"]


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[SafeLine, Field(min_length=1, max_length=254)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class UserPublic(BaseModel):
    id: int
    email: str
    display_name: str
    organization: str
    country: str | None
    language: str
    timezone: str
    quote_consent: QuoteConsent | None
    digest: Digest
    hide_presence: bool = False
    is_admin: bool


class MeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: DisplayName | None = None
    organization: Annotated[SafeLine, Field(max_length=200)] | None = None
    country: Country = None
    language: Language | None = None
    timezone: Timezone | None = None
    quote_consent: QuoteConsent | None = None
    digest: Digest | None = None
    hide_presence: bool | None = None


class TokenOut(BaseModel):
    token: str
    user: UserPublic


class InvitationAcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: DisplayName | None = None
    password: Password | None = None
    quote_consent: QuoteConsent | None = None


class InvitationAcceptOut(TokenOut):
    role: str


class PasswordForgotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[str, Field(min_length=1, max_length=254)]


class ForgotAccepted(BaseModel):
    """The same answer whether or not an account has the address."""

    status: Literal["accepted"] = "accepted"


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: Annotated[str, Field(min_length=1, max_length=1024)]
    password: Password


class PasswordResetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: Annotated[str, Field(min_length=1, max_length=100)]
    password: Password
