# shellcheck shell=bash
# Throwaway PostgreSQL, PgBouncer, Redis, MariaDB and SMTP servers for the test suite and
# the benchmark.
#
# Source this file, then call `start_postgres` / `start_pgbouncer` / `start_redis` /
# `start_mariadb` / `start_smtp`. Each one exports the URL the tests read (DATABASE_URL /
# PGBOUNCER_URL / REDIS_URL / MYSQL_URL / SMTP_URL, and SMTP_MAILDIR where the SMTP server
# files what it receives) and leaves a server running on a free loopback port, in a
# temporary directory, stopped and removed by `stop_services` (install it with
# `trap stop_services EXIT`). When the URL is already set, that server is used instead and
# nothing is started (PGBOUNCER_URL must then lead to a PgBouncer with
# `pool_mode = transaction` in front of the DATABASE_URL database). Where the server
# binaries are missing, they are
# installed from Debian's packages when running as root with apt-get; otherwise the script
# stops with the name of the package to install.

AA_SERVICES_DIR=""
AA_PG_DATA=""
AA_PG_BINDIR=""
AA_PG_OWNER=""
AA_REDIS_PID=""
AA_MARIADB_PID=""
AA_SMTP_PID=""
AA_PGB_DIR=""
AA_PGB_OWNER=""

aa_log() { printf '[services] %s\n' "$*" >&2; }
aa_die() { printf '[services] error: %s\n' "$*" >&2; exit 1; }

aa_tmpdir() {
    if [ -z "$AA_SERVICES_DIR" ]; then
        AA_SERVICES_DIR=$(mktemp -d "${TMPDIR:-/tmp}/auth-adapter-services.XXXXXX")
        chmod 755 "$AA_SERVICES_DIR"
    fi
}

# A TCP port on 127.0.0.1 that nothing listens on.
aa_free_port() {
    local port i
    for i in $(seq 1 100); do
        port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    aa_die "no free TCP port found on 127.0.0.1"
}

# Installs Debian packages when we can (root + apt-get); otherwise names them and stops.
aa_install() {
    local what=$1; shift
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        aa_log "installing $* (for $what) with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2 || true
        apt-get install -y -qq --no-install-recommends "$@" >&2 \
            || aa_die "apt-get could not install $*; install it, or set the URL of a running $what server"
    else
        aa_die "$what is not installed: install the Debian package(s) '$*' (e.g. sudo apt-get install $*), or set the URL of a running $what server"
    fi
}

aa_find_pg_bindir() {
    local dir
    if command -v pg_config >/dev/null 2>&1; then
        dir=$(pg_config --bindir 2>/dev/null)
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
    fi
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v initdb)")"; return 0
    fi
    return 1
}

# Runs a PostgreSQL binary as the owner of the data directory (initdb refuses root).
aa_pg() {
    if [ -n "$AA_PG_OWNER" ]; then
        runuser -u "$AA_PG_OWNER" -- "$@"
    else
        "$@"
    fi
}

start_postgres() {
    if [ -n "${DATABASE_URL:-}" ]; then
        aa_log "PostgreSQL: using DATABASE_URL that was given"
        return 0
    fi
    AA_PG_BINDIR=$(aa_find_pg_bindir) || {
        aa_install PostgreSQL postgresql
        AA_PG_BINDIR=$(aa_find_pg_bindir) || aa_die "PostgreSQL binaries not found after install"
    }
    aa_tmpdir
    if [ "$(id -u)" = 0 ]; then
        if id postgres >/dev/null 2>&1; then AA_PG_OWNER=postgres; else AA_PG_OWNER=nobody; fi
    fi
    AA_PG_DATA="$AA_SERVICES_DIR/pg"
    mkdir -p "$AA_PG_DATA"
    [ -n "$AA_PG_OWNER" ] && chown "$AA_PG_OWNER" "$AA_PG_DATA"
    aa_pg "$AA_PG_BINDIR/initdb" -D "$AA_PG_DATA/data" -U postgres -A trust -E UTF8 \
        --no-sync >"$AA_SERVICES_DIR/initdb.log" 2>&1 \
        || { cat "$AA_SERVICES_DIR/initdb.log" >&2; aa_die "initdb failed"; }
    local port attempt
    for attempt in 1 2 3; do
        port=$(aa_free_port)
        if aa_pg "$AA_PG_BINDIR/pg_ctl" -D "$AA_PG_DATA/data" -l "$AA_PG_DATA/server.log" -w -t 60 \
            -o "-p $port -k $AA_PG_DATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
            start >/dev/null 2>&1; then
            export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
            aa_log "PostgreSQL $("$AA_PG_BINDIR/postgres" --version | awk '{print $3}') started on 127.0.0.1:$port (data in $AA_PG_DATA)"
            return 0
        fi
    done
    cat "$AA_PG_DATA/server.log" >&2 || true
    aa_die "PostgreSQL did not start"
}

