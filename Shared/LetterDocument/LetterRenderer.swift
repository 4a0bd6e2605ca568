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
let pointsPerMillimetre = 72.0 / 25.4

/// One render: validates, builds the flow, paginates, draws.
final class LetterComposer {
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
}
