"""The Exchange Online and OneDrive steps of GraphSystem: automatic reply, forwarding, mailbox handover,
manager access to OneDrive. Graph cannot convert or delegate a mailbox; those become Exchange commands.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.revocation.contract import NotReady, PlannedCall, StepOptions, Subject
from bot.revocation.graph_client import Op, Prepared
from bot.revocation.graph_reads import GraphReads, _text

FORWARD_RULE = "Offboarding: forward mail"
AUTO_REPLY_DAYS = 90  # how long the scheduled reply runs after the cutoff (scheduled needs an end)


class GraphMailSteps(GraphReads):
    """Mixin for GraphSystem: graph.mailbox, graph.auto_reply, graph.forward_mail, graph.onedrive_access."""

    async def _mailbox(self, subject: Subject, options: StepOptions) -> Prepared:
        manual = self._mailbox_manual(subject, options)
        if not manual:
            return Prepared([], "Nothing to change in the mailbox.")
        summary = (
            "Graph cannot do the mailbox change itself; run the Exchange Online command shown, "
            "before the licences are removed (a mailbox needs its licence until then)."
        )
        return Prepared([], summary, manual)

    async def _auto_reply(self, subject: Subject, options: StepOptions) -> Prepared:
        """mailboxSettings automaticRepliesSetting (Graph v1.0): `scheduled` from the cutoff for
        AUTO_REPLY_DAYS, or `alwaysEnabled` when no cutoff is known; one text for internal and external."""
        from msgraph.generated.models.automatic_replies_setting import AutomaticRepliesSetting
        from msgraph.generated.models.automatic_replies_status import AutomaticRepliesStatus
        from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
        from msgraph.generated.models.external_audience_scope import ExternalAudienceScope
        from msgraph.generated.models.mailbox_settings import MailboxSettings

        text = html.escape(options.auto_reply or "")
        wanted: dict[str, Any] = {
            "status": "alwaysEnabled",
            "externalAudience": "all",
            "internalReplyMessage": text,
            "externalReplyMessage": text,
        }
        start = end = None
        if options.cutoff_at is not None:
            start = options.cutoff_at.astimezone(UTC).replace(tzinfo=None, microsecond=0)
            end = start + timedelta(days=AUTO_REPLY_DAYS)
            wanted["status"] = "scheduled"
            wanted["scheduledStartDateTime"] = {"dateTime": start.isoformat(), "timeZone": "UTC"}
            wanted["scheduledEndDateTime"] = {"dateTime": end.isoformat(), "timeZone": "UTC"}
        item = self._graph().users.by_user_id(subject.id)
        current = await self._call(item.mailbox_settings.get)
        if _same_reply(getattr(current, "automatic_replies_setting", None), wanted):
            return Prepared([], "The automatic reply was already set as asked; nothing to change.")
        setting = AutomaticRepliesSetting(
            status=AutomaticRepliesStatus(wanted["status"]),
            external_audience=ExternalAudienceScope.All,
            internal_reply_message=text,
            external_reply_message=text,
        )
        if start is not None and end is not None:
            setting.scheduled_start_date_time = DateTimeTimeZone(date_time=start.isoformat(), time_zone="UTC")
            setting.scheduled_end_date_time = DateTimeTimeZone(date_time=end.isoformat(), time_zone="UTC")
        settings = MailboxSettings(automatic_replies_setting=setting)
        body = {"automaticRepliesSetting": wanted}
        call = PlannedCall("PATCH", f"/users/{subject.id}/mailboxSettings", subject.id, body)
        op = Op(call, lambda: item.mailbox_settings.patch(settings), "automatic reply")
        when = (
            f"from {start:%Y-%m-%d %H:%M} UTC (the cutoff) for {AUTO_REPLY_DAYS} days"
            if start is not None
            else "from now (no cutoff time known)"
        )
        return Prepared([op], f"Automatic reply set for internal and external senders, {when}.")

    async def _forward_mail(self, subject: Subject, options: StepOptions) -> Prepared:
        """An inbox rule forwarding to options.mail_forward_to_email (mail forwarding is a messageRule,
        not a mailboxSettings field: Graph v1.0 messageRule, messageRuleActions.forwardTo)."""
        from msgraph.generated.models.email_address import EmailAddress
        from msgraph.generated.models.message_rule import MessageRule
        from msgraph.generated.models.message_rule_actions import MessageRuleActions
        from msgraph.generated.models.recipient import Recipient

        target = options.mail_forward_to_email
        if not target:
            raise NotReady("nobody is chosen to receive the forwarded mail yet")
        existing = await self._forward_rules(subject.id)
        if any(target.lower() in addresses for addresses in existing):
            return Prepared([], f"Mail was already forwarded to {target}.")
        rule = MessageRule(
            display_name=FORWARD_RULE,
            sequence=1,
            is_enabled=True,
            actions=MessageRuleActions(
                forward_to=[Recipient(email_address=EmailAddress(address=target))],
                stop_processing_rules=False,
            ),
        )
        body = {
            "displayName": FORWARD_RULE,
            "sequence": 1,
            "isEnabled": True,
            "actions": {"forwardTo": [{"emailAddress": {"address": target}}], "stopProcessingRules": False},
        }
        rules = (
            self._graph().users.by_user_id(subject.id).mail_folders.by_mail_folder_id("inbox").message_rules
        )
        call = PlannedCall("POST", f"/users/{subject.id}/mailFolders/inbox/messageRules", subject.id, body)
        parts = [f"New mail is forwarded to {target} by an inbox rule."]
        if target.split("@")[-1].lower() != subject.login.split("@")[-1].lower():
            parts.append(
                "Exchange Online blocks automatic forwarding to outside addresses unless the "
                "outbound spam policy allows it."
            )
        op = Op(call, lambda: rules.post(rule), "forwarding rule", idempotent=False)
        return Prepared([op], " ".join(parts))

    @staticmethod
    def _mailbox_manual(subject: Subject, options: StepOptions) -> str | None:
        if options.mailbox == "shared":
            return f"Set-Mailbox -Identity {subject.login} -Type Shared"
        if options.mailbox == "delegate":
            delegate = options.mailbox_delegate_email or "<delegate>"
            return (
                f"Add-MailboxPermission -Identity {subject.login} -User {delegate} "
                "-AccessRights FullAccess -InheritanceType All"
            )
        if options.mailbox == "backup_delete":
            return (
                f"Export the mailbox of {subject.login} (for example a Microsoft Purview eDiscovery export) "
                "before the account is deleted; Graph cannot export a mailbox."
            )
        return None

    async def _onedrive(self, subject: Subject, options: StepOptions) -> Prepared:
        from msgraph.generated.drives.item.items.item.invite.invite_post_request_body import (
            InvitePostRequestBody,
        )
        from msgraph.generated.models.drive_recipient import DriveRecipient

        manager = options.manager_email
        if not manager:
            raise NotReady("the manager's email, who gets the OneDrive, is not known yet")
        drive = await self._call(lambda: self._graph().users.by_user_id(subject.id).drive.get())
        message = f"You now have access to the OneDrive files of {subject.display or subject.login}."
        body = {
            "recipients": [{"email": manager}],
            "roles": ["write"],
            "requireSignIn": True,
            "sendInvitation": True,
            "retainInheritedPermissions": True,  # the SDK's default is False, which drops existing sharing
            "message": message,
        }
        request = InvitePostRequestBody(
            recipients=[DriveRecipient(email=manager)],
            roles=["write"],
            require_sign_in=True,
            send_invitation=True,
            retain_inherited_permissions=True,
            message=message,
        )
        invite = self._graph().drives.by_drive_id(drive.id).items.by_drive_item_id("root").invite
        call = PlannedCall("POST", f"/drives/{drive.id}/items/root/invite", drive.id, body)
        summary = f"Gave {manager} edit access to {subject.login}'s OneDrive ({drive.web_url or drive.id})."
        return Prepared([Op(call, lambda: invite.post(request), "OneDrive access")], summary)


def _same_reply(current: Any, wanted: dict[str, Any]) -> bool:
    """The mailbox already answers as wanted (Graph returns dateTime with 7 fraction digits)."""
    if current is None or _text(current.status) != wanted["status"]:
        return False
    if (current.internal_reply_message, current.external_reply_message) != (
        wanted["internalReplyMessage"],
        wanted["externalReplyMessage"],
    ):
        return False
    if _text(current.external_audience) != wanted["externalAudience"]:
        return False
    if wanted["status"] != "scheduled":
        return True
    got = current.scheduled_start_date_time
    return bool(got and _seconds(got.date_time) == wanted["scheduledStartDateTime"]["dateTime"])


def _seconds(value: str | None) -> str:
    return datetime.fromisoformat((value or "")[:19]).isoformat() if value else ""
