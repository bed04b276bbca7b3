#!/usr/bin/env bash
# Throwaway Dovecot POP3 instance for the POP3 retrieval comparison (see run-pop3-bench.sh).
#
#   dovecot.sh start [port]                      install Dovecot if missing, (re)write the config, start; POP3 only,
#                                                listening ONLY on 127.0.0.1:port (default 1111)
#   dovecot.sh stop                              stop the instance (maildirs are kept)
#   dovecot.sh fill ACCOUNTS PER_ACCOUNT SIZE    add PER_ACCOUNT messages of about SIZE bytes to each of the Maildirs
#                                                of user0@example.com .. user<ACCOUNTS-1>@example.com
#   dovecot.sh count                             print the number of messages in all the Maildirs (new/ + cur/)
#   dovecot.sh clean                             stop, then delete the whole instance directory
#
# The instance has its own config file, base_dir and state_dir (dovecot -c DIR/dovecot.conf), so a system Dovecot is
# not touched. Users user0@example.com .. (at least 64, more if fill asks for more) log in with password
# bench-password-1 (passwd-file; cleartext allowed: loopback only, no TLS); all of them map to the Unix
# user benchmail, Maildir DIR/mail/<address>/. Durability is Dovecot's default (mail_fsync = optimized). Only limits
# that would throttle 64 sessions from 127.0.0.1 are raised, and the 2 s delay after a failed login is off.
#
# fill writes the same message shape as the smtp bench's MessageFactory (same headers, 76-column lines of the same
# words, every 16th line starting with ". ", every 64th a lone "."), preceded by the Return-Path and Received fields an
# MTA adds, LF line ends on disk (Maildir convention; Dovecot sends CRLF). SIZE counts the message as it is on the wire
# (CRLF), like the smtp bench's --size. Files are written to tmp/ and renamed into new/, named with ,S= and ,W= sizes as
# Dovecot's own LDA/LMTP delivery names them; then, if the instance is running, each INBOX is synced once
# (doveadm mailbox status), as a delivery through Dovecot would have kept the index current. DOVECOT_FILL_INDEX=0
# skips that, leaving the first POP3 session to discover and index the files (as after Postfix's virtual delivery).
# The new files are flushed to disk (sync -f) before fill returns, as durable deliveries would be.
#
# Passwords are stored as a slow salted hash, as EmailAI stores them (PBKDF2-SHA512, 210,000 iterations, about
# 0.15 s of CPU per login here): SHA512-CRYPT with 400,000 rounds costs Dovecot about the same per login, so the
# comparison is not skewed by one server checking a cheap hash. DOVECOT_PASS_SCHEME=PLAIN shows Dovecot without it.
#
# Environment: DOVECOT_BENCH_DIR (default /var/tmp/emailai-bench-dovecot), DOVECOT_FILL_INDEX (default 1),
# DOVECOT_PASS_SCHEME (default SHA512-CRYPT), DOVECOT_PASS_ROUNDS (default 400000).
set -euo pipefail

DIR="${DOVECOT_BENCH_DIR:-/var/tmp/emailai-bench-dovecot}"
CONF="$DIR/dovecot.conf"
USERS="$DIR/users"
MAIL="$DIR/mail"
HOMES="$DIR/home"
USER_NAME=benchmail
PASSWORD=bench-password-1
PASS_SCHEME="${DOVECOT_PASS_SCHEME:-SHA512-CRYPT}"
PASS_ROUNDS="${DOVECOT_PASS_ROUNDS:-400000}"
MIN_USERS=64

die() { echo "dovecot.sh: $*" >&2; exit 1; }

# The passwd-file password field: one salted hash computed once (every user has the same password).
stored_password() {
  if [ "$PASS_SCHEME" = PLAIN ]; then
    printf '{PLAIN}%s' "$PASSWORD"
    return
  fi
  if [ ! -s "$DIR/password-hash" ]; then
    doveadm pw -s "$PASS_SCHEME" -r "$PASS_ROUNDS" -p "$PASSWORD" > "$DIR/password-hash"
  fi
  cat "$DIR/password-hash"
}

ensure_installed() {
  export PATH="/usr/sbin:/usr/bin:$PATH"
  if ! command -v dovecot >/dev/null 2>&1 || [ ! -x /usr/lib/dovecot/pop3 ]; then
    echo "dovecot.sh: installing dovecot-core dovecot-pop3d" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q dovecot-core dovecot-pop3d >&2
  fi
  id "$USER_NAME" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
}

