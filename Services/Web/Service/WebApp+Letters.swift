import Crypto
import Domain
import Foundation
import Hummingbird
import RPC

// Home (work queue), the letter page with its one action, and the six steps' form posts.
extension WebApp {
    func addLetterRoutes(_ router: Router<Context>) {
        router.get("/") { request, _ in await guarded { try await home(request) } }
        router.get("/surat") { request, _ in await guarded { try await letterList(request) } }
        router.get("/surat/baru") { request, _ in await guarded { try await openPage(request) } }
        router.post("/surat/baru") { request, _ in await guarded { try await openLetter(request) } }
        router.get("/surat/:id") { request, context in
            await guarded { try await letterPage(request, id: try context.parameters.require("id")) }
        }
        router.get("/surat/:id/pratinjau.pdf") { request, context in
            await guarded { try await previewPDF(request, id: try context.parameters.require("id")) }
        }
        router.get("/surat/:id/surat.pdf") { request, context in
            await guarded { try await finalPDF(request, id: try context.parameters.require("id")) }
        }
        router.post("/surat/:id/:action") { request, context in
            await guarded {
                try await letterAction(request, id: try context.parameters.require("id"), action: try context.parameters.require("action"))
            }
        }
        router.post("/tandatangani") { request, _ in await guarded { try await bulkSign(request) } }
    }

    static func newRequestID() -> String { UUID().uuidString.lowercased() }

    // MARK: PDFs (the letter-document service through the gateway)

