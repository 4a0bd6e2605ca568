import Domain
import Foundation

/// The SLA report's chart as inline SVG (no JavaScript, prints well): per step a bar for the
/// median and a thinner one for p90, against a marker at the SOP standard; red where late.
enum SLAChart {
    static func svg(_ steps: [GatewayAPI.StepSLA]) -> String {
        let rowHeight = 46.0, left = 150.0, width = 700.0, barArea = width - left - 20
        let height = Double(steps.count) * rowHeight + 40
        let scale = max(steps.map { max($0.p90Seconds, $0.medianSeconds, Double($0.standardSeconds)) }.max() ?? 1, 1)
        func x(_ seconds: Double) -> Double { left + barArea * seconds / scale }
        var out = """
        <svg class="chart" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-labelledby="sla-title sla-desc" xmlns="http://www.w3.org/2000/svg">
        <title id="sla-title">Durasi median dan p90 per langkah SOP</title>
        <desc id="sla-desc">Batang tebal: median; batang tipis: p90; garis tegak: waktu baku. Merah berarti melewati waktu baku.</desc>
        """
        for (index, step) in steps.enumerated() {
            let y = 20 + Double(index) * rowHeight
            let standard = Double(step.standardSeconds)
            let medianLate = step.medianSeconds > standard
            let p90Late = step.p90Seconds > standard
            out += "<text x=\"0\" y=\"\(fmt(y + 18))\" class=\"label\">\(step.step). \(HTML.escape(Labels.stepShort(Int(step.step))))</text>"
            out += "<rect x=\"\(fmt(left))\" y=\"\(fmt(y + 4))\" width=\"\(fmt(max(x(step.medianSeconds) - left, 1)))\" height=\"16\" class=\"\(medianLate ? "bar late" : "bar")\"/>"
            out += "<rect x=\"\(fmt(left))\" y=\"\(fmt(y + 24))\" width=\"\(fmt(max(x(step.p90Seconds) - left, 1)))\" height=\"6\" class=\"\(p90Late ? "bar p90 late" : "bar p90")\"/>"
            out += "<line x1=\"\(fmt(x(standard)))\" x2=\"\(fmt(x(standard)))\" y1=\"\(fmt(y))\" y2=\"\(fmt(y + 34))\" class=\"standard\"/>"
            out += "<text x=\"\(fmt(min(x(step.medianSeconds), width - 120) + 6))\" y=\"\(fmt(y + 17))\" class=\"value\">\(Labels.duration(step.medianSeconds)) (n=\(step.count))</text>"
        }
        return out + "</svg>"
    }

    static func fmt(_ value: Double) -> String { String(format: "%.1f", value) }
}
