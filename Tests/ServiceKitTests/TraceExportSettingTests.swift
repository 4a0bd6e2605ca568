import Logging
import ServiceKit
import Testing

/// Which OTLP endpoint a service takes: its own `otlpEndpoint`, else `SURAT_OTLP_ENDPOINT`, else
/// none. Only malformed endpoints are used here, so no exporter is started in the test process.
@Suite("OTLP endpoint setting", .timeLimit(.minutes(2)))
struct TraceExportSettingTests {
    let logger = Logger(label: "test")

    @Test("neither set: no exporter")
    func off() throws {
        #expect(try ServiceMain.startTraceExport(settings: ServiceSettings(), service: "test", logger: logger,
                                                 environment: [:]) == nil)
    }

    @Test("the environment variable is read when the setting is empty")
    func environment() {
        let error = #expect(throws: ServiceStartupError.self) {
            _ = try ServiceMain.startTraceExport(settings: ServiceSettings(), service: "test", logger: logger,
                                                 environment: ["SURAT_OTLP_ENDPOINT": "ftp://collector:4318"])
        }
        #expect(error?.code == .configuration && error?.exitStatus == 64)
        #expect(error?.message.contains("ftp://collector:4318") == true)
    }

    @Test("the setting wins over the environment variable; https is refused")
    func settingWins() {
        var settings = ServiceSettings()
        settings.otlpEndpoint = "https://collector:4318"
        let error = #expect(throws: ServiceStartupError.self) {
            _ = try ServiceMain.startTraceExport(settings: settings, service: "test", logger: logger,
                                                 environment: ["SURAT_OTLP_ENDPOINT": "ftp://other:4318"])
        }
        #expect(error?.message.contains("https://collector:4318") == true)
        #expect(error?.message.contains("ftp://other") == false)
    }
}
