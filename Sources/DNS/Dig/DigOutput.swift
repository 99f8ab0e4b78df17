import ServerCore
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// dig's output layout, `+short`, and a stable JSON form for scripts.
public enum DigOutput {
  /// The full report of an exchange, laid out like dig's.
  public static func full(_ e: Exchange, commandLine: String) -> String {
    var out = "\n; <<>> barenet dns <<>> \(commandLine)\n"
    out += "; (1 server found)\n;; global options: +cmd\n"
    if e.truncatedFirst { out += ";; Truncated, retrying in TCP mode.\n" }
    out += message(e.response)
    out += ";; Query time: \(e.milliseconds) msec\n"
    out +=
      ";; SERVER: \(e.server.host)#\(e.server.port)(\(e.server.host)) (\(e.overTLS ? "TLS" : e.overTCP ? "TCP" : "UDP"))\n"
    out += ";; WHEN: \(whenNow())\n"
    out += ";; MSG SIZE  rcvd: \(e.responseBytes.count)\n\n"
    return out
  }

  /// A zone transfer as dig prints one: the records, then the time, the server and the
  /// transfer's size; "; Transfer failed." when the server refused.
  public static func transfer(_ t: Transfer, commandLine: String, short: Bool) -> String {
    if short { return t.failed ? "; Transfer failed.\n" : t.records.map { $0.presentation + "\n" }.joined() }
    var out = "\n; <<>> barenet dns <<>> \(commandLine)\n; (1 server found)\n;; global options: +cmd\n"
    if t.failed { return out + "; Transfer failed.\n" }
    out += t.records.map { line($0) + "\n" }.joined()
    out += ";; Query time: \(t.milliseconds) msec\n"
    out += ";; SERVER: \(t.server.host)#\(t.server.port)(\(t.server.host)) (TCP)\n"
    out += ";; WHEN: \(whenNow())\n"
    out += ";; XFR size: \(t.records.count) records (messages \(t.messages.count), bytes \(t.bytes))\n\n"
    return out
  }

  /// A `+trace` as dig prints one: per step the answer and authority records, then who
  /// answered (address, and the name it was known by) and how fast.
  public static func trace(_ steps: [Tracer.Step], commandLine: String) -> String {
    var out = "\n; <<>> barenet dns <<>> \(commandLine)\n; (1 server found)\n;; global options: +cmd\n"
    for step in steps {
      out += (step.response.answers + step.response.authority).map { line($0) + "\n" }.joined()
      out += ";; Received \(step.bytes) bytes from \(step.server.host)#\(step.server.port)(\(step.serverName))"
      out += " in \(step.milliseconds) ms\n\n"
    }
    return out
  }

  /// The header, pseudosection and sections of a message, as dig prints them.
  public static func message(_ m: DNSMessage) -> String {
    let h = m.header
    var out = ";; Got answer:\n"
    out += ";; ->>HEADER<<- opcode: \(DNSHeader.opcodeNames[Int(h.opcode)] ?? "RESERVED\(h.opcode)"), "
    out += "status: \(ResponseCode.name(m.rcode)), id: \(h.id)\n"
    out += ";; flags: \(h.flagNames.joined(separator: " ")); QUERY: \(m.questions.count), ANSWER: \(m.answers.count), "
    out += "AUTHORITY: \(m.authority.count), ADDITIONAL: \(m.additional.count + (m.edns == nil ? 0 : 1))\n"
    if h.recursionDesired && !h.recursionAvailable { out += ";; WARNING: recursion requested but not available\n" }
    out += "\n"
    if let edns = m.edns {
      out += ";; OPT PSEUDOSECTION:\n"
      out += "; EDNS: version: \(edns.version), flags:\(edns.dnssecOK ? " do" : ""); udp: \(edns.udpSize)\n"
      for (code, text) in edns.extendedErrors {
        out +=
          "; EDE: \(code) (\(extendedErrorNames[Int(code)] ?? "Unknown Code"))\(text.isEmpty ? "" : ": (\(text))")\n"
      }
    }
    out += ";; QUESTION SECTION:\n"
    for q in m.questions {
      out +=
        ";" + columns([q.name.description + "", "", q.recordClass.description, q.type.description], question: true)
        + "\n"
    }
    out += "\n"
    for (title, records) in [("ANSWER", m.answers), ("AUTHORITY", m.authority), ("ADDITIONAL", m.additional)]
    where !records.isEmpty {
      out += ";; \(title) SECTION:\n"
      for r in records { out += line(r) + "\n" }
      out += "\n"
    }
    return out
  }

  /// One record in dig's tab-aligned columns.
  public static func line(_ r: DNSRecord) -> String {
    columns([r.name.description, String(r.ttl), r.recordClass.description, r.type.description], question: false)
      + r.presentation
  }

