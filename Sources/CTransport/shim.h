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
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>

/// accept4() is a GNU extension that Swift's Glibc module does not declare (it needs
/// _GNU_SOURCE): accept and set SOCK_NONBLOCK | SOCK_CLOEXEC on the new socket in one call.
static inline int barenet_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
  return (int)syscall(SYS_accept4, fd, addr, len, flags);
}

#endif
