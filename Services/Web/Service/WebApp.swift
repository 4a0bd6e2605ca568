import Domain
import Foundation
import Hummingbird
import Logging
import Mustache
import RPC

/// The office's web app: pages and forms over the gateway API. Each handler reads the browser's
/// session, calls the gateway with the user's own session token, and renders HTML; a form post is
/// accepted only with the session's CSRF token. Nothing here decides who may do what: the page
/// offers the one action the user's role has at the letter's step, and the gateway re-checks it.
public struct WebApp: Sendable {
    public typealias Context = BasicRequestContext
    static let sessionCookie = "surat_sesi"
    static let preSessionCookie = "surat_pra"
    /// Form bodies are small; a draft with attachments is the largest.
    static let maxFormBytes = 12 << 20

    let configuration: WebConfiguration
    let gateway: GatewayLink
    let sessions: WebSessions
    let library: MustacheLibrary
    let clock: OfficeClock
    let logger: Logger

    public init(configuration: WebConfiguration, gateway: GatewayLink, logger: Logger) throws {
        self.configuration = configuration
        self.gateway = gateway
        self.logger = logger
        sessions = WebSessions(idleMinutes: configuration.idleMinutes)
        clock = OfficeClock(zone: try configuration.zone())
        var templates: [String: MustacheTemplate] = [:]
        for (name, text) in Templates.all { templates[name] = try MustacheTemplate(string: text) }
        library = MustacheLibrary(templates: templates)
    }

    /// A handler ended early with a finished response (redirect to sign-in, refused form, ...).
    struct Exit: Error { var response: Response }

    // MARK: Responses

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Renders `template` inside the layout for `session` (nil: signed out).
    func page(_ title: String, _ template: String, _ data: [String: Any], session: WebSession?, nav: String = "",
              status: HTTPResponse.Status = .ok, flash: Flash? = nil, detail: String = "") async -> Response {
        var context = data
        if let session { context["csrf"] = session.csrf }
        let body = library.render(context, withTemplate: template) ?? ""
        var layout: [String: Any] = ["title": title, "office": configuration.officeName, "body": body,
                                     "zone": clock.zoneLabel]
        if let session {
            let acting = session.actingFor.map { "Plh/Plt \(Labels.role($0.key)) a.n. \($0.value)" }.sorted().joined(separator: ", ")
            var user: [String: Any] = ["name": session.name, "roleLabel": Labels.role(session.role), "csrf": session.csrf,
                                       "isAdmin": session.holds("admin"),
                                       // Signers make their own key (/kunci): the Camat, the Sekretaris, their Plh/Plt.
                                       "isSigner": session.holds("camat") || session.holds("sekretaris")]
            if !acting.isEmpty { user["actingNote"] = acting }
            user["nav" + nav] = true
            layout["user"] = user
        }
        var message = flash
        if message == nil, let session { message = await sessions.takeFlash(session.id) }
        if let message {
            var flashData: [String: Any] = ["kind": message.kind.rawValue, "text": message.text, "isError": message.kind == .error]
            if !detail.isEmpty { flashData["detail"] = detail }
            layout["flash"] = flashData
        }
        return html(library.render(layout, withTemplate: "layout") ?? "", status: status)
    }

    func errorPage(_ heading: String, _ text: String, session: WebSession?, status: HTTPResponse.Status,
                   back: String = "/", backLabel: String = "Kembali ke antrean") async -> Response {
        await page(heading, "error", ["heading": heading, "text": text, "back": back, "backLabel": backLabel],
                   session: session, status: status)
    }

    /// Runs a handler, turning early exits and unexpected errors into pages (never a stack trace,
    /// never a secret: the gateway's messages carry none and form values are not echoed).
    func guarded(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let exit as Exit {
            return exit.response
        } catch let error as FriendlyError {
            return await errorPage("Tidak berhasil", error.text, session: nil, status: .badRequest)
        } catch {
            logger.error("page failed", metadata: ["error": .string("\(type(of: error))")])
            return await errorPage("Terjadi kesalahan", FriendlyError(error).text, session: nil, status: .internalServerError)
        }
    }

    // MARK: Sessions and forms

    func session(_ request: Request) async -> WebSession? {
        guard let id = request.cookies[Self.sessionCookie]?.value, !id.isEmpty else { return nil }
        return await sessions.find(id, now: Date())
    }