  /// BIND's column layout (masterdump.c's `indent`): name, then TTL at column 24, class at 32,
  /// type at 40, data at 48, with tab stops every 8. A field already at or past its column is
  /// pushed one column on, and BIND counts that as reaching exactly there, so a tab may follow
  /// where one space would look the same; the question line's ";" is not counted at all.
  static func columns(_ fields: [String], question: Bool) -> String {
    var text = ""
    var column = 0
    let stops = question ? [32, 40] : [24, 32, 40, 48]
    let values = question ? [fields[0], fields[2], fields[3]] : fields
    for (i, value) in values.enumerated() {
      text += value
      column += value.utf8.count
      guard i < stops.count else { break }
      let to = max(stops[i], column + 1)
      let tabs = max(0, to / 8 - column / 8)
      let from = tabs > 0 ? to / 8 * 8 : column
      text += String(repeating: "\t", count: tabs) + String(repeating: " ", count: to - from)
      column = to
    }
    return question ? text.trimmingTrailingWhitespace : text
  }

  /// `+short`: the answers' data, one a line.
  public static func short(_ m: DNSMessage) -> String {
    m.answers.map { $0.presentation + "\n" }.joined()
  }

  /// dig's WHEN line, in local time.
  static func whenNow() -> String {
    var now = time(nil)
    var fields = tm()
    localtime_r(&now, &fields)
    var buffer = [CChar](repeating: 0, count: 64)
    let n = strftime(&buffer, buffer.count, "%a %b %d %H:%M:%S %Z %Y", &fields)
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Extended DNS Error codes (RFC 8914 §4 and IANA), as dig names them.
  static let extendedErrorNames = [
    0: "Other", 1: "Unsupported DNSKEY Algorithm", 2: "Unsupported DS Digest Type", 3: "Stale Answer",
    4: "Forged Answer", 5: "DNSSEC Indeterminate", 6: "DNSSEC Bogus", 7: "Signature Expired",
    8: "Signature Not Yet Valid", 9: "DNSKEY Missing", 10: "RRSIGs Missing", 11: "No Zone Key Bit Set",
    12: "NSEC Missing", 13: "Cached Error", 14: "Not Ready", 15: "Blocked", 16: "Censored", 17: "Filtered",
    18: "Prohibited", 19: "Stale NXDOMAIN Answer", 20: "Not Authoritative", 21: "Not Supported",
    22: "No Reachable Authority", 23: "Network Error", 24: "Invalid Data",
  ]

  // MARK: JSON

  /// A stable JSON document for scripts.
  public static func json(_ e: Exchange) -> String {
    let m = e.response
    func records(_ rs: [DNSRecord]) -> String {
      "["
        + rs.map { r in
          "{\"name\":\(JSONText.string(r.name.description)),\"ttl\":\(r.ttl),\"class\":\(JSONText.string(r.recordClass.description)),"
            + "\"type\":\(JSONText.string(r.type.description)),\"data\":\(JSONText.string(r.presentation))}"
        }.joined(separator: ",") + "]"
    }
    var fields: [String] = [
      "\"id\":\(m.header.id)",
      "\"opcode\":\(JSONText.string(DNSHeader.opcodeNames[Int(m.header.opcode)] ?? "RESERVED"))",
      "\"status\":\(JSONText.string(ResponseCode.name(m.rcode)))",
      "\"flags\":[" + m.header.flagNames.map(JSONText.string).joined(separator: ",") + "]",
      "\"question\":["
        + m.questions.map { q in
          "{\"name\":\(JSONText.string(q.name.description)),\"class\":\(JSONText.string(q.recordClass.description)),\"type\":\(JSONText.string(q.type.description))}"
        }.joined(separator: ",") + "]",
      "\"answer\":" + records(m.answers),
      "\"authority\":" + records(m.authority),
      "\"additional\":" + records(m.additional),
    ]
    if let edns = m.edns {
      fields.append(
        "\"edns\":{\"version\":\(edns.version),\"udp\":\(edns.udpSize),\"do\":\(edns.dnssecOK),\"ede\":["
          + edns.extendedErrors.map { "{\"code\":\($0.code),\"text\":\(JSONText.string($0.text))}" }.joined(
            separator: ",") + "]}"
      )
    }
    fields += [
      "\"server\":\(JSONText.string("\(e.server.host)#\(e.server.port)"))",
      "\"transport\":\(JSONText.string(e.overTCP ? "tcp" : "udp"))",
      "\"query_time_ms\":\(e.milliseconds)", "\"msg_size\":\(e.responseBytes.count)",
    ]
    return "{" + fields.joined(separator: ",") + "}\n"
  }

}

extension String {
  var trimmingTrailingWhitespace: String {
    var s = Substring(self)
    while let last = s.last, last == " " || last == "\t" { s.removeLast() }
    return String(s)
  }
}
