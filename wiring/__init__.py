"""The wiring: the CLI, the HTTP/Socket Mode server, building the runtime from settings, the demo."""
