"""Configuration: a TOML file plus the environment, read into typed, frozen objects.

Every problem stops start-up with one line that names the key and says how to fix it
(`ConfigError`), never a traceback. Defaults are embedded so that the demo and the tests
run with no file at all.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import time
from pathlib import Path
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import texts
from bot.addresses import Address, telegram
from bot.private_files import private_dir

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONTENT = PROJECT_ROOT / "content"
PUBLIC_BOT_API = "https://api.telegram.org/bot"


class ConfigError(Exception):
    """A configuration problem, already phrased for the person running the bot."""

    def __init__(self, key: str, problem: str, fix: str) -> None:
        super().__init__(texts.config_error(key, problem, fix))
        self.key = key


@dataclass(frozen=True)
class TelegramConfig:
    token: str = ""
    base_url: str = PUBLIC_BOT_API
    base_file_url: str = ""  # derived from base_url when empty
    # False: show options as numbered lines and take typed numbers, as on a channel without
    # buttons (Zalo); to try that rendering in the simulator (bot/channels/telegram_numbered.py).
    buttons: bool = True

    @property
    def enabled(self) -> bool:
        """Whether the bot serves Telegram: a ward on Zalo alone leaves the token empty."""
        return bool(self.token)


ZALO_BOT_API = "https://bot-api.zaloplatforms.com"  # which host is canonical is unconfirmed


@dataclass(frozen=True)
class ZaloConfig:
    """The Zalo Bot Platform (bot/channels/zalo_*.py). Empty token: no Zalo."""

    token: str = ""
    base_url: str = ZALO_BOT_API
    mode: str = "polling"  # or "webhook"
    webhook_secret: str = ""  # 8–256 characters, sent back in X-Bot-Api-Secret-Token
    # Zalo publishes no rate limit: a conservative pace for broadcasts, as a setting.
    per_second: float = 5.0
    poll_timeout: float = 25.0  # seconds a getUpdates may wait for an update
    # The link that opens a chat with the bot in Zalo (its QR on the printed invite); the
    # form of Zalo's bot links is unconfirmed, so it is copied from the Zalo Bot Manager.
    chat_link: str = ""


@dataclass(frozen=True)
class WebConfig:
    """The bot's own small web app (bot/web.py): Zalo's webhook."""

    host: str = "127.0.0.1"
    port: int = 8088
    public_url: str = ""  # how the outside reaches it, e.g. "https://loa.haian.gov.vn"


@dataclass(frozen=True)
class WardConfig:
    name: str = "Hải An"
    timezone: str = "Asia/Ho_Chi_Minh"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class StorageConfig:
    database: Path = Path("data/loa-phuong.sqlite3")
    media: Path = Path("data/media")


@dataclass(frozen=True)
class ContentConfig:
    path: Path = DEFAULT_CONTENT


@dataclass(frozen=True)
class AdminsConfig:
    telegram_ids: tuple[int, ...] = ()  # kept from before addresses: telegram:<id> each
    addresses: tuple[str, ...] = ()  # "channel:id" of any channel, e.g. "zalo:7d1fa2c0"

    def keys(self) -> tuple[str, ...]:
        """Every admin as `channel:id`, the telegram_ids among them."""
        listed = [str(Address.parse(a)) for a in self.addresses]
        return tuple(dict.fromkeys([*(str(telegram(i)) for i in self.telegram_ids), *listed]))


@dataclass(frozen=True)
class InvitesConfig:
    ttl_days: int = 7


@dataclass(frozen=True)
class ReportsConfig:
    max_age_days: int = 60
    period: str = "weekly"  # weekly | monthly
    reminder_weekday: int = 5  # 0 = Monday; the reminder day for weekly periods
    reminder_day: int = 25  # day of month for monthly periods
    reminder_time: time = time(18, 0)
    digest_times: tuple[time, ...] = ()  # empty: officers get each report immediately


@dataclass(frozen=True)
class DeliveryConfig:
    global_per_second: float = 29.5
    per_chat_per_second: float = 1.0
    per_group_per_minute: int = 20
    max_attempts: int = 5
    reply_retry_seconds: float = 60.0  # a reply keeps trying this long through 429s and 5xx


@dataclass(frozen=True)
class ScheduleConfig:
    grace_hours: float = 2.0
    quiet_start: time = time(21, 0)
    quiet_end: time = time(6, 30)
    horizon_days: int = 366  # how far ahead a send time (or a schedule's end) may be set


@dataclass(frozen=True)
class LimitsConfig:
    """How much one person may ask of the bot (see bot/limits.py)."""

    # A person reading content or filing a report taps a few times in ten seconds; a burst
    # of 30 and one a second after it is far above that and far below what stalls the bot.
    updates_burst: int = 30  # updates let in at once, then updates_per_second
    updates_per_second: float = 1.0
    tips_per_hour: int = 5
    invite_guesses: int = 10  # wrong invite links or codes per guess_window_minutes
    guess_window_minutes: int = 15


@dataclass(frozen=True)
class Config:
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    zalo: ZaloConfig = field(default_factory=ZaloConfig)
    web: WebConfig = field(default_factory=WebConfig)
    ward: WardConfig = field(default_factory=WardConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    content: ContentConfig = field(default_factory=ContentConfig)
    admins: AdminsConfig = field(default_factory=AdminsConfig)
    invites: InvitesConfig = field(default_factory=InvitesConfig)
    reports: ReportsConfig = field(default_factory=ReportsConfig)
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)

    def secret_key(self, purpose: str) -> bytes:
        """A key for `purpose` (keyed hashes of invite codes, signed media URLs) from the bot's
        tokens: held in the config, never in the database the hashes sit in."""
        secret = f"loa-phuong {purpose}\0{self.telegram.token}\0{self.zalo.token}"
        return hashlib.sha256(secret.encode("utf-8")).digest()

    @property
    def file_url(self) -> str:
        if self.telegram.base_file_url:
            return self.telegram.base_file_url
        return self.telegram.base_url.replace("/bot", "/file/bot", 1)


def _coerce(key: str, value: Any, kind: Any) -> Any:
    """Turn one TOML value into the declared type, or explain what was expected."""
    if kind is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(key, texts.CFG_EXPECTED_BOOL, texts.CFG_FIX_BOOL)
    if kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(key, texts.CFG_EXPECTED_INT, texts.CFG_FIX_INT)
    if kind is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(key, texts.CFG_EXPECTED_NUMBER, texts.CFG_FIX_NUMBER)
    if kind is str:
        if isinstance(value, str):
            return value
        raise ConfigError(key, texts.CFG_EXPECTED_TEXT, texts.CFG_FIX_TEXT)
    if kind is Path:
        if isinstance(value, str) and value:
            return Path(value)
        raise ConfigError(key, texts.CFG_EXPECTED_PATH, texts.CFG_FIX_PATH)
    if kind is time:
        return _parse_time(key, value)
    if kind == tuple[int, ...]:
        if isinstance(value, list) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            return tuple(value)
        raise ConfigError(key, texts.CFG_EXPECTED_IDS, texts.CFG_FIX_IDS)
    if kind == tuple[str, ...]:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ConfigError(key, texts.CFG_EXPECTED_ADDRESSES, texts.CFG_FIX_ADDRESSES)
    if kind == tuple[time, ...]:
        if isinstance(value, list):
            return tuple(_parse_time(key, v) for v in value)
        raise ConfigError(key, texts.CFG_EXPECTED_TIMES, texts.CFG_FIX_TIME)
    raise TypeError(f"unsupported config type {kind!r}")  # a programming error, not a user one


def _parse_time(key: str, value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            hh, mm = value.split(":")
            return time(int(hh), int(mm))
        except ValueError:
            pass
    raise ConfigError(key, texts.CFG_EXPECTED_TIME, texts.CFG_FIX_TIME)


def _build(cls: type, data: dict[str, Any], prefix: str) -> Any:
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    for key in data:
        if key not in known:
            raise ConfigError(
                f"{prefix}{key}", texts.CFG_UNKNOWN_KEY, texts.cfg_fix_unknown(sorted(known))
            )
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        kind = hints[f.name]
        if is_dataclass(kind):
            section = data[f.name]
            if not isinstance(section, dict):
                raise ConfigError(f.name, texts.CFG_EXPECTED_SECTION, texts.CFG_FIX_SECTION)
            values[f.name] = _build(kind, section, f"[{f.name}] ")  # type: ignore[arg-type]
        else:
            values[f.name] = _coerce(f"{prefix}{f.name}", data[f.name], kind)
    return cls(**values)


def parse_config(data: dict[str, Any], env: Mapping[str, str] | None = None) -> Config:
    """Build a Config from parsed TOML and the environment, and validate it."""
    environ: Mapping[str, str] = os.environ if env is None else env
    config: Config = _build(Config, data, "")
    token = environ.get("BOT_TOKEN") or config.telegram.token
    if token != config.telegram.token:
        config = _replace(config, "telegram", token=token)
    zalo_token = environ.get("ZALO_BOT_TOKEN") or config.zalo.token
    if zalo_token != config.zalo.token:
        config = _replace(config, "zalo", token=zalo_token)
    validate(config)
    return config


def _replace(config: Config, section: str, **changes: Any) -> Config:
    from dataclasses import replace

    return replace(config, **{section: replace(getattr(config, section), **changes)})


def load_config(path: Path | None, env: Mapping[str, str] | None = None) -> Config:
    """Read the TOML file at `path` (or use the embedded defaults when None)."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise ConfigError(str(path), texts.CFG_FILE_MISSING, texts.CFG_FIX_FILE) from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(str(path), texts.cfg_bad_toml(str(exc)), texts.CFG_FIX_TOML) from exc
    return parse_config(data, env)


