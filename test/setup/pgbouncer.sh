#!/usr/bin/env bash
# PgBouncer in transaction mode in front of the machine's PostgreSQL, for the server-mode test pass.
#
#   test/setup/pgbouncer.sh start    installs pgbouncer (Debian package) if missing, starts it unless
#                                    it already runs, and prints its port on stdout (nothing else)
#   test/setup/pgbouncer.sh stop     stops it and removes its runtime directory
#   test/setup/pgbouncer.sh status   prints the port if it runs, exits 1 otherwise
#   test/setup/pgbouncer.sh ca       prints the path of the CA that signed its TLS certificate
#
# It listens on 127.0.0.1 (the first free port from PGBOUNCER_PORT, default 6432), trusts every
# client (auth_type = trust), sends every database name to PostgreSQL at PG_HOST:PG_PORT
# (127.0.0.1:5432) and offers TLS to clients (client_tls_sslmode = allow) with a throwaway CA made
# here, so a client can check it with sslmode=verify-full and NODE_EXTRA_CA_CERTS=<ca>.
# Runtime files (config, certificates, log, pid) live in PGBOUNCER_DIR (/tmp/subspace-pgbouncer).
# Progress goes to stderr.
set -euo pipefail

DIR=${PGBOUNCER_DIR:-/tmp/subspace-pgbouncer}
FIRST_PORT=${PGBOUNCER_PORT:-6432}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}

say() { echo "pgbouncer.sh: $*" >&2; }

find_pgbouncer() {
  command -v pgbouncer 2>/dev/null || { [ -x /usr/sbin/pgbouncer ] && echo /usr/sbin/pgbouncer; } || true
}

# Runs a command as root: directly, or through sudo when that needs no password.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}

install_pgbouncer() {
  say "installing pgbouncer from the Debian packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pgbouncer >&2
  # the package may start its own instance (on 6432, from /etc/pgbouncer); ours does not need it
  as_root service pgbouncer stop >/dev/null 2>&1 || true
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The port of our running pgbouncer, if it runs.
running_port() {
  [ -f "$DIR/pgbouncer.pid" ] && [ -f "$DIR/port" ] || return 1
  local pid
  pid=$(cat "$DIR/pgbouncer.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  port_in_use "$(cat "$DIR/port")" || return 1
  cat "$DIR/port"
}

# pgbouncer refuses to run as root: as root, it switches (-u) to the PostgreSQL system user.
run_user() {
  if [ "$(id -u)" = 0 ]; then
    if id postgres >/dev/null 2>&1; then echo postgres; else echo nobody; fi
  else
    id -un
  fi
}

make_certificates() {
  [ -f "$DIR/server.crt" ] && [ -f "$DIR/ca.pem" ] && return 0
  say "making a throwaway CA and a server certificate for localhost/127.0.0.1"
  openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=Subspace test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$DIR/ca.key" -out "$DIR/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$DIR/server.key" -out "$DIR/server.csr" 2>/dev/null
  printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >"$DIR/server.ext"
  openssl x509 -req -days 7 -in "$DIR/server.csr" -CA "$DIR/ca.pem" -CAkey "$DIR/ca.key" -CAcreateserial \
    -extfile "$DIR/server.ext" -out "$DIR/server.crt" 2>/dev/null
  rm -f "$DIR/server.csr" "$DIR/server.ext" "$DIR/ca.srl"
}

start() {
  local port
  if port=$(running_port); then
    say "already running on port $port"
    echo "$port"
    return 0
  fi
  local bin
  bin=$(find_pgbouncer)
  if [ -z "$bin" ]; then
    install_pgbouncer
    bin=$(find_pgbouncer)
    [ -n "$bin" ] || { say "pgbouncer is not installed and could not be installed"; exit 1; }
  fi

  port=$FIRST_PORT
  while port_in_use "$port"; do
    port=$((port + 1))
    [ "$port" -lt $((FIRST_PORT + 100)) ] || { say "no free port from $FIRST_PORT"; exit 1; }
  done

  local user
  user=$(run_user)
  rm -rf "$DIR"
  mkdir -p "$DIR"
  make_certificates
  # trust authentication still wants the user names in the auth file
  printf '"%s" ""\n' "$PG_USER" >"$DIR/userlist.txt"
  cat >"$DIR/pgbouncer.ini" <<EOF
[databases]
* = host=$PG_HOST port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $DIR/userlist.txt
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 10
; PostgreSQL allows 100 connections; the suite makes many databases, each with its own pool
max_user_connections = 60
server_idle_timeout = 15
; after a PostgreSQL restart, try the server again within a second (the default waits 15 s)
server_login_retry = 1
server_tls_sslmode = disable
; node-postgres sends these in the startup packet, and PgBouncer 1.18 refuses unknown parameters
ignore_startup_parameters = extra_float_digits,options,statement_timeout,lock_timeout,idle_in_transaction_session_timeout
client_tls_sslmode = allow
client_tls_cert_file = $DIR/server.crt
client_tls_key_file = $DIR/server.key
client_tls_protocols = secure
logfile = $DIR/pgbouncer.log
pidfile = $DIR/pgbouncer.pid
log_connections = 0
log_disconnections = 0
EOF
  echo "$port" >"$DIR/port"
  chmod 700 "$DIR"
  chmod 600 "$DIR/ca.key" "$DIR/server.key"
  chmod 644 "$DIR/ca.pem" "$DIR/server.crt"
  # room for max_client_conn file descriptors (the soft limit is often 1024)
  ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  if [ "$(id -u)" = 0 ]; then
    chown -R "$user" "$DIR"
    chmod 755 "$DIR" # the CA must be readable by the tests' user too
    say "starting $bin as $user on 127.0.0.1:$port (transaction mode, TLS offered)"
    "$bin" -d -u "$user" "$DIR/pgbouncer.ini" >&2
  else
    chmod 755 "$DIR"
    say "starting $bin on 127.0.0.1:$port (transaction mode, TLS offered)"
    "$bin" -d "$DIR/pgbouncer.ini" >&2
  fi

  local tries=0
  until running_port >/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ]; then
      say "pgbouncer did not come up; its log:"
      cat "$DIR/pgbouncer.log" >&2 || true
      exit 1
    fi
    sleep 0.1
  done
  if command -v psql >/dev/null; then
    psql "postgres://$PG_USER@127.0.0.1:$port/postgres?sslmode=disable" -Atqc 'SELECT 1' >/dev/null ||
      { say "pgbouncer runs but does not reach PostgreSQL at $PG_HOST:$PG_PORT"; cat "$DIR/pgbouncer.log" >&2; exit 1; }
  fi
  say "running on port $port (CA: $DIR/ca.pem)"
  echo "$port"
}

stop() {
  if [ -f "$DIR/pgbouncer.pid" ]; then
    local pid
    pid=$(cat "$DIR/pgbouncer.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      say "stopping pgbouncer (pid $pid)"
      kill -INT "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -rf "$DIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) running_port || { say "not running"; exit 1; } ;;
  ca) echo "$DIR/ca.pem" ;;
  *) echo "usage: $0 start|stop|status|ca" >&2; exit 2 ;;
esac
