import Foundation
import Testing
import Wire

/// Byte-for-byte agreement with an independent protobuf implementation (Python `protobuf`,
/// messages compiled by grpcio-tools' protoc from Tests/python/protos/wire_test.proto).
/// The Python half is Tests/python/wire_crosscheck.py; it needs `pip install grpcio-tools protobuf`
/// (Tests/python/requirements.txt).
@Suite(.timeLimit(.minutes(5))) struct CrossCheckTests {
    struct Case {
        var name: String
        var encode: () throws -> [UInt8]
        /// Decodes Python's input bytes, compares with the expected value, and compares the
        /// re-encoding with Python's canonical bytes; returns the mismatches.
        var check: (_ input: [UInt8], _ canonical: [UInt8]) throws -> [String]
    }

    static func make<T: Codable & Equatable>(_ name: String, _ expected: T, sameBytes: Bool = true) -> Case {
        Case(name: name, encode: { try ProtobufEncoder().encode(expected) }, check: { input, canonical in
            var problems: [String] = []
            let decoded = try ProtobufDecoder().decode(T.self, from: input)
            if decoded != expected {
                problems.append("\(name): decoded \(decoded)\n  expected \(expected)")
            }
            if sameBytes {
                let reencoded = try ProtobufEncoder().encode(decoded)
                if reencoded != canonical {
                    problems.append("\(name): Swift bytes \(hex(reencoded))\n  Python bytes \(hex(canonical))")
                }
            }
            return problems
        })
    }

    static let unicode = "Surat Keluar — Kecamatan Ñandú, 日本語, emoji 🇮🇩✉️, nul \u{0} end"
    static let letterID = UUID(uuidString: "3f2504e0-4f89-41d3-9a0c-0305e82c3301")!

    static var cases: [Case] {
        var maps = Maps()
        maps.labels = ["b": "2", "a": "1", "": "", "ü": "x", "z": "9", "B": "upper"]
        maps.byID = [3: Inner(name: "c"), -1: Inner(), 0: Inner(count: 7)]
        maps.flags = [true: -1, false: 0]
        maps.weights = [UInt64.max: 0.5, 0: -1.0]
        maps.sifats = ["x": .segera, "y": .biasa]
        maps.blobs = [-5: Data(), 5: Data([1])]

        return [
            make("scalars_default", Scalars()),
            make("scalars_max", Scalars(flag: true, small: .max, big: .max, word: .max, wide: .max, real: 1.5,
                                        precise: .greatestFiniteMagnitude, text: "max", blob: Data(0...255),
                                        native: .max, unative: .max)),
            make("scalars_min", Scalars(small: .min, big: .min, real: -0.25, precise: -.leastNonzeroMagnitude, text: " ",
                                        blob: Data([0]), native: .min, unative: 1)),
            make("scalars_negative", Scalars(small: -1, big: -1, real: -.infinity, precise: -0.0, native: -12345)),
            make("scalars_large", Scalars(precise: .infinity, text: String(repeating: "ä", count: 50_000) + unicode,
                                          blob: Data((0..<70_000).map { UInt8($0 % 251) }))),
            make("scalars_unicode", Scalars(text: unicode)),
            make("presence_absent", Presence()),
            make("presence_zero", Presence(flag: false, small: 0, text: "", precise: 0, sifat: .biasa, inner: Inner(),
                                           blob: Data(), when: timestamp(0))),
            make("presence_values", Presence(flag: true, small: -7, text: unicode, precise: 2.5, sifat: .segera,
                                             inner: Inner(name: "dalam", count: 3), blob: Data([1, 2]),
                                             when: timestamp(-62_135_596_800))),
            make("repeated_values", Repeated(
                ints: [1, -1, 0, .max, .min], doubles: [0.5, -1.25, 1e300], bools: [true, false, true],
                names: ["", "a", unicode], blobs: [Data(), Data([0, 255])], inners: [Inner(), Inner(name: "x", count: -5)],
                sifats: [.segera, .biasa, .rahasia], wides: [0, .max, 300], floats: [1.5, -2],
                times: [timestamp(-1, 500_000_000), timestamp(1_700_000_000, 123_456_000), timestamp(0)])),
            make("repeated_unpacked", Repeated(unpackedInts: [3, -3, 0, 300]), sameBytes: false),
            make("repeated_mixed_packing", Repeated(ints: [1, 2, 3, 4])),
            make("maps", maps),
            make("maps_duplicate_key", Maps(labels: ["k": "second"])),
            make("letter_full", Letter(
                id: letterID, perihal: "Undangan rapat koordinasi — Desa Sukamaju", sifat: .penting,
                createdAt: timestamp(-946_079_999, 250_000_000),
                addressees: [Addressee(name: "Kepala Desa Sukamaju", office: "Desa Sukamaju", endpoint: "desa-sukamaju.example:7404"),
                             Addressee(name: "Dinas Pendidikan", office: "Dinas")],
                tembusan: ["Camat", "Sekretaris Kecamatan"], labels: ["klasifikasi": "005", "unit": "416-313"],
                signedAt: timestamp(1_760_000_000, 999_999_000), email: "umum@kecamatan.example",
                body: Data(String(repeating: "Dengan hormat, ", count: 300).utf8))),
            make("letter_oneof_zero", Letter(desaID: 0)),
            make("letter_oneof_number", Letter(signedAt: timestamp(0), desaID: -42)),
            make("letter_unknown_fields", Letter(id: letterID, perihal: "Surat edaran", sifat: .rahasia,
                                                 tembusan: ["Arsip"], desaID: 7)),
            make("letter_merge", Letter(perihal: "baru", sifat: .penting, createdAt: timestamp(5, 7000),
                                        addressees: [Addressee(name: "A"), Addressee(name: "B")], desaID: 9)),
        ]
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @Test func pythonProtobufAgreesBothWays() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("wire-crosscheck-\(UUID().uuidString)")
        let swiftDir = work.appendingPathComponent("swift")
        try FileManager.default.createDirectory(at: swiftDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        let cases = Self.cases
        // Swift -> Python: Python parses Swift's bytes and compares value and bytes.
        for testCase in cases {
            try Data(testCase.encode()).write(to: swiftDir.appendingPathComponent("\(testCase.name).bin"))
        }
        let script = Self.repositoryRoot.appendingPathComponent("Tests/python/wire_crosscheck.py").path
        // Both Python backends: upb (the default, C) and the pure-Python one.
        for backend in ["upb", "python"] {
            let (status, output) = try run(["python3", script, work.path],
                                           environment: ["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": backend])
            #expect(status == 0, "wire_crosscheck.py (\(backend)) failed (needs python3 with grpcio-tools and protobuf):\n\(output)")
            #expect(output.contains("python (\(backend)) checked \(cases.count) Swift encodings"), "\(output)")
        }

        // Python -> Swift: Swift decodes Python's bytes and re-encodes them to the canonical
        // bytes (the pure-Python backend's deterministic output; see wire_crosscheck.py).
        let canonicalDir = work.appendingPathComponent("python-python")
        for backend in ["upb", "python"] {
            let inputDir = work.appendingPathComponent("python-\(backend)")
            for testCase in cases {
                let input = try Data(contentsOf: inputDir.appendingPathComponent("\(testCase.name).bin"))
                let canonical = try Data(contentsOf: canonicalDir.appendingPathComponent("\(testCase.name).canonical.bin"))
                let problems = try testCase.check([UInt8](input), [UInt8](canonical))
                #expect(problems.isEmpty, "\(backend): \(problems.joined(separator: "\n"))")
            }
        }
    }

    private func run(_ arguments: [String], environment: [String: String]) throws -> (Int32, String) {
        let process = Process()
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