# Decodes %XX escapes (a URL's user, password and database name).
aa_urldecode() {
    local s=${1//+/%2B}
    printf '%b' "${s//%/\\x}"
}

# A value for a PgBouncer connection string: single-quoted, a ' inside doubled.
aa_connstr_quote() {
    local q="'"
    printf "'%s'" "${1//$q/$q$q}"
}

# Runs a command as the PgBouncer user (PgBouncer refuses to run as root).
aa_pgb() {
    if [ -n "$AA_PGB_OWNER" ]; then
        runuser -u "$AA_PGB_OWNER" -- "$@"
    else
        "$@"
    fi
}

aa_find_pgbouncer() {
    command -v pgbouncer && return 0
    [ -x /usr/sbin/pgbouncer ] && echo /usr/sbin/pgbouncer
}

# A throwaway PgBouncer in transaction mode (pool_mode = transaction; otherwise PgBouncer's
# defaults, so no ignore_startup_parameters) in front of DATABASE_URL, exported as
# PGBOUNCER_URL. Call after start_postgres.
start_pgbouncer() {
    if [ -n "${PGBOUNCER_URL:-}" ]; then
        aa_log "PgBouncer: using PGBOUNCER_URL that was given (it must be in transaction mode, in front of the DATABASE_URL database)"
        return 0
    fi
    [ -n "${DATABASE_URL:-}" ] || aa_die "start_pgbouncer needs DATABASE_URL (call start_postgres first)"
    local bin
    bin=$(aa_find_pgbouncer) || {
        aa_install PgBouncer pgbouncer
        bin=$(aa_find_pgbouncer) || aa_die "pgbouncer not found after install"
    }
    # postgres[ql]://[user[:password]@]host[:port][/database][?…]
    local re='^postgres(ql)?://(([^:@/]*)(:([^@/]*))?@)?([^:/?@]+|\[[0-9a-fA-F:]+\])(:([0-9]+))?(/([^?]*))?(\?.*)?$'
    [[ "$DATABASE_URL" =~ $re ]] \
        || aa_die "cannot read host, port and user from DATABASE_URL to put PgBouncer in front of it; set PGBOUNCER_URL to a PgBouncer in transaction mode in front of that database"
    local user password host port dbname
    user=$(aa_urldecode "${BASH_REMATCH[3]}")
    password=$(aa_urldecode "${BASH_REMATCH[5]}")
    host=${BASH_REMATCH[6]#[}
    host=${host%]}
    port=${BASH_REMATCH[8]:-5432}
    dbname=$(aa_urldecode "${BASH_REMATCH[10]}")
    [ -n "$user" ] || user=$(id -un)
    [ -n "$dbname" ] || dbname=$user
    aa_tmpdir
    if [ "$(id -u)" = 0 ]; then
        if [ -n "$AA_PG_OWNER" ]; then AA_PGB_OWNER=$AA_PG_OWNER
        elif id postgres >/dev/null 2>&1; then AA_PGB_OWNER=postgres
        else AA_PGB_OWNER=nobody; fi
    fi
    AA_PGB_DIR="$AA_SERVICES_DIR/pgbouncer"
    mkdir -p "$AA_PGB_DIR"
    chmod 700 "$AA_PGB_DIR"
    [ -n "$AA_PGB_OWNER" ] && chown "$AA_PGB_OWNER" "$AA_PGB_DIR"
    local server
    server="host=$(aa_connstr_quote "$host") port=$port user=$(aa_connstr_quote "$user")"
    [ -n "$password" ] && server="$server password=$(aa_connstr_quote "$password")"
    local listen attempt i
    for attempt in 1 2 3; do
        listen=$(aa_free_port)
        # auth_type = any: clients are not checked (loopback only) and every server
        # connection logs in as DATABASE_URL's user; `*` forwards any database name.
        (
            umask 077
            printf '%s\n' "[databases]" "* = $server" "" "[pgbouncer]" \
                "listen_addr = 127.0.0.1" "listen_port = $listen" "unix_socket_dir =" \
                "auth_type = any" "pool_mode = transaction" "default_pool_size = 20" \
                "max_client_conn = 400" "logfile = $AA_PGB_DIR/pgbouncer.log" \
                "pidfile = $AA_PGB_DIR/pgbouncer.pid" >"$AA_PGB_DIR/pgbouncer.ini"
        )
        [ -n "$AA_PGB_OWNER" ] && chown "$AA_PGB_OWNER" "$AA_PGB_DIR/pgbouncer.ini"
        rm -f "$AA_PGB_DIR/pgbouncer.pid"
        if aa_pgb "$bin" -d "$AA_PGB_DIR/pgbouncer.ini" >>"$AA_PGB_DIR/start.log" 2>&1; then
            for i in $(seq 1 100); do
                if [ -s "$AA_PGB_DIR/pgbouncer.pid" ] \
                    && (exec 3<>"/dev/tcp/127.0.0.1/$listen") 2>/dev/null; then
                    export PGBOUNCER_URL="postgres://$user@127.0.0.1:$listen/$dbname"
                    aa_log "PgBouncer $("$bin" --version 2>/dev/null | awk 'NR==1{print $2}') started on 127.0.0.1:$listen in transaction mode, in front of $host:$port"
                    return 0
                fi
                sleep 0.1
            done
        fi
        aa_stop_pgbouncer
    done
    cat "$AA_PGB_DIR/start.log" "$AA_PGB_DIR/pgbouncer.log" >&2 2>/dev/null || true
    aa_die "PgBouncer did not start"
}

# Stops the PgBouncer start_pgbouncer started (by the pid it wrote), if any.
aa_stop_pgbouncer() {
    [ -n "$AA_PGB_DIR" ] && [ -s "$AA_PGB_DIR/pgbouncer.pid" ] || return 0
    local pid i
    pid=$(cat "$AA_PGB_DIR/pgbouncer.pid" 2>/dev/null) || return 0
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

aa_redis_ping() {
    local port=$1 reply
    exec 4<>"/dev/tcp/127.0.0.1/$port" || return 1
    printf 'PING\r\n' >&4
    read -r -t 2 reply <&4 || true
    exec 4>&-
    [ "${reply%$'\r'}" = "+PONG" ]
}

start_redis() {
    if [ -n "${REDIS_URL:-}" ]; then
        aa_log "Redis: using REDIS_URL that was given"
        return 0
    fi
    command -v redis-server >/dev/null 2>&1 || aa_install Redis redis-server
    command -v redis-server >/dev/null 2>&1 || aa_die "redis-server not found after install"
    aa_tmpdir
    local port attempt i
    for attempt in 1 2 3; do
        port=$(aa_free_port)
        redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
            --dir "$AA_SERVICES_DIR" --logfile "$AA_SERVICES_DIR/redis.log" &
        AA_REDIS_PID=$!
        for i in $(seq 1 50); do
            if aa_redis_ping "$port" 2>/dev/null; then
                export REDIS_URL="redis://127.0.0.1:$port"
                aa_log "Redis $(redis-server --version | awk '{print $3}') started on 127.0.0.1:$port"
                return 0
            fi
            kill -0 "$AA_REDIS_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill "$AA_REDIS_PID" 2>/dev/null || true
        AA_REDIS_PID=""
    done
    cat "$AA_SERVICES_DIR/redis.log" >&2 || true
    aa_die "redis-server did not start"
}

# A throwaway MariaDB (Debian's mariadb-server; MySQL 8 works too, through MYSQL_URL): its own
# data directory, socket and loopback port, root without a password on 127.0.0.1, fast and
# unsafe durability settings (the data is thrown away).
start_mariadb() {
    if [ -n "${MYSQL_URL:-}" ]; then
        aa_log "MariaDB: using MYSQL_URL that was given"
        return 0
    fi
    if ! command -v mariadbd >/dev/null 2>&1 || ! command -v mariadb-install-db >/dev/null 2>&1; then
        aa_install MariaDB mariadb-server
    fi
    command -v mariadbd >/dev/null 2>&1 || aa_die "mariadbd not found after install"
    aa_tmpdir
    local dir="$AA_SERVICES_DIR/mariadb" owner="" port attempt i
    mkdir -p "$dir/data"
    # mariadbd will not run as root unless told to: run it as the package's user.
    if [ "$(id -u)" = 0 ]; then
        if id mysql >/dev/null 2>&1; then owner=mysql; else owner=nobody; fi
        chown -R "$owner" "$dir"
    fi
    mariadb-install-db --no-defaults --datadir="$dir/data" ${owner:+--user=$owner} \
        --auth-root-authentication-method=normal --skip-test-db \
        >"$dir/install.log" 2>&1 \
        || { cat "$dir/install.log" >&2; aa_die "mariadb-install-db failed"; }
    for attempt in 1 2 3; do
        port=$(aa_free_port)
        mariadbd --no-defaults --datadir="$dir/data" ${owner:+--user=$owner} \
            --socket="$dir/mariadb.sock" --port="$port" --skip-networking=0 \
            --bind-address=127.0.0.1 --pid-file="$dir/mariadb.pid" --log-error="$dir/server.log" \
            --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
            --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --skip-log-bin \
            --innodb-buffer-pool-size=128M --max-connections=500 --skip-name-resolve &
        AA_MARIADB_PID=$!
        for i in $(seq 1 600); do
            if mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$port" -u root \
                -e 'SELECT 1' >/dev/null 2>&1; then
                export MYSQL_URL="mysql://root@127.0.0.1:$port/mysql"
                aa_log "MariaDB $(mariadbd --version | awk '{print $3}') started on 127.0.0.1:$port (data in $dir)"
                return 0
            fi
            kill -0 "$AA_MARIADB_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill "$AA_MARIADB_PID" 2>/dev/null || true
        wait "$AA_MARIADB_PID" 2>/dev/null || true
        AA_MARIADB_PID=""
    done
    cat "$dir/server.log" >&2 || true
    aa_die "mariadbd did not start (or did not answer within 60 s)"
}

# A python3 that can import aiosmtpd: the one on PATH (a venv, pyenv) or Debian's, which
# python3-aiosmtpd installs into.
aa_find_aiosmtpd_python() {
    local py
    for py in python3 /usr/bin/python3; do
        if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import aiosmtpd' >/dev/null 2>&1; then
            command -v "$py"
            return 0
        fi
    done
    return 1
}

# Whether an SMTP server greets on the port (a `220` banner).
aa_smtp_greets() {
    local port=$1 reply
    exec 5<>"/dev/tcp/127.0.0.1/$port" || return 1
    read -r -t 2 reply <&5 || true
    printf 'QUIT\r\n' >&5 2>/dev/null || true
    exec 5>&-
    [ "${reply:0:3}" = "220" ]
}

# aiosmtpd (a real SMTP server in Python) with its Mailbox handler: every message it takes
# is written to the maildir $SMTP_MAILDIR (new/), with the envelope in X-MailFrom /
# X-RcptTo headers, where the SMTP sender's tests read it back. Plain SMTP on loopback
# (SMTP_URL=smtp://127.0.0.1:PORT?tls=none). To use one you run yourself, set both:
#   python3 -m aiosmtpd -n -l 127.0.0.1:2525 -c aiosmtpd.handlers.Mailbox /tmp/maildir
#   SMTP_URL='smtp://127.0.0.1:2525?tls=none' SMTP_MAILDIR=/tmp/maildir scripts/test
start_smtp() {
    if [ -n "${SMTP_URL:-}" ]; then
        [ -n "${SMTP_MAILDIR:-}" ] \
            || aa_die "SMTP_URL is set but SMTP_MAILDIR is not: the SMTP tests read what arrived from the maildir of the server (aiosmtpd -c aiosmtpd.handlers.Mailbox DIR); set SMTP_MAILDIR=DIR"
        aa_log "SMTP: using SMTP_URL that was given (maildir $SMTP_MAILDIR)"
        return 0
    fi
    local py
    py=$(aa_find_aiosmtpd_python) || {
        aa_install "SMTP (aiosmtpd; or pip install aiosmtpd)" python3-aiosmtpd
        py=$(aa_find_aiosmtpd_python) || aa_die "aiosmtpd not importable after installing python3-aiosmtpd"
    }
    aa_tmpdir
    local maildir="$AA_SERVICES_DIR/maildir" port attempt i
    for attempt in 1 2 3; do
        port=$(aa_free_port)
        "$py" -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$maildir" \
            >"$AA_SERVICES_DIR/smtp.log" 2>&1 &
        AA_SMTP_PID=$!
        for i in $(seq 1 50); do
            if aa_smtp_greets "$port" 2>/dev/null; then
                export SMTP_URL="smtp://127.0.0.1:$port?tls=none" SMTP_MAILDIR="$maildir"
                aa_log "SMTP (aiosmtpd $("$py" -c 'import aiosmtpd; print(aiosmtpd.__version__)')) started on 127.0.0.1:$port (maildir $maildir)"
                return 0
            fi
            kill -0 "$AA_SMTP_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill "$AA_SMTP_PID" 2>/dev/null || true
        AA_SMTP_PID=""
    done
    cat "$AA_SERVICES_DIR/smtp.log" >&2 || true
    aa_die "aiosmtpd did not start"
}

# Installs the Node packages of interop/ (the real Auth.js adapters) when they are missing
# or older than the lockfile, and generates the Prisma clients the prisma-mysql,
# prisma-postgres and prisma-sqlite peers load.
ensure_interop() {
    local root=$1
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || aa_install Node.js nodejs npm
    if [ ! -d "$root/interop/node_modules" ] \
        || [ "$root/interop/package-lock.json" -nt "$root/interop/node_modules/.package-lock.json" ]; then
        aa_log "installing interop/ Node packages (npm ci)"
        (cd "$root/interop" && npm ci --no-audit --no-fund --loglevel=error >&2) \
            || aa_die "npm ci in interop/ failed"
    fi
    # The Prisma client of interop/prisma/schema.prisma (generated code, not kept in git).
    local generated="$root/interop/prisma/generated/client.ts"
    if [ ! -f "$generated" ] || [ "$root/interop/prisma/schema.prisma" -nt "$generated" ] \
        || [ "$root/interop/package-lock.json" -nt "$generated" ]; then
        aa_log "generating the Prisma client of interop/prisma/schema.prisma"
        (cd "$root/interop" && npm run --silent prisma-generate >&2) \
            || aa_die "prisma generate in interop/ failed"
    fi
    # The Prisma client of interop/prisma-postgres/schema.prisma (the PostgreSQL layout).
    local generated_pg="$root/interop/prisma-postgres/generated/client.ts"
    if [ ! -f "$generated_pg" ] || [ "$root/interop/prisma-postgres/schema.prisma" -nt "$generated_pg" ] \
        || [ "$root/interop/package-lock.json" -nt "$generated_pg" ]; then
        aa_log "generating the Prisma client of interop/prisma-postgres/schema.prisma"
        (cd "$root/interop" && npm run --silent prisma-generate-postgres >&2) \
            || aa_die "prisma generate of interop/prisma-postgres in interop/ failed"
    fi
    # The same for interop/prisma-sqlite/schema.prisma (the prisma-sqlite peer).
    generated="$root/interop/prisma-sqlite/generated/client.ts"
    if [ ! -f "$generated" ] || [ "$root/interop/prisma-sqlite/schema.prisma" -nt "$generated" ] \
        || [ "$root/interop/package-lock.json" -nt "$generated" ]; then
        aa_log "generating the Prisma client of interop/prisma-sqlite/schema.prisma"
        (cd "$root/interop" && npm run --silent prisma-generate-sqlite >&2) \
            || aa_die "prisma generate (prisma-sqlite) in interop/ failed"
    fi
}

# Finds a Chromium for the browser tests (driven headless by playwright-core from interop/)
# and exports CHROMIUM, its path; installs Debian's `chromium` when it is missing. Set
# CHROMIUM to use a Chromium or Chrome of your own.
ensure_chromium() {
    if [ -n "${CHROMIUM:-}" ]; then
        [ -x "$CHROMIUM" ] || aa_die "CHROMIUM=$CHROMIUM is not an executable"
        export CHROMIUM
        return
    fi
    local found
    found=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
    if [ -z "$found" ]; then
        aa_install Chromium chromium
        found=$(command -v chromium || true)
        [ -n "$found" ] || aa_die "the Debian package chromium installed no chromium command"
    fi
    CHROMIUM=$found
    export CHROMIUM
}

stop_services() {
    if [ -n "$AA_MARIADB_PID" ]; then
        kill "$AA_MARIADB_PID" 2>/dev/null || true
        wait "$AA_MARIADB_PID" 2>/dev/null || true
    fi
    if [ -n "$AA_SMTP_PID" ]; then
        kill "$AA_SMTP_PID" 2>/dev/null || true
        wait "$AA_SMTP_PID" 2>/dev/null || true
    fi
    aa_stop_pgbouncer
    if [ -n "$AA_REDIS_PID" ]; then
        kill "$AA_REDIS_PID" 2>/dev/null || true
        wait "$AA_REDIS_PID" 2>/dev/null || true
    fi
    if [ -n "$AA_PG_DATA" ] && [ -d "$AA_PG_DATA/data" ]; then
        aa_pg "$AA_PG_BINDIR/pg_ctl" -D "$AA_PG_DATA/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [ -n "$AA_SERVICES_DIR" ]; then
        rm -rf "$AA_SERVICES_DIR"
    fi
}