    func pdfResponse(_ data: Data, filename: String) -> Response {
        var headers: HTTPFields = [.contentType: "application/pdf"]
        headers[.contentDisposition] = "inline; filename=\"\(filename)\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The draft as a PDF watermarked KONSEP (the gateway's PreviewLetter).
    func previewPDF(_ request: Request, id: String) async throws -> Response {
        let session = try await requireSession(request)
        let revision = Int64(request.uri.queryParameters.get("revisi") ?? "") ?? 0
        do {
            let reply = try await call(GatewayAPI.previewLetter, GatewayAPI.PreviewLetterRequest(letterID: id, revision: revision), session)
            return pdfResponse(reply.pdf, filename: "pratinjau-revisi-\(reply.revision).pdf")
        } catch let error as FriendlyError {
            await flash(session, .error, "Pratinjau PDF tidak dapat dibuat: " + error.text)
            return Self.redirect("/surat/\(id)")
        }
    }

    /// The registered letter's final PDF, fetched in the gateway's 1 MiB chunks and checked against
    /// its SHA-256 before it is handed to the browser.
    func finalPDF(_ request: Request, id: String) async throws -> Response {
        let session = try await requireSession(request)
        var data = Data()
        var number = ""
        do {
            var total: UInt64 = 1
            var expected = Data()
            while UInt64(data.count) < total {
                let chunk = try await call(GatewayAPI.getLetterPDF, GatewayAPI.GetLetterPDFRequest(letterID: id, offset: UInt64(data.count)), session)
                total = chunk.totalSize
                expected = chunk.sha256
                number = chunk.letterNumber
                if chunk.data.isEmpty { break }
                data.append(chunk.data)
            }
            guard UInt64(data.count) == total, Data(SHA256.hash(data: data)) == expected else {
                throw FriendlyError(text: "PDF surat terunduh tidak utuh. Coba lagi.", code: .dataLoss)
            }
        } catch let error as FriendlyError {
            await flash(session, .error, "PDF final tidak dapat diunduh: " + error.text)
            return Self.redirect("/surat/\(id)")
        }
        let safe = number.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
        return pdfResponse(data, filename: "surat-\(safe).pdf")
    }

    // MARK: Home

    func home(_ request: Request) async throws -> Response {
        let session = try await requireSession(request)
        // Office-wide counts, as the SOP board shows them.
        async let paraf = call(GatewayAPI.getWorkQueue, GatewayAPI.WorkQueueRequest(role: "drafter"), session)
        async let sign = call(GatewayAPI.getWorkQueue, GatewayAPI.WorkQueueRequest(role: "camat"), session)
        async let clerk = call(GatewayAPI.getWorkQueue, GatewayAPI.WorkQueueRequest(role: "staf_umum"), session)
        let (parafQueue, signQueue, clerkQueue) = try await (paraf, sign, clerk)
        var queues: [[String: Any]] = []
        for role in Labels.roles where role != "admin" && session.holds(role) {
            let reply = try await call(GatewayAPI.getWorkQueue, GatewayAPI.WorkQueueRequest(role: role, mineOnly: true), session)
            let items: [[String: Any]] = reply.items.map { item in
                ["letterID": item.letterID, "subject": item.subject, "step": item.step, "stepTitle": Labels.stepTitle(Int(item.step)),
                 "since": clock.dateTime(item.waitingSince), "age": Labels.duration(item.ageSeconds),
                 "standard": Labels.duration(Double(item.standardSeconds)), "overdue": item.overdue]
            }
            var title = "Tugas sebagai \(Labels.role(role))"
            if let official = session.actingFor[role], role != session.role { title += " (Plh/Plt a.n. \(official))" }
            queues.append(["title": title, "count": items.count, "items": items, "empty": items.isEmpty,
                           "bulk": role == "camat" && items.count > 0])
        }
        let first = session.name.split(separator: " ").first.map(String.init) ?? session.name
        return await page("Antrean saya", "home", [
            "firstName": first, "queues": queues, "noRole": queues.isEmpty, "canOpen": session.holds("staf_umum"),
            "countParaf": parafQueue.items.count, "countSign": signQueue.items.count,
            "countNumber": clerkQueue.items.filter { $0.step == 6 }.count,
        ], session: session, nav: "Home")
    }

    func letterList(_ request: Request) async throws -> Response {
        let session = try await requireSession(request)
        let selected = Int32(request.uri.queryParameters.get("state") ?? "") ?? 0
        let state = GatewayAPI.JourneyState(rawValue: selected) ?? .unspecified
        let reply = try await call(GatewayAPI.listLetters, GatewayAPI.ListLettersRequest(state: state, limit: 200), session)
        let states: [[String: Any]] = GatewayAPI.JourneyState.allCases.map {
            ["value": $0.rawValue, "label": $0 == .unspecified ? "Semua" : Labels.state($0), "selected": $0 == state]
        }
        let letters: [[String: Any]] = reply.letters.map {
            ["letterID": $0.letterID, "subject": $0.subject, "classification": $0.classification, "state": Labels.state($0.state),
             "number": $0.letterNumber.isEmpty ? "-" : $0.letterNumber, "opened": clock.dateTime($0.openedAt)]
        }
        return await page("Semua surat", "letters", ["states": states, "letters": letters], session: session, nav: "Letters")
    }

    // MARK: Step 1: open

    func openPage(_ request: Request) async throws -> Response {
        let session = try await requireSession(request)
        return await page("Buka surat baru", "open", ["classificationList": ClassificationCodes.datalist], session: session, nav: "Home")
    }

    func openLetter(_ request: Request) async throws -> Response {
        let session = try await requireSession(request)
        let form = try await requireForm(request, session)
        var letterID = ""
        let response = try await act(session, back: "/surat/baru", success: "Surat dibuka dan Staf Umum ditugaskan (langkah 1 selesai).") {
            let opened = try await call(GatewayAPI.openLetter, GatewayAPI.OpenLetterRequest(
                requestID: Self.newRequestID(), subject: form.text("subject"), classification: form.text("classification"),
                unit: form.text("unit")), session)
            letterID = opened.journey?.letterID ?? ""
            _ = try await call(GatewayAPI.assignClerk, GatewayAPI.AssignClerkRequest(
                requestID: Self.newRequestID(), letterID: letterID, clerkID: form.text("clerk_id").lowercased()), session)
        }
        return letterID.isEmpty ? response : Self.redirect("/surat/\(letterID)")
    }

    // MARK: The letter page

    func letterPage(_ request: Request, id: String) async throws -> Response {
        let session = try await requireSession(request)
        guard let journey = try await call(GatewayAPI.getJourney, GatewayAPI.GetJourneyRequest(letterID: id), session).journey else {
            throw FriendlyError(text: "Surat tidak ditemukan.", code: .notFound)
        }
        var draft: GatewayAPI.DraftReply? = nil
        var contentHidden = false
        if !journey.draftID.isEmpty {
            do {
                draft = try await call(GatewayAPI.getDraft, GatewayAPI.GetDraftRequest(letterID: id), session)
            } catch let error as FriendlyError where error.code == .permissionDenied {
                // A Rahasia / Sangat Rahasia letter this user may not read: its journey still shows.
                contentHidden = true
            }
        }
        var data: [String: Any] = [
            "subject": journey.subject, "stateLabel": Labels.state(journey.state), "stateKey": journey.state.rawValue,
            "stepText": journey.state == .completed ? "Keenam langkah selesai" : "Langkah \(journey.currentStep) dari 6",
            "classification": journey.classification,
            "opened": clock.dateTime(journey.openedAt), "openedBy": journey.openedBy?.name ?? "-",
        ]
        if journey.totalDurationSeconds > 0 { data["total"] = Labels.duration(journey.totalDurationSeconds) }
        if !journey.letterNumber.isEmpty { data["number"] = journey.letterNumber }
        data["steps"] = journey.steps.map { step -> [String: Any] in
            var row: [String: Any] = [
                "step": step.step, "title": Labels.stepTitle(Int(step.step)), "actor": step.actor?.name ?? (step.outcome == .inProgress ? "sedang menunggu" : "-"),
                "started": clock.dateTime(step.startedAt), "duration": Labels.duration(step.durationSeconds),
                "standard": Labels.duration(Double(step.standardSeconds)), "late": step.late,
                "current": step.outcome == .inProgress, "returned": step.outcome == .returned,
            ]
            if step.round > 1 { row["round"] = step.round }
            if let ended = step.endedAt { row["ended"] = clock.dateTime(ended) }
            if let acting = step.actor?.actingFor, !acting.isEmpty { row["actingFor"] = acting }
            return row
        }
        data["hasReturns"] = !journey.returns.isEmpty
        data["returns"] = journey.returns.map {
            ["by": $0.by?.name ?? "-", "at": clock.dateTime($0.at), "notes": $0.notes] as [String: Any]
        }
        if contentHidden { data["contentHidden"] = true }
        if let withdrawal = journey.withdrawal {
            data["withdrawal"] = ["by": withdrawal.by?.name ?? "-", "at": clock.dateTime(withdrawal.at), "reason": withdrawal.reason,
                                  "step": withdrawal.atStep] as [String: Any]
        }
        // Withdrawal before registration: the letter's clerk (any Staf Umum before one is assigned) or an admin.
        if !(journey.state == .completed || journey.state == .withdrawn),
           session.holds("admin") || (session.holds("staf_umum") && (journey.clerk.map { $0.id == session.userID } ?? true)) {
            data["withdrawAction"] = "/surat/\(id)/tarik"
            data["withdrawRequestID"] = Self.newRequestID()
            // Reassignment (the same people may do it) once a clerk is assigned.
            if journey.clerk != nil {
                data["reassignAction"] = "/surat/\(id)/alihkan"
                data["reassignRequestID"] = Self.newRequestID()
            }
        }
        if let draft, let content = draft.content {
            var section = contentData(content, revision: draft.revision)
            section["previewURL"] = "/surat/\(id)/pratinjau.pdf?revisi=\(draft.revision)"
            data["content"] = section
        }
        if journey.state == .completed { data["finalPDF"] = "/surat/\(id)/surat.pdf" }
        if journey.state == .completed || journey.state == .signed, !journey.letterNumber.isEmpty,
           let delivery = try? await call(GatewayAPI.getDelivery, GatewayAPI.GetDeliveryRequest(letterID: id), session) {
            data["hasDeliveries"] = !delivery.deliveries.isEmpty
            data["deliveries"] = delivery.deliveries.map {
                ["addressee": $0.addressee, "state": Labels.delivery($0.state), "attempts": $0.attempts] as [String: Any]
            }
        }
        // The Sekretaris (and the drafter) see what changed since the last return.
        if journey.state == .inReview || journey.state == .drafting, let last = journey.returns.last, let current = draft?.content,
           case let digest = last.revisionDigest, !digest.isEmpty,
           let old = try? await call(GatewayAPI.getDraft, GatewayAPI.GetDraftRequest(letterID: id, revisionDigest: digest), session),
           let oldContent = old.content, old.revision != draft?.revision {
            let diff = TextDiff.lines(Self.textLines(oldContent), Self.textLines(current))
            data["diff"] = ["fromRevision": old.revision, "toRevision": draft?.revision ?? 0, "diff": TextDiff.html(diff)] as [String: Any]
        }
        let (action, waiting) = actionFor(journey, draft: draft, session: session)
        if let action { data["action"] = action }
        if let waiting { data["waiting"] = waiting }
        return await page(journey.subject, "letter", data, session: session)
    }

    /// The letter's text as lines for the diff: the fields a reviewer reads, then the body.
    static func textLines(_ content: LetterContent) -> [String] {
        var lines = ["Jenis: \(Labels.letterType(content.type))", "Klasifikasi: \(content.classificationCode)",
                     "Sifat: \(content.sifat.displayName)", "Derajat: \(content.urgency.displayName)", "Perihal: \(content.subject)"]
        lines += content.addressees.map { "Kepada: \($0.name) (\(Labels.kind($0.kind)))" }
        lines += content.tembusan.map { "Tembusan: \($0)" }
        lines += content.attachments.map { "Lampiran: \($0.name)" }
        lines += content.body.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        return lines
    }

    func contentData(_ content: LetterContent, revision: Int64, heading: String? = nil) -> [String: Any] {
        [
            "heading": heading ?? "Isi surat (revisi \(revision))",
            "revision": revision, "type": Labels.letterType(content.type), "classification": content.classificationCode,
            "sifat": content.sifat.displayName, "urgency": content.urgency.displayName, "subject": content.subject,
            "draftingUnit": content.draftingUnit,
            "addressees": content.addressees.map { a -> [String: Any] in
                var row: [String: Any] = ["name": a.name, "kind": Labels.kind(a.kind)]
                if let endpoint = a.endpoint, !endpoint.isEmpty { row["endpoint"] = endpoint }
                return row
            },
            "tembusan": content.tembusan, "hasTembusan": !content.tembusan.isEmpty,
            "attachments": content.attachments.map { ["name": $0.name, "size": ByteCountFormatter.string(fromByteCount: Int64($0.content.count), countStyle: .file)] },
            "hasAttachments": !content.attachments.isEmpty, "bodyHTML": HTML.body(content.body),
        ]
    }

    /// The one thing the signed-in user can do now (or who the letter is waiting for). The page only
    /// offers; the gateway decides when the form is posted.
    func actionFor(_ journey: GatewayAPI.Journey, draft: GatewayAPI.DraftReply?, session: WebSession) -> ([String: Any]?, String?) {
        let step = Int(journey.currentStep)
        if journey.state == .withdrawn { return (nil, "Surat ini telah ditarik; tidak ada langkah lagi.") }
        guard journey.state != .completed, let role = Labels.stepRole(step) else {
            return (nil, journey.state == .completed ? nil : "Surat belum dibuka.")
        }
        let assignee: ActorIdentity? = switch step {
        case 2: journey.drafter
        case 4, 6: journey.clerk
        default: nil
        }
        let waitingText = "Menunggu \(Labels.role(role))" + (assignee.map { " (\($0.name))" } ?? "") + " untuk langkah \(step): \(Labels.stepTitle(step))."
        guard session.holds(role) else { return (nil, waitingText) }
        if let assignee, !assignee.id.isEmpty, assignee.id != session.userID { return (nil, waitingText) }
        let base = "/surat/\(journey.letterID)/"
        let hidden = "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(session.csrf))\"><input type=\"hidden\" name=\"request_id\" value=\"\(Self.newRequestID())\">"
        var html = ""
        switch journey.state {
        case .opened:
            html = """
            <form method="post" action="\(base)tugaskan" class="stack">\(hidden)
            <label for="clerk_id">Staf Umum yang ditugaskan (kosongkan = saya sendiri)</label>
            <input id="clerk_id" name="clerk_id" autocapitalize="none">
            <button type="submit" class="primary">Tugaskan</button></form>
            """
        case .drafting:
            html = DraftForm.html(action: base + "konsep", hidden: hidden, content: draft?.content, revision: draft?.revision ?? 0)
            if let draft, draft.revision > 0 {
                html += """
                <form method="post" action="\(base)paraf" class="stack paraf">\(hidden)
                <input type="hidden" name="revision" value="\(draft.revision)">
                <input type="hidden" name="revision_digest" value="\(Self.hex(draft.revisionDigest))">
                <p>Bila konsep revisi \(draft.revision) sudah benar, bubuhkan paraf untuk mengirimnya ke Sekretaris.</p>
                <button type="submit" class="primary">Paraf revisi \(draft.revision) dan kirim ke Sekretaris</button></form>
                """
            }
        case .inReview:
            let digest = draft.map { Self.hex($0.revisionDigest) } ?? ""
            html = """
            <form method="post" action="\(base)setujui" class="stack">\(hidden)
            <input type="hidden" name="revision_digest" value="\(digest)">
            <p>Periksa isi surat di bawah. Bila sudah benar, setujui (paraf Sekretaris).</p>
            <button type="submit" class="primary">Setujui dan paraf</button></form>
            <form method="post" action="\(base)kembalikan" class="stack">\(hidden)
            <label for="notes">Catatan untuk konseptor (wajib bila dikembalikan)</label>
            <textarea id="notes" name="notes" rows="3" required></textarea>
            <button type="submit" class="secondary">Kembalikan ke konseptor</button></form>
            """
        case .approved:
            html = """
            <form method="post" action="\(base)unggah" class="stack">\(hidden)
            <p>Surat sudah disetujui Sekretaris. Unggah untuk tanda tangan elektronik Camat.</p>
            <button type="submit" class="primary">Unggah untuk tanda tangan</button></form>
            """
        case .awaitingSignature:
            let onBehalf = session.role != "camat" ? session.actingFor["camat"].map { "<p class=\"notice\">Anda menandatangani sebagai Plh/Plt a.n. \(HTML.escape($0)).</p>" } ?? "" : ""
            html = """
            <form method="post" action="\(base)tandatangani" class="stack">\(hidden)\(onBehalf)
            <label for="passphrase">Frasa sandi tanda tangan</label>
            <input id="passphrase" name="passphrase" type="password" autocomplete="off" required>
            <button type="submit" class="primary">Tandatangani</button></form>
            """
        case .signed:
            html = """
            <form method="post" action="\(base)daftarkan" class="stack">\(hidden)
            <p>Surat sudah ditandatangani. Beri nomor, catat di Buku Agenda, dan kirim ke tujuan.</p>
            <button type="submit" class="primary">Beri nomor dan daftarkan</button></form>
            """
        default:
            return (nil, waitingText)
        }
        return (["title": "langkah \(step) — \(Labels.stepTitle(step))", "html": html], nil)
    }

    static func hex(_ data: Data) -> String { data.map { String(format: "%02x", $0) }.joined() }

    // MARK: Step actions

    func letterAction(_ request: Request, id: String, action: String) async throws -> Response {
        let session = try await requireSession(request)
        let form = try await requireForm(request, session)
        let requestID = form.text("request_id").isEmpty ? Self.newRequestID() : form.text("request_id")
        let back = "/surat/\(id)"
        switch action {
        case "tugaskan":
            return try await act(session, back: back, success: "Staf Umum ditugaskan. Langkah 1 selesai.") {
                _ = try await call(GatewayAPI.assignClerk, GatewayAPI.AssignClerkRequest(requestID: requestID, letterID: id,
                                                                                          clerkID: form.text("clerk_id").lowercased()), session)
            }
        case "konsep":
            let content: LetterContent
            do { content = try DraftForm.content(from: form) } catch let error as FriendlyError {
                await flash(session, .error, error.text)
                return Self.redirect(back)
            }
            let base = Int64(form.text("base_revision")) ?? 0
            return try await act(session, back: back, success: "Konsep disimpan. Periksa lagi, lalu bubuhkan paraf.") {
                var content = content
                if base == 0 {
                    content.attachments = DraftForm.attachments(current: [], form: form)
                    _ = try await call(GatewayAPI.createDraft, GatewayAPI.CreateDraftRequest(requestID: requestID, letterID: id, content: content), session)
                } else {
                    // Files are not sent back by the browser: the current revision's stay unless removed.
                    let current = try await call(GatewayAPI.getDraft, GatewayAPI.GetDraftRequest(letterID: id), session)
                    content.attachments = DraftForm.attachments(current: current.content?.attachments ?? [], form: form)
                    _ = try await call(GatewayAPI.editDraft, GatewayAPI.EditDraftRequest(requestID: requestID, letterID: id, baseRevision: base,
                                                                                         content: content), session)
                }
            }
        case "pratinjau":
            // The draft as typed, rendered as it will read, without saving (no JavaScript needed).
            var content: LetterContent
            do { content = try DraftForm.content(from: form) } catch let error as FriendlyError {
                await flash(session, .error, error.text)
                return Self.redirect(back)
            }
            let removed = Set(form.all("remove_attachment").compactMap(Int.init))
            if Int64(form.text("base_revision")) ?? 0 > 0,
               let current = try? await call(GatewayAPI.getDraft, GatewayAPI.GetDraftRequest(letterID: id), session) {
                content.attachments = current.content?.attachments ?? []
            }
            var shown = content
            shown.attachments = content.attachments.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
            let hidden = "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(session.csrf))\"><input type=\"hidden\" name=\"request_id\" value=\"\(Self.newRequestID())\">"
            let formHTML = DraftForm.html(action: "/surat/\(id)/konsep", hidden: hidden, content: content,
                                          revision: Int64(form.text("base_revision")) ?? 0, removed: removed)
            return await page("Pratinjau konsep", "draftPreview", [
                "letterID": id, "form": formHTML,
                "content": contentData(shown, revision: 0, heading: "Pratinjau isi (belum disimpan)"),
            ], session: session)
        case "alihkan":
            return try await act(session, back: back, success: "Penugasan surat dialihkan.") {
                _ = try await call(GatewayAPI.reassignLetter, GatewayAPI.ReassignLetterRequest(
                    requestID: requestID, letterID: id, role: form.text("role"), toUserID: form.text("to_user_id").lowercased(),
                    reason: form.text("reason")), session)
            }
        case "tarik":
            return try await act(session, back: back, success: "Surat ditarik. Tidak ada langkah lagi untuk surat ini.") {
                _ = try await call(GatewayAPI.withdrawLetter, GatewayAPI.WithdrawLetterRequest(
                    requestID: requestID, letterID: id, reason: form.text("reason")), session)
            }
        case "paraf":
            return try await act(session, back: back, success: "Konsep diparaf dan dikirim ke Sekretaris. Langkah 2 selesai.") {
                // The drafter initials exactly the revision the page showed (its number and digest).
                _ = try await call(GatewayAPI.paraf, GatewayAPI.ParafRequest(
                    requestID: requestID, letterID: id, revision: Int64(form.text("revision")) ?? 0,
                    revisionDigest: Data(hexString: form.text("revision_digest")) ?? Data()), session)
            }
        case "setujui":
            return try await act(session, back: back, success: "Surat disetujui dan diparaf Sekretaris. Langkah 3 selesai.") {
                _ = try await call(GatewayAPI.approve, GatewayAPI.ApproveRequest(requestID: requestID, letterID: id,
                                                                                revisionDigest: Data(hexString: form.text("revision_digest")) ?? Data()), session)
            }
        case "kembalikan":
            return try await act(session, back: back, success: "Konsep dikembalikan ke konseptor dengan catatan.") {
                _ = try await call(GatewayAPI.returnDraft, GatewayAPI.ReturnDraftRequest(requestID: requestID, letterID: id,
                                                                                        notes: form.text("notes")), session)
            }
        case "unggah":
            return try await act(session, back: back, success: "Surat diunggah untuk tanda tangan. Langkah 4 selesai.") {
                _ = try await call(GatewayAPI.uploadForSignature, GatewayAPI.UploadForSignatureRequest(requestID: requestID, letterID: id), session)
            }
        case "tandatangani":
            return try await act(session, back: back, success: "Surat ditandatangani. Langkah 5 selesai.") {
                _ = try await call(GatewayAPI.sign, GatewayAPI.SignRequest(requestID: requestID, letterID: id,
                                                                          passphrase: form["passphrase"] ?? ""), session)
            }
        case "daftarkan":
            var number = ""
            let response = try await act(session, back: back, success: "Surat didaftarkan.") {
                let reply = try await call(GatewayAPI.register, GatewayAPI.RegisterRequest(requestID: requestID, letterID: id), session)
                number = reply.registration?.letterNumber ?? ""
            }
            if !number.isEmpty { await flash(session, .ok, "Surat didaftarkan dengan nomor \(number) dan dikirim ke tujuan. Langkah 6 selesai.") }
            return response
        default:
            return await errorPage("Halaman tidak ditemukan", "Tindakan ini tidak dikenal.", session: session, status: .notFound)
        }
    }

    /// Step 5 for several letters with one passphrase (the gateway's BulkSign).
    func bulkSign(_ request: Request) async throws -> Response {
        let session = try await requireSession(request)
        let form = try await requireForm(request, session)
        let ids = form.all("letter_id").filter { !$0.isEmpty }
        guard !ids.isEmpty else {
            await flash(session, .error, "Pilih minimal satu surat untuk ditandatangani.")
            return Self.redirect("/")
        }
        do {
            let reply = try await call(GatewayAPI.bulkSign, GatewayAPI.BulkSignRequest(requestID: Self.newRequestID(), letterIDs: ids,
                                                                                      passphrase: form["passphrase"] ?? ""), session)
            let signed = reply.results.filter { $0.code == 0 }.count
            let failed = reply.results.filter { $0.code != 0 }
            var text = "\(signed) surat ditandatangani."
            if !failed.isEmpty {
                text += " \(failed.count) tidak: " + failed.map { result in
                    FriendlyError.translate(RPCError(RPCError.Code(rawValue: Int(result.code)), result.message))
                }.joined(separator: " ")
            }
            await flash(session, failed.isEmpty ? .ok : .error, text)
        } catch let error as FriendlyError {
            await flash(session, .error, error.text)
        }
        return Self.redirect("/")
    }
}

extension Data {
    init?(hexString: String) {
        guard hexString.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hexString.startIndex
        while index < hexString.endIndex {
            let next = hexString.index(index, offsetBy: 2)
            guard let byte = UInt8(hexString[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
