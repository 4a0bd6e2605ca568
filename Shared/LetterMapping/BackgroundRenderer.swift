import Dispatch
import LetterDocument

/// Renders on a Dispatch worker thread instead of the calling task's executor: RPC handlers run on
/// the connection's event loop (a task executor preference), and a render takes milliseconds of
/// CPU that would stall every other call on that loop.
public enum BackgroundRenderer {
    public static func render(_ request: LetterDocumentRequest) async throws(LetterDocumentError) -> RenderedLetter {
        let result: Result<RenderedLetter, LetterDocumentError> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                do throws(LetterDocumentError) {
                    continuation.resume(returning: .success(try LetterRenderer.render(request)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
