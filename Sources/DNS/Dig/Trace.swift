import Transport

/// `+trace`: iterative resolution from the root, as `dig +trace` does it, so the hierarchy of
/// the DNS shows: the root's servers, the referral each level gives, the final answer.
///
/// Each step asks one server (the next when one is silent) without recursion, and follows the
/// referral in its authority section to the servers named there, at the addresses given as
/// glue. Root servers come from hints (IANA's, or `--root-hints FILE`).
public struct Tracer {
  /// One server's reply: what dig prints for it, and where it came from.
  public struct Step: Sendable {
    public var response: DNSMessage
    public var bytes: Int
    public var server: SocketAddress
    /// The name the server was known by (its address, for the first step).
    public var serverName: String
    public var milliseconds: Int
  }

  /// A server to ask: its name and address.
  public typealias Server = (name: String, address: SocketAddress)

  public var port: UInt16
  public var timeout: Double
  public var tries: Int
  public var dnssec: Bool
  public var report: @Sendable (String) -> Void
  /// The root's servers, from the hints.
  public var roots: [Server]

  /// At most this many referrals are followed: a loop of referrals ends here.
  static let deepest = 32

  public init(
    port: UInt16, timeout: Double, tries: Int, dnssec: Bool, hints: [DNSRecord],
    report: @escaping @Sendable (String) -> Void
  ) {
    self.port = port
    self.timeout = timeout
    self.tries = tries
    self.dnssec = dnssec
    self.report = report
    roots = Self.servers(named: hints.filter { $0.type == .ns && $0.name == .root }, glue: hints, port: port)
  }

  /// Traces `question`, starting with the root's NS set asked of `start` (or of a root server).
  /// Returns the steps, and why the trace stopped early, if it did.
  public func trace(_ question: DNSQuestion, start: SocketAddress?) -> (steps: [Step], failure: String?) {
    var steps: [Step] = []
    let first: [Server] = start.map { [(name: $0.host, address: $0)] } ?? roots
    guard let rootStep = ask(DNSQuestion(name: .root, type: .ns), of: first, recurse: true) else {
      return (steps, "no root server answered")
    }
    steps.append(rootStep)
    var servers = Self.servers(
      named: rootStep.response.answers.filter { $0.type == .ns }, glue: rootStep.response.additional, port: port)
    if servers.isEmpty { servers = roots }
    var zone = DNSName.root
    for _ in 0..<Self.deepest {
      guard !servers.isEmpty else { return (steps, "no address for the servers of \(zone)") }
      guard let step = ask(question, of: servers, recurse: false) else {
        return (steps, "no server for \(zone) answered")
      }
      steps.append(step)
      let response = step.response
      let referral = response.authority.filter { $0.type == .ns }
      // Done: an answer, an error, or no referral deeper than where we are.
      guard response.answers.isEmpty, response.rcode == 0, let cut = referral.first?.name,
        cut.labels.count > zone.labels.count, question.name.isSubdomain(of: cut)
      else { return (steps, nil) }
      zone = cut
      servers = Self.servers(named: referral, glue: response.additional, port: port)
    }
    return (steps, "more than \(Self.deepest) referrals")
  }

  /// Asks `servers` in turn until one answers.
  func ask(_ question: DNSQuestion, of servers: [Server], recurse: Bool) -> Step? {
    var edns = EDNS()
    edns.dnssecOK = dnssec
    let query = DNSMessage.query(question, recursionDesired: recurse, edns: edns)
    for server in servers {
      let resolver = Resolver(server: server.address, timeout: timeout, tries: tries, report: report)
      do {
        let exchange = try resolver.resolve(query, tcp: false)
        return Step(
          response: exchange.response, bytes: exchange.responseBytes.count, server: server.address,
          serverName: server.name, milliseconds: exchange.milliseconds)
      } catch {
        report(";; \(server.name) (\(server.address.host)#\(server.address.port)): \(error)")
      }
    }
    return nil
  }

  /// The servers an NS set names, at the addresses the glue gives them.
  static func servers(named ns: [DNSRecord], glue: [DNSRecord], port: UInt16) -> [Server] {
    ns.flatMap { record -> [Server] in
      var reader = WireReader(record.rdata)
      guard let target = try? reader.name() else { return [] }
      let name = String(target.description.dropLast())
      return glue.filter { $0.name == target && ($0.type == .a || $0.type == .aaaa) }.compactMap { address in
        let host = address.type == .a ? IPv4.format(address.rdata) : IPv6.format(address.rdata)
        return (try? SocketAddress(host: host, port: port)).map { (name: name, address: $0) }
      }
    }
  }

  /// IANA's root hints (named.root), for a trace without `--root-hints`.
  public static let ianaRootHints = """
    .                3600000  NS  a.root-servers.net.
    .                3600000  NS  b.root-servers.net.
    .                3600000  NS  c.root-servers.net.
    .                3600000  NS  d.root-servers.net.
    .                3600000  NS  e.root-servers.net.
    .                3600000  NS  f.root-servers.net.
    .                3600000  NS  g.root-servers.net.
    .                3600000  NS  h.root-servers.net.
    .                3600000  NS  i.root-servers.net.
    .                3600000  NS  j.root-servers.net.
    .                3600000  NS  k.root-servers.net.
    .                3600000  NS  l.root-servers.net.
    .                3600000  NS  m.root-servers.net.
    a.root-servers.net.  3600000  A  198.41.0.4
    b.root-servers.net.  3600000  A  170.247.170.2
    c.root-servers.net.  3600000  A  192.33.4.12
    d.root-servers.net.  3600000  A  199.7.91.13
    e.root-servers.net.  3600000  A  192.203.230.10
    f.root-servers.net.  3600000  A  192.5.5.241
    g.root-servers.net.  3600000  A  192.112.36.4
    h.root-servers.net.  3600000  A  198.97.190.53
    i.root-servers.net.  3600000  A  192.36.148.17
    j.root-servers.net.  3600000  A  192.58.128.30
    k.root-servers.net.  3600000  A  193.0.14.129
    l.root-servers.net.  3600000  A  199.7.83.42
    m.root-servers.net.  3600000  A  202.12.27.33

    """
}
