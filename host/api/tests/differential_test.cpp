// SPDX-License-Identifier: Apache-2.0
// The socket API, each test written once and run against Linux (127.0.0.1) and
// Tandem (two stacks on virtual time): the same return values, errno values and
// readiness events, or the test fails. Where loopback and the link model differ
// in timing, the tests wait for a condition (poll with a timeout) instead of
// assuming one.
#include <fcntl.h>
#include <netinet/tcp.h>

#include <array>
#include <string>

#include "host/api/tests/api_table.hpp"

using namespace tandem::api::test;

namespace {

constexpr int kLong = 5000;  // ms: long enough for any handshake or retransmission

void set_int(const Api& api, Trace& t, int fd, int level, int name, int value) {
  t.call("setsockopt", api.setsockopt(fd, level, name, &value, sizeof value));
}

int get_int(const Api& api, Trace& t, int fd, int level, int name, const char* what) {
  int v = -1;
  socklen_t len = sizeof v;
  t.call(what, api.getsockopt(fd, level, name, &v, &len));
  t.value(std::string(what) + " value", v);
  return v;
}

void linger_zero(const Api& api, Trace& t, int fd) {
  const linger l{1, 0};
  T_CALL(t, api.setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(api_differential)

BOOST_AUTO_TEST_CASE(tcp_connect_accept_and_exchange) {
  differential([](const Api& api, Trace& t) {
    const int l = make_listener(api, t);
    const int c = T_FD(t, api.socket(AF_INET, SOCK_STREAM, 0));
    const sockaddr_in to = listen_address(api, l);
    BOOST_TEST(T_CALL(t, api.connect(c, sa(to), sizeof to)) == 0);
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    const int s = T_FD(t, api.accept4(l, sa(peer), &len, SOCK_NONBLOCK));
    BOOST_REQUIRE(s >= 0);
    t.value("accept addrlen", len);
    t.value("accepted peer is the client", same(peer, local_address(api, c)));
    t.value("client's peer is the listener", same(peer_address(api, c), to));
    t.value("server's local is the listener", same(local_address(api, s), to));
    t.value("accept4 SOCK_NONBLOCK", (api.fcntl(s, F_GETFL) & O_NONBLOCK) != 0);
    t.value("listener stays blocking", (api.fcntl(l, F_GETFL) & O_NONBLOCK) != 0);

    T_CALL(t, api.send(c, "hello", 5, 0));
    t.events("server readable", wait_for(api, s, POLLIN, kLong));
    char buf[16]{};
    BOOST_TEST(T_CALL(t, api.recv(s, buf, sizeof buf, 0)) == 5);
    t.text(std::string("server got ") + std::string(buf, 5));
    T_CALL(t, api.write(s, "world!", 6));
    t.events("client readable", wait_for(api, c, POLLIN, kLong));
    T_CALL(t, api.read(c, buf, sizeof buf));
    t.text(std::string("client got ") + std::string(buf, 6));
    T_CALL(t, api.recv(s, buf, sizeof buf, 0));  // non-blocking, nothing there: EAGAIN
    T_CALL(t, api.close(c));
    t.events("server sees the FIN", wait_for(api, s, POLLIN, kLong));
    T_CALL(t, api.recv(s, buf, sizeof buf, 0));
    T_CALL(t, api.close(s));
    T_CALL(t, api.close(l));
  });
}

BOOST_AUTO_TEST_CASE(nonblocking_connect_then_epollout_and_so_error) {
  differential([](const Api& api, Trace& t) {
    const int l = make_listener(api, t);
    const int c = T_FD(t, api.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    const sockaddr_in to = listen_address(api, l);
    BOOST_TEST(T_CALL(t, api.connect(c, sa(to), sizeof to)) == -1);
    const int ep = T_FD(t, api.epoll_create1(EPOLL_CLOEXEC));
    epoll_add(api, t, ep, c, EPOLLOUT, 1);
    record_wait(api, t, "connected", ep, kLong);
    get_int(api, t, c, SOL_SOCKET, SO_ERROR, "SO_ERROR");
    // The first connect() after completion reports success, the next EISCONN.
    T_CALL(t, api.connect(c, sa(to), sizeof to));
    T_CALL(t, api.connect(c, sa(to), sizeof to));
    const int s = T_FD(t, api.accept(l, nullptr, nullptr));
    T_CALL(t, api.close(ep));
    T_CALL(t, api.close(c));
    T_CALL(t, api.close(s));
    T_CALL(t, api.close(l));
  });
}

BOOST_AUTO_TEST_CASE(connect_refused) {
  differential([](const Api& api, Trace& t) {
    // A port that is bound but not listening: the SYN is answered with a RST.
    const int bound = T_FD(t, api.socket(AF_INET, SOCK_STREAM, 0));
    const sockaddr_in any_port = inet(api.server, 0);
    T_CALL(t, api.bind(bound, sa(any_port), sizeof any_port));
    const sockaddr_in to = listen_address(api, bound);

    const int c = T_FD(t, api.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    BOOST_TEST(T_CALL(t, api.connect(c, sa(to), sizeof to)) == -1);
    const int ep = T_FD(t, api.epoll_create1(0));
    epoll_add(api, t, ep, c, EPOLLIN | EPOLLOUT | EPOLLRDHUP, 7);
    record_wait(api, t, "refused", ep, kLong);
    BOOST_TEST(get_int(api, t, c, SOL_SOCKET, SO_ERROR, "SO_ERROR") == ECONNREFUSED);
    get_int(api, t, c, SOL_SOCKET, SO_ERROR, "SO_ERROR again");
    record_wait(api, t, "after SO_ERROR", ep, 0);
    T_CALL(t, api.getpeername(c, nullptr, nullptr));
    // The error was taken: the next connect() reports the connection aborted,
    // and the one after that tries again.
    T_CALL(t, api.connect(c, sa(to), sizeof to));
    T_CALL(t, api.connect(c, sa(to), sizeof to));
    t.events("refused again", wait_for(api, c, POLLOUT, kLong));
    T_CALL(t, api.recv(c, nullptr, 0, 0));
    T_CALL(t, api.recv(c, nullptr, 0, 0));

    // A blocking connect reports the refusal itself.
    const int b = T_FD(t, api.socket(AF_INET, SOCK_STREAM, 0));
    BOOST_TEST(T_CALL(t, api.connect(b, sa(to), sizeof to)) == -1);
    T_CALL(t, api.send(b, "x", 1, MSG_NOSIGNAL));
    T_CALL(t, api.close(b));
    T_CALL(t, api.close(ep));
    T_CALL(t, api.close(c));
    T_CALL(t, api.close(bound));
  });
}

BOOST_AUTO_TEST_CASE(peek_dontwait_waitall) {
  differential([](const Api& api, Trace& t) {
    const int l = make_listener(api, t);
    const Pair p = connect_pair(api, t, l);
    char buf[32]{};
    T_CALL(t, api.recv(p.server, buf, sizeof buf, MSG_DONTWAIT));
    T_CALL(t, api.send(p.client, "hello", 5, 0));
    t.events("readable", wait_for(api, p.server, POLLIN, kLong));
    T_CALL(t, api.recv(p.server, buf, 3, MSG_PEEK));
    T_CALL(t, api.recv(p.server, buf, sizeof buf, MSG_PEEK));
    T_CALL(t, api.recv(p.server, buf, sizeof buf, 0));
    t.text(std::string("got ") + std::string(buf, 5));
    T_CALL(t, api.recv(p.server, buf, sizeof buf, MSG_DONTWAIT | MSG_PEEK));

    // MSG_WAITALL waits for the whole request...
    T_CALL(t, api.send(p.client, "0123", 4, 0));
    T_CALL(t, api.send(p.client, "456789", 6, 0));
    BOOST_TEST(T_CALL(t, api.recv(p.server, buf, 10, MSG_WAITALL)) == 10);
    t.text(std::string("got ") + std::string(buf, 10));
    // ...or the end of the stream.
    T_CALL(t, api.send(p.client, "abcd", 4, 0));
    T_CALL(t, api.shutdown(p.client, SHUT_WR));
    T_CALL(t, api.recv(p.server, buf, 10, MSG_WAITALL));
    T_CALL(t, api.recv(p.server, buf, 10, MSG_WAITALL));
    // A receive timeout ends a blocking receive with EAGAIN.
    const timeval tv{0, 100'000};
    T_CALL(t, api.setsockopt(p.client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    T_CALL(t, api.recv(p.client, buf, sizeof buf, 0));
    T_CALL(t, api.close(p.client));
    T_CALL(t, api.close(p.server));
    T_CALL(t, api.close(l));
  });
}

BOOST_AUTO_TEST_CASE(vectored_and_message_io) {
  differential([](const Api& api, Trace& t) {
    const int l = make_listener(api, t);
    const Pair p = connect_pair(api, t, l);
    char a[] = "abc";
    char b[] = "defgh";
    char c[] = "ij";
    const iovec out[] = {{a, 3}, {b, 5}, {nullptr, 0}, {c, 2}};
    T_CALL(t, api.writev(p.client, out, 4));
    char x[4]{};
    char y[16]{};
    const iovec in[] = {{x, 4}, {y, 16}};
    T_CALL(t, api.recv(p.server, y, 10, MSG_WAITALL | MSG_PEEK));
    T_CALL(t, api.readv(p.server, in, 2));
    t.text(std::string(x, 4) + "|" + std::string(y, 6));

    msghdr m{};
    iovec one{a, 3};
    m.msg_iov = &one;
    m.msg_iovlen = 1;
    T_CALL(t, api.sendmsg(p.server, &m, 0));
    t.events("client readable", wait_for(api, p.client, POLLIN, kLong));
    char got[8]{};
    iovec back{got, sizeof got};
    sockaddr_in from{};
    msghdr r{};
    r.msg_name = &from;
    r.msg_namelen = sizeof from;
    r.msg_iov = &back;
    r.msg_iovlen = 1;
    T_CALL(t, api.recvmsg(p.client, &r, 0));
    t.value("recvmsg namelen (TCP names no sender)", r.msg_namelen);
    t.value("recvmsg flags", r.msg_flags);
    T_CALL(t, api.send(p.server, "z", 1, 0));
    t.events("client readable", wait_for(api, p.client, POLLIN, kLong));
    socklen_t from_len = sizeof from;
    T_CALL(t, api.recvfrom(p.client, got, sizeof got, 0, sa(from), &from_len));
    t.value("recvfrom addrlen", from_len);
    // Bad vectors.
    T_CALL(t, api.writev(p.client, out, -1));
    T_CALL(t, api.writev(p.client, out, 1025));
    T_CALL(t, api.writev(p.client, nullptr, 2));
    T_CALL(t, api.readv(p.client, in, 0));
    m.msg_iovlen = 1025;
    T_CALL(t, api.sendmsg(p.client, &m, 0));
    T_CALL(t, api.sendmsg(p.client, nullptr, 0));
    T_CALL(t, api.close(p.client));
    T_CALL(t, api.close(p.server));
    T_CALL(t, api.close(l));
  });
}

BOOST_AUTO_TEST_CASE(shutdown_and_hangup_events) {
  differential([](const Api& api, Trace& t) {
    const int l = make_listener(api, t);
    const Pair p = connect_pair(api, t, l);
    const int ep = T_FD(t, api.epoll_create1(0));
    const std::uint32_t all = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
    epoll_add(api, t, ep, p.client, all, 1);
    epoll_add(api, t, ep, p.server, all, 2);
    record_wait(api, t, "established", ep, 0);

    T_CALL(t, api.shutdown(p.client, SHUT_WR));
    t.events("server after FIN", wait_for(api, p.server, POLLRDHUP, kLong));
    record_wait(api, t, "client shut WR, server got FIN", ep, 0);
    char buf[8];
    T_CALL(t, api.recv(p.server, buf, sizeof buf, 0));
    T_CALL(t, api.send(p.client, "x", 1, MSG_NOSIGNAL));
    // The other direction still works.
    T_CALL(t, api.send(p.server, "back", 4, 0));
    t.events("client readable", wait_for(api, p.client, POLLIN, kLong));
    T_CALL(t, api.recv(p.client, buf, sizeof buf, 0));
    T_CALL(t, api.shutdown(p.server, SHUT_WR));
    t.events("client after FIN", wait_for(api, p.client, POLLRDHUP, kLong));
    pause_ms(api, 100);
    record_wait(api, t, "both shut", ep, 0);
    T_CALL(t, api.shutdown(p.server, SHUT_WR));
    T_CALL(t, api.shutdown(p.server, 3));
    T_CALL(t, api.close(ep));
    T_CALL(t, api.close(p.client));
    T_CALL(t, api.close(p.server));

    // SHUT_RD alone: readable at once with end of stream; nothing is sent.
    const Pair q = connect_pair(api, t, l);
    T_CALL(t, api.shutdown(q.server, SHUT_RD));
    t.events("SHUT_RD", wait_for(api, q.server, POLLIN | POLLOUT | POLLRDHUP, 0));
    T_CALL(t, api.recv(q.server, buf, sizeof buf, 0));
    t.events("peer unaffected", wait_for(api, q.client, POLLIN | POLLOUT | POLLRDHUP, 100));
    T_CALL(t, api.shutdown(q.client, SHUT_RDWR));
    t.events("SHUT_RDWR", wait_for(api, q.client, POLLIN | POLLOUT | POLLRDHUP, 0));
    T_CALL(t, api.close(q.client));
    T_CALL(t, api.close(q.server));

    // Unconnected and fresh sockets.
    const int fresh = T_FD(t, api.socket(AF_INET, SOCK_STREAM, 0));
    t.events("fresh socket", wait_for(api, fresh, POLLIN | POLLOUT | POLLRDHUP, 0));
    T_CALL(t, api.shutdown(fresh, SHUT_WR));
    t.events("fresh after SHUT_WR", wait_for(api, fresh, POLLIN | POLLOUT | POLLRDHUP, 0));
    T_CALL(t, api.shutdown(fresh, SHUT_RD));
    T_CALL(t, api.recv(fresh, buf, sizeof buf, 0));
    T_CALL(t, api.close(fresh));
    T_CALL(t, api.close(l));
  });
}

BOOST_AUTO_TEST_CASE(reset_by_linger_zero) {
  differential([](const Api& api, Trace& t) {
    const int l = make_listener(api, t);
    const Pair p = connect_pair(api, t, l);
    const int ep = T_FD(t, api.epoll_create1(0));
    epoll_add(api, t, ep, p.server, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, 2);
    record_wait(api, t, "established", ep, 0);
    linger_zero(api, t, p.client);
    T_CALL(t, api.close(p.client));
    record_wait(api, t, "reset", ep, kLong);
    record_wait(api, t, "reset (edge-triggered: once)", ep, 0);
    char buf[8];
    T_CALL(t, api.recv(p.server, buf, sizeof buf, 0));
    T_CALL(t, api.recv(p.server, buf, sizeof buf, 0));
    T_CALL(t, api.send(p.server, "x", 1, MSG_NOSIGNAL));
    get_int(api, t, p.server, SOL_SOCKET, SO_ERROR, "SO_ERROR");
    t.events("after the error was taken", wait_for(api, p.server, POLLIN | POLLOUT | POLLRDHUP, 0));
    T_CALL(t, api.getpeername(p.server, nullptr, nullptr));
    T_CALL(t, api.close(ep));
    T_CALL(t, api.close(p.server));

    // The same, with send() the first to hear of it.
    const Pair q = connect_pair(api, t, l);
    linger_zero(api, t, q.server);
    T_CALL(t, api.close(q.server));
    t.events("reset", wait_for(api, q.client, POLLIN, kLong));
    T_CALL(t, api.send(q.client, "x", 1, MSG_NOSIGNAL));
    T_CALL(t, api.send(q.client, "x", 1, MSG_NOSIGNAL));
    T_CALL(t, api.recv(q.client, buf, sizeof buf, 0));
    T_CALL(t, api.close(q.client));
    T_CALL(t, api.close(l));
  });
}

BOOST_AUTO_TEST_CASE(linger_with_a_timeout_closes_after_delivery) {
  differential([](const Api& api, Trace& t) {
    const int l = make_listener(api, t);
    const Pair p = connect_pair(api, t, l);
    const linger two{1, 2};
    T_CALL(t, api.setsockopt(p.client, SOL_SOCKET, SO_LINGER, &two, sizeof two));
    T_CALL(t, api.send(p.client, "goodbye", 7, 0));
    T_CALL(t, api.close(p.client));  // returns once the FIN is acknowledged
    t.events("server", wait_for(api, p.server, POLLIN | POLLRDHUP, kLong));
    char buf[16];
    T_CALL(t, api.recv(p.server, buf, sizeof buf, MSG_WAITALL));
    T_CALL(t, api.recv(p.server, buf, sizeof buf, 0));
    T_CALL(t, api.close(p.server));
    T_CALL(t, api.close(l));
  });
}

BOOST_AUTO_TEST_CASE(close_with_unread_data_resets) {
  differential([](const Api& api, Trace& t) {
    const int l = make_listener(api, t);
    const Pair p = connect_pair(api, t, l);
    T_CALL(t, api.send(p.client, "unread", 6, 0));
    t.events("server readable", wait_for(api, p.server, POLLIN, kLong));
    T_CALL(t, api.close(p.server));
    t.events("client reset", wait_for(api, p.client, POLLIN, kLong));
    char buf[8];
    T_CALL(t, api.recv(p.client, buf, sizeof buf, 0));
    T_CALL(t, api.close(p.client));
    T_CALL(t, api.close(l));
  });
}

// What arrived before a RST is read first, then ECONNRESET, then end of file
// (a server's response followed by its reset still reaches the client).
BOOST_AUTO_TEST_CASE(data_before_a_reset_is_read_then_the_error) {
  differential([](const Api& api, Trace& t) {
    const int l = make_listener(api, t);
    const Pair p = connect_pair(api, t, l);
    T_CALL(t, api.send(p.server, "response", 8, 0));
    linger_zero(api, t, p.server);
    T_CALL(t, api.close(p.server));
    t.events("client", wait_for(api, p.client, POLLIN, kLong));
    // The RST follows the data at once on loopback; give the link model's the
    // same chance to arrive.
    pause_ms(api, 50);
    t.events("client after the reset", wait_for(api, p.client, POLLIN | POLLRDHUP, 0));
    char buf[16]{};
    BOOST_TEST(T_CALL(t, api.recv(p.client, buf, sizeof buf, 0)) == 8);
    t.text(std::string("client got ") + std::string(buf, 8));
    T_CALL(t, api.recv(p.client, buf, sizeof buf, 0));
    T_CALL(t, api.recv(p.client, buf, sizeof buf, 0));
    T_CALL(t, api.close(p.client));
    T_CALL(t, api.close(l));
  });
}

BOOST_AUTO_TEST_CASE(accept_of_a_connection_the_peer_reset) {
  differential([](const Api& api, Trace& t) {
    const int l = make_listener(api, t);
    const int c = T_FD(t, api.socket(AF_INET, SOCK_STREAM, 0));
    const sockaddr_in to = listen_address(api, l);
    T_CALL(t, api.connect(c, sa(to), sizeof to));
    t.events("listener", wait_for(api, l, POLLIN, kLong));
    linger_zero(api, t, c);
    T_CALL(t, api.close(c));
    pause_ms(api, 200);
    const int s = T_FD(t, api.accept(l, nullptr, nullptr));
    t.events("accepted", wait_for(api, s, POLLIN | POLLOUT | POLLRDHUP, 0));
    char buf[8];
    T_CALL(t, api.recv(s, buf, sizeof buf, 0));
    T_CALL(t, api.recv(s, buf, sizeof buf, 0));
    T_CALL(t, api.close(s));
    T_CALL(t, api.close(l));
  });
}

BOOST_AUTO_TEST_CASE(level_edge_and_oneshot_counts) {
  differential([](const Api& api, Trace& t) {
    const int l = make_listener(api, t);
    const Pair p = connect_pair(api, t, l);
    const int lt = T_FD(t, api.epoll_create1(0));
    const int et = T_FD(t, api.epoll_create1(0));
    const int os = T_FD(t, api.epoll_create1(0));
    epoll_add(api, t, lt, p.server, EPOLLIN, 1);
    epoll_add(api, t, et, p.server, EPOLLIN | EPOLLET, 2);
    epoll_add(api, t, os, p.server, EPOLLIN | EPOLLONESHOT, 3);
    record_wait(api, t, "lt idle", lt, 0);
    record_wait(api, t, "et idle", et, 0);

    T_CALL(t, api.send(p.client, "one", 3, 0));
    t.events("readable", wait_for(api, p.server, POLLIN, kLong));
    for (int i = 0; i < 2; ++i) {
      record_wait(api, t, "lt", lt, 0);
      record_wait(api, t, "et", et, 0);
      record_wait(api, t, "oneshot", os, 0);
    }
    // More data is a new edge; the one-shot item stays disarmed.
    T_CALL(t, api.send(p.client, "two", 3, 0));
    pause_ms(api, 100);
    record_wait(api, t, "et new data", et, 100);
    record_wait(api, t, "et again", et, 0);
    record_wait(api, t, "oneshot new data", os, 0);
    epoll_event mod{};
    mod.events = EPOLLIN | EPOLLONESHOT;
    mod.data.u32 = 3;
    T_CALL(t, api.epoll_ctl(os, EPOLL_CTL_MOD, p.server, &mod));
    record_wait(api, t, "oneshot re-armed", os, 0);
    record_wait(api, t, "oneshot after", os, 0);

    // The edge-triggered drain rule: read until EAGAIN, then only new data
    // brings an event.
    char buf[4];
    while (api.recv(p.server, buf, sizeof buf, MSG_DONTWAIT) > 0) {
    }
    t.call("drained", -1);
    record_wait(api, t, "lt drained", lt, 0);
    record_wait(api, t, "et drained", et, 0);
    T_CALL(t, api.send(p.client, "three", 5, 0));
    record_wait(api, t, "et after drain", et, kLong);
    T_CALL(t, api.recv(p.server, buf, 2, 0));  // partly read: no new edge
    record_wait(api, t, "et partly read", et, 50);
    record_wait(api, t, "lt partly read", lt, 0);

    // Closing a descriptor removes it from every set.
    T_CALL(t, api.close(p.server));
    record_wait(api, t, "lt after close", lt, 0);
    epoll_event any{};
    T_CALL(t, api.epoll_ctl(lt, EPOLL_CTL_DEL, p.server, &any));
    T_CALL(t, api.close(lt));
    T_CALL(t, api.close(et));
    T_CALL(t, api.close(os));
    T_CALL(t, api.close(p.client));
    T_CALL(t, api.close(l));
  });
}

BOOST_AUTO_TEST_CASE(listening_socket_readiness_and_exclusive) {
  differential([](const Api& api, Trace& t) {
    const int l = make_listener(api, t);
    const int ep = T_FD(t, api.epoll_create1(0));
    const int ex1 = T_FD(t, api.epoll_create1(0));
    const int ex2 = T_FD(t, api.epoll_create1(0));
    epoll_add(api, t, ep, l, EPOLLIN | EPOLLOUT | EPOLLRDHUP, 9);
    epoll_add(api, t, ex1, l, EPOLLIN | EPOLLEXCLUSIVE, 1);
    epoll_add(api, t, ex2, l, EPOLLIN | EPOLLEXCLUSIVE | EPOLLET, 2);
    record_wait(api, t, "idle listener", ep, 0);
    t.events("idle listener poll", wait_for(api, l, POLLIN | POLLOUT | POLLRDHUP, 0));

    const int c = T_FD(t, api.socket(AF_INET, SOCK_STREAM, 0));
    const sockaddr_in to = listen_address(api, l);
    T_CALL(t, api.connect(c, sa(to), sizeof to));
    t.events("listener", wait_for(api, l, POLLIN, kLong));
    record_wait(api, t, "pending connection", ep, 0);
    // Nobody was blocked in epoll_wait: both exclusive items were queued.
    record_wait(api, t, "exclusive 1", ex1, 0);
    record_wait(api, t, "exclusive 2", ex2, 0);
    const int s = T_FD(t, api.accept(l, nullptr, nullptr));
    record_wait(api, t, "accepted", ep, 0);
    record_wait(api, t, "exclusive 1 accepted", ex1, 0);
    epoll_event ev{};
    ev.events = EPOLLIN;
    T_CALL(t, api.epoll_ctl(ex1, EPOLL_CTL_MOD, l, &ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    T_CALL(t, api.epoll_ctl(ep, EPOLL_CTL_MOD, l, &ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
    T_CALL(t, api.epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDHUP;
    T_CALL(t, api.epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    T_CALL(t, api.epoll_ctl(ep, EPOLL_CTL_ADD, ex1, &ev));
    T_CALL(t, api.close(s));
    T_CALL(t, api.close(c));
    T_CALL(t, api.close(ep));
    T_CALL(t, api.close(ex1));
    T_CALL(t, api.close(ex2));
    T_CALL(t, api.close(l));
  });
}

BOOST_AUTO_TEST_CASE(backlog_holds_backlog_plus_one) {
  differential([](const Api& api, Trace& t) {
    const int l = make_listener(api, t, 1);
    const sockaddr_in to = listen_address(api, l);
    std::array<int, 3> c{};
    for (std::size_t i = 0; i < c.size(); ++i) {
      c[i] = T_FD(t, api.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
      T_CALL(t, api.connect(c[i], sa(to), sizeof to));
      // Two complete without accept(); the third's SYN is dropped.
      t.events("client " + std::to_string(i), wait_for(api, c[i], POLLOUT, i < 2 ? kLong : 300));
    }
    T_CALL(t, api.connect(c[2], sa(to), sizeof to));  // still trying: EALREADY
    t.events("listener", wait_for(api, l, POLLIN, 0));
    const int s1 = T_FD(t, api.accept(l, nullptr, nullptr));
    // Room again: the third's retransmitted SYN gets through.
    t.events("third client", wait_for(api, c[2], POLLOUT, kLong));
    get_int(api, t, c[2], SOL_SOCKET, SO_ERROR, "SO_ERROR");
    const int s2 = T_FD(t, api.accept(l, nullptr, nullptr));
    t.events("listener", wait_for(api, l, POLLIN, kLong));
    const int s3 = T_FD(t, api.accept(l, nullptr, nullptr));
    T_CALL(t, api.fcntl(l, F_SETFL, O_NONBLOCK));
    T_CALL(t, api.accept(l, nullptr, nullptr));
    for (const int fd : {s1, s2, s3, c[0], c[1], c[2], l})
      T_CALL(t, api.close(fd));
  });
}

BOOST_AUTO_TEST_CASE(udp_datagrams_and_readiness) {
  differential([](const Api& api, Trace& t) {
    const int s = T_FD(t, api.socket(AF_INET, SOCK_DGRAM, 0));
    const sockaddr_in any_port = inet(api.server, 0);
    T_CALL(t, api.bind(s, sa(any_port), sizeof any_port));
    const sockaddr_in to = listen_address(api, s);
    const int c = T_FD(t, api.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0));
    t.events("fresh UDP", wait_for(api, c, POLLIN | POLLOUT, 0));
    char buf[64]{};
    T_CALL(t, api.recv(c, buf, sizeof buf, 0));  // unbound, non-blocking: EAGAIN
    T_CALL(t, api.send(c, "x", 1, 0));           // no destination
    T_CALL(t, api.sendto(c, "x", 1, 0, sa(to), 8));
    T_CALL(t, api.listen(s, 1));
    T_CALL(t, api.accept(s, nullptr, nullptr));
    T_CALL(t, api.getpeername(s, nullptr, nullptr));

    const int ep = T_FD(t, api.epoll_create1(0));
    epoll_add(api, t, ep, s, EPOLLIN | EPOLLET, 5);
    record_wait(api, t, "idle", ep, 0);
    T_CALL(t, api.sendto(c, "datagram one", 12, 0, sa(to), sizeof to));
    T_CALL(t, api.sendto(c, "two", 3, 0, sa(to), sizeof to));
    record_wait(api, t, "datagrams", ep, kLong);
    pause_ms(api, 100);
    sockaddr_in from{};
    socklen_t from_len = sizeof from;
    T_CALL(t, api.recvfrom(s, buf, 4, MSG_PEEK, sa(from), &from_len));
    t.value("from the client", same(from, inet(api.client, ntohs(local_address(api, c).sin_port))));
    t.value("from_len", from_len);
    T_CALL(t, api.recv(s, buf, 4, MSG_TRUNC));  // truncated, full length reported
    char small[2];
    iovec v{small, sizeof small};
    msghdr m{};
    m.msg_name = &from;
    m.msg_namelen = sizeof from;
    m.msg_iov = &v;
    m.msg_iovlen = 1;
    T_CALL(t, api.recvmsg(s, &m, 0));
    t.value("recvmsg flags", m.msg_flags);
    t.value("recvmsg namelen", m.msg_namelen);
    T_CALL(t, api.recv(s, buf, sizeof buf, MSG_DONTWAIT));
    record_wait(api, t, "drained", ep, 0);

    // connect() fixes the peer: send() needs no address, and getpeername works.
    T_CALL(t, api.connect(c, sa(to), sizeof to));
    t.value("peer", same(peer_address(api, c), to));
    T_CALL(t, api.send(c, "connected", 9, 0));
    t.events("readable", wait_for(api, s, POLLIN, kLong));
    T_CALL(t, api.read(s, buf, sizeof buf));
    sockaddr_in unspec{};
    unspec.sin_family = AF_UNSPEC;
    T_CALL(t, api.connect(c, sa(unspec), sizeof unspec));
    T_CALL(t, api.getpeername(c, nullptr, nullptr));
    T_CALL(t, api.shutdown(c, SHUT_RDWR));  // unconnected: ENOTCONN, bits set anyway
    t.events("after shutdown", wait_for(api, c, POLLIN | POLLOUT | POLLRDHUP, 0));
    T_CALL(t, api.close(ep));
    T_CALL(t, api.close(c));
    T_CALL(t, api.close(s));
  });
}

BOOST_AUTO_TEST_CASE(bad_descriptors_types_lengths_and_states) {
  differential([](const Api& api, Trace& t) {
    char buf[8]{};
    sockaddr_in a = inet(api.server, 0);
    socklen_t len = sizeof a;
    for (const int bad : {-1, 4000}) {
      t.value("bad fd", bad);
      T_CALL(t, api.bind(bad, sa(a), sizeof a));
      T_CALL(t, api.listen(bad, 1));
      T_CALL(t, api.accept(bad, nullptr, nullptr));
      T_CALL(t, api.connect(bad, sa(a), sizeof a));
      T_CALL(t, api.send(bad, buf, 1, 0));
      T_CALL(t, api.recv(bad, buf, 1, 0));
      T_CALL(t, api.read(bad, buf, 1));
      T_CALL(t, api.write(bad, buf, 1));
      T_CALL(t, api.shutdown(bad, SHUT_RDWR));
      T_CALL(t, api.getsockname(bad, sa(a), &len));
      T_CALL(t, api.getpeername(bad, sa(a), &len));
      T_CALL(t, api.fcntl(bad, F_GETFL));
      T_CALL(t, api.close(bad));
      epoll_event ev{};
      T_CALL(t, api.epoll_ctl(bad, EPOLL_CTL_ADD, 0, &ev));
      T_CALL(t, api.epoll_wait(bad, &ev, 1, 0));
    }
    // socket().
    T_FD(t, api.socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
    T_FD(t, api.socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
    T_FD(t, api.socket(AF_INET, SOCK_SEQPACKET, 0));
    T_FD(t, api.socket(AF_INET, SOCK_STREAM | 0x100000, 0));
    T_FD(t, api.socket(AF_INET, 13, 0));
    T_FD(t, api.socket(4242, SOCK_STREAM, 0));

    const int s = T_FD(t, api.socket(AF_INET, SOCK_STREAM, 0));
    const int u = T_FD(t, api.socket(AF_INET, SOCK_DGRAM, 0));
    const int ep = T_FD(t, api.epoll_create1(0));
    // A descriptor that is no socket.
    T_CALL(t, api.bind(ep, sa(a), sizeof a));
    T_CALL(t, api.listen(ep, 1));
    T_CALL(t, api.send(ep, buf, 1, 0));
    T_CALL(t, api.read(ep, buf, 1));
    T_CALL(t, api.getsockopt(ep, SOL_SOCKET, SO_TYPE, buf, &len));
    // bind().
    T_CALL(t, api.bind(s, sa(a), 8));
    T_CALL(t, api.bind(s, nullptr, sizeof a));
    T_CALL(t, api.bind(s, sa(a), 200));
    sockaddr_in six = a;
    six.sin_family = AF_INET6;
    T_CALL(t, api.bind(s, sa(six), sizeof six));
    const sockaddr_in foreign = inet(api.foreign, 0);
    T_CALL(t, api.bind(s, sa(foreign), sizeof foreign));
    T_CALL(t, api.bind(s, sa(a), sizeof a));
    T_CALL(t, api.bind(s, sa(a), sizeof a));
    const sockaddr_in taken = local_address(api, s);
    const int s2 = T_FD(t, api.socket(AF_INET, SOCK_STREAM, 0));
    T_CALL(t, api.bind(s2, sa(taken), sizeof taken));
    // States.
    T_CALL(t, api.accept(s, nullptr, nullptr));
    T_CALL(t, api.getpeername(s, sa(a), &len));
    T_CALL(t, api.send(s, buf, 1, MSG_NOSIGNAL));
    T_CALL(t, api.recv(s, buf, 1, 0));
    T_CALL(t, api.listen(s, 4));
    T_CALL(t, api.listen(s, 8));
    T_CALL(t, api.connect(s, sa(taken), sizeof taken));
    T_CALL(t, api.listen(s2, 4));  // the port is held by a listener
    T_CALL(t, api.accept4(s, nullptr, nullptr, 0x4242));
    const Pair p = connect_pair(api, t, s);
    T_CALL(t, api.listen(p.client, 4));
    T_CALL(t, api.connect(p.client, sa(taken), sizeof taken));
    T_CALL(t, api.connect(p.client, sa(taken), 4));
    T_CALL(t, api.bind(p.client, sa(a), sizeof a));
    T_CALL(t, api.send(p.client, nullptr, 4, 0));
    T_CALL(t, api.send(p.client, nullptr, 0, 0));
    T_CALL(t, api.shutdown(p.client, 7));
    T_CALL(t, api.shutdown(p.client, -1));
    T_CALL(t, api.getsockname(p.client, sa(a), nullptr));
    socklen_t negative = static_cast<socklen_t>(-1);
    T_CALL(t, api.getsockname(p.client, sa(a), &negative));
    socklen_t short_len = 4;
    T_CALL(t, api.getsockname(p.client, sa(a), &short_len));
    t.value("truncated getsockname reports the full length", short_len);
    // Wrong types.
    T_CALL(t, api.listen(u, 1));
    T_CALL(t, api.accept(u, nullptr, nullptr));
    T_CALL(t, api.setsockopt(u, IPPROTO_TCP, TCP_NODELAY, buf, 4));
    // epoll_ctl() and epoll_wait().
    epoll_event ev{};
    ev.events = EPOLLIN;
    T_CALL(t, api.epoll_ctl(ep, EPOLL_CTL_ADD, s, nullptr));
    T_CALL(t, api.epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
    T_CALL(t, api.epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
    T_CALL(t, api.epoll_ctl(ep, EPOLL_CTL_MOD, u, &ev));
    T_CALL(t, api.epoll_ctl(ep, EPOLL_CTL_DEL, u, nullptr));
    T_CALL(t, api.epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
    T_CALL(t, api.epoll_ctl(s, EPOLL_CTL_ADD, u, &ev));
    T_CALL(t, api.epoll_ctl(ep, 99, u, &ev));
    T_CALL(t, api.epoll_ctl(ep, EPOLL_CTL_DEL, s, nullptr));
    T_CALL(t, api.epoll_wait(ep, &ev, 0, 0));
    T_CALL(t, api.epoll_wait(ep, nullptr, 1, 0));  // nothing to copy: no fault
    ev.events = EPOLLOUT;
    T_CALL(t, api.epoll_ctl(ep, EPOLL_CTL_ADD, u, &ev));
    T_CALL(t, api.epoll_wait(ep, nullptr, 1, 0));
    T_CALL(t, api.epoll_wait(ep, &ev, 1, 0));
    T_CALL(t, api.epoll_wait(s, &ev, 1, 0));
    T_FD(t, api.epoll_create1(1));
    // poll() on a closed descriptor.
    const int gone = T_FD(t, api.socket(AF_INET, SOCK_STREAM, 0));
    T_CALL(t, api.close(gone));
    pollfd pf[2] = {{gone, POLLIN, 0}, {-1, POLLIN, 0}};
    T_CALL(t, api.poll(pf, 2, 0));
    t.events("closed fd", static_cast<std::uint16_t>(pf[0].revents));
    t.events("negative fd", static_cast<std::uint16_t>(pf[1].revents));
    // fcntl().
    T_CALL(t, api.fcntl(s, 9999));
    for (const int fd : {p.client, p.server, s, s2, u, ep})
      T_CALL(t, api.close(fd));
  });
}

BOOST_AUTO_TEST_CASE(socket_options) {
  differential([](const Api& api, Trace& t) {
    const int s = T_FD(t, api.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int u = T_FD(t, api.socket(AF_INET, SOCK_DGRAM, 0));
    get_int(api, t, s, SOL_SOCKET, SO_TYPE, "SO_TYPE tcp");
    get_int(api, t, u, SOL_SOCKET, SO_TYPE, "SO_TYPE udp");
    get_int(api, t, s, SOL_SOCKET, SO_PROTOCOL, "SO_PROTOCOL");
    get_int(api, t, s, SOL_SOCKET, SO_DOMAIN, "SO_DOMAIN");
    get_int(api, t, s, SOL_SOCKET, SO_ERROR, "SO_ERROR");
    get_int(api, t, s, SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR");
    set_int(api, t, s, SOL_SOCKET, SO_REUSEADDR, 5);
    get_int(api, t, s, SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR set");
    set_int(api, t, s, SOL_SOCKET, SO_REUSEPORT, 1);
    get_int(api, t, s, SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT");
    set_int(api, t, s, SOL_SOCKET, SO_RCVBUF, 65536);
    get_int(api, t, s, SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF doubled");
    set_int(api, t, s, SOL_SOCKET, SO_SNDBUF, 100);
    get_int(api, t, s, SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF floor");
    set_int(api, t, s, SOL_SOCKET, SO_KEEPALIVE, 1);
    get_int(api, t, s, SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE");
    get_int(api, t, s, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN");
    set_int(api, t, s, SOL_SOCKET, SO_TYPE, 1);
    set_int(api, t, s, SOL_SOCKET, 4242, 1);
    set_int(api, t, s, 4242, 1, 1);
    const linger l{1, 7};
    T_CALL(t, api.setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof l));
    T_CALL(t, api.setsockopt(s, SOL_SOCKET, SO_LINGER, &l, 4));
    linger got{};
    socklen_t len = sizeof got;
    T_CALL(t, api.getsockopt(s, SOL_SOCKET, SO_LINGER, &got, &len));
    t.value("linger on", got.l_onoff);
    t.value("linger s", got.l_linger);
    t.value("linger len", len);
    const linger off{0, 0};
    T_CALL(t, api.setsockopt(s, SOL_SOCKET, SO_LINGER, &off, sizeof off));
    int one = 1;
    T_CALL(t, api.setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, 0));
    T_CALL(t, api.setsockopt(s, SOL_SOCKET, SO_REUSEADDR, nullptr, 4));
    len = 2;
    int v = 0;
    T_CALL(t, api.getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len));
    t.value("short getsockopt len", len);
    T_CALL(t, api.getsockopt(s, SOL_SOCKET, SO_TYPE, &v, nullptr));
    // TCP level.
    get_int(api, t, s, IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY");
    set_int(api, t, s, IPPROTO_TCP, TCP_NODELAY, 1);
    get_int(api, t, s, IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY set");
    get_int(api, t, s, IPPROTO_TCP, TCP_MAXSEG, "TCP_MAXSEG unconnected");
    set_int(api, t, s, IPPROTO_TCP, TCP_MAXSEG, 1000);
    get_int(api, t, s, IPPROTO_TCP, TCP_MAXSEG, "TCP_MAXSEG set");
    set_int(api, t, s, IPPROTO_TCP, TCP_MAXSEG, 10);
    get_int(api, t, s, IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE");
    get_int(api, t, s, IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL");
    get_int(api, t, s, IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT");
    set_int(api, t, s, IPPROTO_TCP, TCP_KEEPIDLE, 30);
    set_int(api, t, s, IPPROTO_TCP, TCP_KEEPINTVL, 0);
    set_int(api, t, s, IPPROTO_TCP, TCP_KEEPCNT, 128);
    set_int(api, t, s, IPPROTO_TCP, TCP_KEEPCNT, 3);
    get_int(api, t, s, IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE set");
    get_int(api, t, s, IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT set");
    get_int(api, t, u, IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY on UDP");
    get_int(api, t, s, 4242, 1, "unknown level");
    get_int(api, t, u, SOL_SOCKET, 4242, "unknown option");
    tcp_info info{};
    len = sizeof info;
    T_CALL(t, api.getsockopt(s, IPPROTO_TCP, TCP_INFO, &info, &len));
    t.value("tcpi_state fresh", info.tcpi_state);
    // fcntl().
    t.value("F_GETFD", api.fcntl(s, F_GETFD));
    T_CALL(t, api.fcntl(s, F_SETFD, 0));
    t.value("F_GETFD cleared", api.fcntl(s, F_GETFD));
    t.value("F_GETFL", api.fcntl(s, F_GETFL));
    T_CALL(t, api.fcntl(s, F_SETFL, O_NONBLOCK | O_RDONLY));
    t.value("F_GETFL nonblocking", api.fcntl(s, F_GETFL));

    // On a listener and on a connection.
    const int ls = make_listener(api, t);
    get_int(api, t, ls, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN listening");
    len = sizeof info;
    T_CALL(t, api.getsockopt(ls, IPPROTO_TCP, TCP_INFO, &info, &len));
    t.value("tcpi_state listening", info.tcpi_state);
    const Pair p = connect_pair(api, t, ls);
    len = sizeof info;
    T_CALL(t, api.getsockopt(p.client, IPPROTO_TCP, TCP_INFO, &info, &len));
    t.value("tcpi_state established", info.tcpi_state);
    t.value("tcpi_options", info.tcpi_options);
    t.value("TCP_INFO len", len);
    BOOST_TEST(info.tcpi_rto > 0u);
    BOOST_TEST(info.tcpi_snd_mss > 0u);
    BOOST_TEST(info.tcpi_snd_cwnd > 0u);
    get_int(api, t, p.server, IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY inherited");
    get_int(api, t, p.server, IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE inherited");
    for (const int fd : {p.client, p.server, ls, s, u})
      T_CALL(t, api.close(fd));
  });
}

// TCP_MAXSEG set before connect() and before listen(): the SYNs announce it,
// a listener's reaches the sockets it accepts, and both ends then send
// segments no larger than the smaller of the two (TCP_MAXSEG reports the
// payload: the MSS less the 12 bytes of timestamps every segment repeats).
BOOST_AUTO_TEST_CASE(tcp_maxseg_before_connect_and_listen_caps_both_ends) {
  differential([](const Api& api, Trace& t) {
    const int l = T_FD(t, api.socket(AF_INET, SOCK_STREAM, 0));
    set_int(api, t, l, IPPROTO_TCP, TCP_MAXSEG, 700);
    const sockaddr_in a = inet(api.server, 0);
    T_CALL(t, api.bind(l, sa(a), sizeof a));
    T_CALL(t, api.listen(l, 16));
    for (const int client_mss : {600, 0}) {
      const int c = T_FD(t, api.socket(AF_INET, SOCK_STREAM, 0));
      if (client_mss != 0) set_int(api, t, c, IPPROTO_TCP, TCP_MAXSEG, client_mss);
      const sockaddr_in to = listen_address(api, l);
      T_CALL(t, api.connect(c, sa(to), sizeof to));
      const int s = T_FD(t, api.accept(l, nullptr, nullptr));
      const std::string which = client_mss != 0 ? " (client 600)" : " (client unset)";
      get_int(api, t, c, IPPROTO_TCP, TCP_MAXSEG, ("client TCP_MAXSEG" + which).c_str());
      get_int(api, t, s, IPPROTO_TCP, TCP_MAXSEG, ("accepted TCP_MAXSEG" + which).c_str());
      T_CALL(t, api.close(c));
      T_CALL(t, api.close(s));
    }
    T_CALL(t, api.close(l));
  });
}

BOOST_AUTO_TEST_CASE(reuseaddr_and_reuseport_binding_rules) {
  differential([](const Api& api, Trace& t) {
    const int a = T_FD(t, api.socket(AF_INET, SOCK_STREAM, 0));
    const int b = T_FD(t, api.socket(AF_INET, SOCK_STREAM, 0));
    const int c = T_FD(t, api.socket(AF_INET, SOCK_STREAM, 0));
    set_int(api, t, a, SOL_SOCKET, SO_REUSEADDR, 1);
    set_int(api, t, b, SOL_SOCKET, SO_REUSEADDR, 1);
    const sockaddr_in any_port = inet(api.server, 0);
    T_CALL(t, api.bind(a, sa(any_port), sizeof any_port));
    const sockaddr_in port = local_address(api, a);
    T_CALL(t, api.bind(b, sa(port), sizeof port));  // both SO_REUSEADDR, neither listening
    T_CALL(t, api.bind(c, sa(port), sizeof port));  // c has no SO_REUSEADDR
    T_CALL(t, api.listen(a, 4));
    T_CALL(t, api.listen(b, 4));  // a listens now
    const int d = T_FD(t, api.socket(AF_INET, SOCK_STREAM, 0));
    set_int(api, t, d, SOL_SOCKET, SO_REUSEADDR, 1);
    T_CALL(t, api.bind(d, sa(port), sizeof port));

    const int r1 = T_FD(t, api.socket(AF_INET, SOCK_STREAM, 0));
    const int r2 = T_FD(t, api.socket(AF_INET, SOCK_STREAM, 0));
    set_int(api, t, r1, SOL_SOCKET, SO_REUSEPORT, 1);
    set_int(api, t, r2, SOL_SOCKET, SO_REUSEPORT, 1);
    T_CALL(t, api.bind(r1, sa(any_port), sizeof any_port));
    const sockaddr_in rport = local_address(api, r1);
    T_CALL(t, api.listen(r1, 4));
    T_CALL(t, api.bind(r2, sa(rport), sizeof rport));
    T_CALL(t, api.listen(r2, 4));
    for (const int fd : {a, b, c, d, r1, r2})
      T_CALL(t, api.close(fd));
  });
}

BOOST_AUTO_TEST_CASE(blocking_calls_with_timeouts) {
  differential([](const Api& api, Trace& t) {
    const int l = make_listener(api, t);
    const timeval tv{0, 150'000};
    T_CALL(t, api.setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    T_CALL(t, api.accept(l, nullptr, nullptr));  // times out: EAGAIN
    const Pair p = connect_pair(api, t, l);
    // A blocking send that fills both buffers stops with the bytes it sent
    // once its timeout passes (the peer is not reading).
    T_CALL(t, api.setsockopt(p.client, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
    std::vector<char> big(64 << 20, 'x');
    long sent = api.send(p.client, big.data(), big.size(), 0);
    t.value("a partial send", sent > 0 && sent < static_cast<long>(big.size()));
    // Linux may find more room (its buffers grow); in the end a blocking send
    // with no room at all times out with EAGAIN.
    long more = 0;
    int tries = 0;
    while ((more = api.send(p.client, big.data(), big.size(), 0)) > 0 && ++tries < 100)
      sent += more;
    t.call("then", more);
    t.events("client full", wait_for(api, p.client, POLLOUT, 0));
    // Reading makes room: EPOLLOUT comes back.
    long drained = 0;
    while (drained < sent) {
      const long n = api.recv(p.server, big.data(), big.size(), MSG_DONTWAIT);
      if (n > 0) {
        drained += n;
      } else {
        (void)wait_for(api, p.server, POLLIN, kLong);
      }
    }
    t.events("client writable again", wait_for(api, p.client, POLLOUT, kLong));
    T_CALL(t, api.close(p.client));
    T_CALL(t, api.close(p.server));
    T_CALL(t, api.close(l));
  });
}

BOOST_AUTO_TEST_SUITE_END()
