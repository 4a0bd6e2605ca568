import CPangoCairo
import Foundation

// The only file of LetterDocument that touches Pango and Cairo. `PDFCanvas` owns the cairo PDF
// surface, its drawing context and one Pango context; `TextLayout` owns a PangoLayout. Both free
// their handles in `deinit`. Everything else in the module is safe Swift that measures and places
// `TextLayout`s. Units are PDF points (1/72 inch), y grows downwards from the top of the page.

/// Pango's fixed-point scale (PANGO_SCALE).
private let pangoScale = 1024.0

/// Document metadata written into the PDF info dictionary. Fixed dates keep the bytes reproducible.
struct PDFMetadata {
    var title: String
    var author: String
    var subject: String
    var creator: String
    /// ISO 8601 with offset, e.g. `2026-11-28T10:15:00+07:00` (cairo's format for the info dates).
    var date: String
}

/// How the lines of a paragraph are aligned.
enum TextAlignment {
    case left, center, right, justify
}

/// The font and paragraph settings of one `TextLayout`.
struct TextStyle {
    var family: String
    var sizePoints: Double
    var alignment: TextAlignment = .left
    /// Indent of the first line (negative for a hanging indent), points.
    var firstLineIndent: Double = 0
    /// Line height as a factor of the font's natural height (1 = Pango's default).
    var lineSpacing: Double = 1
}

/// Why the canvas could not produce a document.
struct PDFCanvasError: Error, CustomStringConvertible {
    var description: String
}

/// A paragraph shaped and broken into lines by Pango. Lines can be drawn one at a time, so a
/// paragraph can continue on the next page.
final class TextLayout {
    struct Line {
        /// Top of the line's logical box, relative to the layout's top.
        var top: Double
        var height: Double
        /// Baseline, relative to the layout's top.
        var baseline: Double
        /// Left edge of the line (alignment and indent), relative to the layout's left.
        var x: Double
        var width: Double
    }

    fileprivate let handle: OpaquePointer
    let lines: [Line]
    /// Logical size of the whole layout.
    let width: Double
    let height: Double

    fileprivate init(handle: OpaquePointer) {
        self.handle = handle
        var measured: [Line] = []
        if let iterator = pango_layout_get_iter(handle) {
            repeat {
                var top: Int32 = 0
                var bottom: Int32 = 0
                pango_layout_iter_get_line_yrange(iterator, &top, &bottom)
                var logical = PangoRectangle()
                pango_layout_iter_get_line_extents(iterator, nil, &logical)
                measured.append(Line(
                    top: Double(top) / pangoScale,
                    height: Double(bottom - top) / pangoScale,
                    baseline: Double(pango_layout_iter_get_baseline(iterator)) / pangoScale,
                    x: Double(logical.x) / pangoScale,
                    width: Double(logical.width) / pangoScale
                ))
            } while pango_layout_iter_next_line(iterator) != 0
            pango_layout_iter_free(iterator)
        }
        lines = measured
        var logical = PangoRectangle()
        pango_layout_get_extents(handle, nil, &logical)
        width = Double(logical.width) / pangoScale
        height = Double(logical.height) / pangoScale
    }

    deinit { g_object_unref(UnsafeMutableRawPointer(handle)) }
}

/// A PDF document being drawn page by page, written to memory.
final class PDFCanvas {
    /// The bytes cairo writes, collected through the stream callback.
    private final class OutputBuffer {
        var bytes = Data()
    }

    /// PNG bytes read by cairo through the stream callback.
    private final class InputBuffer {
        let bytes: Data
        var offset = 0
        init(_ bytes: Data) { self.bytes = bytes }
    }

    private let output = OutputBuffer()
    private let surface: OpaquePointer
    private let context: OpaquePointer
    private let pangoContext: OpaquePointer
    private var finished = false

