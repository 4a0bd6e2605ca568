import Domain
import Foundation
import Hummingbird

// Admin pages: users and roles, password resets, tokens, Plh/Plt grants, signers and delegations.
// Every call goes to GatewayAdmin, which refuses anyone without role admin.
extension WebApp {
    func addAdminRoutes(_ router: Router<Context>) {
        router.get("/admin") { request, _ in await guarded { try await adminPage(request) } }
        router.post("/admin/pengguna") { request, _ in await guarded { try await adminCreateUser(request) } }
        router.post("/admin/pengguna/:id/:action") { request, context in
            await guarded { try await adminUserAction(request, id: try context.parameters.require("id"),
                                                      action: try context.parameters.require("action")) }
        }
        router.post("/admin/token") { request, _ in await guarded { try await adminIssueToken(request) } }
        router.post("/admin/token/:id/cabut") { request, context in
            await guarded { try await adminRevokeToken(request, id: try context.parameters.require("id")) }
        }
        router.post("/admin/plh") { request, _ in await guarded { try await adminGrantActing(request) } }
        router.post("/admin/penandatangan") { request, _ in await guarded { try await adminRegisterSigner(request) } }
        router.post("/admin/delegasi") { request, _ in await guarded { try await adminDelegation(request) } }
        router.post("/admin/profil") { request, _ in await guarded { try await adminOfficeProfile(request) } }
    }

    func adminPage(_ request: Request) async throws -> Response {
        let session = try await requireSession(request)
        guard session.holds("admin") else {
            return await errorPage("Khusus admin", "Halaman ini hanya untuk admin kecamatan.", session: session, status: .forbidden)
        }
        async let users = call(GatewayAPI.listUsers, GatewayAPI.ListUsersRequest(), session)
        async let tokens = call(GatewayAPI.listTokens, GatewayAPI.ListTokensRequest(), session)
        async let grants = call(GatewayAPI.listActing, GatewayAPI.ListActingRequest(), session)
        let signers = (try? await call(GatewayAPI.listSigners, GatewayAPI.ListSignersRequest(), session))?.signers ?? []
        let profile = try? await call(GatewayAPI.getOfficeProfile, GatewayAPI.GetOfficeProfileRequest(), session)
        let data: [String: Any] = [
            "users": try await users.users.map {
                ["id": $0.id, "name": $0.name, "role": Labels.role($0.role), "active": $0.active ? "ya" : "tidak",
                 "toggleValue": $0.active ? "0" : "1", "toggleLabel": $0.active ? "Nonaktifkan" : "Aktifkan"] as [String: Any]
            },
            // Session tokens of the web app are many and short-lived; the table shows the long-lived ones.
            "tokens": try await tokens.tokens.filter { !$0.label.hasPrefix("session:") }.map { token -> [String: Any] in
                var row: [String: Any] = ["id": token.id, "userID": token.userID, "label": token.label, "expires": clock.dateTime(token.expiresAt)]
                if let revoked = token.revokedAt { row["revoked"] = clock.dateTime(revoked) }
                return row
            },
            "grants": try await grants.grants.map {
                ["userID": $0.userID, "role": Labels.role($0.role), "actingFor": $0.actingFor, "from": clock.dateTime($0.validFrom),
                 "until": clock.dateTime($0.validUntil)] as [String: Any]
            },
            "signers": signers.map {
                ["userID": $0.userID, "name": $0.name, "position": $0.position,
                 "keyID": $0.pending ? "menunggu penandatangan membuat kuncinya" : $0.keyID] as [String: Any]
            },
            "roles": Labels.roles.map { ["value": $0, "label": Labels.role($0)] as [String: Any] },
            "profileVersion": profile?.version ?? 0,
            "profileJSON": Self.prettyJSON(profile?.profileJSON ?? Data()),
            "profileSet": profile.flatMap { p in p.setAt.map { "versi \(p.version), diubah \(clock.dateTime($0)) oleh \(p.setBy)" } } ?? "belum ada profil",
        ]
        return await page("Administrasi", "admin", data, session: session, nav: "Admin")
    }

    func adminCreateUser(_ request: Request) async throws -> Response {
        let session = try await requireSession(request)
        let form = try await requireForm(request, session)
        let id = form.text("user_id").lowercased()
        return try await act(session, back: "/admin", success: "Pengguna \(id) dibuat. Berikan sandi awal kepadanya; ia wajib menggantinya saat masuk pertama.") {
            _ = try await call(GatewayAPI.createUser, GatewayAPI.CreateUserRequest(userID: id, name: form.text("name"), role: form.text("role"),
                                                                                    nip: form.text("nip")), session)
            _ = try await call(GatewayAPI.setPassword, GatewayAPI.SetPasswordRequest(userID: id, password: form["password"] ?? ""), session)
        }
    }

