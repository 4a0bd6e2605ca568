import Foundation
import ServiceKit
import VerifySite

// surat-verify [config flags]: the public verification site (port 7490 by default).
let loaded: LoadedConfiguration<VerifyConfiguration>
do {
    loaded = try ConfigLoader(service: VerifySite.serviceName, defaultPort: VerifySite.defaultPort).load(VerifyConfiguration.self)
} catch .helpRequested(let text) {
    print(text)
    exit(0)
} catch {
    FileHandle.standardError.write(Data("surat-verify: \(error)\n".utf8))
    exit(64)
}
do {
    try await VerifySite.run(loaded)
} catch let error as ConfigError {
    FileHandle.standardError.write(Data("surat-verify: \(error)\n".utf8))
    exit(64)
} catch {
    FileHandle.standardError.write(Data("surat-verify: \(error)\n".utf8))
    exit(1)
}
