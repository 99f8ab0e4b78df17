// swift-tools-version:6.0
import PackageDescription

/// Release builds skip the run-time exclusivity check: the servers' per-request path made
/// ~2.5% of its calls to it (perf), and the compile-time checks still hold.
let fast: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
  name: "barenet",
  products: [
    .executable(name: "barenet", targets: ["barenet"]),
    // The classic socket recipes as the shortest correct programs, for students (Examples/).
    .executable(name: "tcp-server", targets: ["tcp-server"]),
    .executable(name: "tcp-client", targets: ["tcp-client"]),
    .executable(name: "udp-receiver", targets: ["udp-receiver"]),
    .executable(name: "udp-sender", targets: ["udp-sender"]),
    .executable(name: "calm-close", targets: ["calm-close"]),
    .executable(name: "tls-client", targets: ["tls-client"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    // System headers Glibc does not export to Swift: epoll, sendfile, eventfd, TCP options.
    .systemLibrary(name: "CTransport", path: "Sources/CTransport"),
    // zlib, for gzip content coding (zlib1g-dev).
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
    // cmark, the CommonMark reference implementation, for a folder's README (libcmark-dev).
    .systemLibrary(name: "CCmark", path: "Sources/CCmark"),
    // expat, the namespace-aware XML parser for WebDAV request bodies (libexpat1-dev).
    .systemLibrary(name: "CExpat", path: "Sources/CExpat"),
    // OpenSSL 3 (libssl-dev), for the TLS layer.
    .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL"),
    // The transport layer: TCP and UDP over the BSD socket API. Knows no application protocol.
    .target(name: "Transport", dependencies: ["CTransport"], swiftSettings: fast),
    // TLS between Transport and the application protocols: OpenSSL driven through memory BIOs,
    // so the reactor still does every recv and send.
    .target(name: "TLS", dependencies: ["Transport", "COpenSSL"], swiftSettings: fast),
    // What the servers share: the jail over the served folder, atomic uploads, log writing.
    .target(name: "ServerCore", dependencies: ["Transport", "CTransport"], swiftSettings: fast),
    // libxcrypt, for the users file's password hashes (libcrypt-dev).
    .systemLibrary(name: "CCrypt", path: "Sources/CCrypt"),
    // FTP: a sans-I/O session state machine (command lines in, replies and data actions out),
    // plus the glue that runs control and data connections on the reactor.
    .target(name: "FTP", dependencies: ["Transport", "ServerCore", "CCrypt"], swiftSettings: fast),
    // DNS: wire format, presentation format, the dig-like client and the small responder.
    .target(name: "DNS", dependencies: ["Transport", "ServerCore", "CTransport", "TLS"], swiftSettings: fast),
    // HTTP/1.1 file serving: a sans-I/O request parser and response planner, plus thin glue.
    .target(name: "HTTP", dependencies: ["Transport", "ServerCore", "CZlib", "CCmark", "CExpat"], swiftSettings: fast),
    .executableTarget(
      name: "barenet",
      dependencies: [
        "Transport", "ServerCore", "HTTP", "FTP", "DNS", "TLS",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(name: "tcp-server", path: "Examples/tcp-server"),
    .executableTarget(name: "tcp-client", path: "Examples/tcp-client"),
    .executableTarget(name: "udp-receiver", path: "Examples/udp-receiver"),
    .executableTarget(name: "udp-sender", path: "Examples/udp-sender"),
    .executableTarget(name: "calm-close", path: "Examples/calm-close"),
    .executableTarget(name: "tls-client", dependencies: ["COpenSSL"], path: "Examples/tls-client"),
    // Fuzz targets (scripts/fuzz builds them with -sanitize=fuzzer; a plain build replays inputs).
    .target(name: "FuzzSupport", path: "Fuzz/FuzzSupport"),
    .executableTarget(name: "fuzz-http", dependencies: ["HTTP", "FuzzSupport"], path: "Fuzz/fuzz-http"),
    .executableTarget(name: "fuzz-ftp", dependencies: ["FTP", "FuzzSupport"], path: "Fuzz/fuzz-ftp"),
    .executableTarget(name: "fuzz-dns", dependencies: ["DNS", "FuzzSupport"], path: "Fuzz/fuzz-dns"),
    .executableTarget(name: "fuzz-zone", dependencies: ["DNS", "FuzzSupport"], path: "Fuzz/fuzz-zone"),
    .executableTarget(name: "fuzz-users", dependencies: ["FTP", "FuzzSupport"], path: "Fuzz/fuzz-users"),
    // Helpers shared by the test targets: fixtures, an in-process server, a raw socket client.
    .target(
      name: "TestSupport", dependencies: ["Transport", "ServerCore", "HTTP", "FTP", "DNS"], path: "Tests/TestSupport"),
    .testTarget(name: "TransportTests", dependencies: ["Transport", "TestSupport"]),
    .testTarget(name: "ServerCoreTests", dependencies: ["ServerCore", "Transport", "TestSupport"]),
    .testTarget(name: "HTTPTests", dependencies: ["HTTP", "ServerCore", "Transport", "CZlib", "TestSupport"]),
    .testTarget(name: "FTPTests", dependencies: ["FTP", "ServerCore", "Transport", "TestSupport"]),
    .testTarget(name: "DNSTests", dependencies: ["DNS", "ServerCore", "Transport", "TestSupport"]),
    .testTarget(name: "TLSTests", dependencies: ["TLS", "Transport", "COpenSSL"]),
    .testTarget(
      name: "InteropTests",
      dependencies: ["HTTP", "FTP", "DNS", "ServerCore", "Transport", "CZlib", "TestSupport", "barenet"]),
  ]
)
