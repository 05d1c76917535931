/*
 * A fake game server for integration tests, compiled statically (gcc -static) into a scratch image.
 * It speaks the real protocols the orchestrator probes:
 *   - Steam/Source query on UDP $QUERY_PORT: A2S_INFO and A2S_PLAYER, both behind the challenge
 *     handshake (S2C_CHALLENGE 'A'), as current Source servers do;
 *   - Minecraft Java Server List Ping on TCP $MC_PORT (handshake, status request, ping);
 *   - a log line "Game server ready" once $READY_AFTER seconds have passed (before that it does not
 *     answer queries: the game is "still loading").
 * Files in $DATA (the server's data/ folder) steer it while it runs:
 *   players  one player name per line (the players online);
 *   freeze   while it exists the server answers nothing (a frozen game).
 * Every line typed on stdin is echoed as "console: <line>". SIGTERM ends it with exit code 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_PLAYERS 16
static volatile sig_atomic_t stop_requested = 0;
static const char *data_dir = "/home/steam/steamcmd/data";
static const char *server_name = "Fake Server";
static const uint32_t CHALLENGE = 0x4b1d2c3eu;

static void on_term(int sig) { (void)sig; stop_requested = 1; }

static int exists(const char *name) {
  char path[512];
  struct stat st;
  snprintf(path, sizeof path, "%s/%s", data_dir, name);
  return stat(path, &st) == 0;
}

static int read_players(char names[MAX_PLAYERS][64]) {
  char path[512];
  snprintf(path, sizeof path, "%s/players", data_dir);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  int n = 0;
  char line[128];
  while (n < MAX_PLAYERS && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = 0;
    if (line[0] == 0) continue;
    snprintf(names[n], 64, "%.63s", line);
    n++;
  }
  fclose(f);
  return n;
}

static size_t put_str(uint8_t *p, const char *s) {
  size_t n = strlen(s) + 1;
  memcpy(p, s, n);
  return n;
}

static size_t challenge_reply(uint8_t *out) {
  memcpy(out, "\xFF\xFF\xFF\xFF" "A", 5);
  memcpy(out + 5, &CHALLENGE, 4);
  return 9;
}

static void handle_udp(int fd) {
  uint8_t in[1400], out[1400];
  struct sockaddr_in from;
  socklen_t flen = sizeof from;
  ssize_t n = recvfrom(fd, in, sizeof in, 0, (struct sockaddr *)&from, &flen);
  if (n < 5 || memcmp(in, "\xFF\xFF\xFF\xFF", 4) != 0) return;
  size_t len = 0;
  char names[MAX_PLAYERS][64];
  if (in[4] == 'T') {
    const size_t base = 5 + 20; /* "Source Engine Query\0" */
    uint32_t got;
    if ((size_t)n < base + 4 || (memcpy(&got, in + base, 4), got != CHALLENGE)) {
      len = challenge_reply(out);
    } else {
      int players = read_players(names);
      uint8_t *p = out;
      memcpy(p, "\xFF\xFF\xFF\xFF" "I", 5); p += 5;
      *p++ = 17;
      p += put_str(p, server_name);
      p += put_str(p, "fake_map");
      p += put_str(p, "fakegame");
      p += put_str(p, "Fake Game");
      *p++ = 0; *p++ = 0;          /* app id 0 */
      *p++ = (uint8_t)players;
      *p++ = MAX_PLAYERS;
      *p++ = 0;                    /* bots */
      *p++ = 'd'; *p++ = 'l'; *p++ = 0; *p++ = 1;
      p += put_str(p, "1.0.7");
      *p++ = 0x80;                 /* EDF: game port follows */
      uint16_t port = (uint16_t)atoi(getenv("QUERY_PORT") ? getenv("QUERY_PORT") : "0");
      memcpy(p, &port, 2); p += 2;
      len = (size_t)(p - out);
    }
  } else if (in[4] == 'U') {
    uint32_t got;
    if (n < 9 || (memcpy(&got, in + 5, 4), got != CHALLENGE)) {
      len = challenge_reply(out);
    } else {
      int players = read_players(names);
      uint8_t *p = out;
      memcpy(p, "\xFF\xFF\xFF\xFF" "D", 5); p += 5;
      *p++ = (uint8_t)players;
      for (int i = 0; i < players; i++) {
        *p++ = (uint8_t)i;
        p += put_str(p, names[i]);
        int32_t score = i * 10;
        float duration = 60.0f * (float)(i + 1);
        memcpy(p, &score, 4); p += 4;
        memcpy(p, &duration, 4); p += 4;
      }
      len = (size_t)(p - out);
    }
  } else {
    return;
  }
  sendto(fd, out, len, 0, (struct sockaddr *)&from, flen);
}

static int read_varint(int fd, int32_t *value) {
  uint32_t result = 0;
  for (int i = 0; i < 5; i++) {
    uint8_t b;
    if (read(fd, &b, 1) != 1) return -1;
    result |= (uint32_t)(b & 0x7F) << (7 * i);
    if (!(b & 0x80)) { *value = (int32_t)result; return 0; }
  }
  return -1;
}

