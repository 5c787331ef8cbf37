"""What the shop services hand back: members, invites, preferences, the team, the zone.
Frozen plain values, never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class MemberView:
    id: int
    shop_id: int
    shop_name: str
    telegram_user_id: int
    chat_id: int
    display_name: str
    role: str

    @property
    def is_admin(self) -> bool:
        """Admins may manage the shop."""
        return self.role == "admin"


@dataclass(frozen=True)
class StartResult:
    member: MemberView
    created_shop: bool
    joined_shop: bool = False


@dataclass(frozen=True)
class InviteView:
    code: str
    expires_at: datetime
    zone: ZoneInfo  # the shop's, in which its members read times


@dataclass(frozen=True)
class Prefs:
    email: str | None
    whatsapp: str | None
    notify: bool
    shop_default_threshold: int
    role: str
    shop_name: str
    shop_zone: str
    # The member's quiet hours, `21:00-07:30` on the shop's clock, or None.
    quiet: str | None
    # False while the address waits for /verify (it receives only its code until then).
    email_verified: bool = False
    whatsapp_verified: bool = False
    # The shop's room (its group's title), if it has one, and whether the member still gets
    # alerts privately while it does (/notify private on).
    room: str | None = None
    private_alerts: bool = False


@dataclass(frozen=True)
class Verified:
    """The address a correct /verify code proved: its channel, the address, the new prefs."""

    channel: str
    address: str
    prefs: Prefs


@dataclass(frozen=True)
class ChannelState:
    """One of a member's alert channels: its name and whether the address is verified."""

    name: str
    verified: bool


@dataclass(frozen=True)
class TeamMember:
    """A member as /members lists them (their addresses stay private: only the channels)."""

    number: int
    name: str
    username: str | None
    role: str
    channels: tuple[ChannelState, ...]
    is_you: bool = False


@dataclass(frozen=True)
class TeamChange:
    """What /dismiss, /promote, /demote or /leave did to one member, and how to tell them."""

    member: TeamMember
    shop_name: str
    telegram_user_id: int
    chat_id: int
    # Their notifications that were still queued and will not be sent now (they left).
    cancelled: int = 0


@dataclass(frozen=True)
class ShopZone:
    """A shop's time zone and when its next daily check runs."""

    zone: ZoneInfo
    # False: the shop has not chosen one, and uses ALERT_TIMEZONE.
    chosen: bool
    next_check_at: datetime


@dataclass(frozen=True)
class RoomChange:
    """What /setup or /setup off did: the shop and its room's group."""

    shop_id: int
    shop_name: str
    title: str
    # /setup moved the room from another group (or topic) to this one.
    moved: bool


@dataclass(frozen=True)
class RoomLost:
    """The bot was removed from a shop's room: whom to tell, in their private chats."""

    shop_name: str
    title: str
    admin_chats: tuple[int, ...]


@dataclass(frozen=True)
class ApiKeyView:
    """An API key as /apikey list shows it: never the key itself, only its first characters."""

    id: int
    name: str
    scope: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class NewApiKey:
    """A key just made: the one time its secret is shown."""

    key: ApiKeyView
    secret: str


@dataclass(frozen=True)
class ApiCaller:
    """Whom an HTTP API request acts for: a live key's shop and scope."""

    shop_id: int
    key_id: int
    name: str
    scope: str

    @property
    def may_write(self) -> bool:
        """A write key may change stock and alerts; a read key only reads."""
        return self.scope == "write"

    @property
    def source(self) -> str:
        """What the ledger says made a change: `api:<key name>`."""
        return f"api:{self.name}"[:64]


@dataclass(frozen=True)
class Connection:
    """A point-of-sale connection as admins see it: never its secret, only a hint of it."""

    name: str
    provider: str
    secret_hint: str
    created_at: datetime
    # Where the provider sends its webhooks; None while PUBLIC_BASE_URL is not set.
    webhook_url: str | None
    active: bool = True


@dataclass(frozen=True)
class ConnectionSecret:
    """What the HTTP endpoint needs to verify a delivery and apply it."""

    id: int
    shop_id: int
    provider: str
    name: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class WebhookView:
    """A shop's webhook endpoint as the shop sees it: never its secret."""

    id: int
    url: str
    events: tuple[str, ...]
    created_at: datetime
    # When it was switched off (410 Gone, or 3 days of failures); None while it is on.
    disabled_at: datetime | None
    # The first failure of its current run of failures; None while deliveries succeed.
    failing_since: datetime | None


@dataclass(frozen=True)
class CreatedWebhook:
    """A new endpoint and its signing secret, which is shown this once."""

    webhook: WebhookView
    secret: str
