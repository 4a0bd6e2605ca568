import Foundation
import ServiceKit
import WebApp

// surat-web [config flags]: the office's web app (port 7480 by default), a client of the gateway.
// `surat-web --help` lists every key.
let loaded = ServiceMain.loadConfiguration(service: WebServer.serviceName, defaultPort: WebConfiguration.defaultPort,
                                           WebConfiguration.self)
do {
    try await WebServer.run(loaded)
} catch {
    FileHandle.standardError.write(Data("surat-web: \(error)\n".utf8))
    exit(1)
}