static size_t put_varint(uint8_t *p, uint32_t v) {
  size_t n = 0;
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    if (v) b |= 0x80;
    p[n++] = b;
  } while (v);
  return n;
}

static int read_fully(int fd, uint8_t *buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    ssize_t r = read(fd, buf + got, len - got);
    if (r <= 0) return -1;
    got += (size_t)r;
  }
  return 0;
}

static void send_packet(int fd, int id, const uint8_t *payload, size_t plen) {
  uint8_t head[10];
  size_t hl = put_varint(head, (uint32_t)(plen + 1));
  head[hl++] = (uint8_t)id;
  if (write(fd, head, hl) < 0 || write(fd, payload, plen) < 0) return;
}

static void handle_tcp(int listener) {
  int fd = accept(listener, NULL, NULL);
  if (fd < 0) return;
  struct timeval tv = {2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  for (int packets = 0; packets < 3; packets++) {
    int32_t len, id;
    if (read_varint(fd, &len) || len < 1 || len > 4096) break;
    uint8_t body[4096];
    if (read_fully(fd, body, (size_t)len)) break;
    id = body[0];
    if (packets == 0) continue; /* handshake: next state 1 assumed */
    if (id == 0 && len == 1) {
      char names[MAX_PLAYERS][64];
      int players = read_players(names);
      char json[3072];
      int off = snprintf(json, sizeof json,
                         "{\"version\":{\"name\":\"1.21.1\",\"protocol\":767},"
                         "\"players\":{\"max\":%d,\"online\":%d,\"sample\":[",
                         MAX_PLAYERS, players);
      for (int i = 0; i < players; i++) {
        off += snprintf(json + off, sizeof json - (size_t)off,
                        "%s{\"name\":\"%s\",\"id\":\"00000000-0000-0000-0000-00000000000%d\"}",
                        i ? "," : "", names[i], i % 10);
      }
      off += snprintf(json + off, sizeof json - (size_t)off,
                      "]},\"description\":{\"text\":\"%s\"}}", server_name);
      uint8_t payload[3100];
      size_t pl = put_varint(payload, (uint32_t)off);
      memcpy(payload + pl, json, (size_t)off);
      send_packet(fd, 0, payload, pl + (size_t)off);
    } else if (id == 1 && len == 9) {
      send_packet(fd, 1, body + 1, 8);
      break;
    } else {
      break;
    }
  }
  close(fd);
}

static int bind_socket(int type, int port) {
  int fd = socket(AF_INET, type, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    fprintf(stderr, "cannot bind port %d: %s\n", port, strerror(errno));
    exit(2);
  }
  if (type == SOCK_STREAM) listen(fd, 16);
  return fd;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGTERM, on_term);
  signal(SIGINT, on_term);
  signal(SIGPIPE, SIG_IGN);
  if (getenv("DATA")) data_dir = getenv("DATA");
  if (getenv("SERVER_NAME") && getenv("SERVER_NAME")[0]) server_name = getenv("SERVER_NAME");
  int query_port = getenv("QUERY_PORT") ? atoi(getenv("QUERY_PORT")) : 0;
  int mc_port = getenv("MC_PORT") ? atoi(getenv("MC_PORT")) : 0;
  int ready_after = getenv("READY_AFTER") ? atoi(getenv("READY_AFTER")) : 0;
  printf("fakequery starting: query=%d mc=%d ready_after=%ds\n", query_port, mc_port, ready_after);
  time_t started = time(NULL);
  int ready = 0;
  int udp = query_port > 0 ? bind_socket(SOCK_DGRAM, query_port) : -1;
  int tcp = mc_port > 0 ? bind_socket(SOCK_STREAM, mc_port) : -1;
  int stdin_open = 1;
  while (!stop_requested) {
    if (!ready && time(NULL) - started >= ready_after) {
      ready = 1;
      printf("Game server ready\n");
    }
    struct pollfd fds[3];
    int nfds = 0;
    fds[nfds++] = (struct pollfd){.fd = stdin_open ? 0 : -1, .events = POLLIN};
    fds[nfds++] = (struct pollfd){.fd = udp, .events = POLLIN};
    fds[nfds++] = (struct pollfd){.fd = tcp, .events = POLLIN};
    int r = poll(fds, (nfds_t)nfds, 200);
    if (r <= 0) continue;
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      char line[512];
      if (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = 0;
        printf("console: %s\n", line);
      } else {
        stdin_open = 0;
      }
    }
    int frozen = !ready || exists("freeze");
    if (udp >= 0 && (fds[1].revents & POLLIN)) {
      if (frozen) {
        uint8_t drop[1500];
        recv(udp, drop, sizeof drop, 0);
      } else {
        handle_udp(udp);
      }
    }
    if (tcp >= 0 && (fds[2].revents & POLLIN)) {
      if (frozen) {
        int fd = accept(tcp, NULL, NULL);
        if (fd >= 0) close(fd);
      } else {
        handle_tcp(tcp);
      }
    }
  }
  printf("fakequery stopping\n");
  return 0;
}
