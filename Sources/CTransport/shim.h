// Linux headers that Swift's Glibc module leaves out. Nothing here but includes
// and tiny inline helpers for macros Swift cannot import.
#ifndef BARENET_CTRANSPORT_H
#define BARENET_CTRANSPORT_H

#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <malloc.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <net/if.h>
#include <ifaddrs.h>
#include <sys/xattr.h>
#include <sys/random.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>

/// accept4() is a GNU extension that Swift's Glibc module does not declare (it needs
/// _GNU_SOURCE): accept and set SOCK_NONBLOCK | SOCK_CLOEXEC on the new socket in one call.
static inline int barenet_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
  return (int)syscall(SYS_accept4, fd, addr, len, flags);
}


/// The TTL (IPv4, IP_TTL) or hop limit (IPv6, IPV6_HOPLIMIT) in a received message's
/// ancillary data, or -1. CMSG_FIRSTHDR and friends are macros, which Swift cannot call.
static inline int barenet_received_ttl(struct msghdr *message) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(message); c != NULL; c = CMSG_NXTHDR(message, c)) {
    if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
        (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
      int value;
      __builtin_memcpy(&value, CMSG_DATA(c), sizeof value);
      return value;
    }
  }
  return -1;
}

#endif
