import Foundation
import GatewayCore
import GatewayService
import Observability
import ServiceKit

// surat-gateway [config flags]                    run the gateway (port 7400 by default)
// surat-gateway bootstrap-admin [config flags]    fresh install: create user `admin`, print its token once
BuildInfo.handleVersionFlag(executable: "surat-gateway")
var arguments = Array(CommandLine.arguments.dropFirst())
let bootstrap = arguments.first == "bootstrap-admin"
if bootstrap { arguments.removeFirst() }

let loaded: LoadedConfiguration<GatewayConfiguration>
do {
    loaded = try ConfigLoader(service: GatewayServer.serviceName, defaultPort: GatewayServer.defaultPort)
        .load(GatewayConfiguration.self, arguments: arguments)
} catch .helpRequested(let text) {
    print(text)
    print("\nsubcommand: surat-gateway bootstrap-admin [flags]  creates the first admin user and prints its token once")
    exit(0)
} catch {
    ServiceMain.exit(error, executable: "surat-gateway")
}

do {
    if bootstrap {
        let environment = ProcessInfo.processInfo.environment
        let issued = try await GatewayServer.bootstrapAdmin(
            loaded, adminID: environment["SURAT_GATEWAY_ADMIN_ID"] ?? "admin",
            adminName: environment["SURAT_GATEWAY_ADMIN_NAME"] ?? "Administrator")
        FileHandle.standardError.write(Data("admin user \(issued.userID) created; token \(issued.id) expires \(issued.expiresAt) — store it now, it is not shown again:\n".utf8))
        print(issued.token)
    } else {
        try await GatewayServer.run(loaded)
    }
} catch let error as GatewayError {
    FileHandle.standardError.write(Data("surat-gateway: \(error.message)\n".utf8))
    exit(error.kind == .failedPrecondition ? 3 : 1)
} catch {
    ServiceMain.exit(error, executable: "surat-gateway")
}
