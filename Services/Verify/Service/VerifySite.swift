import Crypto
import Domain
import Foundation
import Hummingbird
import LetterSeal
import Logging
import MultipartKit
import RPC
import ServiceKit

/// The public verification site: GET /v/<id>, GET /v/<id>/pdf, GET+POST /periksa, /gaya.css,
/// /health. Registry answers come through `RegistryLookup` with the read-only verifier credential.
public struct VerifySite: Sendable {
    public static let serviceName = "verify"
    public static let defaultPort = 7490

    let lookup: RegistryLookup
    let maxUploadBytes: Int
    let logger: Logger

    /// Verification ids are opaque URL-safe strings; anything else is not looked up at all.
    static func isPlausibleID(_ id: String) -> Bool {
        (8...128).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }

    /// Runs the site until SIGTERM/SIGINT; prints `listening on HOST:PORT` once bound.
    public static func run(_ loaded: LoadedConfiguration<VerifyConfiguration>) async throws {
        var logger = Logger(label: "surat.verify")
        logger.logLevel = Logger.Level(rawValue: loaded.settings.logLevel) ?? .info
        guard loaded.settings.tlsCertificatePath.isEmpty else {
            throw ConfigError.invalid("surat-verify serves HTTP behind the public host's reverse proxy, which terminates HTTPS; leave tlsCertificatePath empty (proto-notes/verify.md)")
        }
        let site = VerifySite(lookup: try RegistryLookup(configuration: loaded.specific, logger: logger),
                              maxUploadBytes: loaded.specific.maxUploadBytes, logger: logger)
        let host = loaded.settings.host
        let app = Application(
            router: site.router(),
            configuration: .init(address: .hostname(host, port: loaded.settings.port), serverName: nil),
            onServerRunning: { channel in
                // Unbuffered: scripts and tests wait for this line on a pipe.
                FileHandle.standardOutput.write(Data("surat-verify listening on \(host):\(channel.localAddress?.port ?? 0)\n".utf8))
            },
            logger: logger)
        do {
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch {
            await site.lookup.close()
            throw error
        }
        await site.lookup.close()
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: SecurityHeadersMiddleware())
        router.get("/") { _, _ in Response.redirect(to: "/periksa", type: .found) }
        router.get("/health") { _, _ in "ok" }
        router.get("/gaya.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(string: Pages.stylesheet)))
        }
        router.get("/v/:id") { _, context in await page(id: context.parameters.get("id") ?? "") }
        router.get("/v/:id/pdf") { _, context in await download(id: context.parameters.get("id") ?? "") }
        router.get("/periksa") { _, _ in html(.ok, Pages.uploadForm(maxBytes: maxUploadBytes)) }
        router.post("/periksa") { request, _ in await upload(request) }
        return router
    }

    func html(_ status: HTTPResponse.Status, _ page: String) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    func page(id: String) async -> Response {
        guard Self.isPlausibleID(id) else {
            return html(.notFound, Pages.notFound("Alamat verifikasi tidak dikenal."))
        }
        do {
            switch try await lookup.record(verificationID: id) {
            case .notFound:
                return html(.notFound, Pages.notFound("Alamat verifikasi tidak dikenal: tidak ada surat terdaftar dengan kode ini."))
            case .found(let record):
                let seal = await lookup.sealVerdict(of: record)
                return html(.ok, Pages.verification(record, seal: seal))
            }
        } catch {
            logger.warning("registry lookup failed", metadata: ["verify.id": "\(id)", "error": "\(error)"])
            return html(.serviceUnavailable, Pages.unavailable())
        }
    }