master_pid() {
  local pid
  [ -f "$DIR/run/master.pid" ] || return 1
  pid="$(cat "$DIR/run/master.pid" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

is_running() { master_pid >/dev/null; }

# The users file lists user0..user<n-1>; Dovecot re-reads a passwd-file when it changes, so fill can extend it live.
write_users() {
  local count="$1" uid gid i address
  uid="$(id -u "$USER_NAME")"
  gid="$(id -g "$USER_NAME")"
  mkdir -p "$DIR"
  {
    for ((i = 0; i < count; i++)); do
      address="user$i@example.com"
      printf '%s:%s:%s:%s::%s/%s::\n' "$address" "$(stored_password)" "$uid" "$gid" "$HOMES" "$address"
    done
  } > "$USERS.new"
  chmod 0640 "$USERS.new"
  chown root:dovecot "$USERS.new"
  mv "$USERS.new" "$USERS"
}

user_count() { [ -f "$USERS" ] && wc -l < "$USERS" || echo 0; }

write_config() {
  local port="$1" uid
  uid="$(id -u "$USER_NAME")"
  mkdir -p "$DIR/run" "$DIR/state" "$MAIL" "$HOMES"
  chmod 0755 "$DIR" "$DIR/run"
  chown "$USER_NAME:$USER_NAME" "$MAIL" "$HOMES"
  [ "$(user_count)" -ge "$MIN_USERS" ] || write_users "$MIN_USERS"

  cat > "$CONF" <<EOF
# Generated by tests/EmailAI.Bench/dovecot.sh; rewritten on every start.
base_dir = $DIR/run
state_dir = $DIR/state
instance_name = emailai-bench-dovecot
log_path = $DIR/dovecot.log

protocols = pop3
listen = 127.0.0.1
ssl = no
# Loopback only and a throwaway instance: USER/PASS in cleartext (Dovecot 2.3 name of the setting).
disable_plaintext_auth = no
auth_mechanisms = plain
# No delay after a failed login, and no anvil auth penalty (the delay per client IP that grows with each failed
# login and then also holds up that IP's successful logins): without its socket the auth process skips it.
auth_failure_delay = 0
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $USERS
}
userdb {
  driver = passwd-file
  args = username_format=%u $USERS
}
mail_location = maildir:$MAIL/%u
first_valid_uid = $uid
first_valid_gid = 1

# Nothing may throttle 64 concurrent sessions from 127.0.0.1.
default_process_limit = 512
default_client_limit = 4096
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $port
  }
  inet_listener pop3s {
    port = 0
  }
  process_limit = 512
}
service pop3 {
  process_limit = 512
}
protocol pop3 {
  mail_max_userip_connections = 512
}
EOF
}

