import ServerCore

/// The HTTP access log: one line per request in the Combined Log Format.
public enum AccessLog {
  /// `host - - [date] "request line" status bytes "referer" "user-agent"`.
  public static func line(
    peer: String, date: String, requestLine: String, status: Int, bytes: Int, referer: String?, userAgent: String?
  ) -> String {
    "\(peer) - - [\(date)] \"\(LineLog.escape(requestLine))\" \(status) \(bytes) "
      + "\"\(LineLog.escape(referer ?? "-"))\" \"\(LineLog.escape(userAgent ?? "-"))\""
  }
}
