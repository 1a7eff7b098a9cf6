"""A small company to run the bot against: the same cast for the demo, the tests and the benchmarks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from standins.slack_api import SlackStandIn


@dataclass(frozen=True)
class Cast:
    manager: str = "UMARIA"
    hr: str = "UHANA"
    it: str = "UIVAN"
    security: str = "USAM"
    subject: str = "UJANE"
    colleague: str = "UCOLIN"
    outsider: str = "UOLIVER"
    other_bot: str = "UHELPERBOT"
    hr_group: str = "SHR"
    it_group: str = "SIT"
    security_group: str = "SSEC"
    archive: str = "CARCHIVE"
    general: str = "CGENERAL"
    domain: str = "example.com"

    def email(self, user_id: str) -> str:
        return f"{user_id[1:].lower()}@{self.domain}"

    def config(self, **overrides: object) -> dict:
        """The org config YAML (as a dict) that matches this cast."""
        return {
            "roles": {
                "hr": {"usergroup": self.hr_group},
                "it": {"usergroup": self.it_group},
                "security": {"usergroup": self.security_group},
            },
            "archive_channel": self.archive,
            "workday_end": "17:00",
            "holidays_country": "US",
            **overrides,
        }


def seed(slack: SlackStandIn, cast: Cast | None = None) -> Cast:
    cast = cast or Cast()
    people = [
        (cast.manager, "maria", "Maria Manager", "America/New_York"),
        (cast.hr, "hana", "Hana HR", "America/Chicago"),
        (cast.it, "ivan", "Ivan IT", "Europe/Berlin"),
        (cast.security, "sam", "Sam Security", "Asia/Tokyo"),
        (cast.subject, "jane", "Jane Doe", "America/Los_Angeles"),
        (cast.colleague, "colin", "Colin Colleague", "Europe/London"),
        (cast.outsider, "oliver", "Oliver Outsider", "Australia/Sydney"),
    ]
    for uid, name, real, tz in people:
        slack.add_user(uid, name, cast.email(uid), tz=tz, real_name=real)
    slack.add_user(cast.other_bot, "helperbot", None, is_bot=True, real_name="Helper Bot")
    slack.add_usergroup(cast.hr_group, [cast.hr], handle="hr")
    slack.add_usergroup(cast.it_group, [cast.it], handle="it")
    slack.add_usergroup(cast.security_group, [cast.security], handle="security")
    everyone = [p[0] for p in people] + [slack.bot_user_id]
    slack.add_channel(
        cast.archive, "offboarding-archive", is_private=True, members=[slack.bot_user_id, cast.hr]
    )
    slack.add_channel(cast.general, "general", members=everyone)
    return cast


@dataclass
class Directory:
    """Ids the identity stand-ins gave the departing person and their belongings."""

    okta_user: str = ""
    okta_groups: tuple[str, ...] = ()
    graph_user: str = ""
    graph_manager: str = ""
    graph_groups: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()


def seed_identity(okta: object | None, graph: object | None, cast: Cast | None = None) -> Directory:
    """Jane as Okta and Microsoft 365 know her: groups, factors, grants, licenses, devices, a manager."""
    cast = cast or Cast()
    jane, maria = cast.email(cast.subject), cast.email(cast.manager)
    found = Directory()
    if okta is not None:
        manager = okta.add_user(maria, "Maria", "Manager")  # type: ignore[attr-defined]
        found.okta_user = okta.add_user(jane, "Jane", "Doe", manager_id=manager)  # type: ignore[attr-defined]
        groups = tuple(okta.add_group(n) for n in ("Engineering", "VPN users"))  # type: ignore[attr-defined]
        for g in groups:
            okta.add_member(g, found.okta_user)  # type: ignore[attr-defined]
        found.okta_groups = groups
        okta.add_factor(found.okta_user)  # type: ignore[attr-defined]
        okta.add_grant(found.okta_user)  # type: ignore[attr-defined]
        okta.add_session(found.okta_user)  # type: ignore[attr-defined]
        okta.add_app_link(found.okta_user, "GitHub", "github")  # type: ignore[attr-defined]
    if graph is not None:
        g = graph
        found.graph_manager = g.add_user(maria, "Maria Manager", mail=maria)  # type: ignore[attr-defined]
        found.graph_user = g.add_user(jane, "Jane Doe", mail=jane)  # type: ignore[attr-defined]
        g.set_manager(found.graph_user, found.graph_manager)  # type: ignore[attr-defined]
        e5 = g.add_sku("SPE_E5")  # type: ignore[attr-defined]
        g.assign_license(found.graph_user, e5)  # type: ignore[attr-defined]
        groups = tuple(g.add_group(n) for n in ("All Engineering", "Project Falcon"))  # type: ignore[attr-defined]
        for group in groups:
            g.add_member(group, found.graph_user)  # type: ignore[attr-defined]
        found.graph_groups = groups
        g.add_auth_method(found.graph_user, "microsoftAuthenticator", default=True)  # type: ignore[attr-defined]
        g.add_auth_method(found.graph_user, "phone")  # type: ignore[attr-defined]
        found.devices = (g.add_device(found.graph_user, "JANE-LAPTOP", owner="personal"),)  # type: ignore[attr-defined]
    return found


def seed_departures(
    slack: SlackStandIn, okta: object | None, graph: object | None, count: int, cast: Cast | None = None
) -> list[str]:
    """`count` people leaving together (a layoff), known to Slack, Okta and Microsoft 365 like Jane:
    a group, a factor and a session in Okta; a licence, a group, an auth method and a laptop in Graph.
    Returns their Slack ids (ULEAVE0001 …)."""
    cast = cast or Cast()
    zones = ("America/New_York", "America/Chicago", "America/Los_Angeles", "America/Denver")
    okta_group = okta.add_group("All staff") if okta is not None else ""  # type: ignore[attr-defined]
    if graph is not None:
        sku = graph.add_sku("SPE_E3")  # type: ignore[attr-defined]
        m365_group = graph.add_group("Everyone")  # type: ignore[attr-defined]
    ids = []
    for n in range(1, count + 1):
        uid, first, last = f"ULEAVE{n:04d}", "Person", f"Number{n:04d}"
        email = cast.email(uid)
        slack.add_user(uid, f"person.{n:04d}", email, tz=zones[n % len(zones)], real_name=f"{first} {last}")
        if okta is not None:
            user = okta.add_user(email, first, last)  # type: ignore[attr-defined]
            okta.add_member(okta_group, user)  # type: ignore[attr-defined]
            okta.add_factor(user)  # type: ignore[attr-defined]
            okta.add_session(user)  # type: ignore[attr-defined]
        if graph is not None:
            user = graph.add_user(email, f"{first} {last}", mail=email)  # type: ignore[attr-defined]
            graph.assign_license(user, sku)  # type: ignore[attr-defined]
            graph.add_member(m365_group, user)  # type: ignore[attr-defined]
            graph.add_auth_method(user, "microsoftAuthenticator", default=True)  # type: ignore[attr-defined]
            graph.add_device(user, f"LAPTOP-{n:04d}")  # type: ignore[attr-defined]
        ids.append(uid)
    return ids


@dataclass
class Privileges:
    """What `seed_privileges` gave the departing person beyond `seed_identity`."""

    graph_roles: tuple[str, ...] = ()  # active role assignment ids
    graph_eligible: tuple[str, ...] = ()  # PIM eligibility schedule ids
    graph_owned: tuple[str, ...] = ()  # ids of a group and an application Jane alone owns
    okta_roles: tuple[str, ...] = ()  # Okta role assignment ids
    okta_sso_app: str = ""  # an app Okta does not provision: its session survives Okta's actions


def seed_privileges(okta: object | None, graph: object | None, found: Directory) -> Privileges:
    """Opt-in extras for tests of the consequences (not part of seed_identity, whose shape other tests
    pin): Global Administrator (active) and Privileged Role Administrator (PIM-eligible) in Entra, a
    group and an app Jane is sole owner of, Okta SUPER_ADMIN, and an SSO-only Okta app."""
    given = Privileges()
    if graph is not None and found.graph_user:
        g: Any = graph
        given.graph_roles = (g.add_role(found.graph_user, "Global Administrator"),)
        given.graph_eligible = (g.add_eligible_role(found.graph_user, "Privileged Role Administrator"),)
        given.graph_owned = (
            g.add_owned("group", "Falcon owners", [found.graph_user]),
            g.add_owned("application", "Payroll sync", [found.graph_user]),
        )
    if okta is not None and found.okta_user:
        o: Any = okta
        given.okta_roles = (o.add_role(found.okta_user, "SUPER_ADMIN"),)
        given.okta_sso_app = o.add_app_link(found.okta_user, "Team wiki", "wiki_saml", provisioned=False)
    return given
