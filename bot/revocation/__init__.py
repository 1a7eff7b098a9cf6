"""Ending access: revocation steps run against Okta and Microsoft Graph, exactly once each."""
