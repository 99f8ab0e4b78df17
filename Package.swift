// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "barenet",
  products: [
    .executable(name: "barenet", targets: ["barenet"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    // System headers Glibc does not export to Swift: epoll, sendfile, eventfd, TCP options.
    .systemLibrary(name: "CTransport", path: "Sources/CTransport"),
    // zlib, for gzip content coding (zlib1g-dev).
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
    // The transport layer: TCP and UDP over the BSD socket API. Knows no application protocol.
    .target(name: "Transport", dependencies: ["CTransport"]),
    // HTTP/1.1 file serving: a sans-I/O request parser and response planner, plus thin glue.
    .target(name: "HTTP", dependencies: ["Transport", "CZlib"]),
    .executableTarget(
      name: "barenet",
      dependencies: [
        "Transport", "HTTP",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // Helpers shared by the test targets: fixtures, an in-process server, a raw socket client.
    .target(name: "TestSupport", dependencies: ["Transport", "HTTP"], path: "Tests/TestSupport"),
    .testTarget(name: "TransportTests", dependencies: ["Transport", "TestSupport"]),
    .testTarget(name: "HTTPTests", dependencies: ["HTTP", "Transport", "CZlib", "TestSupport"]),
    .testTarget(name: "InteropTests", dependencies: ["HTTP", "Transport", "CZlib", "TestSupport"]),
  ]
)
