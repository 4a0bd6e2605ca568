import Foundation

// The head of the letter: kop surat, place and date, Nomor/Sifat/Lampiran/Hal, Yth.
// (../shared/LETTER.md).
extension LetterComposer {
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
}
