/// What explicit FTPS (RFC 4217) asks of a session: whether AUTH TLS is offered, whether a
/// password may cross in the clear, and whether a data connection must resume the control
/// connection's TLS session.
public struct FTPTLSPolicy: Sendable {
  /// AUTH TLS, PBSZ and PROT are offered (the server has a certificate).
  public var offered = false
  /// `--tls-required`: accounts may log in only over TLS (530 in the clear); anonymous may not
  /// unless `anonymousInClear`.
  public var required = false
  public var anonymousInClear = true

  public init() {}
}

/// The security commands of RFC 4217 (§4–§9): AUTH TLS turns the control connection to TLS,
/// PBSZ 0 and PROT P/C set the data connections' protection; CCC (back to clear) is refused.
extension FTPSession {
  func security(_ verb: String, _ argument: String) -> [FTPAction] {
    guard options.tls.offered else { return reply(502, "\(verb) is not supported: no TLS certificate here.") }
    switch verb {
    case "AUTH":
      guard ["TLS", "TLS-C", "SSL", "TLS-P"].contains(argument.uppercased()) else {
        return reply(504, "AUTH: only TLS is offered.")
      }
      if secured { return reply(503, "Already speaking TLS.") }
      if isTransferring { return reply(503, "A transfer is in progress.") }
      // The login so far happened in the clear; it starts again under TLS (RFC 4217 §4).
      secured = true
      login = .none
      return [.reply(FTPReply(234, "AUTH TLS successful; proceed with the TLS handshake.")), .startTLS]
    case "PBSZ":
      guard secured else { return reply(503, "PBSZ needs AUTH TLS first.") }
      bufferSizeSet = true
      return reply(200, "PBSZ=0")  // a stream protocol: TLS has no buffer size to agree on
    case "PROT":
      guard secured else { return reply(503, "PROT needs AUTH TLS first.") }
      guard bufferSizeSet else { return reply(503, "PROT needs PBSZ first.") }
      switch argument.uppercased() {
      case "P":
        protectData = true
        return reply(200, "Protection set to Private: data connections use TLS.")
      case "C":
        protectData = false
        return reply(200, "Protection set to Clear.")
      case "S", "E":
        return reply(536, "Only PROT P and PROT C are offered.")
      default:
        return reply(504, "PROT needs C or P.")
      }
    case "CCC":
      return reply(534, "CCC refused: the control connection stays encrypted.")
    default:
      return reply(502, "\(verb) is not supported.")
    }
  }

  /// A login in the clear that `--tls-required` refuses (530, as vsftpd's force_local_logins_ssl).
  func clearLoginRefusal(anonymous: Bool) -> [FTPAction]? {
    guard options.tls.required, !secured, !(anonymous && options.tls.anonymousInClear) else { return nil }
    return reply(530, "Log in over TLS: send AUTH TLS first.")
  }
}
