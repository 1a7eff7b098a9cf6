"""What each revocation step is called on the checklist."""

STEP_TITLES = {
    "okta.suspend": "Okta: suspend the user",
    "okta.deactivate": "Okta: deactivate the user",
    "okta.clear_sessions": "Okta: end all sessions and revoke OAuth tokens",
    "okta.revoke_grants": "Okta: revoke grants",
    "okta.reset_factors": "Okta: reset MFA factors",
    "okta.remove_groups": "Okta: remove from groups",
    "graph.block_sign_in": "Microsoft 365: block sign-in",
    "graph.revoke_sessions": "Microsoft 365: revoke sign-in sessions",
    "graph.remove_licenses": "Microsoft 365: remove licenses",
    "graph.remove_groups": "Microsoft 365: remove from groups",
    "graph.remove_auth_methods": "Microsoft 365: remove MFA methods",
    "graph.mailbox": "Microsoft 365: apply the mailbox choice",
    "graph.auto_reply": "Microsoft 365: set the automatic reply from the cutoff",
    "graph.forward_mail": "Microsoft 365: forward new mail",
    "graph.onedrive_access": "Microsoft 365: give the manager access to OneDrive",
    "graph.retire_devices": "Intune: retire personal devices (company devices are wiped when returned)",
}


def step_title(step: str) -> str:
    return STEP_TITLES.get(step, step)
