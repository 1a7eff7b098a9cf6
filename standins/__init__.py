"""Local stand-ins for Slack, Okta and Microsoft Graph, built from the vendors' published specs.

They bind to 127.0.0.1 only. Tests, the demo and the benchmarks run the bot against them.
"""
