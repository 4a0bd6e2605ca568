import Foundation

// The rest of the letter: body, signature block with paraf, tembusan and the addressee list page
// (../shared/LETTER.md).
extension LetterComposer {
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
