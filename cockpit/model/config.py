"""The cockpit's configuration: one file, overridden by environment variables and flags."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cockpit.model.approval import COVERS
from cockpit.model.units import Duration


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ApprovalConfig(_Frozen):
    """Four-eyes: these moves need a second operator's approval before they run."""

    required_for: list[Literal["cutover", "rollback", "restore"]] = Field(min_length=1)
    #: how long an approval holds once given
    expires: Duration = Field(default="15m", validate_default=True)

    @field_validator("expires")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("an approval must hold for some time, e.g. '15m'")
        return value

    def covers(self, action: str) -> bool:
        """`action`: a plan's (cutover, rollback-selector, rollback-helm, restore …)."""
        return any(action in COVERS[name] for name in self.required_for)


class ContextConfig(_Frozen):
    """Per kube context, as k9s does: e.g. production contexts read-only by default."""

    read_only: bool = False
    namespace: str | None = None
    #: this context's approval policy (wins over the top-level one)
    approval: ApprovalConfig | None = None


class PrometheusConfig(_Frozen):
    url: str | None = None
    verify_tls: bool = True
    timeout: Duration = Field(default="10s", validate_default=True)


class ActionsConfig(_Frozen):
    """Cutover, rollback and backup: names and times the runbook gives."""

    #: the label whose value tells blue from green, on pods and in the Service's selector
    label: str = "version"
    blue: str = "blue"
    green: str = "green"
    #: how long the endpoints may take to show only the new colour, all ready
    verify_timeout: Duration = Field(default="2m", validate_default=True)
    #: "monitor 15 minutes" after the cutover
    soak: Duration = Field(default="15m", validate_default=True)
    #: the Helm release for rollback option (b); default: the `release` var
    release: str | None = None


class PostgresConfig(_Frozen):
    """libpq conventions: a DSN (may be empty), PG* variables and ~/.pgpass fill the rest."""

    dsn: str | None = None
    backup_dir: str | None = None
    keep_daily: int = Field(default=30, ge=1)
    keep_monthly: int = Field(default=12, ge=0)


Keys = Annotated[str, Field(min_length=1)]


class Config(_Frozen):
    operator: str | None = None
    #: names the deployment window whose progress is kept; default: context@namespace
    window: str | None = None
    layout: str = "go-live"
    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None
    #: the Lease that says who holds the window (only its holder may run actions)
    lock: str = "cockpit-window"
    read_only: bool = False
    #: the day of T-0 and the timezone the runbook's times are in
    t0: date | None = None
    timezone: str | None = None
    prometheus: PrometheusConfig = PrometheusConfig()
    postgres: PostgresConfig = PostgresConfig()
    actions: ActionsConfig = ActionsConfig()
    #: values for ${placeholders} in checklists and layouts (service, base_url, …)
    vars: dict[str, str] = {}
    #: binding id → keys, e.g. {tick: "space,x"}
    keys: dict[str, Keys] = {}
    contexts: dict[str, ContextConfig] = {}
    #: four-eyes for every context; `contexts: {prod: {approval: …}}` sets it per context
    approval: ApprovalConfig | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value is not None:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown timezone {value!r} (e.g. 'Europe/Berlin')") from None
        return value

    def effective_read_only(self, context: str | None = None) -> bool:
        """`context`: the one the session resolved (the kubeconfig's current one when no
        context was named), so `contexts: {prod: {read_only: true}}` holds either way."""
        settings = self.contexts.get(context or self.context or "")
        return self.read_only or (settings is not None and settings.read_only)

    def effective_approval(self, context: str | None = None) -> ApprovalConfig | None:
        """The context's own policy, else the top-level one (None: no approval needed)."""
        settings = self.contexts.get(context or self.context or "")
        return (settings.approval if settings else None) or self.approval
