import Domain
import Foundation
import Hummingbird

// The agenda book (filters, CSV, printable page) and the SLA report.
extension WebApp {
    func addAgendaRoutes(_ router: Router<Context>) {
        router.get("/agenda") { request, _ in await guarded { try await agendaPage(request, format: .page) } }
        router.get("/agenda.csv") { request, _ in await guarded { try await agendaPage(request, format: .csv) } }
        router.get("/agenda/cetak") { request, _ in await guarded { try await agendaPage(request, format: .print) } }
        router.get("/sla") { request, _ in await guarded { try await slaPage(request) } }
    }

    enum AgendaFormat { case page, csv, print }

    struct AgendaFilter {
        var year: Int
        var month: Int
        var classification: String
        var query: String

        var queryString: String {
            var parts = ["year=\(year)"]
            if month > 0 { parts.append("month=\(month)") }
            let allowed = CharacterSet.alphanumerics
            if !classification.isEmpty { parts.append("classification=" + (classification.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")) }
            if !query.isEmpty { parts.append("q=" + (query.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")) }
            return parts.joined(separator: "&")
        }
    }

    func agendaPage(_ request: Request, format: AgendaFormat) async throws -> Response {
        let session = try await requireSession(request)
        let parameters = request.uri.queryParameters
        let filter = AgendaFilter(
            year: Int(parameters.get("year") ?? "") ?? clock.year(Date()),
            month: min(max(Int(parameters.get("month") ?? "") ?? 0, 0), 12),
            classification: (parameters.get("classification") ?? "").trimmingCharacters(in: .whitespaces),
            query: (parameters.get("q") ?? "").trimmingCharacters(in: .whitespaces))
        let export = try await call(GatewayAPI.exportAgenda, GatewayAPI.ExportAgendaRequest(year: Int32(filter.year), format: "csv"), session)
        let table = AgendaTable(csv: export.content).filtered(month: filter.month, classification: filter.classification, query: filter.query)
            .localized()
        switch format {
        case .csv:
            var headers: HTTPFields = [.contentType: "text/csv; charset=utf-8"]
            headers[.contentDisposition] = "attachment; filename=\"agenda-surat-keluar-\(filter.year).csv\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: table.csv())))
        case .print:
            var description: [String] = []
            if filter.month > 0 { description.append("Bulan \(Labels.months[filter.month - 1])") }
            if !filter.classification.isEmpty { description.append("Klasifikasi \(filter.classification)") }
            if !filter.query.isEmpty { description.append("Pencarian \u{201C}\(filter.query)\u{201D}") }
            let text = library.render([
                "year": filter.year, "office": configuration.officeName, "header": table.header,
                "rows": table.rows.map { ["cells": $0] }, "filter": description.joined(separator: ", "),
                "printed": clock.dateTime(Date()),
            ] as [String: Any], withTemplate: "agendaPrint") ?? ""
            return html(text)
        case .page:
            var months: [[String: Any]] = [["value": 0, "label": "Semua", "selected": filter.month == 0]]
            for (index, name) in Labels.months.enumerated() {
                months.append(["value": index + 1, "label": name, "selected": filter.month == index + 1])
            }
            return await page("Buku Agenda", "agenda", [
                "year": filter.year, "months": months, "classification": filter.classification, "q": filter.query,
                "query": filter.queryString, "header": table.header, "rows": table.rows.map { ["cells": $0] },
                "count": table.rows.count, "classificationList": ClassificationCodes.datalist,
            ], session: session, nav: "Agenda")
        }
    }

    func slaPage(_ request: Request) async throws -> Response {
        let session = try await requireSession(request)
        let parameters = request.uri.queryParameters
        let now = Date()
        let from = parameters.get("from").flatMap(clock.parseDay) ?? now.addingTimeInterval(-30 * 86_400)
        // "to" names a day: the period runs to the end of it.
        let to = parameters.get("to").flatMap(clock.parseDay).map { $0.addingTimeInterval(86_400) } ?? now
        guard from < to else {
            await flash(session, .error, "Tanggal \u{201C}dari\u{201D} harus sebelum tanggal \u{201C}sampai\u{201D}.")
            return Self.redirect("/sla")
        }
        let report = try await call(GatewayAPI.getSLAReport, GatewayAPI.SLAReportRequest(from: from, to: to), session)
        let steps: [[String: Any]] = report.steps.map {
            ["step": $0.step, "title": Labels.stepTitle(Int($0.step)), "count": $0.count, "median": Labels.duration($0.medianSeconds),
             "p90": Labels.duration($0.p90Seconds), "standard": Labels.duration(Double($0.standardSeconds)), "late": $0.lateCount]
        }
        return await page("Laporan SLA", "sla", [
            "from": clock.isoDay(from), "to": clock.isoDay(to.addingTimeInterval(-1)), "steps": steps, "chart": SLAChart.svg(report.steps),
        ], session: session, nav: "SLA")
    }
}
