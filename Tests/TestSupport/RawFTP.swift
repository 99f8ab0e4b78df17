import Transport

/// Speaking FTP by hand over a `RawClient`, for tests that need exact control of each command.
extension RawClient {
  /// Reads one (possibly multi-line) reply.
  public func ftpReply() throws -> String {
    var text = ""
    while true {
      let line = try readLine()
      text += line + "\n"
      if line.count >= 4, line.dropFirst(3).first == " ", Int(line.prefix(3)) != nil { return text }
    }
  }

  /// Sends one command line and reads its reply.
  public func ftp(_ command: String) throws -> String {
    try send(command + "\r\n")
    return try ftpReply()
  }

  /// Reads the greeting and logs in; throws unless the server says 230.
  public func ftpLogin(_ user: String = "anonymous", _ password: String = "x") throws {
    _ = try ftpReply()
    _ = try ftp("USER \(user)")
    let reply = try ftp("PASS \(password)")
    guard reply.hasPrefix("230") else { throw Failure(description: "login refused: \(reply)") }
  }

  /// Asks for passive mode (EPSV) and connects the data connection.
  public func ftpPassive(host: String = "127.0.0.1") throws -> RawClient {
    let reply = try ftp("EPSV")
    let parts = reply.split(separator: "|")
    guard reply.hasPrefix("229"), parts.count >= 2, let port = UInt16(parts[1]) else {
      throw Failure(description: "EPSV failed: \(reply)")
    }
    return try RawClient(try SocketAddress(host: host, port: port))
  }
}
