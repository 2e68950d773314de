#!/usr/bin/env bash
# Installs and starts what the test suite talks to, on a fresh Debian machine, when it is
# missing or stopped: the sqlite3 CLI, PostgreSQL (127.0.0.1:5432, trust auth, user postgres),
# MariaDB (127.0.0.1:3306, root without password), the CLIs the tests use as oracles, and the
# unprivileged user that runs the extra PostgreSQL majors of the cross-version tests.
# Idempotent and quiet when everything is there. Run as root (or with sudo available).
set -euo pipefail
source "$(dirname "$0")/apt-install.sh"
need=()
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v gunzip >/dev/null 2>&1 || need+=(gzip)
command -v zstd >/dev/null 2>&1 || need+=(zstd)
command -v xxhsum >/dev/null 2>&1 || need+=(xxhash)
command -v age >/dev/null 2>&1 || need+=(age)
command -v mount >/dev/null 2>&1 || need+=(mount)
command -v script >/dev/null 2>&1 || need+=(bsdutils)
command -v runuser >/dev/null 2>&1 || need+=(util-linux)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql postgresql-contrib)
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server mariadb-client)
apt_install "${need[@]}"

sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"

# The PostgreSQL servers the cross-version tests start from npm packages refuse to run as root:
# as root, the tests run them as this unprivileged system user (test/support/pg-servers.ts).
if [ "$(id -u)" = 0 ] && ! id lifeboat-test >/dev/null 2>&1; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin lifeboat-test
fi

# PostgreSQL: the first cluster, listening on 127.0.0.1 with trust auth for local tests.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    $sudo sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust' "$hba"
  fi
  $sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 \
  || psql -q -h 127.0.0.1 -U postgres -d postgres -c 'CREATE DATABASE test'

# MariaDB: root without a password on 127.0.0.1:3306.
if ! mariadb -h 127.0.0.1 -u root -e 'SELECT 1' >/dev/null 2>&1; then
  $sudo mkdir -p /run/mysqld && $sudo chown mysql:mysql /run/mysqld 2>/dev/null || true
  $sudo start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
  for _ in $(seq 1 30); do mariadb -h 127.0.0.1 -u root -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 1; done
  mariadb -h 127.0.0.1 -u root -e 'SELECT 1' >/dev/null 2>&1 \
    || mariadb -u root -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD(''); CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
fi
mariadb -h 127.0.0.1 -u root -e 'CREATE DATABASE IF NOT EXISTS test'

# The test extension with configuration tables (no contrib extension has any), into the share
# directory of the server on 5432: root can write there; others need sudo.
major=$(psql -h 127.0.0.1 -U postgres -d postgres -tAc 'SELECT current_setting($$server_version_num$$)::int / 10000')
extdir=$("/usr/lib/postgresql/$major/bin/pg_config" --sharedir 2>/dev/null || echo "/usr/share/postgresql/$major")/extension
for f in "$(dirname "$0")"/../test/fixtures/postgres-extension/*; do
  cmp -s "$f" "$extdir/$(basename "$f")" || $sudo install -m 644 "$f" "$extdir/"
done
