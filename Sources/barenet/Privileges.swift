import ArgumentParser

#if canImport(Glibc)
  import Glibc
#endif

/// `--user NAME`: bind as root (ports below 1024), then serve as NAME.
struct PrivilegeOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "After binding, drop to this user and its group (supplementary groups cleared) before serving.",
      valueName: "NAME"))
  var user: String?
}

/// Switches the process to `name`'s user and group: `setgroups` (none), `setgid`, `setuid`, in
/// that order, since only root may change groups. Then checks that root cannot be regained.
func dropPrivileges(to name: String) throws {
  guard let entry = getpwnam(name) else { throw CLIError("--user: no user named '\(name)'") }
  let uid = entry.pointee.pw_uid
  let gid = entry.pointee.pw_gid
  guard setgroups(0, nil) == 0 else { throw CLIError("--user: setgroups: \(String(cString: strerror(errno)))") }
  guard setgid(gid) == 0 else { throw CLIError("--user: setgid: \(String(cString: strerror(errno)))") }
  guard setuid(uid) == 0 else { throw CLIError("--user: setuid: \(String(cString: strerror(errno)))") }
  if uid != 0 && (setuid(0) == 0 || seteuid(0) == 0) {
    throw CLIError("--user: root could be regained after dropping to '\(name)'; refusing to serve")
  }
}
