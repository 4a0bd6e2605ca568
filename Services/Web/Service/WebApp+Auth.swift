import Domain
import Foundation
import Hummingbird
import RPC

// Sign-in, password change and sign-out.
extension WebApp {
    func addAuthRoutes(_ router: Router<Context>) {
        router.get("/masuk") { request, _ in await guarded { try await signInPage(request) } }
        router.post("/masuk") { request, _ in await guarded { try await signIn(request) } }
        router.get("/sandi") { request, _ in await guarded { try await passwordPage(request) } }
        router.post("/sandi") { request, _ in await guarded { try await changePassword(request) } }
        router.post("/keluar") { request, _ in await guarded { try await signOut(request) } }
    }

    /// The sign-in form carries a pre-session CSRF token (double-submit: the same random value in a
    /// SameSite=Strict cookie and the form), so another site cannot sign a browser in as someone else.
    func signInPage(_ request: Request, userID: String = "", flash: Flash? = nil,
                    status: HTTPResponse.Status = .ok) async throws -> Response {
        if await session(request) != nil, flash == nil { return Self.redirect("/") }
        let token = request.cookies[Self.preSessionCookie]?.value ?? WebSessions.randomToken()
        var response = await page("Masuk", "login", ["csrf": token, "userID": userID], session: nil, status: status, flash: flash)
        response.setCookie(cookie(Self.preSessionCookie, token, maxAge: 3600))
        return response
    }

    func signIn(_ request: Request) async throws -> Response {
        let form = try await readForm(request)
        guard let expected = request.cookies[Self.preSessionCookie]?.value, CSRF.matches(form["csrf"], expected) else {
            return try await signInPage(request, flash: Flash(kind: .error, text: "Formulir masuk kedaluwarsa. Silakan coba lagi."),
                                        status: .forbidden)
        }
        let userID = form.text("user_id").lowercased()
        let password = form["password"] ?? ""
        guard !userID.isEmpty, !password.isEmpty else {
            return try await signInPage(request, userID: userID, flash: Flash(kind: .error, text: "Isi nama pengguna dan kata sandi."),
                                        status: .badRequest)
        }
        let reply: GatewayAPI.SignInReply
        do {
            reply = try await gateway.call(GatewayAPI.signIn, GatewayAPI.SignInRequest(userID: userID, password: password, client: "web"),
                                           token: nil)
        } catch {
            let friendly = FriendlyError(error)
            let status: HTTPResponse.Status = friendly.code == .resourceExhausted ? .tooManyRequests : .unauthorized
            return try await signInPage(request, userID: userID, flash: Flash(kind: .error, text: friendly.text), status: status)
        }
        // Roles held now, including Plh/Plt grants, come from WhoAmI with the new token.
        var roles = [reply.user?.role ?? ""]
        var actingFor: [String: String] = [:]
        if !reply.mustChangePassword, let who = try? await gateway.call(GatewayAPI.whoAmI, GatewayAPI.WhoAmIRequest(), token: reply.token) {
            roles = who.roles
            for grant in who.acting { actingFor[grant.role] = grant.actingFor }
        }
        let now = Date()
        let session = await sessions.create(token: reply.token, tokenID: reply.tokenID, userID: userID, name: reply.user?.name ?? userID,
                                            role: reply.user?.role ?? "", roles: roles, actingFor: actingFor,
                                            mustChange: reply.mustChangePassword, expiresAt: reply.expiresAt, now: now)
        logger.info("signed in", metadata: ["user.id": .string(userID)])
        var response = Self.redirect(reply.mustChangePassword ? "/sandi" : "/")
        response.setCookie(cookie(Self.sessionCookie, session.id, maxAge: max(60, Int(reply.expiresAt.timeIntervalSince(now)))))
        response.setCookie(cookie(Self.preSessionCookie, "", maxAge: 0))
        return response
    }

    func passwordPage(_ request: Request) async throws -> Response {
        let session = try await requireSession(request, allowPasswordChange: true)
        return await page("Ganti kata sandi", "password", ["mustChange": session.mustChangePassword], session: session)
    }

    func changePassword(_ request: Request) async throws -> Response {
        let session = try await requireSession(request, allowPasswordChange: true)
        let form = try await requireForm(request, session)
        let new = form["new_password"] ?? ""
        guard new == form["confirm_password"] else {
            return await page("Ganti kata sandi", "password", ["mustChange": session.mustChangePassword], session: session,
                              status: .badRequest, flash: Flash(kind: .error, text: "Kedua isian kata sandi baru tidak sama. Ketik ulang."))
        }
        do {
            _ = try await call(GatewayAPI.changePassword,
                               GatewayAPI.ChangePasswordRequest(currentPassword: form["current_password"] ?? "", newPassword: new), session)
        } catch let error as FriendlyError {
            return await page("Ganti kata sandi", "password", ["mustChange": session.mustChangePassword], session: session,
                              status: .badRequest, flash: Flash(kind: .error, text: error.text))
        }
        // Now a full session: pick up acting roles too.
        var roles = session.roles
        var actingFor = session.actingFor
        if let who = try? await call(GatewayAPI.whoAmI, GatewayAPI.WhoAmIRequest(), session) {
            roles = who.roles
            actingFor = [:]
            for grant in who.acting { actingFor[grant.role] = grant.actingFor }
        }
        await sessions.update(session.id) { [roles, actingFor] in
            $0.mustChangePassword = false
            $0.roles = roles
            $0.actingFor = actingFor
            $0.flash = Flash(kind: .ok, text: "Kata sandi sudah diganti.")
        }
        return Self.redirect("/")
    }

    func signOut(_ request: Request) async throws -> Response {
        let session = try await requireSession(request, allowPasswordChange: true)
        _ = try await requireForm(request, session)
        _ = await sessions.remove(session.id)
        // The gateway session token is revoked too, so it is useless even if it leaked.
        _ = try? await gateway.call(GatewayAPI.signOut, GatewayAPI.SignOutRequest(), token: session.token)
        logger.info("signed out", metadata: ["user.id": .string(session.userID)])
        var response = try await signInPage(request, flash: Flash(kind: .ok, text: "Anda sudah keluar."))
        response.setCookie(cookie(Self.sessionCookie, "", maxAge: 0))
        return response
    }
}
