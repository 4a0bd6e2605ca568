import Foundation

/// Renders a letter (naskah dinas) to PDF with every part of ../shared/LETTER.md in order: kop,
/// place/date, Nomor/Sifat/Lampiran/Hal, Yth., body, signature block with paraf, tembusan, the
/// addressee list page when there are many, page numbers and footer.
///
/// Rendering is a pure function of the request: the same request gives the same bytes.
public enum LetterRenderer {
    public static func render(_ request: LetterDocumentRequest) throws(LetterDocumentError) -> RenderedLetter {
        try LetterComposer(request).render()
    }
}

/// Points per millimetre.
private let pointsPerMillimetre = 72.0 / 25.4

/// One render: validates, builds the flow, paginates, draws.
private final class LetterComposer {
    let request: LetterDocumentRequest
    let profile: OfficeProfile
    let content: LetterDocumentContent
    let timeZone: TimeZone
    let blocks: [BodyBlock]
    let isFinal: Bool
    let verificationURL: String?

    // Page geometry, points.
    let pageWidth: Double
    let pageHeight: Double
    let left: Double
    let right: Double
    let top: Double
    let bottom: Double
    var textWidth: Double { pageWidth - left - right }

    var canvas: PDFCanvas!

    init(_ request: LetterDocumentRequest) throws(LetterDocumentError) {
        self.request = request
        profile = request.profile
        content = request.content
        if case .final = request.mode { isFinal = true } else { isFinal = false }
        try profile.validate(final: isFinal)
        guard let zone = TimeZone(identifier: profile.timeZone) else {
            throw .invalidProfile(field: "timeZone", reason: "unknown time zone \(profile.timeZone)")
        }
        timeZone = zone
        do {
            blocks = try BodyMarkup.parse(content.body)
        } catch {
            throw .invalidMarkup(error)
        }
        try Self.validate(request)
        if case .final(let details) = request.mode {
            verificationURL = profile.verificationURL(for: details.verificationID)
        } else {
            verificationURL = nil
        }
        let paper = profile.paper.millimetres
        pageWidth = paper.width * pointsPerMillimetre
        pageHeight = paper.height * pointsPerMillimetre
        left = profile.margins.leftMillimetres * pointsPerMillimetre
        right = profile.margins.rightMillimetres * pointsPerMillimetre
        top = profile.margins.topMillimetres * pointsPerMillimetre
        bottom = profile.margins.bottomMillimetres * pointsPerMillimetre
    }

