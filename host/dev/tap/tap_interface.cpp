// SPDX-License-Identifier: Apache-2.0
#include "host/dev/tap/tap_interface.hpp"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

namespace tandem::dev {

namespace {

// Closes a descriptor unless released: the constructor may throw half-way.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

[[noreturn]] void fail(int error, const std::string& name, const std::string& what) {
  throw std::system_error(error, std::generic_category(), "tap device '" + name + "': " + what);
}

// Why an ioctl on the TAP failed, in terms of what the user can do about it.
std::string explain_permission(const char* step) {
  return std::string(step) +
         " needs CAP_NET_ADMIN (run as root, or create the TAP beforehand with "
         "`ip tuntap add NAME mode tap user USER` and bring it up)";
}

ifreq request_for(const std::string& name) {
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, name.data(), name.size());  // checked: shorter than IFNAMSIZ
  return ifr;
}

// Opens /dev/net/tun and attaches to (or creates) the TAP `name`. Returns the
// descriptor and the name the kernel confirmed.
int attach(const std::string& name, std::string& attached_name) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    fail(EINVAL, name,
         "an interface name has 1 to " + std::to_string(IFNAMSIZ - 1) + " characters");
  }
  FdGuard fd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) {
    const int error = errno;
    if (error == ENOENT || error == ENODEV || error == ENXIO) {
      fail(error, name,
           "cannot open /dev/net/tun (is the tun module loaded, /dev/net/tun present?)");
    }
    if (error == EACCES || error == EPERM) {
      fail(error, name, "no permission to open /dev/net/tun");
    }
    fail(error, name, "cannot open /dev/net/tun");
  }
  ifreq ifr = request_for(name);
  // IFF_NO_PI: frames come and go without tun's 4-byte packet-information
  // prefix, exactly as they are on the wire.
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) {
    const int error = errno;
    switch (error) {
      case EPERM:
      case EACCES:
        fail(error, name, explain_permission("creating or attaching to a TAP"));
      case EBUSY:
        fail(error, name, "already attached by another process");
      case EINVAL:
        fail(error, name,
             "not a valid interface name, or an interface that exists and is not a TAP");
      default:
        fail(error, name, "TUNSETIFF failed");
    }
  }
  attached_name.assign(ifr.ifr_name, ::strnlen(ifr.ifr_name, IFNAMSIZ));
  return fd.release();
}

// Sets the TAP's MTU (when given) and brings it up, each only when needed, so that a user
// without CAP_NET_ADMIN can use a TAP prepared for them.
void configure_link(const std::string& name, std::optional<std::uint16_t> mtu) {
  FdGuard sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) fail(errno, name, "cannot open a socket to configure the interface");

  ifreq ifr = request_for(name);
  if (::ioctl(sock.get(), SIOCGIFMTU, &ifr) < 0) fail(errno, name, "SIOCGIFMTU failed");
  if (mtu && ifr.ifr_mtu != *mtu) {
    ifr.ifr_mtu = *mtu;
    if (::ioctl(sock.get(), SIOCSIFMTU, &ifr) < 0) {
      const int error = errno;
      if (error == EPERM || error == EACCES)
        fail(error, name, explain_permission("setting the MTU"));
      fail(error, name, "cannot set the MTU to " + std::to_string(*mtu));
    }
  }

  ifr = request_for(name);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) < 0) fail(errno, name, "SIOCGIFFLAGS failed");
  if ((ifr.ifr_flags & IFF_UP) == 0) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (::ioctl(sock.get(), SIOCSIFFLAGS, &ifr) < 0) {
      const int error = errno;
      if (error == EPERM || error == EACCES) {
        fail(error, name, explain_permission("bringing the interface up"));
      }
      fail(error, name, "cannot bring the interface up");
    }
  }
}

}  // namespace

TapInterface::TapInterface(const std::string& name, std::optional<std::uint16_t> mtu) {
  fd_ = attach(name, name_);
  FdGuard owned(fd_);
  configure_link(name_, mtu);
  owned.release();
}

TapInterface::~TapInterface() {
  ::close(fd_);
}

}  // namespace tandem::dev
