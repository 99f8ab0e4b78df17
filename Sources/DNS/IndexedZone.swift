/// A zone arranged for answering: RRsets by owner, the names that exist, and where the zone's
/// authority ends (its cuts).
///
/// Built once at start; the lookup (`Responder.lookUp`) only reads it. Names compare without
/// regard to ASCII case, as `DNSName` does.
struct IndexedZone: Sendable {
  /// The RRsets at one owner, in the order their types first appear in the file (NSD's order,
  /// which decides the one RRset an ANY query gets).
  struct Node: Sendable {
    var types: [RecordType] = []
    var rrsets: [RecordType: [DNSRecord]] = [:]

    subscript(type: RecordType) -> [DNSRecord]? { rrsets[type] }
  }

  let zone: Zone
  let nodes: [DNSName: Node]
  /// Every name that exists: owners and the empty non-terminals between them and the apex
  /// (RFC 8020: a name with only children answers NODATA, not NXDOMAIN).
  let existing: Set<DNSName>
  /// Owners of NS records below the apex: where a lookup becomes a referral.
  let cuts: Set<DNSName>

  var origin: DNSName { zone.origin }

  init(_ zone: Zone) {
    self.zone = zone
    var nodes: [DNSName: Node] = [:]
    var existing: Set<DNSName> = []
    var cuts: Set<DNSName> = []
    let apexDepth = zone.origin.labels.count
    // NSEC3 records hang at hashed names that answer no query: a name with only NSEC3 does not
    // exist (RFC 5155 §7.2.8), so they are left out of the lookup (transfers still carry them).
    for record in zone.records where record.type != .nsec3 {
      if nodes[record.name, default: Node()].rrsets[record.type] == nil {
        nodes[record.name, default: Node()].types.append(record.type)
      }
      nodes[record.name, default: Node()].rrsets[record.type, default: []].append(record)
      if record.type == .ns && record.name.labels.count > apexDepth { cuts.insert(record.name) }
      var labels = record.name.labels[...]
      while existing.insert(DNSName(labels: Array(labels))).inserted, labels.count > apexDepth {
        labels.removeFirst()
      }
    }
    self.nodes = nodes
    self.existing = existing
    self.cuts = cuts
  }

  func rrset(_ name: DNSName, _ type: RecordType) -> [DNSRecord]? { nodes[name]?[type] }

  /// The names from just below the apex down to `name` itself, highest first: the path RFC 1034
  /// §4.3.2 step 3 walks looking for a cut.
  func path(to name: DNSName) -> [DNSName] {
    let depth = origin.labels.count
    guard name.labels.count > depth else { return [] }
    return (depth + 1...name.labels.count).map { DNSName(labels: Array(name.labels.suffix($0))) }
  }

  /// The highest cut at or above `name`, where the zone's authority ends. A DS query at the cut
  /// itself is the parent's to answer (RFC 4035 §3.1.4.1), so there the cut does not count.
  func cut(above name: DNSName, type: RecordType) -> DNSName? {
    guard !cuts.isEmpty else { return nil }
    for ancestor in path(to: name) where cuts.contains(ancestor) {
      if type == .ds && ancestor == name { return nil }
      return ancestor
    }
    return nil
  }

  /// The deepest existing name at or above `name` (the closest encloser of RFC 4592).
  func closestEncloser(of name: DNSName) -> DNSName {
    for ancestor in path(to: name).reversed() where existing.contains(ancestor) { return ancestor }
    return origin
  }

  /// Whether `name` lies below a cut: its addresses are glue, not the zone's own data.
  func isGlue(_ name: DNSName) -> Bool {
    cut(above: name, type: .a) != nil
  }

  /// The SOA for a negative answer, its TTL capped by the SOA's minimum (RFC 2308 §3).
  var negativeSOA: [DNSRecord] {
    guard var soa = zone.soa else { return [] }
    let minimum = soa.rdata.suffix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    soa.ttl = min(soa.ttl, minimum)
    return [soa]
  }
}
