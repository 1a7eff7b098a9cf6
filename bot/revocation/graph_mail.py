"""The Exchange Online and OneDrive steps of GraphSystem: automatic reply, forwarding, mailbox handover,
manager access to OneDrive. Graph cannot convert or delegate a mailbox; those become Exchange commands.
"""

from __future__ import annotations

import html

from bot.revocation.contract import PlannedCall, StepOptions, Subject
from bot.revocation.graph_client import Op, Prepared
from bot.revocation.graph_reads import GraphReads

FORWARD_RULE = "Offboarding: forward mail"


class GraphMailSteps(GraphReads):
    """Mixin for GraphSystem: graph.mailbox and graph.onedrive_access."""

    async def _mailbox(self, subject: Subject, options: StepOptions) -> Prepared:
        from msgraph.generated.models.automatic_replies_setting import AutomaticRepliesSetting
        from msgraph.generated.models.automatic_replies_status import AutomaticRepliesStatus
        from msgraph.generated.models.email_address import EmailAddress
        from msgraph.generated.models.external_audience_scope import ExternalAudienceScope
        from msgraph.generated.models.mailbox_settings import MailboxSettings
        from msgraph.generated.models.message_rule import MessageRule
        from msgraph.generated.models.message_rule_actions import MessageRuleActions
        from msgraph.generated.models.recipient import Recipient

        item = self._graph().users.by_user_id(subject.id)
        ops: list[Op] = []
        parts: list[str] = []
        if options.auto_reply:
            text = html.escape(options.auto_reply)
            body = {
                "automaticRepliesSetting": {
                    "status": "alwaysEnabled",
                    "externalAudience": "all",
                    "internalReplyMessage": text,
                    "externalReplyMessage": text,
                }
            }
            settings = MailboxSettings(
                automatic_replies_setting=AutomaticRepliesSetting(
                    status=AutomaticRepliesStatus.AlwaysEnabled,
                    external_audience=ExternalAudienceScope.All,
                    internal_reply_message=text,
                    external_reply_message=text,
                )
            )
            call = PlannedCall("PATCH", f"/users/{subject.id}/mailboxSettings", subject.id, body)
            ops.append(Op(call, lambda: item.mailbox_settings.patch(settings), "automatic reply"))
            parts.append("Automatic reply turned on for internal and external senders.")
        if target := options.forward_to_email:
            existing = await self._forward_rules(subject.id)
            if any(target.lower() in addresses for addresses in existing):
                parts.append(f"Mail was already forwarded to {target}.")
            else:
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
                    "actions": {
                        "forwardTo": [{"emailAddress": {"address": target}}],
                        "stopProcessingRules": False,
                    },
                }
                rules = item.mail_folders.by_mail_folder_id("inbox").message_rules
                call = PlannedCall(
                    "POST", f"/users/{subject.id}/mailFolders/inbox/messageRules", subject.id, body
                )
                ops.append(Op(call, lambda: rules.post(rule), "forwarding rule", idempotent=False))
                parts.append(f"New mail is forwarded to {target} by an inbox rule.")
                if target.split("@")[-1].lower() != subject.login.split("@")[-1].lower():
                    parts.append(
                        "Exchange Online blocks automatic forwarding to outside addresses unless the "
                        "outbound spam policy allows it."
                    )
        manual = self._mailbox_manual(subject, options)
        if manual:
            parts.append(
                "Graph cannot do the mailbox change itself; run the Exchange Online command shown, "
                "before the licences are removed (a mailbox needs its licence until then)."
            )
        return Prepared(ops, " ".join(parts) or "Nothing to change in the mailbox.", manual)

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

        manager = options.manager_email or ""
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
