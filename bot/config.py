"""Settings from CITEBOT_* environment variables and a .env file, validated at start-up.

A bad setting stops the program with one line naming it, before the first question; each
command validates only the settings it uses (``KnowledgeSettings`` for the commands that only
open the knowledge base, ``Settings`` for ``serve``), so a bad Telegram setting does not stop
``citebot stats``. A CITEBOT_* name that is no setting (a typo) is reported, with the nearest
one, by ``unknown_names``. The secrets are SecretStr so that they never show up in a repr, a
log line or a traceback; each may instead be read from a file named by ``<NAME>_FILE``
(Docker and systemd secrets).
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from knowledge import BM25Params, KnowledgeConfig, check_database_url


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


PREFIX = "CITEBOT_"
ENV_FILE = ".env"
# A secret setting X may be given as X_FILE, the path of a file holding it.
FILE_SUFFIX = "_FILE"


class KnowledgeSettings(BaseSettings):
    """What every command uses: where the knowledge base lives and how it answers. The
    commands other than ``serve`` read only these, so a bad Telegram setting does not stop
    them."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    # A PostgreSQL database shared by replicas instead of the SQLite file in data_dir; a secret
    # (its password), so never shown, and readable from CITEBOT_DATABASE_URL_FILE.
    database_url: SecretStr | None = Field(default=None, description="postgresql:// URL")
    max_upload_mb: float = Field(default=20.0, gt=0, le=2000)
    bm25_k1: float = Field(default=1.5, ge=0, le=10)
    bm25_b: float = Field(default=0.75, ge=0, le=1)
    bm25_epsilon: float = Field(default=0.25, ge=0, le=10)

    @field_validator("database_url", mode="before")
    @classmethod
    def _check_database_url(cls, value: Any) -> Any:
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if isinstance(text, str):
            text = text.strip()
            if not text:  # set but empty (a compose file's ${VAR:-}): the SQLite default
                return None
            check_database_url(text)  # its message never repeats the URL
        return text

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    def knowledge_config(self, *, serving: bool = False) -> KnowledgeConfig:
        """What the knowledge base needs of these settings; every front end opens it this way
        (``serving``: a process that will answer many questions, which reads its files ahead)."""
        return KnowledgeConfig(
            data_dir=self.data_dir,
            database_url=self.database_url.get_secret_value() if self.database_url else None,
            max_upload_bytes=self.max_upload_bytes,
            bm25=BM25Params(k1=self.bm25_k1, b=self.bm25_b, epsilon=self.bm25_epsilon),
            read_ahead=serving,
        )


class Settings(KnowledgeSettings):
    """Every setting of citebot (those of the Telegram bot too); README's configuration table
    lists them all."""

    telegram_token: SecretStr | None = Field(default=None, description="Bot API token")
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    allowed_chats: Annotated[list[int], NoDecode] = Field(default_factory=list)
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
    fetch_allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    fetch_timeout: float = Field(default=10.0, gt=0, le=120)
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
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

    # Words, not values: "info", "Webhook" and "JSON" mean what they say.
    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("group_mode", "inline_mode", "mode", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

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

    def require_token(self) -> SecretStr:
        if self.telegram_token is None:
            raise ValueError("CITEBOT_TELEGRAM_TOKEN is not set")
        return self.telegram_token


S = TypeVar("S", bound=KnowledgeSettings)


def secret_fields(kind: type[KnowledgeSettings] = Settings) -> list[str]:
    """The settings that hold a secret (a SecretStr), which may also be read from a file."""
    return [
        name
        for name, field in kind.model_fields.items()
        if SecretStr in (field.annotation, *getattr(field.annotation, "__args__", ()))
    ]


def known_names() -> set[str]:
    """Every CITEBOT_* name that means something: the settings and the secrets' _FILE forms."""
    names = {PREFIX + name.upper() for name in Settings.model_fields}
    return names | {PREFIX + name.upper() + FILE_SUFFIX for name in secret_fields()}


def _env_file_values(env_file: Path | None) -> dict[str, str]:
    """The .env file's assignments (as pydantic-settings reads it), or {} without one."""
    if env_file is None or not env_file.is_file():
        return {}
    return {k: v for k, v in dotenv_values(env_file, encoding="utf-8").items() if v is not None}


def unknown_names(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(ENV_FILE)
) -> list[str]:
    """One warning line for each CITEBOT_* name in the environment or the .env file that is no
    setting (a setting misspelt is otherwise ignored in silence), with the nearest real one."""
    known = known_names()
    suffixes = sorted(name[len(PREFIX) :] for name in known)
    sources = [
        (os.environ if environ is None else environ, "the environment"),
        (_env_file_values(env_file), str(env_file)),
    ]
    lines: list[str] = []
    for values, where in sources:
        for name in sorted(values):
            upper = name.upper()  # pydantic-settings reads names in any case
            if not upper.startswith(PREFIX) or upper in known:
                continue
            line = f"unknown setting {name} in {where}"
            # Compared without the prefix they all share, which would make any two look alike.
            nearest = difflib.get_close_matches(upper[len(PREFIX) :], suffixes, n=1)
            if nearest:
                line += f" (did you mean {PREFIX}{nearest[0]}?)"
            lines.append(line + "; it is ignored")
    return lines


def _read_secret_files(
    kind: type[KnowledgeSettings], overrides: dict[str, Any], env_file: Path | None
) -> dict[str, Any]:
    """``overrides`` plus each secret whose ``<NAME>_FILE`` is set, read from that file.

    Raises ValueError naming the setting (and the file, never its content) when the file
    cannot be read or is empty, or when the secret is also given directly.
    """
    from_file = dict(_env_file_values(env_file))
    from_file.update(os.environ)
    folded = {k.upper(): v for k, v in from_file.items()}
    result = dict(overrides)
    for field in secret_fields(kind):
        name = PREFIX + field.upper()
        path_text = folded.get(name + FILE_SUFFIX, "").strip()
        if not path_text:
            continue
        if field in overrides or folded.get(name):
            raise ValueError(f"{name} and {name}{FILE_SUFFIX} are both set: set only one")
        path = Path(path_text)
        try:
            value = path.read_bytes().decode("utf-8").strip()
        except OSError as exc:
            raise ValueError(
                f"{name}{FILE_SUFFIX}: cannot read {path} ({exc.strerror or exc})"
            ) from None
        except UnicodeDecodeError:
            raise ValueError(f"{name}{FILE_SUFFIX}: {path} is not UTF-8 text") from None
        if not value:
            raise ValueError(f"{name}{FILE_SUFFIX}: {path} is empty")
        result[field] = value
    return result


def _load(kind: type[S], overrides: dict[str, Any]) -> S:
    env_file = overrides.get("_env_file", Path(ENV_FILE))
    try:
        values = _read_secret_files(kind, overrides, Path(env_file) if env_file else None)
        return kind(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = PREFIX + str(first["loc"][0]).upper() if first["loc"] else "a setting"
        message = str(first["msg"]).removeprefix("Value error, ")
        if message.startswith(name):  # the validator named it already
            raise ValueError(message) from None
        raise ValueError(f"{name}: {message}") from None


def load_settings(**overrides: Any) -> Settings:
    """Every setting (what ``serve`` needs), or ValueError with one line naming the bad
    setting (never its value)."""
    return _load(Settings, overrides)


def load_knowledge_settings(**overrides: Any) -> KnowledgeSettings:
    """The settings of the knowledge base alone (what every other command needs), or
    ValueError with one line naming the bad one; the Telegram settings are not looked at."""
    return _load(KnowledgeSettings, overrides)
