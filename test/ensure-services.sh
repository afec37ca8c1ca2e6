#!/usr/bin/env bash
# Makes sure PostgreSQL, Redis and MariaDB answer on their standard loopback
# ports (leaves running ones alone, starts installed ones, installs missing
# ones from Debian's packages) and that HAProxy is installed. Safe to run any
# number of times.
set -euo pipefail

log() { printf '[services] %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
wait_for() { local what=$1; shift; for _ in $(seq 1 60); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done; log "$what did not come up"; return 1; }

postgres_up() { pg_isready -q -h 127.0.0.1 -p 5432; }
postgres_trusts_us() { psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; }
ensure_postgres() {
  if ! postgres_up; then
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then log 'installing PostgreSQL'; apt_install postgresql postgresql-client; fi
    local version; version=$(ls /etc/postgresql | sort -V | tail -1)
    log "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    wait_for PostgreSQL postgres_up
  fi
  if ! postgres_trusts_us; then
    # A stock Debian cluster asks for passwords on TCP; tests connect as postgres without one.
    local hba; hba=$(as_root su postgres -c "psql -tAc 'show hba_file'")
    log "trusting loopback connections in $hba"
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    as_root su postgres -c "psql -tAc 'select pg_reload_conf()'" >/dev/null
    wait_for 'PostgreSQL trust' postgres_trusts_us
  fi
}

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG; }
ensure_redis() {
  redis_up 2>/dev/null && return 0
  command -v redis-server >/dev/null || { log 'installing Redis'; apt_install redis-server redis-tools; }
  log 'starting Redis'
  as_root mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for Redis redis_up
}

mariadb_up() { mysqladmin -h 127.0.0.1 -uroot ping; }
mariadb_socket_up() { mysqladmin -uroot ping; }
ensure_mariadb() {
  mariadb_up >/dev/null 2>&1 && return 0
  if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then log 'installing MariaDB'; apt_install mariadb-server mariadb-client; fi
  if ! mariadb_socket_up >/dev/null 2>&1; then
    log 'starting MariaDB'
    as_root mkdir -p /run/mysqld && as_root chown mysql:mysql /run/mysqld 2>/dev/null || true
    as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    wait_for MariaDB mariadb_socket_up
  fi
  if ! mariadb_up >/dev/null 2>&1; then
    # Debian's root logs in through the unix socket only; tests connect over TCP with no password.
    log 'allowing root over TCP without a password'
    as_root mysql -uroot -e "ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; FLUSH PRIVILEGES;"
    wait_for 'MariaDB over TCP' mariadb_up
  fi
}

# HAProxy fronts two nodes in the cluster test; only its binary is needed (the test runs its own).
ensure_haproxy() {
  command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || { log 'installing HAProxy'; apt_install haproxy; }
}

ensure_postgres
ensure_redis
ensure_mariadb
ensure_haproxy
log 'PostgreSQL, Redis and MariaDB are up; HAProxy is installed'