    /// The signed-in session, or an exit to the sign-in page; a user who must change the
    /// admin-set password is sent there first.
    func requireSession(_ request: Request, allowPasswordChange: Bool = false) async throws -> WebSession {
        guard let session = await session(request) else { throw Exit(response: Self.redirect("/masuk")) }
        if session.mustChangePassword && !allowPasswordChange { throw Exit(response: Self.redirect("/sandi")) }
        return session
    }

    func readForm(_ request: Request) async throws -> FormData {
        var request = request
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: Self.maxFormBytes) } catch {
            throw Exit(response: await errorPage("Isian terlalu besar", "Isian formulir melebihi batas ukuran. Kurangi lampiran lalu kirim lagi.",
                                                 session: nil, status: .contentTooLarge))
        }
        let contentType = request.headers[.contentType] ?? ""
        if contentType.lowercased().hasPrefix("multipart/form-data") {
            guard let boundary = FormData.parameterValue("boundary", in: contentType),
                  let form = FormData(multipart: Data(buffer.readableBytesView), boundary: boundary) else {
                throw Exit(response: await errorPage("Isian tidak terbaca", "Formulir yang dikirim tidak utuh. Muat ulang halaman lalu kirim lagi.",
                                                     session: nil, status: .badRequest))
            }
            return form
        }
        return FormData(urlEncoded: String(buffer: buffer))
    }

    /// The posted form, after checking its CSRF token against the session's. A forged or stale
    /// form is refused with 403 before anything reaches the gateway.
    func requireForm(_ request: Request, _ session: WebSession) async throws -> FormData {
        let form = try await readForm(request)
        guard CSRF.matches(form["csrf"], session.csrf) else {
            logger.notice("form refused: CSRF token mismatch", metadata: ["user.id": .string(session.userID), "path": .string(request.uri.path)])
            throw Exit(response: await errorPage("Formulir tidak sah",
                                                 "Formulir ini kedaluwarsa atau tidak berasal dari halaman ini, jadi tidak diproses dan tidak ada yang berubah. Muat ulang halaman lalu kirim lagi.",
                                                 session: session, status: .forbidden))
        }
        return form
    }

    /// A gateway call as the signed-in user. UNAUTHENTICATED ends the web session (the gateway
    /// session expired or was revoked) and sends the browser to sign in.
    func call<Req, Res>(_ method: RPCMethod<Req, Res>, _ request: Req, _ session: WebSession) async throws -> Res {
        do {
            return try await gateway.call(method, request, token: session.token)
        } catch {
            let friendly = FriendlyError(error)
            if friendly.sessionEnded {
                _ = await sessions.remove(session.id)
                throw Exit(response: Self.redirect("/masuk"))
            }
            throw friendly
        }
    }

    func flash(_ session: WebSession, _ kind: Flash.Kind, _ text: String) async {
        await sessions.update(session.id) { $0.flash = Flash(kind: kind, text: text) }
    }

    /// Runs a form action: on success a flash and a redirect (so a reload does not post again),
    /// on a gateway refusal the Indonesian message on the page it came from.
    func act(_ session: WebSession, back: String, success: String, _ body: () async throws -> Void) async throws -> Response {
        do {
            try await body()
            await flash(session, .ok, success)
        } catch let error as FriendlyError {
            await sessions.update(session.id) { $0.flash = Flash(kind: .error, text: error.text) }
            logger.info("action refused by the gateway", metadata: ["user.id": .string(session.userID),
                                                                     "rpc.code": .string("\(error.code.rawValue)")])
        }
        return Self.redirect(back)
    }

    func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: configuration.cookieSecure, httpOnly: true,
               sameSite: .strict)
    }

    // MARK: Router

    public func router() -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: SecurityHeaders())
        router.get("/static/app.css") { _, _ in StaticAssets.response(StaticAssets.css, type: "text/css; charset=utf-8") }
        router.get("/static/print.css") { _, _ in StaticAssets.response(StaticAssets.printCSS, type: "text/css; charset=utf-8") }
        router.get("/static/logo.svg") { _, _ in StaticAssets.response(StaticAssets.logo, type: "image/svg+xml") }
        router.get("/healthz") { _, _ in "ok" }
        addAuthRoutes(router)
        addSigningKeyRoutes(router)
        addLetterRoutes(router)
        addAgendaRoutes(router)
        addAdminRoutes(router)
        return router
    }
}

/// Headers on every response: a strict Content-Security-Policy (only this origin's stylesheet and
/// images, no scripts, forms post only here, never framed), no MIME sniffing, no referrer, no caching
/// of pages that show letters.
struct SecurityHeaders: RouterMiddleware {
    typealias Context = WebApp.Context

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        if !request.uri.path.hasPrefix("/static/") { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