    func download(id: String) async -> Response {
        guard Self.isPlausibleID(id) else { return html(.notFound, Pages.notFound("Alamat verifikasi tidak dikenal.")) }
        do {
            guard case .found(let record) = try await lookup.record(verificationID: id) else {
                return html(.notFound, Pages.notFound("Alamat verifikasi tidak dikenal."))
            }
            guard record.pdfDownloadable, !record.cancelled else {
                return html(.forbidden, Pages.notFound("PDF surat ini tidak dapat diunduh dari halaman umum."))
            }
            let pdf = try await lookup.pdf(verificationID: id)
            let name = record.number.map { $0.isLetter || $0.isNumber ? $0 : "-" }
            return Response(status: .ok, headers: [
                .contentType: "application/pdf",
                .contentDisposition: "attachment; filename=\"surat-\(String(name)).pdf\"",
                .cacheControl: "no-store",
            ], body: .init(byteBuffer: ByteBuffer(bytes: pdf)))
        } catch {
            logger.warning("PDF download failed", metadata: ["verify.id": "\(id)", "error": "\(error)"])
            return html(.serviceUnavailable, Pages.unavailable())
        }
    }

    func upload(_ request: Request) async -> Response {
        let limit = maxUploadBytes
        let tooLarge = html(.contentTooLarge, Pages.upload(.tooLarge(limit: limit), maxBytes: limit))
        // The multipart envelope adds a little to the file; a declared length far above is refused unread.
        let envelope = 16 * 1024
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit + envelope { return tooLarge }
        var body = ByteBuffer()
        do {
            for try await chunk in request.body {
                guard body.readableBytes + chunk.readableBytes <= limit + envelope else { return tooLarge }
                var chunk = chunk
                body.writeBuffer(&chunk)
            }
        } catch {
            return html(.badRequest, Pages.upload(.malformed("unggahan terputus"), maxBytes: limit))
        }
        guard let contentType = request.headers[.contentType], contentType.lowercased().hasPrefix("multipart/form-data"),
              let boundary = Self.boundary(contentType) else {
            return html(.badRequest, Pages.upload(.malformed("kirim lewat formulir unggah (multipart/form-data)"), maxBytes: limit))
        }
        let file: Data
        do {
            file = try FormDataDecoder().decode(UploadForm.self, from: body, boundary: boundary).berkas
        } catch {
            return html(.badRequest, Pages.upload(.malformed("tidak ada berkas bernama \"berkas\" di formulir"), maxBytes: limit))
        }
        guard file.count <= limit else { return tooLarge }
        guard file.starts(with: Array("%PDF-".utf8)) else { return html(.unprocessableContent, Pages.upload(.notPDF, maxBytes: limit)) }
        let digest = Data(SHA256.hash(data: file))
        let verdict = lookup.verifySeal(file)
        do {
            if let record = try await lookup.record(pdfSHA256: digest) {
                return html(.ok, Pages.upload(.registered(record, verdict), maxBytes: limit))
            }
        } catch {
            logger.warning("digest lookup failed", metadata: ["error": "\(error)"])
            return html(.serviceUnavailable, Pages.unavailable())
        }
        switch verdict {
        case .valid(let signer, _): return html(.ok, Pages.upload(.sealValidNotRegistered(signer: signer), maxBytes: limit))
        case .invalid(let reason): return html(.ok, Pages.upload(.sealInvalid(reason: reason), maxBytes: limit))
        case .notSealed: return html(.ok, Pages.upload(.notSealedNotRegistered, maxBytes: limit))
        case .notPDF: return html(.unprocessableContent, Pages.upload(.notPDF, maxBytes: limit))
        }
    }

    static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.trimmingCharacters(in: .whitespaces)
            if pair.lowercased().hasPrefix("boundary=") {
                let value = pair.dropFirst("boundary=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return value.isEmpty ? nil : value
            }
        }
        return nil
    }
}

/// The upload form's one field.
struct UploadForm: Decodable {
    var berkas: Data
}

/// Security headers on every response: no scripts, no framing, no sniffing, no referrer leaks of
/// verification ids to other sites.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            // Unknown paths and methods get a page too, with the same headers.
            let page = error.status == .notFound ? Pages.notFound("Halaman tidak ada.") : Pages.layout(title: "Permintaan tidak dapat dilayani", "<h1>Permintaan tidak dapat dilayani</h1><div class=\"verdict bad\" id=\"verdict\">\(Pages.escape(error.status.reasonPhrase))</div>")
            response = Response(status: error.status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
        }
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        return response
    }
}
