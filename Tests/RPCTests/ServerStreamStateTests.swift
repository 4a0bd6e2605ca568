@testable import RPC
import Testing

/// The per-call state machine of a server connection (`ServerStream`): what each transition
/// allows and what a call hands back when it leaves a state that holds something.
@Suite("Server stream states", .timeLimit(.minutes(1)))
struct ServerStreamStateTests {
    @Test func aUnaryCallGoesFromHeadersToAnswered() {
        let stream = ServerStream(id: 1)
        #expect(stream.isReceivingHeaders && stream.takesRequestData && stream.awaitsAnswer)
        stream.headersComplete()
        #expect(!stream.isReceivingHeaders && stream.takesRequestData)
        stream.waitForAdmission([1, 2, 3])
        #expect(stream.admissionMessage == [1, 2, 3] && !stream.takesRequestData)
        let task = Task<Void, Never> {}
        stream.run(task, reservedBytes: 42, observedSince: nil)
        #expect(stream.isRunningUnary && stream.admissionMessage == nil && stream.awaitsAnswer)
        let held = stream.answer(resetAfterSend: .noError)
        #expect(held.wasRunning && held.reservedBytes == 42 && held.task != nil)
        #expect(!stream.awaitsAnswer && !stream.isRunningUnary)
        #expect(stream.takeResetAfterSend() == .noError)
        #expect(stream.takeResetAfterSend() == nil, "the reset is sent once")
    }

    @Test func rejectedHeadersStayRejected() {
        let stream = ServerStream(id: 3)
        stream.reject()
        stream.headersComplete()
        #expect(stream.isRejected && !stream.awaitsAnswer && !stream.takesRequestData)
    }

    @Test func aStreamingCallTakesMessagesUntilItsRequestEnds() {
        let stream = ServerStream(id: 5)
        stream.headersComplete()
        let (_, continuation) = RequestMessages.make { _ in }
        stream.stream(Task<Void, Never> {}, messages: continuation)
        #expect(stream.isStreaming && stream.takesRequestData && stream.requestMessages != nil && !stream.awaitsAnswer)
        #expect(stream.endRequestMessages() != nil)
        #expect(stream.isStreaming && !stream.takesRequestData && stream.endRequestMessages() == nil)
    }

    @Test func closingARunningCallHandsBackWhatItHeld() {
        let stream = ServerStream(id: 7)
        stream.headersComplete()
        stream.run(Task<Void, Never> {}, reservedBytes: 9, observedSince: .now())
        let held = stream.close()
        #expect(held.wasRunning && held.reservedBytes == 9 && held.observedSince != nil)
        #expect(!stream.awaitsAnswer && !stream.takesRequestData)
        #expect(!stream.answer(resetAfterSend: .cancel).wasRunning, "a closed stream holds nothing and stays closed")
        #expect(stream.takeResetAfterSend() == nil)
    }
}
