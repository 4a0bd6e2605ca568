import Foundation
import SwiftProtobuf
import Wire

// Usage:
//   wire-bench                      time every codec (ns/op, median of 7 rounds)
//   wire-bench run CASE ITERATIONS  run one case ITERATIONS times (for valgrind --tool=dhat)
// CASE: wire-encode wire-decode swiftprotobuf-encode swiftprotobuf-decode json-encode json-decode

let letter = Fixture.letter
let protoLetter = Fixture.protoLetter
let wireBytes = try ProtobufEncoder().encode(letter)
let protoBytes: [UInt8] = try protoLetter.serializedBytes()
let jsonData = try JSONEncoder().encode(letter)

// Sanity: both protobuf encoders agree byte for byte, and each decodes the other.
var deterministic = BinaryEncodingOptions()
deterministic.useDeterministicOrdering = true
let protoDeterministic: [UInt8] = try protoLetter.serializedBytes(options: deterministic)
precondition(wireBytes == protoDeterministic, "Wire and swift-protobuf bytes differ")
let crossDecoded = try ProtobufDecoder().decode(Letter.self, from: protoBytes)
precondition(crossDecoded == letter, "Wire cannot read swift-protobuf's bytes")
let crossParsed = try Surat_Bench_V1_Letter(serializedBytes: wireBytes)
precondition(crossParsed == protoLetter, "swift-protobuf cannot read Wire's bytes")

var sink = 0

let cases: [(String, () throws -> Void)] = [
    ("wire-encode", { sink &+= try ProtobufEncoder().encode(letter).count }),
    ("wire-decode", { sink &+= Int(try ProtobufDecoder().decode(Letter.self, from: wireBytes).revision) }),
    ("swiftprotobuf-encode", { sink &+= (try protoLetter.serializedBytes() as [UInt8]).count }),
    ("swiftprotobuf-decode", { sink &+= Int(try Surat_Bench_V1_Letter(serializedBytes: protoBytes).revision) }),
    ("json-encode", { sink &+= try JSONEncoder().encode(letter).count }),
    ("json-decode", { sink &+= Int(try JSONDecoder().decode(Letter.self, from: jsonData).revision) }),
]

let arguments = CommandLine.arguments
if arguments.count == 4, arguments[1] == "run", let body = cases.first(where: { $0.0 == arguments[2] })?.1,
   let iterations = Int(arguments[3]) {
    for _ in 0..<iterations { try body() }
    print("ran \(arguments[2]) \(iterations) times (\(sink))")
    exit(0)
}

print("message sizes: wire \(wireBytes.count) B, swift-protobuf \(protoBytes.count) B, JSON \(jsonData.count) B")
let clock = ContinuousClock()
var results: [String: Double] = [:]
for (name, body) in cases {
    // Calibrate to ~0.2 s per round, then take the median of 7 rounds.
    var iterations = 100
    while true {
        let elapsed = try clock.measure { for _ in 0..<iterations { try body() } }
        if elapsed > .milliseconds(100) { break }
        iterations *= 2
    }
    var rounds: [Double] = []
    for _ in 0..<7 {
        let elapsed = try clock.measure { for _ in 0..<iterations { try body() } }
        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        rounds.append(nanoseconds / Double(iterations))
    }
    rounds.sort()
    results[name] = rounds[3]
    print(String(format: "%-22@ %10.0f ns/op  (min %.0f, max %.0f, %d iterations per round)",
                 name as NSString, rounds[3], rounds[0], rounds[6], iterations))
}
for direction in ["encode", "decode"] {
    let wire = results["wire-\(direction)"]!
    print(String(format: "%@: wire / swift-protobuf = %.2fx, JSON / wire = %.2fx", direction as NSString,
                 wire / results["swiftprotobuf-\(direction)"]!, results["json-\(direction)"]! / wire))
}
if sink == 42 { print("") }
