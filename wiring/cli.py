"""`offboard-bot`: serve, demo, db upgrade, verify, export, bulk, checklists validate."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot.errors import ConfigError, DomainError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="offboard-bot", description="Slack offboarding bot")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("serve", help="run the bot (HTTP on $PORT, or Socket Mode when SLACK_APP_TOKEN is set)")
    demo = sub.add_parser(
        "demo", help="a scripted offboarding against local stand-ins; no credentials, no network"
    )
    demo.add_argument("--verbose", action="store_true", help="also show the libraries' and the bot's logs")
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"])
    verify = sub.add_parser("verify", help="recompute the evidence hash chains")
    verify.add_argument("case", nargs="?", type=int)
    export = sub.add_parser("export", help="write a case's full evidence record")
    export.add_argument("case", type=int)
    export.add_argument("--format", choices=["json", "md", "csv", "html"], default="json")
    bulk = sub.add_parser("bulk", help="check a CSV of departures, then start them as one batch")
    bulk.add_argument("file")
    bulk.add_argument("--by", required=True, help="Slack user id of the HR person starting the batch")
    bulk.add_argument("--check", action="store_true", help="only check the rows; start nothing")
    checklists = sub.add_parser("checklists", help="checklist templates")
    checklists.add_argument("action", choices=["validate"])
    checklists.add_argument("path", nargs="?")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.cmd != "demo":  # the demo tells a story; it sets up logging itself (wiring/demo.py)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from bot.config import Settings

    try:
        settings = Settings.from_env()
        if args.cmd == "serve":
            from wiring.server import serve_forever

            asyncio.run(serve_forever(settings))
        elif args.cmd == "demo":
            from wiring.demo import main as demo

            return demo(verbose=args.verbose)
        elif args.cmd == "db":
            from bot.migrate import upgrade

            upgrade(settings.database_url)
            print("database schema is up to date")
        elif args.cmd == "verify":
            from wiring.evidence_cli import verify

            return asyncio.run(verify(settings, args.case))
        elif args.cmd == "export":
            from wiring.evidence_cli import export

            return asyncio.run(export(settings, args.case, args.format))
        elif args.cmd == "bulk":
            from wiring.bulk_cli import bulk

            return asyncio.run(bulk(settings, args.file, args.by, check_only=args.check))
        elif args.cmd == "checklists":
            from bot.checklist.templates import load_templates

            sets = load_templates(args.path)
            for name, t in sets.templates.items():
                print(f"ok  {name}: {t.title} ({len(t.items)} items)")
    except ConfigError as e:
        print(f"offboard-bot: {e}", file=sys.stderr)
        return 2
    except DomainError as e:
        print(f"offboard-bot: {e.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
