import Foundation
import Testing
import Wire

@Suite(.timeLimit(.minutes(5))) struct UnsupportedShapeTests {
    func encodeError<T: Encodable>(_ value: T) throws -> WireError {
        try #require(throws: WireError.self) { try ProtobufEncoder().encode(value) }
    }

    struct StringKeys: Codable {
        var name = "x"
    }

    @Test func stringCodingKeysAreRejectedNamingTypeAndField() throws {
        let error = try encodeError(StringKeys())
        #expect(error.code == .unsupportedType)
        #expect(error.typeName.contains("StringKeys"))
        #expect(error.fieldPath == "name")
        #expect(try #require(throws: WireError.self) { try ProtobufDecoder().decode(StringKeys.self, from: [0x0A, 0x00]) }.code
            == .unsupportedType)
    }

    struct OnlyOptionals: Codable {
        var note: String?
        var count: Int32?
    }

    @Test func stringCodingKeysAreRejectedEvenWhenEverythingIsNil() throws {
        let error = try encodeError(OnlyOptionals())
        #expect(error.code == .unsupportedType)
        #expect(error.fieldPath == "note")
        #expect(try #require(throws: WireError.self) { try ProtobufDecoder().decode(OnlyOptionals.self, from: []) }.code
            == .unsupportedType)
    }

    struct OptionalElements: Codable {
        var values: [Int32?] = []
        enum CodingKeys: Int, CodingKey { case values = 3 }
    }

    struct NestedArrays: Codable {
        var rows: [[Int32]] = []
        enum CodingKeys: Int, CodingKey { case rows = 2 }
    }

    struct Wrapper: Codable {
        var inner = NestedArrays()
        enum CodingKeys: Int, CodingKey { case inner = 1 }
    }

    @Test func optionalElementsAndNestedArraysAreRejectedEvenWhenEmpty() throws {
        for error in [try encodeError(OptionalElements()), try encodeError(OptionalElements(values: [1, nil]))] {
            #expect(error.code == .unsupportedType)
            #expect(error.fieldPath == "values(3)")
            #expect(error.typeName.contains("OptionalElements"))
        }
        let nested = try encodeError(Wrapper(inner: NestedArrays(rows: [[1]])))
        #expect(nested.code == .unsupportedType)
        #expect(nested.fieldPath == "inner(1).rows(2)")
        #expect(try encodeError(NestedArrays()).code == .unsupportedType)
        #expect(try #require(throws: WireError.self) { try ProtobufDecoder().decode(NestedArrays.self, from: []) }.code
            == .unsupportedType)
    }

    @Test func nonMessageTopLevelValuesAreRejected() throws {
        #expect(try encodeError(Int32(5)).code == .unsupportedType)
        #expect(try encodeError("text").code == .unsupportedType)
        #expect(try encodeError([Inner()]).code == .unsupportedType)
        #expect(try encodeError(["k": 1]).code == .unsupportedType)
        #expect(try encodeError(Date()).code == .unsupportedType)
        #expect(try encodeError(Sifat.penting).code == .unsupportedType)
        #expect(try #require(throws: WireError.self) { try ProtobufDecoder().decode(String.self, from: []) }.code == .unsupportedType)
        #expect(try #require(throws: WireError.self) { try ProtobufDecoder().decode([Inner].self, from: []) }.code == .unsupportedType)
        #expect(try #require(throws: WireError.self) { try ProtobufDecoder().decode(Sifat.self, from: []) }.code == .unsupportedType)
    }

    struct UUIDKeys: Codable {
        var byID: [UUID: String] = [UUID(): "x"]
        enum CodingKeys: Int, CodingKey { case byID = 1 }
    }

    struct ReservedNumber: Codable {
        var value: Int32 = 1
        enum CodingKeys: Int, CodingKey { case value = 19_500 }
    }

    @Test func unsupportedMapKeysAndFieldNumbers() throws {
        let error = try encodeError(UUIDKeys())
        #expect(error.code == .unsupportedType)
        #expect(error.fieldPath == "byID(1)")
        #expect(try encodeError(ReservedNumber()).code == .unsupportedType)
    }
}
