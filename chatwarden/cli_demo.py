"""`chatwarden demo`: the main job end to end on the bundled sample exports."""

from __future__ import annotations

from pathlib import Path

import click

from chatwarden.cli import main, state


@main.command("demo")
@click.option("--examples", "examples_dir", default="examples", show_default=True,
              type=click.Path(file_okay=False), help="Folder holding the sample exports.")
@click.option("--out", "out_dir", default="out/demo", show_default=True, type=click.Path(file_okay=False),
              help="Where the HTML scan reports are written.")
@click.pass_context
def demo_cmd(ctx: click.Context, examples_dir: str, out_dir: str) -> None:
    """Run the main job on the sample exports: parse, scan and report each chat, import
    them into the store (SQLite in the data folder), and show the review queue and the
    audit chain.  Safe to run again: re-imports change nothing."""
    from chatwarden.analysis import Analyzer
    from chatwarden.cases.review import queue_counts, review_queue
    from chatwarden.errors import InputError
    from chatwarden.importer import import_export
    from chatwarden.reports.scan_report import render_scan_html
    from chatwarden.store import audit

    folder = Path(examples_dir)
    exports = sorted(p for p in folder.glob("*") if p.suffix in (".txt", ".zip"))
    if not exports:
        raise InputError("no sample exports (.txt/.zip) here; run from the repository or give --examples",
                         source=str(folder))
    st = state()
    analyzer = Analyzer.default(st.settings.policy_dir or None).settle()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    click.echo(f"policy {analyzer.policy.version[:12]}: {len(analyzer.policy.active)} active rules; detectors: "
               + ", ".join(f"{n} {v}" for n, v in analyzer.engine.versions.items()))
    for path in exports:
        result = analyzer.scan(path)
        report = out / (path.stem + ".html")
        report.write_text(render_scan_html(result), encoding="utf-8")
        cats = ", ".join(f"{c} {n}" for c, n in sorted(result.category_counts().items())) or "none"
        click.echo(f"\n{path.name}: {len(result.messages)} messages, {len(result.chat.participants)} participants, "
                   f"{len(result.decisions)} findings ({cats})")
        click.echo(f"  report: {report}")
    store = st.store()
    click.echo(f"\nimporting into {st.settings.db_url.split('///')[-1] if st.settings.db_url.startswith('sqlite') else 'the database'}")
    for path in exports:
        r = import_export(store, analyzer, path, actor=st.actor, device="demo-device", account="demo")
        state_word = "already imported" if r.status == "already-imported" else f"{r.new_messages} new messages, {r.findings_new} new findings"
        click.echo(f"  {path.name}: {state_word}")
    counts = queue_counts(store, st.actor)
    click.echo(f"\nreview queue: {counts['by_status'].get('open', 0)} open findings; by severity "
               + ", ".join(f"{k} {v}" for k, v in sorted(counts["open_by_severity"].items())))
    for row in review_queue(store, st.actor, limit=5):
        click.echo(f"  #{row['id']} {row['severity']:8} {row['rule']:28} {row['chat_name']}")
    with store.read() as conn:
        v = audit.verify(conn)
    click.echo(f"\naudit trail: {v.entries} entries, chain {'intact' if v.ok else 'BROKEN at ' + str(v.first_bad_id)}")
    registers = folder / "registers"
    if registers.is_dir():
        from chatwarden.cli_registers import registers_alerts, registers_check, registers_import

        click.echo(f"\ngovernance registers from {registers}:")
        ctx.invoke(registers_import, folder=str(registers))
        crest = registers / "crest.png"
        ctx.invoke(registers_check, crest_image=str(crest) if crest.exists() else None)
        ctx.invoke(registers_alerts)
    if (registers / "misconduct.csv").exists():
        from chatwarden.cli_foi import foi

        click.echo("\nFOI: social-media/IM misconduct cases by year and outcome, officers and staff "
                   "(small cells withheld):")
        ctx.invoke(foi.commands["stats"])
    click.echo("\nnext: `chatwarden review list`, `chatwarden review show ID`, `chatwarden serve` (web app)")