def validate(config: Config) -> None:
    """Check what types alone cannot: the token, the time zone, folders, ranges."""
    token = config.telegram.token
    if not token and not config.zalo.token:  # either channel alone is a bot; neither is not
        raise ConfigError("[telegram] token", texts.CFG_TOKEN_MISSING, texts.CFG_FIX_NO_TOKEN)
    if token and (":" not in token or any(c.isspace() for c in token)):
        raise ConfigError("[telegram] token", texts.CFG_TOKEN_SHAPE, texts.CFG_FIX_TOKEN)
    if not config.telegram.base_url.startswith(("http://", "https://")):
        raise ConfigError("[telegram] base_url", texts.CFG_BAD_URL, texts.CFG_FIX_URL)
    try:
        ZoneInfo(config.ward.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError("[ward] timezone", texts.CFG_BAD_TZ, texts.CFG_FIX_TZ) from exc
    content = config.content.path
    if not (content / "pack.toml").is_file() or not os.access(content, os.R_OK):
        raise ConfigError(
            "[content] path", texts.cfg_content_missing(content), texts.CFG_FIX_CONTENT
        )
    for listed in config.admins.addresses:
        try:
            Address.parse(listed)
        except ValueError as exc:
            raise ConfigError(
                "[admins] addresses", texts.CFG_EXPECTED_ADDRESSES, texts.CFG_FIX_ADDRESSES
            ) from exc
    zalo = config.zalo
    if zalo.token:
        if ":" not in zalo.token or any(c.isspace() for c in zalo.token):
            raise ConfigError("[zalo] token", texts.CFG_TOKEN_SHAPE, texts.CFG_FIX_ZALO_TOKEN)
        if not zalo.base_url.startswith(("http://", "https://")):
            raise ConfigError("[zalo] base_url", texts.CFG_BAD_URL, texts.CFG_FIX_URL)
        if zalo.mode not in ("polling", "webhook"):
            raise ConfigError("[zalo] mode", texts.CFG_BAD_ZALO_MODE, texts.CFG_FIX_ZALO_MODE)
        if zalo.mode == "webhook" and not 8 <= len(zalo.webhook_secret) <= 256:
            raise ConfigError(
                "[zalo] webhook_secret", texts.CFG_BAD_ZALO_SECRET, texts.CFG_FIX_ZALO_SECRET
            )
        if zalo.per_second <= 0 or zalo.poll_timeout <= 0:
            raise ConfigError("[zalo] per_second", texts.CFG_NOT_POSITIVE, texts.CFG_FIX_POSITIVE)
    if config.reports.period not in ("weekly", "monthly"):
        raise ConfigError("[reports] period", texts.CFG_BAD_PERIOD, texts.CFG_FIX_PERIOD)
    if config.invites.ttl_days < 1:
        raise ConfigError("[invites] ttl_days", texts.CFG_BAD_TTL, texts.CFG_FIX_TTL)
    limits = config.limits
    for key, value in (
        ("updates_burst", limits.updates_burst),
        ("updates_per_second", limits.updates_per_second),
        ("tips_per_hour", limits.tips_per_hour),
        ("invite_guesses", limits.invite_guesses),
        ("guess_window_minutes", limits.guess_window_minutes),
    ):
        if value <= 0:
            raise ConfigError(f"[limits] {key}", texts.CFG_NOT_POSITIVE, texts.CFG_FIX_POSITIVE)


def check_writable(path: Path, key: str) -> None:
    """Make sure the folder for `path` exists and can be written, or say how to fix it."""
    folder = path.parent if path.suffix else path
    try:
        private_dir(folder)  # 0700 when created here: the bot's data is for the bot only
    except OSError as exc:
        raise ConfigError(key, texts.cfg_not_writable(folder), texts.CFG_FIX_WRITABLE) from exc
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ConfigError(key, texts.cfg_not_writable(folder), texts.CFG_FIX_WRITABLE)
