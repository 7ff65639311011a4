"""Command line: `python -m bot <command>` (also installed as `loa-phuong`).

run            serve Telegram with config.toml (or --config PATH)
demo           run the real bot against the local Bot API simulator and print a tour
demo --interactive   type as a user; the bot answers through the simulator
check-content  validate the content pack and print each problem with file, line and fix
simulator      run the local Bot API simulator on its own (for manual tests)
import-units   import or update the tổ dân phố from a CSV file (Excel: CSV UTF-8)
invite         create an invite link and its QR code PNG (one tổ, or --all)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from bot import texts
from bot.config import ConfigError, load_config


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="loa-phuong", description="Loa Phường — loa phường số")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="chạy bot với Telegram thật")
    run.add_argument("--config", type=Path, default=Path("config.toml"))

    demo = sub.add_parser("demo", help="chạy thử với máy chủ Telegram mô phỏng")
    demo.add_argument("--interactive", action="store_true", help="tự gõ tin nhắn như người dùng")
    demo.add_argument("--admin", action="store_true", help="người gõ là quản trị viên phường")
    demo.add_argument(
        "--numbered", action="store_true", help="không có nút: gõ số để chọn, như trên Zalo"
    )
    demo.add_argument(
        "--channel", choices=("telegram", "zalo"), default="telegram", help="kênh chạy thử"
    )

    check = sub.add_parser("check-content", help="kiểm tra thư mục nội dung")
    check.add_argument("--config", type=Path, default=None)
    check.add_argument("--path", type=Path, default=None, help="thư mục nội dung")

    # Listed for --help only: main() hands everything after "simulator" to its own parser
    # (argparse.REMAINDER refuses options in first place: `simulator --port 8081`).
    sub.add_parser("simulator", help="chạy máy chủ Telegram mô phỏng", add_help=False)

    imp = sub.add_parser("import-units", help="nhập danh sách tổ dân phố từ tệp CSV")
    imp.add_argument("csv", type=Path, help="tệp CSV: Mã tổ;Tên tổ;Khu vực")
    imp.add_argument("--config", type=Path, default=Path("config.toml"))

    inv = sub.add_parser("invite", help="tạo lời mời kèm mã QR")
    inv.add_argument("--role", choices=["leader", "officer", "admin"], default="leader")
    inv.add_argument("--unit", help="mã tổ (lời mời tổ trưởng)")
    inv.add_argument("--all", action="store_true", help="mọi tổ chưa có tổ trưởng")
    inv.add_argument("--out", type=Path, help="tệp PNG của mã QR")
    inv.add_argument("--out-dir", type=Path, help="thư mục mã QR khi dùng --all")
    inv.add_argument("--bot-username", help="tên bot, nếu không hỏi được Telegram")
    inv.add_argument("--config", type=Path, default=Path("config.toml"))
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["simulator"]:
        from bot.simulator import main as sim_main

        return sim_main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args.config)
        if args.command == "demo":
            from bot.demo import main as demo_main

            return asyncio.run(
                demo_main(
                    interactive=args.interactive,
                    admin=args.admin,
                    numbered=args.numbered,
                    channel=args.channel,
                )
            )
        if args.command == "check-content":
            return _check_content(args.config, args.path)
        if args.command in ("import-units", "invite"):
            return _people(args)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 2


def _run(config_path: Path) -> int:
    from bot.app import build_application, run_polling
    from bot.content import ContentError, load_pack
    from bot.logs import install_excepthooks, protect, redact, setup_logging

    # What the bot writes (database, WAL, photos) is for its own user only: the files are
    # created 0600 anyway (bot/private_files.py); the umask covers anything else (issue 9).
    os.umask(0o077)
    level = _log_level(os.environ.get("LOA_LOG_LEVEL", ""))
    config = load_config(config_path)
    protect(config.telegram.token)
    install_excepthooks()  # even a crash prints no token
    setup_logging(level)
    logging.captureWarnings(True)  # warnings too go through the redacting record factory
    try:
        pack = load_pack(config.content.path)
    except ContentError as exc:
        print(texts.CONTENT_INVALID, file=sys.stderr)
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(texts.CONTENT_FIX_HINT, file=sys.stderr)
        return 1
    try:
        run_polling(build_application(config, pack))
    except ConfigError:
        raise  # a refused token or an unreachable base_url: main() prints its one line
    except Exception as exc:
        logging.getLogger("bot").critical("the bot stopped", exc_info=exc)  # redacted
        detail = redact(f"{type(exc).__name__}: {exc}").splitlines() or [type(exc).__name__]
        print(texts.startup_failed(detail[0][:200]), file=sys.stderr)
        return 1
    return 0


def _log_level(name: str) -> int:
    """LOA_LOG_LEVEL (DEBUG, INFO, WARNING, ERROR); INFO when unset."""
    if not name:
        return logging.INFO
    level = logging.getLevelNamesMapping().get(name.strip().upper())
    if level is None:
        raise ConfigError("LOA_LOG_LEVEL", texts.STARTUP_BAD_LOG_LEVEL, texts.STARTUP_FIX_LOG_LEVEL)
    return level


def _people(args: argparse.Namespace) -> int:
    from bot import people_cli

    config = load_config(args.config)
    if args.command == "import-units":
        return asyncio.run(people_cli.import_units_main(config, args.csv, sys.stdout, sys.stderr))
    return asyncio.run(
        people_cli.invite_main(
            config,
            role=args.role,
            unit_code=args.unit,
            all_units=args.all,
            out_path=args.out,
            out_dir=args.out_dir,
            bot_username=args.bot_username,
            out=sys.stdout,
            err=sys.stderr,
        )
    )


def _check_content(config_path: Path | None, path: Path | None) -> int:
    """The pack, then its calendar (content/lich.toml), which names the pack's items."""
    from bot.config import WardConfig
    from bot.content import ContentPack, check_content_main
    from bot.schedule import CALENDAR_FILE, load_calendar

    if path is None:
        if config_path is not None:
            with open(config_path, "rb") as fh:
                import tomllib

                path = Path(tomllib.load(fh).get("content", {}).get("path", "content"))
        else:
            from bot.config import DEFAULT_CONTENT

            path = DEFAULT_CONTENT

    def calendar(pack: ContentPack) -> list[str]:
        return load_calendar(pack.root / CALENDAR_FILE, pack, WardConfig().tz)[1]

    return check_content_main(path, sys.stdout, calendar)


if __name__ == "__main__":
    sys.exit(main())
