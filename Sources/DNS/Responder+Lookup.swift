/// RFC 1034 §4.3.2's algorithm over the loaded zones, answered as NSD 4 answers it: referrals
/// at cuts, wildcards (RFC 4592), CNAME chains across zones, DNAME (RFC 6672), and the
/// additional-section addresses of NS, MX, SRV, KX, RT and MB targets.
extension Responder {
  /// What one step of the lookup decided: the answer is complete, or a CNAME (given or
  /// synthesized from a DNAME) leads on to another name.
  enum Step {
    case done
    case follow(DNSName)
  }

  /// At most this many CNAME and DNAME links are followed for one question.
  static let longestChain = 16

  /// The sections answering `question`.
  func lookUp(_ question: DNSQuestion) -> AnswerSections {
    var sections = AnswerSections()
    guard question.recordClass == .in || question.recordClass == .any,
      var zone = zone(for: question.name, type: question.type)
    else {
      sections.rcode = ResponseCode.refused
      sections.notAuthoritative = true
      return sections
    }
    // NSD clears AA for class ANY: the answer may not be the whole truth for every class.
    sections.authoritative = question.recordClass != .any
    var name = question.name
    for _ in 0..<Self.longestChain {
      guard case .follow(let target) = step(name, in: zone, question, &sections),
        let next = self.zone(for: target, type: question.type)
      else { break }  // done, or the chain leaves the loaded zones: the resolver goes on from here
      name = target
      zone = next
    }
    return sections
  }

  /// The zone that answers for `name`: the one with the longest apex above it. DS at a zone's
  /// apex belongs to the parent, when the parent is loaded too (RFC 4035 §3.1.4.1).
  func zone(for name: DNSName, type: RecordType) -> IndexedZone? {
    let holding = zones.lazy.filter { name.isSubdomain(of: $0.origin) }
    guard let deepest = holding.first else { return nil }
    if type == .ds && deepest.origin == name, let parent = holding.dropFirst().first { return parent }
    return deepest
  }

  /// One name in one zone: a referral at a cut, the node itself, a DNAME above it, a wildcard
  /// at its closest encloser, or NXDOMAIN.
  func step(_ name: DNSName, in zone: IndexedZone, _ question: DNSQuestion, _ sections: inout AnswerSections)
    -> Step
  {
    if let cut = zone.cut(above: name, type: question.type), let ns = zone.rrset(cut, .ns) {
      // A referral is authoritative only for the CNAMEs that led to it.
      sections.authoritative = !sections.answers.isEmpty && question.recordClass != .any
      if sections.add(ns, to: .authority) { addAddresses(for: ns, from: zone, glue: true, &sections) }
      return .done
    }
    if zone.existing.contains(name) {
      return answer(at: zone.nodes[name] ?? IndexedZone.Node(), owner: name, in: zone, question, &sections)
    }
    let encloser = zone.closestEncloser(of: name)
    if let dname = zone.rrset(encloser, .dname)?.first {
      return substitute(dname, for: name, below: encloser, question, &sections)
    }
    let wildcard = DNSName(labels: [[UInt8(ascii: "*")]] + encloser.labels)
    if let node = zone.nodes[wildcard] {
      return answer(at: node, owner: name, in: zone, question, &sections)
    }
    sections.rcode = ResponseCode.nxDomain
    if question.recordClass != .any { sections.add(zone.negativeSOA, to: .authority) }
    return .done
  }

