// SPDX-License-Identifier: Apache-2.0
// epoll and poll as Linux's fs/eventpoll.c and fs/select.c have them.
//
// Linux's epoll is two mechanisms, and so is this one. A wake-up (a file's
// waiters called with a poll key when something happens to it) puts an item on
// its instance's ready list, if the key meets the item's interest. epoll_wait()
// then polls each item on the list for its current readiness, reports it if any
// is left, and puts a level-triggered item back at the tail; an edge-triggered
// one stays off until the next wake-up, a one-shot one is disarmed until
// EPOLL_CTL_MOD. Getting both halves right is what makes the counts of events
// (and the edge-triggered drain rule) the same as Linux's.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>

#include "host/api/runtime.hpp"

namespace tandem::api {

namespace {

constexpr std::uint32_t kPrivateBits = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;
constexpr std::uint32_t kExclusiveOk =
    EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;
constexpr int kMaxEvents = static_cast<int>(INT_MAX / sizeof(epoll_event));

void link(EpollInstance& ep, int fd, EpollInstance::Item& item) {
  ep.ready.push_back(fd);
  item.link = std::prev(ep.ready.end());
  item.linked = true;
}

void unlink(EpollInstance& ep, EpollInstance::Item& item) {
  if (!item.linked) return;
  ep.ready.erase(item.link);
  item.linked = false;
}

}  // namespace

std::uint32_t Runtime::readiness(int fd) {
  File* f = file(fd);
  return f != nullptr ? poll_mask(*f) : 0;
}

std::uint32_t Runtime::poll_mask(File& f) {
  switch (f.kind) {
    case File::Kind::tcp:
      return tcp_poll(static_cast<TcpSocket&>(f));
    case File::Kind::udp:
      return udp_poll(static_cast<const UdpSocket&>(f));
    case File::Kind::epoll:
      return epoll_poll(static_cast<EpollInstance&>(f));
  }
  return 0;
}

std::uint32_t Runtime::epoll_poll(EpollInstance& ep) {
  // ep_eventpoll_poll(): readable while an item on the ready list has events;
  // the ones found without any are taken off the list on the way.
  for (auto it = ep.ready.begin(); it != ep.ready.end();) {
    EpollInstance::Item& item = ep.items.at(*it);
    File* f = file(*it);
    if (f != nullptr && (poll_mask(*f) & item.events) != 0) return EPOLLIN | EPOLLRDNORM;
    item.linked = false;
    it = ep.ready.erase(it);
  }
  return 0;
}

void Runtime::wake(File& f, std::uint32_t key) {
  // __wake_up_common(): every ordinary waiter, and exclusive ones until one
  // says it woke a sleeper. A keyless wake-up (sk_state_change) wakes all.
  for (const Watch& w : f.watchers) {
    const bool woke = epoll_callback(*w.ep, w.fd, key);
    if (key != 0 && w.exclusive && woke) break;
  }
}

bool Runtime::epoll_callback(EpollInstance& ep, int fd, std::uint32_t key) {
  // ep_poll_callback().
  EpollInstance::Item& item = ep.items.at(fd);
  const bool exclusive = (item.events & EPOLLEXCLUSIVE) != 0;
  // A one-shot item that fired is disarmed; a key outside the interest is no
  // event for this item.
  if ((item.events & ~kPrivateBits) == 0 || (key != 0 && (key & item.events) == 0)) {
    return !exclusive;
  }
  if (!item.linked) {
    link(ep, fd, item);
    ++counters_.wakeups;
  }
  if (!exclusive) return true;
  if (!ep.waiting) return false;
  switch (key & (EPOLLIN | EPOLLOUT)) {
    case EPOLLIN:
      return (item.events & EPOLLIN) != 0;
    case EPOLLOUT:
      return (item.events & EPOLLOUT) != 0;
    case 0:
      return true;
    default:
      return false;
  }
}

int Runtime::epoll_scan(EpollInstance& ep, epoll_event* out, int maxevents) {
  // ep_send_events(): the ready list is taken whole; what is not reached
  // (maxevents) goes back to its front, level-triggered items that reported go
  // back to its tail. Returns the events written, or -EFAULT for a null buffer.
  std::list<int> taken;
  taken.splice(taken.begin(), ep.ready);
  int n = 0;
  while (!taken.empty() && n < maxevents) {
    const int fd = taken.front();
    taken.pop_front();
    EpollInstance::Item& item = ep.items.at(fd);
    item.linked = false;
    File* f = file(fd);
    const std::uint32_t revents = f != nullptr ? poll_mask(*f) & item.events : 0;
    if (revents == 0) continue;
    if (out == nullptr) {
      // Nowhere to put the event: it stays queued, and the caller hears EFAULT
      // (Linux checks the buffer only when it has something to copy).
      taken.push_front(fd);
      item.link = taken.begin();
      item.linked = true;
      n = -EFAULT;
      break;
    }
    out[n].events = revents;
    out[n].data = item.data;
    ++n;
    if ((item.events & EPOLLONESHOT) != 0) {
      item.events &= kPrivateBits;
    } else if ((item.events & EPOLLET) == 0) {
      link(ep, fd, item);
    }
  }
  ep.ready.splice(ep.ready.begin(), taken);
  return n;
}

void Runtime::unwatch_all(File& f) {
  // Closing a file removes it from every epoll set (eventpoll_release()), and
  // closing an epoll instance lets go of what it watched.
  for (const Watch& w : f.watchers) {
    const auto it = w.ep->items.find(w.fd);
    if (it == w.ep->items.end()) continue;
    unlink(*w.ep, it->second);
    w.ep->items.erase(it);
  }
  f.watchers.clear();
  if (f.kind != File::Kind::epoll) return;
  auto& ep = static_cast<EpollInstance&>(f);
  for (const auto& [watched_fd, item] : ep.items) {
    if (File* t = file(watched_fd)) {
      std::erase_if(t->watchers, [&ep](const Watch& w) { return w.ep == &ep; });
    }
  }
  ep.items.clear();
  ep.ready.clear();
}

int Runtime::poll(pollfd* fds, nfds_t nfds, int timeout_ms) {
  if (nfds > static_cast<nfds_t>(config_.max_descriptors)) return -EINVAL;
  if (nfds > 0 && fds == nullptr) return -EFAULT;
  driver_.poll();
  const std::optional<Instant> deadline =
      timeout_ms < 0
          ? std::nullopt
          : std::optional<Instant>(driver_.now() + std::chrono::milliseconds(timeout_ms));
  for (;;) {
    int count = 0;
    for (nfds_t i = 0; i < nfds; ++i) {
      pollfd& p = fds[i];
      p.revents = 0;
      if (p.fd < 0) continue;
      File* f = file(p.fd);
      if (f == nullptr) {
        p.revents = POLLNVAL;
        ++count;
        continue;
      }
      // do_pollfd(): what was asked for, and errors and hang-ups always.
      const std::uint32_t wanted = static_cast<std::uint16_t>(p.events) | POLLERR | POLLHUP;
      p.revents = static_cast<short>(poll_mask(*f) & wanted);
      if (p.revents != 0) ++count;
    }
    if (count > 0 || timeout_ms == 0 || (deadline && driver_.now() >= *deadline)) return count;
    if (!driver_.wait(deadline)) return -EDEADLK;
  }
}

int Runtime::epoll_create(int flags) {
  if ((flags & ~EPOLL_CLOEXEC) != 0) return -EINVAL;
  auto ep = std::make_unique<EpollInstance>();
  ep->cloexec = (flags & EPOLL_CLOEXEC) != 0;
  return allocate(std::move(ep));
}

int Runtime::epoll_ctl(int epfd, int op, int fd, const epoll_event* event) {
  // do_epoll_ctl(), in its order of checks.
  if (op != EPOLL_CTL_DEL && event == nullptr) return -EFAULT;
  File* ef = file(epfd);
  if (ef == nullptr) return -EBADF;
  File* target = file(fd);
  if (target == nullptr) return -EBADF;
  if (ef == target || ef->kind != File::Kind::epoll) return -EINVAL;
  const std::uint32_t events = op != EPOLL_CTL_DEL ? event->events : 0;
  if (op != EPOLL_CTL_DEL && (events & EPOLLEXCLUSIVE) != 0) {
    if (op == EPOLL_CTL_MOD) return -EINVAL;
    if (op == EPOLL_CTL_ADD &&
        (target->kind == File::Kind::epoll || (events & ~kExclusiveOk) != 0)) {
      return -EINVAL;
    }
  }
  // Departure: epoll instances do not nest in Tandem (docs/host-api.md).
  if (target->kind == File::Kind::epoll) return -EPERM;
  driver_.poll();
  auto& ep = static_cast<EpollInstance&>(*ef);
  const auto it = ep.items.find(fd);
  switch (op) {
    case EPOLL_CTL_ADD: {
      if (it != ep.items.end()) return -EEXIST;
      EpollInstance::Item& item = ep.items[fd];
      item.events = events | EPOLLERR | EPOLLHUP;
      item.data = event->data;
      const bool exclusive = (events & EPOLLEXCLUSIVE) != 0;
      if (exclusive) {
        target->watchers.push_back(Watch{&ep, fd, true});
      } else {
        target->watchers.push_front(Watch{&ep, fd, false});
      }
      // ep_insert(): an item ready already goes on the ready list at once.
      if ((poll_mask(*target) & item.events) != 0) link(ep, fd, item);
      return 0;
    }
    case EPOLL_CTL_DEL:
      if (it == ep.items.end()) return -ENOENT;
      unlink(ep, it->second);
      std::erase_if(target->watchers, [&ep](const Watch& w) { return w.ep == &ep; });
      ep.items.erase(it);
      return 0;
    case EPOLL_CTL_MOD: {
      if (it == ep.items.end()) return -ENOENT;
      EpollInstance::Item& item = it->second;
      if ((item.events & EPOLLEXCLUSIVE) != 0) return -EINVAL;
      item.events = events | EPOLLERR | EPOLLHUP;
      item.data = event->data;
      // ep_modify(): re-arms, and queues the item if it is ready now.
      if ((poll_mask(*target) & item.events) != 0 && !item.linked) link(ep, fd, item);
      return 0;
    }
    default:
      return -EINVAL;
  }
}

int Runtime::epoll_wait(int epfd, epoll_event* events, int maxevents, int timeout_ms) {
  if (maxevents <= 0 || maxevents > kMaxEvents) return -EINVAL;
  File* ef = file(epfd);
  if (ef == nullptr) return -EBADF;
  if (ef->kind != File::Kind::epoll) return -EINVAL;
  auto& ep = static_cast<EpollInstance&>(*ef);
  driver_.poll();
  const std::optional<Instant> deadline =
      timeout_ms < 0
          ? std::nullopt
          : std::optional<Instant>(driver_.now() + std::chrono::milliseconds(timeout_ms));
  for (;;) {
    const int n = epoll_scan(ep, events, maxevents);
    if (n != 0 || timeout_ms == 0 || (deadline && driver_.now() >= *deadline)) return n;
    ep.waiting = true;
    const bool progress = driver_.wait(deadline);
    ep.waiting = false;
    if (!progress) return -EDEADLK;
  }
}

}  // namespace tandem::api