    func adminUserAction(_ request: Request, id: String, action: String) async throws -> Response {
        let session = try await requireSession(request)
        let form = try await requireForm(request, session)
        switch action {
        case "sandi":
            return try await act(session, back: "/admin", success: "Sandi \(id) diatur ulang; ia wajib menggantinya saat masuk berikutnya.") {
                _ = try await call(GatewayAPI.setPassword, GatewayAPI.SetPasswordRequest(userID: id, password: form["password"] ?? ""), session)
            }
        case "aktif":
            let active = form.text("active") == "1"
            return try await act(session, back: "/admin", success: active ? "Pengguna \(id) diaktifkan." : "Pengguna \(id) dinonaktifkan; semua tokennya berhenti berlaku.") {
                _ = try await call(GatewayAPI.setUserActive, GatewayAPI.SetUserActiveRequest(userID: id, active: active), session)
            }
        default:
            return await errorPage("Halaman tidak ditemukan", "Tindakan ini tidak dikenal.", session: session, status: .notFound)
        }
    }

    /// The new token is shown once on the reply page (never in a URL or a log) and not kept here.
    func adminIssueToken(_ request: Request) async throws -> Response {
        let session = try await requireSession(request)
        let form = try await requireForm(request, session)
        let days = min(max(Int(form.text("days")) ?? 30, 1), 400)
        do {
            let reply = try await call(GatewayAPI.issueToken, GatewayAPI.IssueTokenRequest(
                userID: form.text("user_id").lowercased(), label: form.text("label"), validForSeconds: Int64(days) * 86_400), session)
            return await page("Token diterbitkan", "tokenIssued", ["userID": reply.userID, "token": reply.token,
                                                                   "expires": clock.dateTime(reply.expiresAt)], session: session, nav: "Admin")
        } catch let error as FriendlyError {
            await flash(session, .error, error.text)
            return Self.redirect("/admin")
        }
    }

    func adminRevokeToken(_ request: Request, id: String) async throws -> Response {
        let session = try await requireSession(request)
        _ = try await requireForm(request, session)
        return try await act(session, back: "/admin", success: "Token \(id) dicabut.") {
            _ = try await call(GatewayAPI.revokeToken, GatewayAPI.RevokeTokenRequest(tokenID: id), session)
        }
    }

    func adminGrantActing(_ request: Request) async throws -> Response {
        let session = try await requireSession(request)
        let form = try await requireForm(request, session)
        guard let until = clock.parseDay(form.text("until")) else {
            await flash(session, .error, "Isi tanggal berakhirnya penunjukan.")
            return Self.redirect("/admin")
        }
        return try await act(session, back: "/admin", success: "Plh/Plt ditunjuk.") {
            _ = try await call(GatewayAPI.grantActing, GatewayAPI.GrantActingRequest(
                userID: form.text("user_id").lowercased(), role: form.text("role"), actingFor: form.text("acting_for").lowercased(),
                validFrom: Date(), validUntil: until.addingTimeInterval(86_400)), session)
        }
    }

    func adminRegisterSigner(_ request: Request) async throws -> Response {
        let session = try await requireSession(request)
        let form = try await requireForm(request, session)
        // The signer makes their own key (ActivateSigningKey, `surat signer activate`): no passphrase here.
        return try await act(session, back: "/admin",
                             success: "Penandatangan didaftarkan; kuncinya dibuat saat ia sendiri menetapkan frasa sandi (surat signer activate).") {
            _ = try await call(GatewayAPI.registerSigner, GatewayAPI.RegisterSignerRequest(
                requestID: Self.newRequestID(), userID: form.text("user_id").lowercased(), position: form.text("position")), session)
        }
    }

    func adminDelegation(_ request: Request) async throws -> Response {
        let session = try await requireSession(request)
        let form = try await requireForm(request, session)
        guard let until = clock.parseDay(form.text("until")) else {
            await flash(session, .error, "Isi tanggal berakhirnya delegasi.")
            return Self.redirect("/admin")
        }
        return try await act(session, back: "/admin", success: "Delegasi tanda tangan dibuat.") {
            _ = try await call(GatewayAPI.createDelegation, GatewayAPI.CreateDelegationRequest(
                requestID: Self.newRequestID(), fromUserID: form.text("from_user_id").lowercased(), toUserID: form.text("to_user_id").lowercased(),
                kind: form.text("kind"), validFrom: Date(), validUntil: until.addingTimeInterval(86_400)), session)
        }
    }
}

extension WebApp {
    static func prettyJSON(_ data: Data) -> String {
        guard !data.isEmpty, let object = try? JSONSerialization.jsonObject(with: data),
              let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return String(decoding: data, as: UTF8.self) }
        return String(decoding: pretty, as: UTF8.self)
    }

    /// The office profile (kop, positions, signers, numbering, verification address) as JSON, and
    /// optionally a new emblem; the registry validates it and refuses a stale version.
    func adminOfficeProfile(_ request: Request) async throws -> Response {
        let session = try await requireSession(request)
        let form = try await requireForm(request, session)
        let emblem = form.files.first { $0.field == "emblem" }?.content ?? Data()
        return try await act(session, back: "/admin", success: "Profil kantor disimpan sebagai versi baru.") {
            _ = try await call(GatewayAPI.setOfficeProfile, GatewayAPI.SetOfficeProfileRequest(
                requestID: Self.newRequestID(), profileJSON: Data((form["profile_json"] ?? "").utf8), emblemPNG: emblem,
                expectedVersion: Int64(form.text("expected_version")) ?? 0), session)
        }
    }
}