    static func validate(_ request: LetterDocumentRequest) throws(LetterDocumentError) {
        let content = request.content
        // Every printed field is one line of text: a control character would break the layout
        // (and Pango's markup parser refuses most of them).
        var printed: [(String, String)] = [
            ("classificationCode", content.classificationCode), ("subject", content.subject), ("place", content.place),
            ("signature.position", request.signature.position), ("signature.principalPosition", request.signature.principalPosition),
            ("signature.intermediatePosition", request.signature.intermediatePosition), ("signature.name", request.signature.name),
            ("signature.rank", request.signature.rank), ("signature.grade", request.signature.grade), ("signature.nip", request.signature.nip),
        ]
        printed += content.addressees.enumerated().flatMap { index, addressee in
            [("addressees[\(index)].name", addressee.name), ("addressees[\(index)].address", addressee.address)]
        }
        printed += content.tembusan.enumerated().map { ("tembusan[\($0)]", $1) }
        printed += request.parafs.enumerated().flatMap { index, paraf in
            [("parafs[\(index)].label", paraf.label), ("parafs[\(index)].initials", paraf.initials)]
        }
        if case .final(let details) = request.mode { printed.append(("number", details.number)) }
        if let (field, _) = printed.first(where: { $0.1.containsControlCharacter }) {
            throw .invalidLetter(field: field, reason: "contains a control character (line breaks and tabs included)")
        }
        if content.subject.trimmingCharacters(in: .whitespaces).isEmpty {
            throw .invalidLetter(field: "subject", reason: "a letter needs a subject (Hal)")
        }
        if content.addressees.isEmpty {
            throw .invalidLetter(field: "addressees", reason: "a letter needs at least one addressee (Yth.)")
        }
        if let index = content.addressees.firstIndex(where: { $0.name.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw .invalidLetter(field: "addressees[\(index)].name", reason: "empty")
        }
        let signature = request.signature
        if signature.name.isEmpty { throw .invalidLetter(field: "signature.name", reason: "empty") }
        switch signature.authority {
        case .own, .atasNama, .untukBeliau:
            if signature.position.isEmpty { throw .invalidLetter(field: "signature.position", reason: "empty") }
        case .pelaksanaHarian, .pelaksanaTugas: break
        }
        if signature.authority != .own && signature.principalPosition.isEmpty {
            throw .invalidLetter(field: "signature.principalPosition", reason: "\(signature.authority.rawValue) signs for a principal position")
        }
        if signature.authority == .untukBeliau && signature.intermediatePosition.isEmpty {
            throw .invalidLetter(field: "signature.intermediatePosition", reason: "u.b. needs the a.n. position in between")
        }
        if request.parafs.count > 3 {
            throw .invalidLetter(field: "parafs", reason: "at most three paraf (LETTER.md), got \(request.parafs.count)")
        }
        if case .final(let details) = request.mode {
            if details.number.trimmingCharacters(in: .whitespaces).isEmpty {
                throw .invalidLetter(field: "number", reason: "a final letter needs its number")
            }
            let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
            if details.verificationID.isEmpty || !details.verificationID.allSatisfy(allowed.contains) {
                throw .invalidLetter(field: "verificationID", reason: "needs URL-safe characters (A-Z a-z 0-9 - _ . ~)")
            }
        }
    }

    // MARK: - Styles

    var bodyStyle: TextStyle {
        TextStyle(family: profile.fonts.bodyFamily, sizePoints: profile.fonts.bodySizePoints, lineSpacing: profile.layout.lineSpacing)
    }

    func style(size: Double? = nil, family: String? = nil, alignment: TextAlignment = .left, indent: Double = 0) -> TextStyle {
        var style = bodyStyle
        if let size { style.sizePoints = size }
        if let family { style.family = family }
        style.alignment = alignment
        style.firstLineIndent = indent
        return style
    }

    var smallStyle: TextStyle {
        var style = style(size: profile.fonts.smallSizePoints)
        style.lineSpacing = 1
        return style
    }

    func text(_ markup: String, _ style: TextStyle, width: Double? = nil) -> TextLayout {
        canvas.layout(markup: markup, style: style, width: width)
    }

    func plain(_ string: String, _ style: TextStyle, width: Double? = nil) -> TextLayout {
        canvas.layout(markup: PangoMarkup.escape(string), style: style, width: width)
    }

    /// Draws a whole layout with its top-left corner at (x, y).
    func drawAll(_ layout: TextLayout, x: Double, y: Double, gray: Double = 0) {
        canvas.draw(layout, lines: 0..<layout.lines.count, x: x, y: y, gray: gray)
    }

    // MARK: - Render

    func render() throws(LetterDocumentError) -> RenderedLetter {
        let documentDate: Date
        let subjectLine: String
        switch request.mode {
        case .preview(let at):
            documentDate = at
            subjectLine = profile.labels.draftWatermark
        case .final(let details):
            documentDate = details.date
            subjectLine = details.number
        }
        let metadata = PDFMetadata(
            title: content.subject,
            author: (profile.kop.governmentLines + profile.kop.unitLines).joined(separator: " "),
            subject: subjectLine,
            creator: "Surat Keluar",
            date: IndonesianText.iso8601(documentDate, timeZone: timeZone)
        )
        do {
            canvas = try PDFCanvas(widthPoints: pageWidth, heightPoints: pageHeight, metadata: metadata)
        } catch {
            throw .rendering(error.description)
        }
        var emblemSize: (width: Int, height: Int)?
        if !profile.kop.emblemPNG.isEmpty {
            do { emblemSize = try canvas.pngSize(profile.kop.emblemPNG) } catch {
                throw .invalidProfile(field: "kop.emblemPNG", reason: error.description)
            }
        }
        let qrCode = try verificationURL.map { url throws(LetterDocumentError) in try QRCodeSymbol(encoding: url) }

        // Page furniture first: its height decides where the flow must stop.
        let footer = footerLayout()
        let footerHeight = footer.map { $0.height + 8 } ?? 0
        let pageNumberHeight = plain("0", smallStyle).height + 6
        let flowBottom = pageHeight - bottom - footerHeight - pageNumberHeight

        var items: [FlowItem] = []
        items.append(kopItem(emblemSize: emblemSize))
        items.append(headerItem())
        items.append(addresseeItem())
        items.append(contentsOf: bodyItems())
        items.append(signatureItem(qrCode: qrCode))
        items.append(contentsOf: tembusanItems())
        if content.addressees.count > profile.layout.maximumInlineAddressees {
            items.append(contentsOf: addresseeListItems())
        }
        let placements = PageFlow.place(items, firstTop: top, nextTop: top, bottom: flowBottom)
        let pageCount = (placements.last?.page ?? 0) + 1

        var itemIndex = 0
        for page in 0..<pageCount {
            if page > 0 { canvas.showPage() }
            if !isFinal { drawDraftMarks() }
            while itemIndex < items.count, placements[itemIndex].page == page {
                items[itemIndex].draw(placements[itemIndex].top)
                itemIndex += 1
            }
            if pageCount > 1 {
                let label = profile.labels.pageNumber
                    .replacingOccurrences(of: "{page}", with: String(page + 1))
                    .replacingOccurrences(of: "{pages}", with: String(pageCount))
                drawAll(plain(label, style(size: profile.fonts.smallSizePoints, alignment: .right), width: textWidth),
                        x: left, y: pageHeight - bottom - footerHeight - pageNumberHeight + 3)
            }
            if let footer {
                let footerTop = pageHeight - bottom - footer.height
                canvas.strokeLine(fromX: left, fromY: footerTop - 4, toX: pageWidth - right, toY: footerTop - 4, width: 0.5)
                drawAll(footer, x: left, y: footerTop)
            }
        }
        let pdf: Data
        do { pdf = try canvas.finish() } catch { throw .rendering(error.description) }
        return RenderedLetter(pdf: pdf, pageCount: pageCount, verificationURL: verificationURL)
    }

    func footerLayout() -> TextLayout? {
        guard isFinal, let verificationURL, !profile.footerLines.isEmpty else { return nil }
        let lines = profile.footerLines.map { $0.replacingOccurrences(of: "{verification_url}", with: verificationURL) }
        var style = smallStyle
        style.alignment = .center
        return plain(lines.joined(separator: "\n"), style, width: textWidth)
    }

    /// A preview's marks on every page: the diagonal watermark (glyph outlines) and, as text
    /// that extraction and screen readers find, a boxed stamp in the top margin.
    func drawDraftMarks() {
        var style = style(size: 110)
        style.lineSpacing = 1
        let mark = text(PangoMarkup.bold(profile.labels.draftWatermark), style)
        canvas.fillOutlinesRotated(mark, centerX: pageWidth / 2, centerY: pageHeight / 2, degrees: -40, gray: 0.55, alpha: 0.22)
        var stampStyle = self.style(size: 10)
        stampStyle.lineSpacing = 1
        let stamp = text(PangoMarkup.bold(profile.labels.draftWatermark), stampStyle)
        let padding = 3.0
        let x = pageWidth - right - stamp.width - 2 * padding
        let y = max((top - stamp.height - 2 * padding) / 2, 2)
        canvas.strokeRectangle(x: x, y: y, width: stamp.width + 2 * padding, height: stamp.height + 2 * padding, lineWidth: 0.75)
        drawAll(stamp, x: x + padding, y: y + padding)
    }

    // MARK: - Kop surat

    func kopItem(emblemSize: (width: Int, height: Int)?) -> FlowItem {
        let kop = profile.kop
        let emblemHeight = kop.emblemHeightMillimetres * pointsPerMillimetre
        var emblemWidth = 0.0
        if let emblemSize, emblemSize.height > 0 {
            emblemWidth = min(emblemHeight * Double(emblemSize.width) / Double(emblemSize.height), 40 * pointsPerMillimetre)
        }
        // The text is centred on the page, kept clear of the emblem on both sides; when a line
        // would wrap there, it is centred in all the room right of the emblem instead.
        let inset = emblemWidth > 0 ? emblemWidth + 3 * pointsPerMillimetre : 0
        func kopLines(width: Double) -> [TextLayout] {
            func line(_ markup: String, size: Double) -> TextLayout {
                var style = style(size: size, family: profile.fonts.kopFamily, alignment: .center)
                style.lineSpacing = 1
                return text(markup, style, width: width)
            }
            return kop.governmentLines.map { line(PangoMarkup.escape($0), size: profile.fonts.kopGovernmentSizePoints) }
                + kop.unitLines.map { line(PangoMarkup.bold($0), size: profile.fonts.kopUnitSizePoints) }
                + kop.addressLines.map { line(PangoMarkup.escape($0), size: profile.fonts.kopAddressSizePoints) }
        }
        let textX = left + inset
        var lines = kopLines(width: textWidth - 2 * inset)
        if inset > 0, lines.contains(where: { $0.lines.count > 1 }) { lines = kopLines(width: textWidth - inset) }
        let textHeight = lines.reduce(0) { $0 + $1.height }
        let kopHeight = max(textHeight, emblemWidth > 0 ? emblemHeight : 0)
        let ruleGap = 4.0
        return FlowItem(height: kopHeight + ruleGap + 5, spaceBefore: 0) { [self] y in
            if emblemWidth > 0 {
                try? canvas.drawPNG(kop.emblemPNG, x: left, y: y + (kopHeight - emblemHeight) / 2, width: emblemWidth, height: emblemHeight)
            }
            var lineY = y + (kopHeight - textHeight) / 2
            for layout in lines {
                drawAll(layout, x: textX, y: lineY)
                lineY += layout.height
            }
            // The customary double rule: a thick line over a thin one.
            let ruleY = y + kopHeight + ruleGap
            canvas.strokeLine(fromX: left, fromY: ruleY, toX: pageWidth - right, toY: ruleY, width: 2)
            canvas.strokeLine(fromX: left, fromY: ruleY + 3, toX: pageWidth - right, toY: ruleY + 3, width: 0.75)
        }
    }

    // MARK: - Place/date and Nomor, Sifat, Lampiran, Hal

    var letterDate: Date? {
        if let date = content.letterDate { return date }
        if case .final(let details) = request.mode { return details.date }
        return nil
    }

    var placeDateLine: String {
        let place = content.place.isEmpty ? profile.place : content.place
        let date: String
        if let letterDate {
            date = IndonesianText.longDate(letterDate, timeZone: timeZone)
        } else if case .preview(let at) = request.mode {
            // The day is set at numbering; a preview leaves room for it.
            date = "      " + IndonesianText.monthAndYear(at, timeZone: timeZone)
        } else {
            date = ""
        }
        return place.isEmpty ? date : "\(place), \(date)"
    }

    var numberText: String {
        switch request.mode {
        case .final(let details): return details.number
        case .preview(let at):
            return previewNumber(at: letterDate ?? at)
        }
    }

    /// The registry's number template (placeholders as in proto-notes/registry.md) filled with
    /// what is known before numbering, the sequence left blank. Unknown placeholders stay as written.
    func previewNumber(at date: Date) -> String {
        let parts = IndonesianText.components(date, timeZone: timeZone)
        var result = ""
        var rest = Substring(profile.numberFormat)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            result += rest[..<open]
            let name = rest[rest.index(after: open)..<close]
            switch name {
            case "classification": result += content.classificationCode
            case "unit": result += profile.numberUnit
            case "office": result += profile.numberOffice
            case "year": result += String(parts.year)
            case "month": result += parts.month < 10 ? "0\(parts.month)" : String(parts.month)
            case "month_roman": result += IndonesianText.roman(parts.month)
            case _ where name == "sequence" || name.hasPrefix("sequence:"): result += profile.labels.unnumberedSequence
            default: result += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    var attachmentText: String {
        let count = content.attachmentNames.count
        guard count > 0 else { return profile.labels.noAttachment }
        return "\(count) (\(IndonesianText.numberWords(count))) \(profile.labels.attachmentUnit)"
    }

    /// Rows of `label : value` with aligned colons; values wrap within `valueWidth(row)`.
    struct LabelledRows {
        var labels: [TextLayout]
        var colon: TextLayout
        var values: [TextLayout]
        var valueOffset: Double
        var heights: [Double]
        var height: Double { heights.reduce(0, +) }
    }

    /// `rows` are Pango markup (escaped text, or `PangoMarkup.markup` of an `InlineText`).
    func labelledRows(markup rows: [(label: String, value: String)], style: TextStyle, valueWidth: (Int, Double) -> Double) -> LabelledRows {
        let labels = rows.map { text($0.label, style) }
        let labelColumn = (labels.map(\.width).max() ?? 0) + 6
        let colon = plain(":", style)
        let valueOffset = labelColumn + colon.width + 5
        let values = rows.enumerated().map { index, row in text(row.value, style, width: valueWidth(index, valueOffset)) }
        let heights = zip(labels, values).map { max($0.height, $1.height) }
        return LabelledRows(labels: labels, colon: colon, values: values, valueOffset: valueOffset, heights: heights)
    }

    func draw(_ rows: LabelledRows, x: Double, y: Double) {
        var rowY = y
        for index in rows.labels.indices {
            drawAll(rows.labels[index], x: x, y: rowY)
            drawAll(rows.colon, x: x + rows.valueOffset - rows.colon.width - 5, y: rowY)
            drawAll(rows.values[index], x: x + rows.valueOffset, y: rowY)
            rowY += rows.heights[index]
        }
    }

    func headerItem() -> FlowItem {
        let labels = profile.labels
        let date = plain(placeDateLine, style(alignment: .right))
        let dateX = pageWidth - right - date.width
        let rows = labelledRows(
            markup: [(labels.number, numberText), (labels.sifat, content.sifat.displayName),
                     (labels.attachment, attachmentText), (labels.subject, content.subject)].map { (PangoMarkup.escape($0), PangoMarkup.escape($1)) },
            style: bodyStyle
        ) { [self] index, offset in
            // The Nomor row shares its line with the date; the others stay in the left 60%.
            index == 0 ? max(dateX - left - offset - 12, 60) : textWidth * 0.62 - offset
        }
        return FlowItem(height: max(rows.height, date.height), spaceBefore: 14) { [self] y in
            drawAll(date, x: dateX, y: y)
            draw(rows, x: left, y: y)
        }
    }

    // MARK: - Yth.

    /// The address shared by every addressee, printed once under the list.
    var sharedAddress: String? {
        let addresses = Set(content.addressees.map(\.address))
        guard addresses.count == 1, let only = addresses.first, !only.isEmpty else { return nil }
        return only
    }

    func addresseeItem() -> FlowItem {
        let prefix = plain(profile.labels.addresseePrefix, bodyStyle)
        let nameX = prefix.width + 5
        let nameWidth = textWidth * 0.62 - nameX
        let addressees = content.addressees
        var rows: [(marker: TextLayout?, lines: [TextLayout])] = []
        if addressees.count > profile.layout.maximumInlineAddressees {
            rows.append((nil, [plain(profile.labels.addresseeListReference, bodyStyle, width: nameWidth)]))
            if let sharedAddress { rows.append((nil, [plain(sharedAddress, bodyStyle, width: nameWidth)])) }
        } else if addressees.count == 1 {
            let only = addressees[0]
            rows.append((nil, [plain(only.name, bodyStyle, width: nameWidth)] + (only.address.isEmpty ? [] : [plain(only.address, bodyStyle, width: nameWidth)])))
        } else {
            let markers = addressees.indices.map { plain("\($0 + 1).", bodyStyle) }
            let markerWidth = (markers.map(\.width).max() ?? 0) + 5
            let shared = sharedAddress
            for (index, addressee) in addressees.enumerated() {
                var lines = [plain(addressee.name, bodyStyle, width: nameWidth - markerWidth)]
                if shared == nil, !addressee.address.isEmpty { lines.append(plain(addressee.address, bodyStyle, width: nameWidth - markerWidth)) }
                rows.append((markers[index], lines))
            }
            if let shared { rows.append((nil, [plain(shared, bodyStyle, width: nameWidth)])) }
        }
        let markerWidth = (rows.compactMap { $0.marker?.width }.max()).map { $0 + 5 } ?? 0
        let height = rows.reduce(0.0) { total, row in total + row.lines.reduce(0) { $0 + $1.height } }
        return FlowItem(height: height, spaceBefore: 16) { [self] y in
            drawAll(prefix, x: left, y: y)
            var rowY = y
            for row in rows {
                if let marker = row.marker { drawAll(marker, x: left + nameX, y: rowY) }
                // Numbered names sit after their numbers; the shared address line under them starts with the numbers.
                let x = left + nameX + (row.marker == nil ? 0 : markerWidth)
                for line in row.lines {
                    drawAll(line, x: x, y: rowY)
                    rowY += line.height
                }
            }
        }
    }

    // MARK: - Body

    /// A paragraph or list item split into one flow item per line, so it can continue on the next page.
    func lineItems(_ layout: TextLayout, x: Double, spaceBefore: Double, marker: TextLayout? = nil, markerX: Double = 0) -> [FlowItem] {
        let lines = layout.lines
        return lines.indices.map { index in
            let nextTop = index + 1 < lines.count ? lines[index + 1].top : layout.height
            var item = FlowItem(height: nextTop - lines[index].top, spaceBefore: index == 0 ? spaceBefore : 0) { [self] y in
                canvas.draw(layout, lines: index..<(index + 1), x: x, y: y)
                if index == 0, let marker { drawAll(marker, x: markerX, y: y) }
            }
            // No single first line at the bottom of a page, no single last line at the top of the next.
            item.keepWithNext = (index == 0 && lines.count > 1) || (index == lines.count - 2 && lines.count > 2)
            return item
        }
    }

    func bodyItems() -> [FlowItem] {
        let indent = profile.layout.paragraphIndentMillimetres * pointsPerMillimetre
        let spacing = profile.layout.paragraphSpacingPoints
        var items: [FlowItem] = []
        for (blockIndex, block) in blocks.enumerated() {
            let before = blockIndex == 0 ? 16 : spacing
            switch block {
            case .paragraph(let inline):
                var style = bodyStyle
                style.alignment = .justify
                style.firstLineIndent = indent
                items += lineItems(text(PangoMarkup.markup(inline), style, width: textWidth), x: left, spaceBefore: before)
            case .list(let listStyle, let entries):
                let markers = entries.indices.map { index -> TextLayout in
                    switch listStyle {
                    case .numbered: plain("\(index + 1).", bodyStyle)
                    case .lettered: plain("\(Character(UnicodeScalar(UInt8(97 + index % 26)))).", bodyStyle)
                    case .bulleted: plain("\u{2022}", bodyStyle)
                    }
                }
                let markerColumn = max((markers.map(\.width).max() ?? 0) + 6, 7 * pointsPerMillimetre)
                var style = bodyStyle
                style.alignment = .justify
                // Lists start where a paragraph's first line does.
                for (index, entry) in entries.enumerated() {
                    let layout = text(PangoMarkup.markup(entry), style, width: textWidth - indent - markerColumn)
                    items += lineItems(layout, x: left + indent + markerColumn, spaceBefore: index == 0 ? before : 2,
                                       marker: markers[index], markerX: left + indent)
                }
            case .fields(let fields):
                // The invitation block is indented like a paragraph's first line; each row is one
                // flow item so a long block may continue on the next page.
                let rows = labelledRows(markup: fields.map { (PangoMarkup.markup($0.label), PangoMarkup.markup($0.value)) },
                                        style: bodyStyle) { [self] _, offset in textWidth - indent - offset }
                for index in fields.indices {
                    let single = LabelledRows(labels: [rows.labels[index]], colon: rows.colon, values: [rows.values[index]],
                                              valueOffset: rows.valueOffset, heights: [rows.heights[index]])
                    var item = FlowItem(height: single.height, spaceBefore: index == 0 ? before : 0) { [self] y in
                        draw(single, x: left + indent, y: y)
                    }
                    item.keepWithNext = index + 1 < fields.count
                    items.append(item)
                }
            }
        }
        // The signature block never stands alone: the body's last two lines go with it.
        for index in items.indices.suffix(2) { items[index].keepWithNext = true }
        return items
    }

    // MARK: - Signature block and paraf

    func signatureItem(qrCode: QRCodeSymbol?) -> FlowItem {
        let signature = request.signature
        let blockX = left + textWidth * profile.layout.signatureBlockStart
        let blockWidth = pageWidth - right - blockX
        let centered = style(alignment: .center)
        let positionLines = signature.positionLines.map { plain($0, centered, width: blockWidth) }
        let qrSize = profile.layout.qrSizeMillimetres * pointsPerMillimetre
        let moduleSize = qrCode.map { qrSize / Double($0.size) } ?? 0
        // A quiet zone of four modules above and below the symbol, as ISO/IEC 18004 asks.
        let quiet = max(moduleSize * 4, 6)
        var noteStyle = smallStyle
        noteStyle.alignment = .center
        let note = isFinal ? plain(profile.labels.electronicSignatureNote, noteStyle, width: blockWidth) : nil
        let markHeight = quiet + qrSize + quiet + (note?.height ?? plain(" ", noteStyle).height)
        let name = text("<u>\(PangoMarkup.bold(signature.name))</u>", centered, width: blockWidth)
        let lower = ([signature.rankLine].filter { !$0.isEmpty } + ["\(profile.labels.nip) \(signature.formattedNIP)"].filter { _ in !signature.nip.isEmpty })
            .map { plain($0, centered, width: blockWidth) }
        let positionHeight = positionLines.reduce(0) { $0 + $1.height }
        let height = positionHeight + markHeight + name.height + lower.reduce(0) { $0 + $1.height }

        let paraf = parafTable(maxWidth: blockX - left - 12)
        return FlowItem(height: max(height, paraf?.height ?? 0), spaceBefore: 20) { [self] y in
            var lineY = y
            for line in positionLines {
                drawAll(line, x: blockX, y: lineY)
                lineY += line.height
            }
            if let qrCode {
                let qrX = blockX + (blockWidth - qrSize) / 2
                let qrY = lineY + quiet
                var rectangles: [(x: Double, y: Double, width: Double, height: Double)] = []
                for row in 0..<qrCode.size {
                    var column = 0
                    while column < qrCode.size {
                        guard qrCode.isDark(row: row, column: column) else { column += 1; continue }
                        let start = column
                        while column < qrCode.size, qrCode.isDark(row: row, column: column) { column += 1 }
                        rectangles.append((qrX + Double(start) * moduleSize, qrY + Double(row) * moduleSize,
                                           Double(column - start) * moduleSize, moduleSize))
                    }
                }
                canvas.fillRectangles(rectangles)
                if let note { drawAll(note, x: blockX, y: qrY + qrSize + quiet) }
            }
            lineY += markHeight
            drawAll(name, x: blockX, y: lineY)
            lineY += name.height
            for line in lower {
                drawAll(line, x: blockX, y: lineY)
                lineY += line.height
            }
            if let paraf { paraf.draw(left, y + height - paraf.height) }
        }
    }

    /// The paraf of steps 2–3 as a small bordered table (label | initials), bottom-aligned with the NIP line.
    func parafTable(maxWidth: Double) -> (height: Double, draw: (Double, Double) -> Void)? {
        guard !request.parafs.isEmpty else { return nil }
        let small = smallStyle
        let title = text(PangoMarkup.bold(profile.labels.paraf), small)
        let initials = request.parafs.map { plain($0.initials, small) }
        let initialsColumn = max((initials.map(\.width).max() ?? 0) + 8, 24)
        let labelWidth = min(maxWidth - initialsColumn, 44 * pointsPerMillimetre) - 6
        let labels = request.parafs.map { plain($0.label, small, width: labelWidth) }
        let rowHeights = zip(labels, initials).map { max($0.height, $1.height) + 4 }
        let height = title.height + 4 + rowHeights.reduce(0, +)
        return (height, { [self] x, y in
            drawAll(title, x: x + 3, y: y)
            var rowY = y + title.height + 4
            for index in labels.indices {
                canvas.strokeRectangle(x: x, y: rowY, width: labelWidth + 6, height: rowHeights[index], lineWidth: 0.5)
                canvas.strokeRectangle(x: x + labelWidth + 6, y: rowY, width: initialsColumn, height: rowHeights[index], lineWidth: 0.5)
                drawAll(labels[index], x: x + 3, y: rowY + 2)
                drawAll(initials[index], x: x + labelWidth + 6 + (initialsColumn - initials[index].width) / 2, y: rowY + 2)
                rowY += rowHeights[index]
            }
        })
    }

    // MARK: - Tembusan

    func tembusanItems() -> [FlowItem] {
        guard !content.tembusan.isEmpty else { return [] }
        let heading = plain(profile.labels.tembusan, bodyStyle)
        var items = [FlowItem(height: heading.height, spaceBefore: 18, keepWithNext: true) { [self] y in drawAll(heading, x: left, y: y) }]
        items += numberedItems(content.tembusan, width: textWidth * 0.75)
        return items
    }

    /// `1. text` rows with a hanging indent, one unbreakable flow item each.
    func numberedItems(_ entries: [String], width: Double) -> [FlowItem] {
        let markers = entries.indices.map { plain("\($0 + 1).", bodyStyle) }
        let markerColumn = (markers.map(\.width).max() ?? 0) + 5
        return entries.enumerated().map { index, entry in
            let layout = plain(entry, bodyStyle, width: width - markerColumn)
            return FlowItem(height: layout.height, spaceBefore: 0) { [self] y in
                drawAll(markers[index], x: left, y: y)
                drawAll(layout, x: left + markerColumn, y: y)
            }
        }
    }

    // MARK: - Addressee list page

    func addresseeListItems() -> [FlowItem] {
        let labels = profile.labels
        let title = text(PangoMarkup.bold(labels.addresseeListTitle), style(alignment: .center), width: textWidth)
        let dateText = letterDate.map { IndonesianText.longDate($0, timeZone: timeZone) } ?? ""
        let rows = labelledRows(markup: [(labels.number, numberText), (labels.date, dateText), (labels.subject, content.subject)]
                                    .map { (PangoMarkup.escape($0), PangoMarkup.escape($1)) },
                                style: bodyStyle) { [self] _, offset in textWidth - offset }
        var heading = FlowItem(height: title.height + 10 + rows.height, spaceBefore: 0, keepWithNext: true) { [self] y in
            drawAll(title, x: left, y: y)
            draw(rows, x: left, y: y + title.height + 10)
        }
        heading.pageBreakBefore = true
        let entries = content.addressees.map { $0.address.isEmpty ? $0.name : "\($0.name), \($0.address)" }
        var list = numberedItems(entries, width: textWidth)
        if !list.isEmpty { list[0].spaceBefore = 14 }
        return [heading] + list
    }
}
