import Domain
import Foundation
import Logging
import RPC

/// surat-web's one connection to the gateway (HTTP/2, multiplexed, reconnecting). Every call carries
/// the signed-in user's session token, so the gateway checks every action by the user's roles: the
/// web app grants nothing by itself.
public final class GatewayLink: Sendable {
    let client: RPCClient
    let timeout: Duration

    public init(configuration: WebConfiguration, logger: Logger) throws {
        let (host, port) = try configuration.gatewayEndpoint()
        client = try RPCClient(host: host, port: port, tls: try configuration.gatewayTLS(), maxReceiveMessageSize: 16 << 20)
        timeout = .seconds(max(1, configuration.gatewayTimeoutSeconds))
    }

    func call<Request, Response>(_ method: RPCMethod<Request, Response>, _ request: Request, token: String?) async throws -> Response {
        var metadata = Metadata()
        if let token { metadata.add("authorization", "Bearer \(token)") }
        return try await client.call(method, request, metadata: metadata, timeout: timeout)
    }

    func close() async { await client.close() }
}

/// A gateway failure as a clerk reads it: what happened and what to do next, in Indonesian. The
/// gateway's own (English) detail goes under "Rincian teknis" for district IT; it never holds a secret.
struct FriendlyError: Error, Sendable {
    var text: String
    var detail: String
    var code: RPCError.Code
    /// The gateway no longer accepts the session: the page signs the browser out.
    var sessionEnded: Bool { code == .unauthenticated }

    init(_ error: any Error) {
        guard let rpc = error as? RPCError else {
            code = .unknown
            detail = "\(type(of: error))"
            text = "Terjadi kesalahan yang tidak terduga. Muat ulang halaman; jika berulang, hubungi petugas TI kecamatan."
            return
        }
        code = rpc.code
        detail = rpc.message
        text = Self.translate(rpc)
    }

    init(text: String, code: RPCError.Code = .invalidArgument) {
        self.text = text
        self.detail = ""
        self.code = code
    }

    static func number(after marker: String, in message: String) -> Int? {
        guard let range = message.range(of: marker) else { return nil }
        return Int(message[range.upperBound...].prefix(while: \.isNumber))
    }

    static func translate(_ error: RPCError) -> String {
        let message = error.message
        switch error.code {
        case .unauthenticated:
            if message.contains("wrong user name or password") {
                return "Nama pengguna atau kata sandi salah. Periksa lalu coba lagi (perhatikan huruf besar/kecil)."
            }
            return "Sesi Anda sudah berakhir. Silakan masuk lagi."
        case .permissionDenied:
            if message.contains("wrong passphrase") {
                let left = number(after: "; ", in: message).map { " Sisa \($0) kali percobaan sebelum penandatanganan dikunci sementara." } ?? ""
                return "Frasa sandi tanda tangan salah; surat belum ditandatangani.\(left) Periksa lalu coba lagi."
            }
            if message.contains("must change the password") {
                return "Anda harus mengganti kata sandi dari admin terlebih dahulu."
            }
            if let range = message.range(of: "needs role ") {
                let role = message[range.upperBound...].prefix(while: { $0.isLetter || $0 == "_" })
                return "Langkah ini bukan tugas Anda: hanya \(Labels.role(String(role))) yang boleh melakukannya. Muat ulang halaman untuk melihat tugas Anda."
            }
            return "Anda tidak berwenang melakukan tindakan ini. Muat ulang halaman; jika menurut Anda ini keliru, hubungi admin."
        case .failedPrecondition:
            if let step = number(after: "is at step ", in: message) {
                return "Surat ini sekarang berada di langkah \(step) (\(Labels.stepTitle(step))), jadi tindakan ini tidak dapat dilakukan lagi — mungkin rekan Anda sudah mengerjakannya. Muat ulang halaman."
            }
            if message.contains("already") && message.contains("sign") {
                return "Surat ini sudah ditandatangani. Muat ulang halaman."
            }
            if message.contains("delegation") || message.contains("signer") {
                return "Penandatangan belum terdaftar atau delegasi Plh/Plt belum dibuat. Minta admin mendaftarkan penandatangan/delegasi, lalu coba lagi."
            }
            return "Keadaan surat tidak memungkinkan tindakan ini sekarang. Muat ulang halaman untuk melihat keadaan terkini."
        case .aborted:
            return "Konsep ini sudah diubah orang lain sejak Anda membukanya. Muat ulang halaman, lalu ulangi perubahan Anda pada versi terbaru."
        case .alreadyExists:
            return "Data itu sudah ada (misalnya nama pengguna sudah dipakai). Gunakan nama lain."
        case .notFound:
            return "Data yang diminta tidak ditemukan (mungkin alamatnya keliru atau sudah dihapus). Kembali ke antrean."
        case .invalidArgument, .outOfRange:
            return "Isian belum benar: \(Labels.fieldProblem(message)). Perbaiki lalu kirim lagi."
        case .resourceExhausted:
            if message.contains("too many wrong passphrases") {
                return "Frasa sandi salah terlalu sering, penandatanganan dikunci sementara. Tunggu beberapa menit lalu coba lagi, atau hubungi admin."
            }
            if let seconds = number(after: "try again in ", in: message) {
                return "Terlalu banyak percobaan yang gagal. Tunggu \(seconds) detik, lalu coba lagi; bila lupa, minta admin mengatur ulang."
            }
            return "Terlalu banyak percobaan yang gagal. Tunggu beberapa saat, lalu coba lagi."
        case .unavailable, .deadlineExceeded, .cancelled:
            return "Layanan sedang sibuk atau tidak terjangkau; tidak ada yang berubah. Tunggu sebentar lalu coba lagi. Jika berulang, hubungi petugas TI kecamatan."
        default:
            return "Terjadi kesalahan di server; tidak ada yang berubah. Coba lagi; jika berulang, hubungi petugas TI kecamatan dan sebutkan waktunya."
        }
    }
}
