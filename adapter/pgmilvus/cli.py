"""The ``pgmilvus`` command: ``pgmilvus serve`` answers Milvus's gRPC protocol from PostgreSQL.

    pgmilvus serve --uri postgresql://user:pw@host/db   # or a Milvus-Lite-style path: ./milvus.db
    pgmilvus serve --uri ./milvus.db --host 0.0.0.0 --port 19530 --workers 16
    pgmilvus serve --uri postgresql://... --require-auth --tls-cert cert.pem --tls-key key.pem
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Optional, Sequence


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pgmilvus", description="pgmilvus: Milvus's API on PostgreSQL")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve Milvus's gRPC protocol (pymilvus, Node, Java SDKs)")
    serve.add_argument("--uri", default="./milvus.db",
                       help="postgresql://... of an existing server, or a path for a private embedded "
                            "PostgreSQL (default: ./milvus.db)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=19530, help="port to listen on (default: 19530; 0: any free)")
    serve.add_argument("--workers", type=int, default=10, help="calls served at once (default: 10)")
    serve.add_argument("--user", default="", help="PostgreSQL user (if not in the URI)")
    serve.add_argument("--password", default="", help="PostgreSQL password (if not in the URI)")
    serve.add_argument("--require-auth", action="store_true",
                       help="refuse calls without credentials; each call runs as its caller's PostgreSQL role "
                            "(an embedded server's passwords are checked by pgmilvus; Milvus's root user, "
                            "password Milvus, is created)")
    serve.add_argument("--tls-cert", default="", help="PEM certificate (chain): serve TLS instead of plaintext")
    serve.add_argument("--tls-key", default="", help="PEM private key of --tls-cert")
    serve.add_argument("--max-receive-message-mb", type=int, default=64,
                       help="largest request accepted, in MB (default: 64, as Milvus's proxy)")
    serve.add_argument("--max-send-message-mb", type=int, default=256,
                       help="largest response sent, in MB (default: 256, as Milvus's proxy)")
    serve.add_argument("--rest", action="store_true",
                       help="also answer Milvus's RESTful API v2 (bulk import's jobs, ...) on the port, as Milvus "
                            "does; costs gRPC calls ~0.07 ms each (docs/server.md); not with --tls-cert")
    serve.add_argument("--import-from", default=os.environ.get("PGMILVUS_IMPORT_FROM", ""),
                       help="where bulk import jobs read files: s3://ACCESS:SECRET@HOST:PORT/BUCKET (Milvus's "
                            "object storage; ?secure=true for https) or a directory (default: "
                            "$PGMILVUS_IMPORT_FROM; none: Import is refused)")
    migrate = commands.add_parser("migrate", help="copy collections between Milvus/Milvus Lite and pgmilvus")
    migrate.add_argument("--from", dest="source", required=True,
                         help="milvus://host:port, milvus-lite:///x.db, postgresql://... or pgmilvus:///x.db")
    migrate.add_argument("--to", dest="target", required=True, help="same schemes as --from")
    migrate.add_argument("--collections", default="", help="comma-separated names (default: all)")
    migrate.add_argument("--databases", default="",
                         help="comma-separated databases, or * for all (default: the default database)")
    migrate.add_argument("--batch", type=int, default=5000, help="rows per checkpointed batch (default: 5000)")
    migrate.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    migrate.add_argument("--checkpoint", default=None, help="checkpoint sidecar file")
    migrate.add_argument("--allow-lossy", action="store_true", help="exit 0 even if a mapping lost something")
    migrate.add_argument("--sample", type=int, default=100,
                         help="rows per collection compared field by field in the report (default: 100)")
    migrate.set_defaults(log_level="WARNING")
    export = commands.add_parser("export", help="a collection to Milvus bulk-writer files (JSON, JSONL, Parquet)")
    export.add_argument("--from", dest="source", required=True, help="same schemes as migrate --from")
    export.add_argument("--collection", required=True)
    export.add_argument("--out", required=True, help="folder for the files")
    export.add_argument("--format", default="json", choices=("json", "jsonl", "parquet"))
    export.add_argument("--batch", type=int, default=5000, help="rows per read (default: 5000)")
    export.set_defaults(log_level="WARNING")
    imports = commands.add_parser("import", help="Milvus bulk-writer files into an existing collection")
    imports.add_argument("--to", dest="target", required=True, help="same schemes as migrate --to")
    imports.add_argument("--collection", required=True)
    imports.add_argument("--partition", default="", help="partition to insert into (default: _default)")
    imports.add_argument("--batch", type=int, default=5000, help="rows per insert (default: 5000)")
    imports.add_argument("files", nargs="+", help=".json / .jsonl / .parquet files, or folders of them")
    imports.set_defaults(log_level="WARNING")
    serve.add_argument("--log-level", default="INFO", help="logging level (default: INFO: one line per call)")
    return parser


def _data_tool(args: argparse.Namespace) -> int:
    """Run ``pgmilvus migrate`` / ``export`` / ``import``; a failure is one line naming it (exit 2),
    never a traceback."""
    from pymilvus.exceptions import MilvusException as SourceError

    from .errors import MilvusException
    from .migrate.files import export_collection, import_files
    from .migrate.run import migrate as run_migrate

    # Milvus Lite serves pymilvus from a gRPC server in this process and logs a traceback for each
    # RPC it lacks (pymilvus asks for AllocTimestamp, then does without): not the user's problem.
    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
    # pymilvus logs each refused call with its traceback; the report names what was refused
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
    try:
        if args.command == "export":
            return export_collection(args.source, args.collection, args.out, args.format, args.batch)
        if args.command == "import":
            return import_files(args.target, args.collection, args.files, args.batch, args.partition)
        return run_migrate(args.source, args.target, [c for c in args.collections.split(",") if c],
                           args.batch, args.resume, args.allow_lossy, args.checkpoint, args.sample,
                           [d for d in args.databases.split(",") if d])
    except (MilvusException, SourceError, ValueError, OSError) as exc:
        hint = ("nothing past the last checkpoint was lost: fix it and run again with --resume"
                if args.command == "migrate" else "fix it and run again")
        print(f"pgmilvus {args.command}: {getattr(exc, 'message', None) or exc}; {hint}", file=sys.stderr)
        return 2


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command in ("migrate", "export", "import"):
        return _data_tool(args)
    if args.command == "serve":
        if args.workers < 1 or args.max_receive_message_mb < 1 or args.max_send_message_mb < 1:
            print("pgmilvus serve: --workers, --max-receive-message-mb and --max-send-message-mb must be at "
                  "least 1", file=sys.stderr)
            return 2
        try:
            from .server.app import Options, serve
        except ImportError as exc:
            print(f"pgmilvus serve needs the server extra: pip install \"pgmilvus[server]\" ({exc})",
                  file=sys.stderr)
            return 2
        from .errors import MilvusException

        try:
            serve(Options(uri=args.uri, host=args.host, port=args.port, workers=args.workers,
                          user=args.user, password=args.password, require_auth=args.require_auth,
                          tls_cert=args.tls_cert, tls_key=args.tls_key,
                          max_receive_message_mb=args.max_receive_message_mb,
                          max_send_message_mb=args.max_send_message_mb, rest=args.rest,
                          import_from=args.import_from))
        except (MilvusException, OSError) as exc:
            print(f"pgmilvus serve: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
