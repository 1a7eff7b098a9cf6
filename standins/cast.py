"""A small company to run the bot against: the same cast for the demo, the tests and the benchmarks."""

from __future__ import annotations

from dataclasses import dataclass

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