    init(widthPoints: Double, heightPoints: Double, metadata: PDFMetadata) throws(PDFCanvasError) {
        let writer: cairo_write_func_t = { closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
            let buffer = Unmanaged<OutputBuffer>.fromOpaque(closure).takeUnretainedValue()
            buffer.bytes.append(data, count: Int(length))
            return CAIRO_STATUS_SUCCESS
        }
        // The canvas keeps `output` alive for as long as the surface can write to it.
        let created = cairo_pdf_surface_create_for_stream(
            writer, Unmanaged.passUnretained(output).toOpaque(), widthPoints, heightPoints)
        guard let created, cairo_surface_status(created) == CAIRO_STATUS_SUCCESS else {
            if let created { cairo_surface_destroy(created) }
            throw PDFCanvasError(description: "cairo could not create a PDF surface")
        }
        surface = created
        // PDF 1.5 is what cairo 1.16 writes by default; stating it keeps the header stable across versions.
        cairo_pdf_surface_restrict_to_version(surface, CAIRO_PDF_VERSION_1_5)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, metadata.title)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, metadata.author)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_SUBJECT, metadata.subject)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, metadata.creator)
        // Without these cairo writes the current time, and the same letter would differ byte-wise.
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, metadata.date)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, metadata.date)
        guard let cr = cairo_create(surface) else {
            cairo_surface_destroy(surface)
            throw PDFCanvasError(description: "cairo could not create a drawing context")
        }
        context = cr
        guard let pango = pango_cairo_create_context(cr) else {
            cairo_destroy(cr)
            cairo_surface_destroy(surface)
            throw PDFCanvasError(description: "pango could not create a context")
        }
        pangoContext = pango
        // Metrics in points, unhinted: line breaks must not depend on a screen resolution.
        pango_cairo_context_set_resolution(pangoContext, 72)
        let options = cairo_font_options_create()
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        pango_cairo_context_set_font_options(pangoContext, options)
        cairo_font_options_destroy(options)
    }

    deinit {
        g_object_unref(UnsafeMutableRawPointer(pangoContext))
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    /// Shapes `markup` (Pango markup, already escaped by `PangoMarkup`) into lines of at most
    /// `width` points (nil: one unbroken line per paragraph).
    func layout(markup: String, style: TextStyle, width: Double?) -> TextLayout {
        // Never nil: Pango returns a new object or GLib aborts the process on out-of-memory.
        let handle = pango_layout_new(pangoContext)!
        let font = pango_font_description_new()
        pango_font_description_set_family(font, style.family)
        pango_font_description_set_absolute_size(font, style.sizePoints * pangoScale)
        pango_layout_set_font_description(handle, font)
        pango_font_description_free(font)
        if let width {
            pango_layout_set_width(handle, Int32((width * pangoScale).rounded(.down)))
            pango_layout_set_wrap(handle, PANGO_WRAP_WORD_CHAR)
        }
        switch style.alignment {
        case .left: pango_layout_set_alignment(handle, PANGO_ALIGN_LEFT)
        case .center: pango_layout_set_alignment(handle, PANGO_ALIGN_CENTER)
        case .right: pango_layout_set_alignment(handle, PANGO_ALIGN_RIGHT)
        case .justify:
            pango_layout_set_alignment(handle, PANGO_ALIGN_LEFT)
            pango_layout_set_justify(handle, 1)
        }
        pango_layout_set_indent(handle, Int32((style.firstLineIndent * pangoScale).rounded()))
        if style.lineSpacing != 1 { pango_layout_set_line_spacing(handle, Float(style.lineSpacing)) }
        pango_layout_set_markup(handle, markup, -1)
        return TextLayout(handle: handle)
    }

    /// Draws lines `range` of `text`, with the layout's left edge at `x` and the top of the first
    /// drawn line at `y`.
    func draw(_ text: TextLayout, lines range: Range<Int>, x: Double, y: Double, gray: Double = 0) {
        guard let first = range.first else { return }
        let origin = y - text.lines[first].top
        cairo_set_source_rgb(context, gray, gray, gray)
        for index in range {
            let line = text.lines[index]
            guard let pangoLine = pango_layout_get_line_readonly(text.handle, Int32(index)) else { continue }
            cairo_move_to(context, x + line.x, origin + line.baseline)
            pango_cairo_show_layout_line(context, pangoLine)
        }
    }

    /// Fills the outlines of the layout's glyphs, rotated by `degrees` around its centre placed at
    /// (`centerX`, `centerY`). Outlines, not text: a watermark must not break up the letter's text
    /// when it is extracted or copied.
    func fillOutlinesRotated(_ text: TextLayout, centerX: Double, centerY: Double, degrees: Double, gray: Double, alpha: Double) {
        cairo_save(context)
        cairo_translate(context, centerX, centerY)
        cairo_rotate(context, degrees * .pi / 180)
        cairo_translate(context, -text.width / 2, -text.height / 2)
        cairo_new_path(context)
        cairo_move_to(context, 0, 0)
        pango_cairo_layout_path(context, text.handle)
        cairo_set_source_rgba(context, gray, gray, gray, alpha)
        cairo_fill(context)
        cairo_restore(context)
    }

    func strokeLine(fromX: Double, fromY: Double, toX: Double, toY: Double, width: Double) {
        cairo_set_source_rgb(context, 0, 0, 0)
        cairo_set_line_width(context, width)
        cairo_move_to(context, fromX, fromY)
        cairo_line_to(context, toX, toY)
        cairo_stroke(context)
    }

    func strokeRectangle(x: Double, y: Double, width: Double, height: Double, lineWidth: Double) {
        cairo_set_source_rgb(context, 0, 0, 0)
        cairo_set_line_width(context, lineWidth)
        cairo_rectangle(context, x, y, width, height)
        cairo_stroke(context)
    }

    /// Fills rectangles in black as one path (the QR code's dark modules), without antialiasing so
    /// adjacent modules leave no seams when a scanner rasterises the page.
    func fillRectangles(_ rectangles: [(x: Double, y: Double, width: Double, height: Double)]) {
        cairo_save(context)
        cairo_set_antialias(context, CAIRO_ANTIALIAS_NONE)
        cairo_set_source_rgb(context, 0, 0, 0)
        for rectangle in rectangles {
            cairo_rectangle(context, rectangle.x, rectangle.y, rectangle.width, rectangle.height)
        }
        cairo_fill(context)
        cairo_restore(context)
    }

    /// Size in pixels of a PNG image, or an error when cairo cannot read it.
    func pngSize(_ png: Data) throws(PDFCanvasError) -> (width: Int, height: Int) {
        let image = try decodePNG(png)
        defer { cairo_surface_destroy(image) }
        return (Int(cairo_image_surface_get_width(image)), Int(cairo_image_surface_get_height(image)))
    }

    /// Draws a PNG image scaled into the box (keeping its aspect ratio, centred in the box).
    func drawPNG(_ png: Data, x: Double, y: Double, width: Double, height: Double) throws(PDFCanvasError) {
        let image = try decodePNG(png)
        defer { cairo_surface_destroy(image) }
        let pixelWidth = Double(cairo_image_surface_get_width(image))
        let pixelHeight = Double(cairo_image_surface_get_height(image))
        guard pixelWidth > 0, pixelHeight > 0 else { return }
        let scale = min(width / pixelWidth, height / pixelHeight)
        cairo_save(context)
        cairo_translate(context, x + (width - pixelWidth * scale) / 2, y + (height - pixelHeight * scale) / 2)
        cairo_scale(context, scale, scale)
        cairo_set_source_surface(context, image, 0, 0)
        cairo_paint(context)
        cairo_restore(context)
    }

    private func decodePNG(_ png: Data) throws(PDFCanvasError) -> OpaquePointer {
        let reader: cairo_read_func_t = { closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_READ_ERROR }
            let input = Unmanaged<InputBuffer>.fromOpaque(closure).takeUnretainedValue()
            let count = Int(length)
            guard input.offset + count <= input.bytes.count else { return CAIRO_STATUS_READ_ERROR }
            input.bytes.copyBytes(to: data, from: input.offset..<(input.offset + count))
            input.offset += count
            return CAIRO_STATUS_SUCCESS
        }
        let input = InputBuffer(png)
        let image = withExtendedLifetime(input) {
            cairo_image_surface_create_from_png_stream(reader, Unmanaged.passUnretained(input).toOpaque())
        }
        guard let image else { throw PDFCanvasError(description: "cairo could not allocate an image") }
        let status = cairo_surface_status(image)
        guard status == CAIRO_STATUS_SUCCESS else {
            cairo_surface_destroy(image)
            throw PDFCanvasError(description: "the emblem is not a readable PNG image (\(String(cString: cairo_status_to_string(status))))")
        }
        return image
    }

    /// Ends the current page and starts the next.
    func showPage() {
        cairo_show_page(context)
    }

    /// Finishes the document and returns its bytes.
    func finish() throws(PDFCanvasError) -> Data {
        guard !finished else { return output.bytes }
        finished = true
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw PDFCanvasError(description: "cairo could not write the PDF (\(String(cString: cairo_status_to_string(status))))")
        }
        return output.bytes
    }
}
