"""Settings from CITEBOT_* environment variables and a .env file, validated at start-up.

A bad setting stops the program with one line naming it, before the first question. The bot
token is a SecretStr so that it never shows up in a repr, a log line or a traceback.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from knowledge.index import BM25Params
from knowledge.service import KnowledgeConfig


def default_data_dir() -> Path:
    """A per-user data directory: $XDG_DATA_HOME/citebot, else ~/.local/share/citebot."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "citebot"


def _id_list(value: Any) -> Any:
    """Accept "1,2", "1 2" and a JSON list alike; pydantic-settings alone demands JSON."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        if text.startswith("["):
            return json.loads(text)
        return [part for part in text.replace(",", " ").split() if part]
    if isinstance(value, int):
        return [value]
    return value


def _str_list(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part for part in text.replace(",", " ").split() if part]
    return value


class Settings(BaseSettings):
    """Every setting of citebot; README's configuration table lists them all."""

    model_config = SettingsConfigDict(
        env_prefix="CITEBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    telegram_token: SecretStr | None = Field(default=None, description="Bot API token")
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    allowed_chats: Annotated[list[int], NoDecode] = Field(default_factory=list)
    data_dir: Path = Field(default_factory=default_data_dir)
    group_mode: Literal["ask", "off"] = "ask"
    # Inline queries come with no chat, so allowed_chats cannot gate them by chat: "members"
    # answers the members of an allowed chat (everyone when the list is empty), "off" nobody.
    inline_mode: Literal["members", "off"] = "members"
    user_rate_limit: int = Field(default=20, ge=1, description="questions per user per minute")
    # Telegram's free limit for one bot is about 30 messages a second; it answers 429 above it,
    # so a higher rate only pays off for a bot Telegram lets send more (README: Configuration).
    telegram_max_rate: float = Field(
        default=30.0, ge=0, le=1000, description="Bot API requests per second, 0: no limit"
    )
    # Long enough that a typical answer arrives first and costs one Bot API call, not two.
    typing_delay: float = Field(
        default=0.4, ge=0, le=60, description="seconds before a slow answer shows typing"
    )
    # A bot started before the network is up (a boot, a container before its network) comes
    # up by itself: `serve` keeps trying to reach the Bot API this long, with backoff.
    telegram_startup_wait: float = Field(
        default=600.0, ge=0, le=86400, description="seconds serve tries to reach the Bot API"
    )
    # `serve` answers from a child process (knowledge/worker.py) so that the knowledge base and
    # the Telegram side each have a core: one process runs on about one, whatever the machine.
    knowledge_process: bool = Field(
        default=True, description="serve runs the knowledge base in a child process"
    )
    max_upload_mb: float = Field(default=20.0, gt=0, le=2000)
    fetch_allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    fetch_timeout: float = Field(default=10.0, gt=0, le=120)
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    bm25_k1: float = Field(default=1.5, ge=0, le=10)
    bm25_b: float = Field(default=0.75, ge=0, le=1)
    bm25_epsilon: float = Field(default=0.25, ge=0, le=10)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    # Users' questions stay out of the logs unless an operator debugging asks for them.
    log_messages: bool = False
    health_port: int | None = Field(default=None, ge=0, le=65535)
    health_host: str = "127.0.0.1"

    @field_validator("admin_ids", "allowed_chats", mode="before")
    @classmethod
    def _parse_ids(cls, value: Any) -> Any:
        return _id_list(value)

    @field_validator("fetch_allowed_hosts", mode="before")
    @classmethod
    def _parse_hosts(cls, value: Any) -> Any:
        return _str_list(value)

    @field_validator("telegram_token")
    @classmethod
    def _check_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            token = value.get_secret_value().strip()
            bot_id, _, secret = token.partition(":")
            if not (
                bot_id.isdigit()
                and len(secret) >= 5
                and secret.replace("-", "").replace("_", "").isalnum()
            ):
                # The message must not echo the token back.
                raise ValueError("CITEBOT_TELEGRAM_TOKEN is malformed (expected <digits>:<secret>)")
            return SecretStr(token)
        return value

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    def knowledge_config(self, *, serving: bool = False) -> KnowledgeConfig:
        """What the knowledge base needs of these settings; every front end opens it this way
        (``serving``: a process that will answer many questions, which reads its files ahead)."""
        return KnowledgeConfig(
            data_dir=self.data_dir,
            max_upload_bytes=self.max_upload_bytes,
            bm25=BM25Params(k1=self.bm25_k1, b=self.bm25_b, epsilon=self.bm25_epsilon),
            read_ahead=serving,
        )

    def require_token(self) -> SecretStr:
        if self.telegram_token is None:
            raise ValueError("CITEBOT_TELEGRAM_TOKEN is not set")
        return self.telegram_token


def load_settings(**overrides: Any) -> Settings:
    """Settings, or ValueError with one line naming the bad setting (never its value)."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "CITEBOT_" + str(first["loc"][0]).upper() if first["loc"] else "a setting"
        raise ValueError(f"{name}: {first['msg']}") from None
