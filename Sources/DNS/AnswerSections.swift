/// The sections of an authoritative answer as it is built, with each RRset in at most one place.
///
/// An RRset already in the answer is not repeated in the additional section (the address of a
/// name server that was itself asked for), and a CNAME already in the answer means the chain
/// has looped, which is how the lookup knows to stop.
struct AnswerSections {
  enum Section { case answer, authority, additional }

  var rcode = ResponseCode.noError
  var authoritative = false
  /// REFUSED because no loaded zone holds the name: EDE 20, "Not Authoritative" (RFC 8914).
  var notAuthoritative = false
  var answers: [DNSRecord] = []
  var authority: [DNSRecord] = []
  var additional: [DNSRecord] = []
  private var added: Set<Key> = []

  private struct Key: Hashable {
    let owner: DNSName
    let type: RecordType
  }

  /// Adds `rrset` to `section`; false (and nothing added) when it is already in the answer.
  @discardableResult
  mutating func add(_ rrset: [DNSRecord], to section: Section) -> Bool {
    guard let first = rrset.first, added.insert(Key(owner: first.name, type: first.type)).inserted else {
      return false
    }
    switch section {
    case .answer: answers += rrset
    case .authority: authority += rrset
    case .additional: additional += rrset
    }
    return true
  }
}
