extension Duration {
    /// For error messages: whole milliseconds ("deadline of 2500 ms"), not Swift's
    /// "2.499999871 seconds", which reads like a precision the deadline never had.
    package var roundedMilliseconds: String {
        let (seconds, attoseconds) = components
        let milliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return "\(Int64(milliseconds.rounded())) ms"
    }
}
