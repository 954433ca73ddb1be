"""``lianjie-platform``: run the central platform, or publish an office file to it.

``lianjie-platform serve --config FILE``
``lianjie-platform publish --config FILE (crl|agency-directory|holiday-calendar|screening-rules) DOCUMENT``
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from app.domain.errors import AppError
from app.sync.packet import PacketRejected
from server.config import load_platform_config
from server.published import PUBLICATIONS, publish
from server.runner import build_server, open_platform


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lianjie-platform", description="两法衔接信息共享平台（中心平台）")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    serve = sub.add_parser("serve", help="启动平台服务（双向 TLS）")
    serve.add_argument("--config", type=Path, required=True, help="平台配置文件（TOML）")
    serve.add_argument("--port", type=int, help="覆盖配置中的端口（0 = 任意空闲端口）")
    serve.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    pub = sub.add_parser("publish", help="发布吊销列表、成员单位名录、节假日或筛查规则（先校验再生效）")
    pub.add_argument("--config", type=Path, required=True, help="平台配置文件（TOML）")
    pub.add_argument("name", choices=sorted(PUBLICATIONS), help="发布文件类型")
    pub.add_argument("document", type=Path, help="由办公室签名的文件（吊销列表为 CA 签发的 CRL）")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lianjie-platform`` console script."""
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        config = load_platform_config(args.config)
        if args.command == "publish":
            path = publish(config, args.name, args.document.read_bytes())
            print(f"已发布：{path}")
            return 0
        platform = open_platform(config)
        server = build_server(platform, port=args.port, log_level=args.log_level)
        server.run()
        return 0
    except PacketRejected as exc:
        print(f"错误：{exc.user_message}", file=sys.stderr)
        return 1
    except AppError as exc:
        print(f"错误：{exc.for_operator()}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"错误：{exc.strerror}：{exc.filename}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
