import EchoService
import Foundation
import RPC
import Testing

/// Our client against an independent implementation: a Python grpcio server built from
/// proto-notes/surat/echo/v1/echo.proto (Tests/python/peers/echo_server.py).
@Suite("Swift client against a Python grpcio server", .serialized, .timeLimit(.minutes(10)))
struct PythonPeerTests {
    @Test func unaryCallsErrorsMetadataAndDeadlines() async throws {
        let server = try PythonEchoServer()
        defer { server.stop() }
        let client = try RPCClient(host: "127.0.0.1", port: server.port)

        let response = try await client.call(EchoAPI.echo, EchoRequest(text: "dari Swift ke Python ✓", payload: Data([1, 2, 3])))
        #expect(response.text == "dari Swift ke Python ✓")
        #expect(response.payload == Data([1, 2, 3]))

        for code in [3, 5, 7, 9, 16] {
            let error = await rpcError {
                _ = try await client.call(EchoAPI.echo, EchoRequest(failCode: Int32(code), failMessage: "kode \(code) ✗"))
            }
            #expect(error?.code == RPCError.Code(rawValue: code))
            #expect(error?.message == "kode \(code) ✗")
        }

        var metadata = Metadata()
        metadata.add("x-echo-letter-id", "L-1")
        metadata.addBinary("x-echo-digest-bin", [9, 8, 7])
        let withMetadata = try await client.callWithMetadata(EchoAPI.echo, EchoRequest(text: "m"), metadata: metadata)
        #expect(withMetadata.headers["x-echo-letter-id"] == "L-1")
        #expect(withMetadata.headers.binary("x-echo-digest-bin") == [9, 8, 7])
        #expect(withMetadata.trailers["x-echo-trailer"] == "python")

        let late = await rpcError {
            _ = try await client.call(EchoAPI.echo, EchoRequest(delayMs: 5000), timeout: .milliseconds(300))
        }
        #expect(late?.code == .deadlineExceeded)

        let big = try await client.call(EchoAPI.echo, EchoRequest(responseSize: 3 << 20))
        #expect(big.payload.count == 3 << 20)
        await client.close()
    }
}

/// Runs Tests/python/peers/echo_server.py and reads the port it prints.
final class PythonEchoServer {
    let process = Process()
    let port: Int

    init() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("surat-python-echo-\(UUID().uuidString).port")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("Tests/python/peers/echo_server.py").path,
                             "--port-file", portFile.path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) {
                try? FileManager.default.removeItem(at: portFile)
                self.port = port
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.terminate()
        throw RPCError(.unavailable, "the Python echo server did not start (is grpcio-tools installed?)")
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
