"""Command line (docs/cli.md). Exit codes: 0 all done, 1 some items failed, 2 usage or
configuration error (nothing written). ``--json`` prints one JSON document on stdout."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from . import __version__
from .core.errors import ConfigError, ImgprepError
from .core.messages import printable

EXIT_OK, EXIT_ITEMS_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 too; keep its message short
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="imgprep", description="Prepare product photos for online shops.")
    p.add_argument("--version", action="version", version=f"imgprep {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    b = sub.add_parser("batch", help="process shoot folders into the library")
    b.add_argument("sources", nargs="+", type=Path, metavar="SRC", help="shoot folder(s) named by SKU, or files")
    _common(b)
    b.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    b.add_argument("--json", action="store_true", help="print one JSON document on stdout")

    w = sub.add_parser("watch", help="watch a drop folder and process what arrives")
    w.add_argument("drop", type=Path)
    _common(w)
    w.add_argument("--poll", action="store_true", help="poll instead of OS events (network shares)")
    w.add_argument("--json", action="store_true", help="print one JSON line per event on stdout")
    w.add_argument("--keep-sources", action="store_true",
                   help="leave processed files in the drop folder (default: move to DROP/.imgprep/done/)")
    w.add_argument("--stable", type=float, default=1.0, metavar="SEC",
                   help="take a file once size and mtime are unchanged this long (default 1)")
    w.add_argument("--stall", type=float, default=120.0, metavar="SEC",
                   help="report an unchanged but incomplete file as stalled after this long (default 120)")
    w.add_argument("--rescan", type=float, default=60.0, metavar="SEC",
                   help="full rescan of the drop folder, the safety net for lost events (default 60)")
    w.add_argument("--workers", type=int, default=None, help="worker processes for larger arrivals")

    c = sub.add_parser("colour", aliases=["color"], help="measure colour against a reference card")
    c.add_argument("image", type=Path)
    c.add_argument("--card", choices=["classic24", "grey"], default="classic24")
    c.add_argument("--corners", help='outer corners of the patch grid "x,y;x,y;x,y;x,y" in image pixels')
    c.add_argument("--preset", help="preset whose colour settings (thresholds, model) apply")
    c.add_argument("--json", action="store_true")

    k = sub.add_parser("check", help="apply the rule book to a library")
    k.add_argument("library", type=Path)
    k.add_argument("--sku")
    k.add_argument("--json", action="store_true")
    k.add_argument("--verify-backup", action="store_true",
                   help="re-hash every verified backup copy and report those changed or gone since")
    _journal_arg(k)

    jn = sub.add_parser("journal", help="the library's journal")
    jsub = jn.add_subparsers(dest="journal_command", parser_class=_Parser, required=True)
    m = jsub.add_parser("migrate", help="move a one-station SQLite journal to a server journal")
    m.add_argument("library", type=Path)
    m.add_argument("--to", required=True, metavar="URL", help="postgresql://user@host:port/database (empty)")
    m.add_argument("--json", action="store_true")

    sub.add_parser("presets", help="list presets with their renditions")

    g = sub.add_parser("page", help="build each SKU's description page (详情页) from the shop's template")
    g.add_argument("library", type=Path)
    which = g.add_mutually_exclusive_group()
    which.add_argument("--sku", nargs="+", metavar="SKU", help="these SKUs only")
    which.add_argument("--all", action="store_true", help="every SKU of the library (the default)")
    g.add_argument("--template", help="page template name or .toml file (default: the library's last, "
                                      "else taobao-750)")
    g.add_argument("--force", action="store_true", help="rebuild pages whose inputs did not change too")
    g.add_argument("--json", action="store_true")

    x = sub.add_parser("export", help="upload folders for a platform: main images, white-background image, details, listing.csv")
    x.add_argument("library", type=Path)
    x.add_argument("--platform", required=True, help="taobao, jd, pinduoduo, or a platform .toml file")
    x.add_argument("--out", type=Path, required=True, help="folder for the upload folders (one per SKU)")
    which = x.add_mutually_exclusive_group()
    which.add_argument("--sku", nargs="+", metavar="SKU", help="these SKUs only")
    which.add_argument("--all", action="store_true", help="every SKU of the library (the default)")
    x.add_argument("--preset", help="preset whose watermark marks the main images (default: taobao-710)")
    x.add_argument("--json", action="store_true")

    s = sub.add_parser("slate", help="print SKU slates: QR cards to shoot as a product's first frame")
    s.add_argument("skus", nargs="*", metavar="SKU", help="SKUs (default: every product of --catalogue)")
    s.add_argument("--catalogue", "--catalog", type=Path, help="product sheet: names on the slates")
    s.add_argument("--out", type=Path, required=True, help="folder for slate-SKU.png (created if missing)")
    s.add_argument("--json", action="store_true")
    return p


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--library", type=Path, required=True, help="library folder (created if missing)")
    p.add_argument("--backup", type=Path, help="backup folder (another computer's share)")
    p.add_argument("--preset", help="preset name or .toml file (default: taobao-710)")
    p.add_argument("--catalogue", "--catalog", type=Path, help="product sheet (CSV or XLSX)")
    _journal_arg(p)


def _journal_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--journal", metavar="URL",
                   help="server journal postgresql://user@host:port/database, for several stations on one library "
                        "(default: the library's settings, else its SQLite file)")


def _print_json(doc: Any) -> None:
    """``--json`` output, encoded whole and written once: the encoder's many small writes
    cost as much again as the encoding (a `check` of a 100 000-row product sheet)."""
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")


def _open_journal(a: argparse.Namespace) -> None:
    """Settle which journal the library uses before any work: ``--journal`` (recorded in
    the library's settings for the other stations), a server that must answer now (fail
    fast), or the SQLite file, refused on a network share."""
    from .core.journal import Journal, journal_url, sqlite_refusal, use_journal

    if a.journal:
        use_journal(a.library, a.journal)
    if journal_url(a.library):
        Journal(a.library).close()
    else:
        sqlite_refusal(a.library)


def _progress_bar(enabled: bool):
    state = {"total": 0, "done": 0, "t0": time.monotonic(), "last": 0.0}

    def cb(ev: dict[str, Any]) -> None:
        if not enabled:
            return
        e = ev.get("event")
        if e == "planned":
            state["total"] = ev["total"]
        elif e == "analysed":
            state["done"] = ev["done"]
        elif e == "failed":
            sys.stderr.write(f"\r\x1b[K✗ {printable(ev['source'])}: {printable(ev['reason'])}\n")
        elif e == "backup-unavailable":
            sys.stderr.write(f"\r\x1b[K! backup: {printable(ev['reason'])}\n")
        now = time.monotonic()
        if now - state["last"] < 0.1 and e not in ("planned",):
            return
        state["last"] = now
        total, done = state["total"], state["done"]
        if total:
            width = 30
            filled = int(width * done / total)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}  "
                             f"{now - state['t0']:.1f}s")
            sys.stderr.flush()

    return cb


def cmd_batch(a: argparse.Namespace) -> int:
    from .app.batch import BatchOptions, BatchRunner
    from .core.presets import load_preset

    _open_journal(a)
    preset = load_preset(a.preset)
    catalogue = None
    if a.catalogue:
        from .core.catalogue import load_catalogue

        catalogue = load_catalogue(a.catalogue)
    if a.workers is not None and a.workers < 0:
        raise ConfigError(None, "--workers", f"bad value {a.workers}", "0 runs in this process, N ≥ 1 worker processes")
    opts = BatchOptions(library=a.library, preset=preset, backup=a.backup, catalogue=catalogue,
                        workers=a.workers if a.workers is not None else max(1, os.cpu_count() or 1))
    show = sys.stderr.isatty() and not a.json
    runner = BatchRunner(opts, progress=_progress_bar(show))
    report = runner.run(a.sources)
    if show:
        sys.stderr.write("\n")
    if report.library_problem:
        print(f"imgprep: {printable(report.library_problem)}", file=sys.stderr)
    if a.json:
        _print_json(report.to_json())
    else:
        for it in report.items:
            if it.status in ("failed", "duplicate"):
                print(f"{it.status}: {printable(it.source)}: {printable(it.reason)}")
        for w in report.warnings:
            print(f"warning: {printable(w)}")
        if report.backup_problem:
            print(f"backup: {printable(report.backup_problem)}")
        s = report.summary
        print(f"{s['done']} done, {s['duplicate']} duplicate, {s['failed']} failed, {s['skipped']} skipped"
              f" → {a.library}")
    return report.exit_code


def _parse_corners(text: str) -> list[tuple[float, float]]:
    try:
        pts = [tuple(float(v) for v in p.split(",")) for p in text.strip().split(";") if p.strip()]
    except ValueError:
        pts = []
    if len(pts) != 4 or any(len(p) != 2 for p in pts):
        raise ConfigError(None, "--corners", f"bad value {text!r}",
                          'four points "x,y;x,y;x,y;x,y" in image pixels: the outer corners of the patch grid')
    return [(p[0], p[1]) for p in pts]


def cmd_colour(a: argparse.Namespace) -> int:
    from dataclasses import replace

    from .app.frames import analyse_file
    from .core.errors import InputError
    from .core.presets import load_preset

    preset = load_preset(a.preset)
    colour = replace(preset.colour, card=a.card)
    corners = _parse_corners(a.corners) if a.corners else None
    try:
        doc = analyse_file(a.image, colour, preset.renditions, corners)
    except InputError as e:
        print(f"imgprep: {e}", file=sys.stderr)
        return EXIT_ITEMS_FAILED
    found = bool(doc.get("card", {}).get("found"))
    if a.json:
        _print_json(doc)
    elif not found:
        print(f"{a.image}: no card: {doc['card'].get('reason')}")
    else:
        print(_colour_text(str(a.image), doc))
    return EXIT_OK if found else EXIT_ITEMS_FAILED


def _colour_text(image: str, doc: dict) -> str:
    """``imgprep colour``'s lines for a card found: ΔE2000 before, after (in sample) and
    left out (leave-one-out, the accuracy to expect on the product's colours), the
    verdict beside the figures it is judged on, and the warnings (patches left out, with
    why, among them)."""
    s = doc["summary"]
    th = doc.get("thresholds", {})
    loo = doc.get("loo")

    def row(label: str, v: dict) -> str:
        return (f"  ΔE2000 {label:<14} mean {v['mean']:.2f}  median {v['median']:.2f}  "
                f"p90 {v['p90']:.2f}  max {v['max']:.2f}")

    verdict = (f"   {'PASS' if s['pass'] else 'FAIL'} (mean ≤ {th.get('mean', 3):g}, "
               f"max ≤ {th.get('max', 6):g})")
    lines = [f"{image}: {doc['card']['type']} found, model {doc.get('model')}",
             row("before:", s["before"]),
             row("after:", s["after"]) + ("   (in sample)" if loo else verdict)]
    if loo:
        lines.append(row("leave-one-out:", loo) + verdict)
    lines += [f"  ! {w}" for w in doc.get("warnings", [])]
    return "\n".join(lines)


def cmd_watch(a: argparse.Namespace) -> int:
    import signal

    from .app.watch import Watcher, WatchOptions
    from .core.presets import load_preset

    _open_journal(a)
    preset = load_preset(a.preset)
    catalogue = None
    if a.catalogue:
        from .core.catalogue import load_catalogue

        catalogue = load_catalogue(a.catalogue)
    for name, v in (("--stable", a.stable), ("--stall", a.stall), ("--rescan", a.rescan)):
        if not v > 0:
            raise ConfigError(None, name, f"bad value {v}", "a number of seconds > 0")
    if a.workers is not None and a.workers < 0:
        raise ConfigError(None, "--workers", f"bad value {a.workers}", "0 runs in this process, N ≥ 1 worker processes")
    opts = WatchOptions(drop=a.drop, library=a.library, preset=preset, backup=a.backup, catalogue=catalogue,
                        poll=True if a.poll else None, keep_sources=a.keep_sources, stable=a.stable,
                        stall=a.stall, rescan=a.rescan,
                        workers=a.workers if a.workers is not None else max(1, os.cpu_count() or 1))

    def emit(ev: dict[str, Any]) -> None:
        if a.json:
            line = json.dumps({k: v for k, v in ev.items() if k != "why"}, ensure_ascii=False)  # why: the app's
        else:
            what = ev.get("file") or ev.get("source") or ""
            line = printable(f"{ev['time'][11:19]} {ev['event']:<18} {what}"
                             + (f"  ({ev['reason']})" if ev.get("reason") else ""))
        try:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        except (BrokenPipeError, ValueError):
            pass

    watcher = Watcher(opts, emit)

    def on_signal(signum: int, frame: Any) -> None:
        watcher.stop(wait=False)

    for sig in ("SIGINT", "SIGTERM", "SIGBREAK", "SIGHUP"):
        if hasattr(signal, sig):
            signal.signal(getattr(signal, sig), on_signal)
    watcher.run_forever()
    return EXIT_OK


def cmd_check(a: argparse.Namespace) -> int:
    from .app.check import check_library, library_status, verify_backup

    _open_journal(a)
    results = check_library(a.library, a.sku)
    changed = verify_backup(a.library) if a.verify_backup else []
    status = library_status(a.library)
    if a.json:
        doc = {"skus": [c.to_json() for c in results], **status}
        if a.verify_backup:
            doc["backup_changed"] = changed
        _print_json(doc)
    else:
        for c in changed:
            print(printable(f"! backup {c['root']}/{c['path']}: {c['reason']}"))
        b = status["backup"]
        if b.get("pending"):
            print(f"! backup backlog: {b['pending']} file(s) waiting since {b.get('oldest')}"
                  + (f" (last error: {b['last_error']})" if b.get("last_error") else ""))
        for kind, label in (("stalled", "stalled (stopped growing, never complete)"),
                            ("unassigned", "unassigned (not in a SKU folder)"), ("refused", "refused")):
            for e in status.get(kind, []):
                print(printable(f"! {label}: {e['path']}" + (f" — {e['reason']}" if e.get("reason") else "")))
        for c in results:
            when = "" if c.days_left is None else (
                f"  ({c.days_left} day(s) left)" if c.days_left >= 0 else f"  ({-c.days_left} day(s) overdue)")
            print(f"{'✓' if c.ok else '✗'} {c.sku}{when}")
            for p in c.problems:
                print(f"    {p['rule']}: {printable(p['message'])}")
    return EXIT_OK if all(c.ok for c in results) and not changed else EXIT_ITEMS_FAILED


def cmd_page(a: argparse.Namespace) -> int:
    from .app.page import build_pages

    report = build_pages(a.library, a.sku, a.template, force=a.force)
    if a.json:
        _print_json(report.to_json())
    else:
        for r in report.items:
            if r.status == "failed":
                print(printable(f"failed: {r.reason}"))
                continue
            print(printable(f"{r.status}: {r.page} ({len(r.slices)} slices)"))
            for p in r.problems + r.notes:
                print(printable(f"    {p}"))
        s = report.to_json()["summary"]
        print(f"{s['built']} built, {s['unchanged']} unchanged, {s['failed']} failed (template {report.template})")
    return report.exit_code


def cmd_export(a: argparse.Namespace) -> int:
    """Exit 1 when a SKU failed or left something out (each reported)."""
    from .app.export import export
    from .core.platforms import load_platform
    from .core.presets import load_preset

    platform = load_platform(a.platform)
    report = export(a.library, platform, a.out, load_preset(a.preset), a.sku)
    if a.json:
        _print_json(report.to_json())
    else:
        for item in report.items:
            mark = {"done": "✓", "partial": "!", "failed": "✗"}[item.status]
            print(printable(f"{mark} {item.sku}: {len(item.main)} main, "
                            f"{'white' if item.white else 'no white'}, {len(item.details)} detail(s)"
                            + (f" → {item.folder}" if item.folder else "")))
            for p in item.problems:
                print(printable(f"    {p}"))
    return EXIT_OK if all(i.status == "done" for i in report.items) else EXIT_ITEMS_FAILED


def cmd_presets(a: argparse.Namespace) -> int:
    from .core.presets import list_presets

    for p in list_presets():
        print(f"{p.name}: {p.description}")
        for r in p.renditions:
            size = f"{r.width} px wide" if r.fit == "width" else f"{r.box[0]}×{r.box[1]} ({r.fit})" if r.box else ""
            print(f"  {r.name:<8} {'/'.join(r.roles):<12} {size}, quality {r.quality}"
                  + (f", ≤ {r.max_bytes} bytes" if r.max_bytes else ""))
    return EXIT_OK


def cmd_slate(a: argparse.Namespace) -> int:
    """One PNG per SKU (A6 portrait at 290 dpi). Exit 1 when a SKU was refused."""
    from .app.services import write_slates

    cat = None
    if a.catalogue is not None:
        from .core.catalogue import load_catalogue

        cat = load_catalogue(a.catalogue)
    skus = list(a.skus) or (list(cat) if cat is not None else [])
    if not skus:
        print("imgprep slate: name SKUs or give --catalogue", file=sys.stderr)
        return EXIT_USAGE
    files, problems = write_slates(a.out, skus, cat)
    for p in problems:
        print(f"imgprep slate: {printable(p)}", file=sys.stderr)
    if a.json:
        print(json.dumps({"files": [str(f) for f in files]}, ensure_ascii=False))
    else:
        for f in files:
            print(f)
    return EXIT_ITEMS_FAILED if problems else EXIT_OK


def cmd_journal(a: argparse.Namespace) -> int:
    """``journal migrate LIB --to URL``: the SQLite journal copied to the server, verified."""
    from .core.journal import check_url
    from .core.journal_pg import migrate_journal

    check_url(a.to)
    done = migrate_journal(a.library, a.to)
    if a.json:
        print(json.dumps(done, ensure_ascii=False))
    else:
        for table, n in done["tables"].items():
            print(f"  {table:<12} {n} rows")
        print(printable(done["message"]))
    return EXIT_OK


def has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or os.environ.get("QT_QPA_PLATFORM") in ("offscreen", "minimal"))


def cmd_gui() -> int:
    if not has_display():
        print("imgprep: no display found, so the app cannot open. "
              "Use 'imgprep batch' or 'imgprep watch' (see 'imgprep --help').", file=sys.stderr)
        return EXIT_USAGE
    from .gui.main import run_app

    return run_app()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    code = _dispatch(args)
    if argv is None and args.command is not None:  # the command line, not a caller in this process
        _leave(code)
    return code


def _leave(code: int) -> None:
    """Exit now, without the interpreter's teardown: with NumPy, OpenCV and the worker
    pool loaded it took 55-90 ms, a tenth of an 8-frame batch (docs/throughput.md). By
    now every file is written, fsynced and closed, the journal and the library lock are
    let go, and the workers were told to stop (they leave on their own)."""
    import logging

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _dispatch(args: argparse.Namespace) -> int:
    try:
        if args.command is None:
            return cmd_gui()
        handler = {"batch": cmd_batch, "presets": cmd_presets, "check": cmd_check, "colour": cmd_colour,
                   "color": cmd_colour, "watch": cmd_watch, "slate": cmd_slate,
                   "page": cmd_page, "export": cmd_export, "journal": cmd_journal}.get(args.command)
        if handler is None:
            print(f"imgprep {args.command}: not available in this version yet", file=sys.stderr)
            return EXIT_USAGE
        return handler(args)
    except ConfigError as e:
        print(f"imgprep: {printable(e)}", file=sys.stderr)
        return EXIT_USAGE
    except ImgprepError as e:  # a journal refused says why in English and Chinese, a line each
        print("\n".join(f"imgprep: {printable(line)}" for line in str(e).splitlines()), file=sys.stderr)
        return EXIT_USAGE
    except ConnectionError as e:  # the journal server did not answer (core.journal.JournalUnavailable)
        from .core.messages import translate

        print(f"imgprep: {printable(e)}\nimgprep: {printable(translate(str(e), 'zh'))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("imgprep: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