  /// The answer from one node (found, or the wildcard standing in for `owner`): the RRset
  /// asked for with the zone's NS in authority, a CNAME to follow, or NODATA.
  func answer(
    at node: IndexedZone.Node, owner: DNSName, in zone: IndexedZone, _ question: DNSQuestion,
    _ sections: inout AnswerSections
  ) -> Step {
    func owned(_ rrset: [DNSRecord]) -> [DNSRecord] {
      rrset.map { record in
        var record = record
        record.name = owner  // a wildcard's records are answered under the name asked
        return record
      }
    }
    let classAny = question.recordClass == .any
    if question.type == .any {
      // RFC 8482: one RRset, not all of them; NSD prefers the ones resolvers usually want.
      guard let rrset = Self.anyRRset(node) else {
        if !classAny { sections.add(zone.negativeSOA, to: .authority) }
        return .done
      }
      let records = owned(rrset)
      if sections.add(records, to: .answer) { addAddresses(for: records, from: zone, glue: false, &sections) }
      return .done
    }
    if question.type == .nsec3 {  // NSEC3 records answer no question of their own (RFC 5155 §7.2.8)
      if !classAny { sections.add(zone.negativeSOA, to: .authority) }
      return .done
    }
    if let rrset = node[question.type] {
      let records = owned(rrset)
      if sections.add(records, to: .answer) { addAddresses(for: records, from: zone, glue: false, &sections) }
      // DS and DNSKEY sets are large already; NSD leaves the NS out after them.
      if !classAny && question.type != .ds && question.type != .dnskey, let ns = zone.rrset(zone.origin, .ns),
        sections.add(ns, to: .authority)
      {
        addAddresses(for: ns, from: zone, glue: true, &sections)
      }
      return .done
    }
    if let cname = node[.cname], let first = cname.first {
      guard sections.add(owned(cname), to: .answer) else { return .done }  // a loop: stop here
      var reader = WireReader(first.rdata)
      guard let target = try? reader.name() else { return .done }
      return .follow(target)
    }
    if !classAny { sections.add(zone.negativeSOA, to: .authority) }  // NODATA
    return .done
  }

  /// The one RRset an ANY query gets, as NSD 4.6 picks it: the first of A, AAAA, SOA, MX or
  /// PTR in file order; else the last other type; else RRSIG or NSEC.
  static func anyRRset(_ node: IndexedZone.Node) -> [DNSRecord]? {
    var normal: RecordType?
    var lastResort: RecordType?
    for type in node.types {
      switch type {
      case .a, .aaaa, .soa, .mx, .ptr: return node[type]
      case .rrsig, .nsec: lastResort = type
      default: normal = type
      }
    }
    return (normal ?? lastResort).flatMap { node[$0] }
  }

  /// DNAME (RFC 6672 §3.3): the DNAME, then a CNAME from `name` to its image under the target.
  func substitute(
    _ dname: DNSRecord, for name: DNSName, below owner: DNSName, _ question: DNSQuestion,
    _ sections: inout AnswerSections
  ) -> Step {
    guard sections.add([dname], to: .answer) else { return .done }
    var reader = WireReader(dname.rdata)
    guard let target = try? reader.name() else { return .done }
    let image = DNSName(labels: Array(name.labels.prefix(name.labels.count - owner.labels.count)) + target.labels)
    guard image.wireLength <= 255 else {
      sections.rcode = ResponseCode.yxDomain  // the substituted name would be too long
      return .done
    }
    var writer = WireWriter(compress: false)
    writer.name(image)
    let cname = DNSRecord(name: name, type: .cname, ttl: dname.ttl, rdata: writer.bytes)
    sections.add([cname], to: .answer)
    // The synthesized CNAME is itself the answer to a CNAME question.
    return question.type == .cname ? .done : .follow(image)
  }

  /// Additional-section processing (RFC 1034 §3.6.2, §4.3.2 step 6): the A and AAAA records of
  /// the names these records point at, when the zone has them. Addresses below a cut (glue)
  /// go only with NS records.
  func addAddresses(for records: [DNSRecord], from zone: IndexedZone, glue: Bool, _ sections: inout AnswerSections) {
    for record in records {
      guard let target = Self.additionalTarget(record), target.isSubdomain(of: zone.origin) else { continue }
      if !glue && zone.isGlue(target) { continue }
      var node = zone.nodes[target]
      if node == nil && !zone.existing.contains(target) {
        let encloser = zone.closestEncloser(of: target)
        node = zone.nodes[DNSName(labels: [[UInt8(ascii: "*")]] + encloser.labels)]
      }
      guard let node else { continue }
      for type in [RecordType.a, .aaaa] {
        guard let rrset = node[type] else { continue }
        sections.add(rrset.map { DNSRecord(name: target, type: type, ttl: $0.ttl, rdata: $0.rdata) }, to: .additional)
      }
    }
  }

  /// The name whose addresses a record asks to have added, for the types that ask.
  static func additionalTarget(_ record: DNSRecord) -> DNSName? {
    var reader = WireReader(record.rdata)
    switch record.type {
    case .ns, .mb: return try? reader.name()
    case .mx, .kx, .rt:
      _ = try? reader.u16()
      return try? reader.name()
    case .srv:
      _ = try? reader.take(6)
      return try? reader.name()
    default: return nil
    }
  }
}
