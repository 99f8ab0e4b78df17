import CCmark

#if canImport(Glibc)
  import Glibc
#endif

/// A folder's README rendered as HTML by cmark, the CommonMark reference implementation, rather
/// than a hand-written parser. cmark's default mode is the safe one: raw HTML is left out and
/// `javascript:`, `vbscript:`, `file:` and most `data:` links are emptied, so a README written by
/// whoever may upload cannot run script in the listing's page.
public enum Markdown {
  /// The HTML for CommonMark `text`; nil only if cmark runs out of memory.
  public static func html(_ text: String) -> String? {
    var text = text
    return text.withUTF8 { bytes -> String? in
      let raw = bytes.withMemoryRebound(to: CChar.self) { chars in
        cmark_markdown_to_html(chars.baseAddress, chars.count, CMARK_OPT_DEFAULT)
      }
      guard let raw else { return nil }
      defer { free(raw) }
      return String(cString: raw)
    }
  }
}
