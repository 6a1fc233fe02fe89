"""`xiaokang audit verify|anchor|protect`, `backup`, `restore` (U11; GB/T 22239-2019 8.1.4.3, 8.1.4.9),
registered in core/commands.py (docs/architecture/registration.md). The audit app sits below accounts:
its commands act as ``core.commands.system_actor(label)``."""

from __future__ import annotations

import sys

from xiaokang.core import commands
from xiaokang.core.cli_support import EXIT_INPUT_ERRORS, EXIT_OK, UsageError, subcommands


def _triggers_missing() -> list[str]:
    from django.conf import settings
    from django.db import connection

    from xiaokang.audit import triggers

    if not getattr(settings, "XIAOKANG_AUDIT_TRIGGERS", True):
        return []
    return triggers.missing(connection)


def reinstall_triggers(connection, label: str) -> None:
    """Install the audit triggers; if any was missing, say so (and ``triggers.reinstall`` records it):
    a removed trigger is a sign of tampering (8.1.4.3 c), never repaired in silence."""
    from xiaokang.audit import triggers

    before = triggers.reinstall(connection, actor=commands.system_actor(label))
    if before:
        print(
            f"audit triggers were missing and are reinstalled: {', '.join(before)} "
            "/ 审计触发器曾缺失，已重装",
            file=sys.stderr,
        )


def cmd_audit_verify(args) -> int:
    from xiaokang.audit.services import AnchorFileError, anchors_check, anchors_read, verify_chain

    anchors = None
    if args.anchors:
        try:
            anchors = anchors_read(args.anchors)
        except AnchorFileError as exc:
            raise UsageError(str(exc)) from None
    failed = False
    absent = _triggers_missing()
    if absent:
        print(
            "audit trail NOT append-only: trigger(s) missing: " + ", ".join(absent) + " (run `xiaokang audit "
            "protect`) / 审计表缺少防篡改触发器",
            file=sys.stderr,
        )
        failed = True
    result = verify_chain()
    for first, last in result.gaps:
        ids = str(first) if first == last else f"{first}-{last}"
        print(
            f"audit ids missing: {ids} (before event {last + 1}) / 审计事件编号缺失: {ids}", file=sys.stderr
        )
    if result.broken_id is not None:
        print(
            f"audit chain BROKEN at event {result.broken_id}: {result.reason} "
            f"({result.checked} events before it are intact) / 审计链在第{result.broken_id}号事件处断裂",
            file=sys.stderr,
        )
        failed = True
    if anchors is not None:
        for event_id, problem in anchors_check(anchors):
            print(f"audit anchor check FAILED at event {event_id}: {problem} / 与锚点不符", file=sys.stderr)
            failed = True
    if failed:
        return EXIT_INPUT_ERRORS
    anchored = f", {len(anchors)} anchors match" if anchors is not None else ""
    print(f"audit chain intact: {result.checked} events verified{anchored} / 审计链完整")
    return EXIT_OK


def cmd_audit_anchor(args) -> int:
    from xiaokang.audit.services import anchor_write, verify_chain

    result = verify_chain()
    if result.broken_id is not None:
        print(
            f"audit chain BROKEN at event {result.broken_id}: {result.reason}; nothing anchored "
            f"/ 审计链断裂，未写入锚点",
            file=sys.stderr,
        )
        return EXIT_INPUT_ERRORS
    try:
        line = anchor_write(args.out, result)
    except OSError as exc:
        raise UsageError(f"{args.out}: cannot be appended to ({exc})") from None
    print(f"anchored: {line}")
    return EXIT_OK


def cmd_audit_protect(args) -> int:
    from django.db import connection

    from xiaokang.audit import triggers

    reinstall_triggers(connection, "cli audit protect")
    absent = triggers.missing(connection)
    if absent:
        raise UsageError("triggers still missing: " + ", ".join(absent))
    print("audit tables are append-only (triggers installed) / 审计表防篡改触发器已安装")
    return EXIT_OK


def _audit_arguments(p) -> None:
    audit_sub = subcommands(p, "audit_command")
    q = audit_sub.add_parser(
        "verify",
        help="check the triggers and recompute the HMAC chain; exit 1 naming the first broken event, gaps "
        "in the ids, and (with --anchors) a deleted tail or rewritten chain",
    )
    q.add_argument("--anchors", metavar="FILE", help="an anchors file written by `audit anchor`")
    q.set_defaults(func=cmd_audit_verify)
    q = audit_sub.add_parser(
        "anchor",
        help="verify the chain, then append 'timestamp event_id head_mac' to FILE "
        "(append-only; run it from cron)",
    )
    q.add_argument("--out", required=True, metavar="FILE")
    q.set_defaults(func=cmd_audit_anchor)
    q = audit_sub.add_parser("protect", help="(re)install the append-only triggers on the audit tables")
    q.set_defaults(func=cmd_audit_protect)


commands.register("audit", order=80, help="the audit trail", arguments=_audit_arguments)


# --- backup / restore (GB/T 22239-2019 8.1.4.9) ---------------------------------------------------
def cmd_backup(args) -> int:
    from django.db import DatabaseError

    from xiaokang.audit.backup import BackupError, backup_create

    try:
        result = backup_create(actor=commands.system_actor("cli backup"), out=args.out)
    except BackupError as exc:
        print(f"xiaokang backup: {exc} / 备份被拒绝", file=sys.stderr)
        return exc.code
    except (DatabaseError, OSError) as exc:
        raise UsageError(f"the backup failed: {exc} / 备份失败") from None
    print(
        f"backed up the {result.vendor} database and documents to {result.directory}: {result.files} files, "
        f"{result.bytes} bytes, checksums in manifest.json (keys NOT included: keep them apart) / 备份完成"
    )
    return EXIT_OK


def _backup_arguments(p) -> None:
    p.add_argument("--out", required=True, metavar="DIR")


commands.register(
    "backup",
    order=90,
    help="copy the database and documents into an empty DIR with a manifest of checksums (no keys)",
    arguments=_backup_arguments,
    handler=cmd_backup,
)


def cmd_restore(args) -> int:
    from django.db import DatabaseError

    from xiaokang.audit.backup import BackupError, backup_restore
    from xiaokang.audit.services import verify_chain

    try:
        manifest = backup_restore(actor=commands.system_actor("cli restore"), directory=args.directory)
    except BackupError as exc:
        print(f"xiaokang restore: {exc} / 恢复被拒绝，未做任何更改", file=sys.stderr)
        return exc.code
    except (DatabaseError, OSError) as exc:
        raise UsageError(f"the restore failed: {exc} / 恢复失败") from None
    print(f"restored the backup of {manifest.get('created')} from {args.directory} / 恢复完成")
    result = verify_chain()
    if result.broken_id is not None:
        print(
            f"audit chain BROKEN at event {result.broken_id}: {result.reason} (another XIAOKANG_AUDIT_KEY?)",
            file=sys.stderr,
        )
        return EXIT_INPUT_ERRORS
    print(f"audit chain intact: {result.checked} events verified / 审计链完整")
    return EXIT_OK


def _restore_arguments(p) -> None:
    p.add_argument("directory", metavar="DIR")


commands.register(
    "restore",
    order=100,
    help="check a backup's checksums, then restore it onto an EMPTY database and documents directory",
    arguments=_restore_arguments,
    handler=cmd_restore,
)
