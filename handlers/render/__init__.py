"""Block Kit rendering, kept within Slack's documented limits."""
