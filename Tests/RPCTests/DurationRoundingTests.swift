import Testing
@testable import RPC

@Suite("Deadlines in error messages", .timeLimit(.minutes(10)))
struct DurationRoundingTests {
    /// "deadline of 2.999999876 seconds exceeded" claimed a precision no deadline has (issue 11, item 12).
    @Test("deadlines print in whole milliseconds")
    func wholeMilliseconds() {
        #expect(Duration.nanoseconds(2_999_999_876).roundedMilliseconds == "3000 ms")
        #expect(Duration.milliseconds(250).roundedMilliseconds == "250 ms")
        #expect(Duration.seconds(30).roundedMilliseconds == "30000 ms")
        #expect(Duration.microseconds(400).roundedMilliseconds == "0 ms")
    }
}
