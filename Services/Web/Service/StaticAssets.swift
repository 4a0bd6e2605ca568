import Hummingbird

/// The stylesheet and logo, served from the binary (one-file deployment; no JavaScript at all).
enum StaticAssets {
    static func response(_ text: String, type: String) -> Response {
        var headers: HTTPFields = [.contentType: type]
        headers[.cacheControl] = "public, max-age=3600"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static let logo = """
    <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#f2c14e"/><path d="M6 10h20v14H6z" fill="#fff" stroke="#0b4f4a" stroke-width="2"/><path d="M6 10l10 8 10-8" fill="none" stroke="#0b4f4a" stroke-width="2"/></svg>
    """

    static let css = """
    :root { --brand: #0b4f4a; --brand-2: #136f63; --accent: #f2c14e; --bg: #f4f6f5; --text: #1d2524; --muted: #5d6b69;
            --late: #b3261e; --warn: #9a6700; --ok: #1a7f37; --line: #d9e0de; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 16px/1.5 system-ui, "Segoe UI", "DejaVu Sans", Roboto, sans-serif; background: var(--bg); color: var(--text); }
    a { color: var(--brand-2); }
    .top { background: var(--brand); color: #fff; display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .6rem 1.2rem; }
    .brand { color: #fff; text-decoration: none; font-weight: 700; display: flex; gap: .6rem; align-items: center; }
    .brand small { display: block; font-weight: 400; font-size: .75rem; opacity: .85; }
    .top nav { display: flex; flex-wrap: wrap; gap: .2rem; flex: 1; }
    .top nav a { color: #e6f2ef; text-decoration: none; padding: .35rem .7rem; border-radius: 6px; }
    .top nav a[aria-current="page"], .top nav a:hover { background: rgba(255,255,255,.15); color: #fff; }
    .who { display: flex; gap: .8rem; align-items: center; font-size: .9rem; }
    .who-name small { display: block; opacity: .8; font-size: .75rem; }
    .who a.quiet, .who .link { color: #fff; }
    main { max-width: 1180px; margin: 1.2rem auto; padding: 0 1rem; }
    h1 { font-size: 1.6rem; margin: .4rem 0 1rem; color: var(--brand); }
    h2 { font-size: 1.1rem; margin: 0 0 .8rem; }
    h3 { font-size: 1rem; margin: 1.2rem 0 .5rem; }
    .card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.2rem; margin-bottom: 1rem; box-shadow: 0 1px 2px rgba(0,0,0,.04); }
    .card.narrow { max-width: 460px; margin: 2rem auto; }
    .card.action { border-left: 5px solid var(--accent); }
    .muted-card { background: #fafbfb; }
    .muted, .placeholder { color: var(--muted); }
    .placeholder { border: 1px dashed var(--line); padding: .5rem .8rem; border-radius: 6px; font-size: .9rem; }
    .notice { background: #fff7e0; border: 1px solid #f0d98c; padding: .6rem .8rem; border-radius: 6px; }
    .flash { padding: .7rem 1rem; border-radius: 8px; margin-bottom: 1rem; border: 1px solid; }
    .flash-ok { background: #e8f5ec; border-color: #9fd3ae; color: #0f5323; }
    .flash-error { background: #fdecea; border-color: #f1aeb5; color: #7a1b14; }
    .flash details { margin-top: .4rem; font-size: .8rem; }
    .stack { display: flex; flex-direction: column; gap: .35rem; margin-bottom: .8rem; }
    .stack button { align-self: flex-start; margin-top: .5rem; }
    label { font-weight: 600; font-size: .9rem; }
    input, select, textarea { font: inherit; padding: .5rem .6rem; border: 1px solid #b8c4c1; border-radius: 6px; background: #fff; width: 100%; }
    input:focus, select:focus, textarea:focus { outline: 3px solid rgba(19,111,99,.3); border-color: var(--brand-2); }
    input[type="checkbox"] { width: auto; }
    button, .button { font: inherit; padding: .5rem 1rem; border-radius: 6px; border: 1px solid #9fb0ac; background: #fff; color: var(--text); cursor: pointer; text-decoration: none; display: inline-block; }
    button.primary, .button.primary { background: var(--brand-2); border-color: var(--brand-2); color: #fff; font-weight: 600; }
    button.secondary { background: #fff4f2; border-color: #e0a59e; color: #7a1b14; }
    button.link { background: none; border: none; padding: 0; text-decoration: underline; }
    form.inline { display: inline-flex; gap: .4rem; align-items: center; }
    form.inline input { width: 11rem; }
    .counts { list-style: none; display: flex; flex-wrap: wrap; gap: .8rem; padding: 0; margin: 0 0 1rem; }
    .counts li { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: .7rem 1rem; min-width: 11rem; }
    .counts strong { font-size: 1.6rem; color: var(--brand); display: block; }
    .badge { display: inline-block; font-size: .75rem; padding: .05rem .5rem; border-radius: 999px; background: #e3ecea; color: var(--brand); font-weight: 600; }
    .badge.late { background: #fdecea; color: var(--late); }
    .badge.warn { background: #fff4d6; color: var(--warn); }
    .table-wrap { overflow-x: auto; }
    table { border-collapse: collapse; width: 100%; background: #fff; }
    th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
    tr.overdue td:first-child, tr.overdue td:nth-child(2) { border-left: 3px solid var(--late); }
    .facts { display: flex; flex-wrap: wrap; gap: .4rem .9rem; margin-bottom: 1rem; color: var(--muted); font-size: .9rem; }
    .state { background: var(--brand-2); color: #fff; padding: .1rem .6rem; border-radius: 999px; font-weight: 600; }
    .state-7 { background: var(--ok); }
    .grid { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 1rem; }
    @media (max-width: 860px) { .grid { grid-template-columns: 1fr; } .top nav { order: 3; width: 100%; } }
    .timeline { list-style: none; padding: 0; margin: 0; }
    .timeline li { border-left: 3px solid var(--line); padding: 0 0 .8rem .8rem; display: flex; flex-direction: column; font-size: .9rem; }
    .timeline li.current { border-left-color: var(--accent); }
    .timeline li.late { border-left-color: var(--late); }
    .timeline li.returned { border-left-color: var(--warn); }
    .returns blockquote { margin: .3rem 0 .8rem; padding: .4rem .8rem; background: #fff7e0; border-left: 3px solid var(--warn); }
    .meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
    .meta dt { font-weight: 600; color: var(--muted); }
    .meta dd { margin: 0; }
    .meta ul, .meta ol { margin: 0; padding-left: 1.1rem; }
    .body-text { border-top: 1px solid var(--line); margin-top: .8rem; padding-top: .8rem; font-family: "Bookman Old Style", Georgia, serif; }
    .diff { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .85rem; }
    .diff .same { color: var(--muted); }
    .diff ins { background: #e6ffec; text-decoration: none; display: block; }
    .diff del { background: #ffebe9; display: block; }
    .two { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: .6rem 1rem; }
    fieldset { border: 1px solid var(--line); border-radius: 8px; padding: .6rem .8rem; }
    .addressee { display: grid; grid-template-columns: 2fr 1fr 2fr; gap: .2rem .6rem; align-items: end; margin-bottom: .4rem; }
    @media (max-width: 640px) { .addressee { grid-template-columns: 1fr; } }
    .filters, .row-form { display: flex; flex-wrap: wrap; gap: .4rem .6rem; align-items: center; margin-bottom: 1rem; }
    .filters input, .filters select, .row-form input, .row-form select { width: auto; }
    .bulk-sign { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin-top: .8rem; }
    .bulk-sign input { width: 16rem; }
    .chart { width: 100%; height: auto; max-width: 760px; }
    .chart .bar { fill: var(--brand-2); } .chart .bar.p90 { fill: #7fb8ae; } .chart .late { fill: var(--late); }
    .chart .standard { stroke: var(--accent); stroke-width: 3; } .chart text { font-size: 12px; fill: var(--text); }
    .crumb { margin: 0; font-size: .9rem; }
    .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    footer { text-align: center; color: var(--muted); font-size: .8rem; padding: 2rem 1rem; }
    textarea[readonly], textarea.code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .85rem; }
    .body-text p { text-align: justify; text-indent: 2.5em; margin: .4rem 0; }
    .body-text table.fields { width: auto; background: none; margin: .3rem 0 .3rem 2.5em; }
    .body-text table.fields th, .body-text table.fields td { border: none; padding: 0 .4rem 0 0; text-transform: none; letter-spacing: 0; font-size: 1rem; color: var(--text); font-weight: normal; }
    .markup-problems { background: #fdecea; border: 1px solid #f1aeb5; color: #7a1b14; padding: .5rem .8rem; border-radius: 6px; }
    .raw-body { white-space: pre-wrap; font-size: .9rem; }
    .buttons { display: flex; gap: .6rem; flex-wrap: wrap; }
    .buttons button { margin-top: .5rem; }
    label code { font-weight: normal; background: #eef2f1; padding: 0 .25rem; border-radius: 3px; }
    @media print { .top, footer, form, .exports { display: none; } body { background: #fff; } }
    """

    static let printCSS = """
    @page { size: A4 landscape; margin: 12mm; }
    body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 9pt; }
    h1 { font-size: 13pt; text-align: center; margin: 0; }
    .sub { text-align: center; margin: .2rem 0 .8rem; }
    table { border-collapse: collapse; width: 100%; }
    th, td { border: 1px solid #000; padding: 2px 4px; vertical-align: top; }
    th { background: #eee; }
    """
}