cmd_start() {
  local port="${1:-1111}" warnings
  ensure_installed
  cmd_stop
  write_config "$port"
  warnings="$(doveconf -c "$CONF" -n 2>&1 >/dev/null)" || die "invalid config: $warnings"
  [ -z "$warnings" ] || echo "dovecot.sh: doveconf: $warnings" >&2
  dovecot -c "$CONF" || { tail -n 20 "$DIR/dovecot.log" >&2 2>/dev/null; die "dovecot failed to start"; }
  # Wait for the greeting (the login process is forked per connection, so +OK means the chain is up).
  for _ in $(seq 1 50); do
    if [[ "$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && head -c 3 <&3" 2>/dev/null || true)" == "+OK" ]]; then
      echo "dovecot.sh: POP3 on 127.0.0.1:$port (instance $DIR, $(dovecot --version))" >&2
      return 0
    fi
    sleep 0.2
  done
  tail -n 20 "$DIR/dovecot.log" >&2 2>/dev/null || true
  die "no POP3 greeting on 127.0.0.1:$port"
}

cmd_stop() {
  local pid
  export PATH="/usr/sbin:/usr/bin:$PATH"
  pid="$(master_pid)" || return 0
  doveadm -c "$CONF" stop >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  die "dovecot (master pid $pid) did not stop"
}

cmd_fill() {
  local accounts="${1:-}" per="${2:-}" size="${3:-}" i address date run_id
  [[ "$accounts" =~ ^[1-9][0-9]*$ && "$per" =~ ^[0-9]+$ && "$size" =~ ^[1-9][0-9]*$ ]] \
    || die "usage: fill ACCOUNTS PER_ACCOUNT SIZE (positive integers)"
  ensure_installed
  [ "$(user_count)" -ge "$accounts" ] || write_users "$(( accounts > MIN_USERS ? accounts : MIN_USERS ))"
  mkdir -p "$MAIL" "$HOMES"
  for ((i = 0; i < accounts; i++)); do
    address="user$i@example.com"
    mkdir -p "$MAIL/$address/tmp" "$MAIL/$address/new" "$MAIL/$address/cur" "$HOMES/$address"
  done
  date="$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S +0000')"
  run_id="$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"

  # One awk writes every file; the body (as in MessageFactory) is generated once and shared.
  awk -v mail="$MAIL" -v accounts="$accounts" -v per="$per" -v size="$size" -v date="$date" -v run="$run_id" \
      -v stamp="$(date +%s)" -v pid="$$" '
    function word() { return words[int(rand() * nwords)] }
    BEGIN {
      nwords = split("mail server queue delivery message inbox latency throughput grain silo " \
        "append durable commit storage envelope recipient sender header body test " \
        "lorem ipsum dolor sit amet quick brown fox jumps over lazy dog", words, " ")
      for (k = 1; k <= nwords; k++) words[k - 1] = words[k]
      srand(5322)
      target = size - 320; if (target < 76) target = 76
      body = ""; bodylines = 0; unstuffed = 0
      for (n = 1; unstuffed < target; n++) {
        if (n % 64 == 0) line = "."
        else {
          line = (n % 16 == 0) ? ". " : ""
          limit = target - unstuffed; if (limit > 76) limit = 76
          while (1) {
            w = word()
            sep = (line == "" || substr(line, length(line), 1) == " ") ? "" : " "
            if (length(line) + length(sep) + length(w) > limit && line != "") break
            line = line sep w
          }
        }
        body = body line "\n"; bodylines++
        unstuffed += length(line) + 2
      }
      for (a = 0; a < accounts; a++) {
        to = "user" a "@example.com"
        for (m = 1; m <= per; m++) {
          id = "f" a "." m
          header = "Return-Path: <bench@load.test>\n" \
            "Received: from bench.load.test ([127.0.0.1])\n" \
            "\tby dovecot-bench.local (dovecot.sh fill) with ESMTP id " run "-" id "\n" \
            "\tfor <" to ">; " date "\n" \
            "From: Bench Sender <bench@load.test>\n" \
            "To: <" to ">\n" \
            "Subject: EmailAI bench message " id "\n" \
            "Date: " date "\n" \
            "Message-ID: <" run "." id "@load.test>\n" \
            "MIME-Version: 1.0\n" \
            "Content-Type: text/plain; charset=us-ascii\n" \
            "Content-Transfer-Encoding: 7bit\n" \
            "\n"
          headerlines = 13
          physical = length(header) + length(body)
          virtual = physical + headerlines + bodylines
          file = mail "/" to "/tmp/" stamp ".M" m "P" pid "A" a ".bench,S=" physical ",W=" virtual
          printf "%s%s", header, body > file
          close(file)
        }
      }
    }'
  for ((i = 0; i < accounts; i++)); do
    address="user$i@example.com"
    find "$MAIL/$address/tmp" -maxdepth 1 -type f -name "*.bench,S=*" -exec mv -t "$MAIL/$address/new" {} +
  done
  chown -R "$USER_NAME:$USER_NAME" "$MAIL" "$HOMES"
  # On disk, as fsynced deliveries would have left them. (Files still dirty in the page cache make the measured run
  # unrealistically cheap: DELE+QUIT unlinks them before their blocks were ever allocated or written.)
  sync -f "$MAIL"
  if [ "${DOVECOT_FILL_INDEX:-1}" != 0 ]; then
    if is_running; then
      for ((i = 0; i < accounts; i++)); do
        doveadm -c "$CONF" mailbox status -u "user$i@example.com" messages INBOX >/dev/null
      done
    else
      echo "dovecot.sh: not running, INBOX indexes not synced (the first POP3 session will index)" >&2
    fi
  fi
  echo "dovecot.sh: added $per messages of ~$size bytes to each of $accounts Maildirs" >&2
}

cmd_count() {
  local n=0 d
  shopt -s nullglob
  for d in "$MAIL"/*/new "$MAIL"/*/cur; do
    n=$((n + $(find "$d" -maxdepth 1 -type f | wc -l)))
  done
  echo "$n"
}

cmd_clean() {
  cmd_stop
  rm -rf "$DIR"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  fill) shift; cmd_fill "$@" ;;
  count) cmd_count ;;
  clean) cmd_clean ;;
  *) echo "usage: $0 start [port] | stop | fill ACCOUNTS PER_ACCOUNT SIZE | count | clean" >&2; exit 2 ;;
esac
