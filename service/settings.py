"""Settings from the environment (KIEMDIEM_*), built by a function so nothing is read at import time."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from models.levels import BUILT_IN_LEVELS


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KIEMDIEM_", extra="ignore")

    home: Path = Field(default_factory=lambda: Path.home() / ".kiemdiem")
    database_url: str | None = None
    # Where people open kiemdiem's pages; notices link to the unit's page there when it is set.
    public_url: str | None = None
    # Where `kiemdiem serve` answers the HTTP API.
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # Messages a second per URL scheme (`mailtos=5,json=50`), for the channels that limit senders.
    rate_limits: str | None = None
    # The installation's signing key (offline forms, sign-in cookies) where several machines share one database;
    # by default a random key in KIEMDIEM_HOME/secret.key.
    secret_key: SecretStr | None = None
    # Developers only: show the (redacted) trace of an internal error on the command line.
    debug: bool = False
    # The configured levels, top to bottom; extra levels are added by listing the whole set.
    levels: Annotated[tuple[str, ...], NoDecode] = BUILT_IN_LEVELS

    @field_validator("levels", mode="before")
    @classmethod
    def _split_levels(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.replace(",", " ").split() if part.strip())
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'kiemdiem.db'}"


def load_settings() -> Settings:
    return Settings()
