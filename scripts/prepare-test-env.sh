#!/usr/bin/env bash
# Prepares a machine that cannot pull from any container registry (this workplace, its CI) to run
# Strata's integration tests: installs a Docker engine and Debian's server packages, starts the
# engine if none answers, and builds small local images (strata-local/*) from Debian's binaries.
# test-servers prefers those images when they exist, so no registry is ever contacted. The HTTP
# caches (Varnish with varnish-modules, nginx) need no image: test-servers runs their Debian
# binaries as plain processes, so only their packages are installed here.
#
# Idempotent: installed packages, a running engine and up-to-date images are left as they are.
# Runs as root. A developer laptop with Docker Desktop does not need this script at all.
set -euo pipefail

readonly REDIS_IMAGE=strata-local/redis:7
readonly MEMCACHED_IMAGE=strata-local/memcached:1.6
readonly POSTGRES_IMAGE=strata-local/postgres:15
readonly PG_VERSION=15
readonly DOCKERD_LOG=/var/log/strata-dockerd.log
readonly ENGINE_WAIT_SECONDS=60

# Images are rebuilt when this script changes: its hash is stored as a label on each image.
RECIPE="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)"
readonly RECIPE

log() { printf '[prepare-test-env] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ "$(id -u)" == 0 ]] || die "run as root (it installs packages and starts dockerd)"

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  [[ -x /usr/bin/redis-server ]] || missing+=(redis-server)
  [[ -x /usr/bin/redis-cli ]] || missing+=(redis-tools)
  [[ -x /usr/bin/memcached ]] || missing+=(memcached)
  [[ -x /usr/lib/postgresql/$PG_VERSION/bin/postgres ]] || missing+=(postgresql)
  # @strata/cache-http's CDN tests: Varnish 7 with the xkey vmod, and nginx.
  [[ -x /usr/sbin/varnishd ]] || missing+=(varnish)
  dpkg-query -W -f='${Status}' varnish-modules 2>/dev/null | grep -q 'install ok installed' ||
    missing+=(varnish-modules)
  [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
  if ((${#missing[@]} == 0)); then
    log "packages already installed"
    return
  fi
  log "installing ${missing[*]}"
  # Keep apt from starting the packaged services: the tests start the servers themselves.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >/var/log/strata-apt.log 2>&1 || {
    tail -n 30 /var/log/strata-apt.log >&2
    die "apt-get install failed (full log: /var/log/strata-apt.log)"
  }
  if ((created_policy)); then rm -f "$policy"; fi
}

# The browser test of @strata/cache-http drives Debian's Chromium through playwright-core.
install_chromium() {
  if [[ -x /usr/bin/chromium ]]; then
    log "chromium already installed"
    return
  fi
  log "installing chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
    >>/var/log/strata-apt.log 2>&1 || {
    tail -n 30 /var/log/strata-apt.log >&2
    die "apt-get install chromium failed (full log: /var/log/strata-apt.log)"
  }
}

engine_answers() { docker info >/dev/null 2>&1; }

start_engine() {
  if engine_answers; then
    log "container engine already answers"
    return
  fi
  log "starting dockerd (log: $DOCKERD_LOG)"
  # No bridge and no iptables: every test container uses host networking on 127.0.0.1.
  setsid nohup dockerd --bridge=none --iptables=false --ip6tables=false \
    >"$DOCKERD_LOG" 2>&1 </dev/null &
  local deadline=$((SECONDS + ENGINE_WAIT_SECONDS))
  until engine_answers; do
    if ((SECONDS >= deadline)); then
      tail -n 30 "$DOCKERD_LOG" >&2 || true
      die "dockerd did not answer within ${ENGINE_WAIT_SECONDS}s"
    fi
    sleep 0.5
  done
  log "dockerd is up"
}

image_is_current() {
  local label
  label="$(docker image inspect -f '{{index .Config.Labels "org.strata.recipe"}}' "$1" 2>/dev/null)" ||
    return 1
  [[ "$label" == "$RECIPE" ]]
}

# Copies files (following symlinks) and every shared library they load into a root filesystem.
copy_with_libs() {
  local root=$1 file lib
  shift
  for file in "$@"; do
    cp -L --parents "$file" "$root"
    while read -r lib; do
      [[ -e "$root$lib" ]] || cp -L --parents "$lib" "$root"
    done < <(ldd "$file" 2>/dev/null | grep -oE '/[^ ]+' || true)
  done
}

new_rootfs() {
  local root
  root="$(mktemp -d /tmp/strata-rootfs.XXXXXX)"
  mkdir -p "$root"/{etc,tmp,data,bin,usr/bin,usr/local/bin}
  chmod 1777 "$root/tmp" "$root/data"
  copy_with_libs "$root" /bin/sh /bin/bash /bin/cat /bin/rm /bin/ls /bin/mkdir
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\n' >"$root/etc/group"
  echo "$root"
}

# `cp --parents` creates parent folders with mode 0700; a non-root server could not traverse them.
import_rootfs() {
  local root=$1 tag=$2
  shift 2
  find "$root" -type d ! -perm -1000 -exec chmod 755 {} +
  local changes=(--change "LABEL org.strata.recipe=$RECIPE"
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin')
  local change
  for change in "$@"; do changes+=(--change "$change"); done
  local previous
  previous="$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)"
  tar --numeric-owner -C "$root" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
  rm -rf "$root"
  # The outdated build is left untagged; remove it unless a container still uses it.
  if [[ -n "$previous" ]]; then
    docker image rm "$previous" >/dev/null 2>&1 || log "kept outdated image $previous (in use)"
  fi
  log "built $tag"
}

build_redis() {
  local root
  root="$(new_rootfs)"
  copy_with_libs "$root" /usr/bin/redis-server /usr/bin/redis-cli
  import_rootfs "$root" "$REDIS_IMAGE" 'WORKDIR /data' 'CMD ["redis-server"]'
}

build_memcached() {
  local root
  root="$(new_rootfs)"
  copy_with_libs "$root" /usr/bin/memcached
  # memcached refuses to run as root without -u; the official image runs as user memcache too.
  printf 'memcache:x:11211:11211::/tmp:/bin/sh\n' >>"$root/etc/passwd"
  printf 'memcache:x:11211:\n' >>"$root/etc/group"
  import_rootfs "$root" "$MEMCACHED_IMAGE" 'USER memcache' 'CMD ["memcached"]'
}

build_postgres() {
  local root pg=/usr/lib/postgresql/$PG_VERSION
  root="$(new_rootfs)"
  local binaries=()
  mapfile -t binaries < <(find "$pg/bin" -type f)
  copy_with_libs "$root" "${binaries[@]}"
  # Extensions and the server's own modules are loaded at run time, so ldd cannot see them.
  # The JIT provider (and its 100 MB of LLVM) is left out: without it PostgreSQL runs without JIT.
  local modules=()
  mapfile -t modules < <(find "$pg/lib" -name '*.so' ! -name 'llvmjit*')
  copy_with_libs "$root" "${modules[@]}"
  # tar rather than `cp -a --parents`, which fails on these trees with coreutils 9.1.
  tar -C / --exclude=bitcode --exclude='llvmjit*' \
    -c "${pg#/}/lib" "usr/share/postgresql/$PG_VERSION" usr/share/zoneinfo | tar -C "$root" -x
  printf 'postgres:x:999:999::/var/lib/postgresql:/bin/sh\n' >>"$root/etc/passwd"
  printf 'postgres:x:999:\n' >>"$root/etc/group"
  mkdir -p "$root/var/lib/postgresql/data" "$root/var/run/postgresql"
  chown -R 999:999 "$root/var/lib/postgresql" "$root/var/run/postgresql"
  chmod 700 "$root/var/lib/postgresql/data"
  chmod 2777 "$root/var/run/postgresql"
  write_postgres_entrypoint "$root/usr/local/bin/docker-entrypoint.sh"
  import_rootfs "$root" "$POSTGRES_IMAGE" 'USER postgres' \
    "ENV PATH=/usr/local/bin:$pg/bin:/usr/bin:/bin" \
    'ENV PGDATA=/var/lib/postgresql/data' \
    'ENTRYPOINT ["docker-entrypoint.sh"]' 'CMD ["postgres"]'
}

# The same interface as the official image: POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, a
# command line that is `postgres ...` (or only flags).
write_postgres_entrypoint() {
  cat >"$1" <<'EOF'
#!/bin/sh
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    printf '%s\n' "$POSTGRES_PASSWORD" >/tmp/pwfile
    initdb -D "$PGDATA" -U "$user" --pwfile=/tmp/pwfile -E UTF8 --no-locale --no-sync \
      --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    rm -f /tmp/pwfile
  else
    initdb -D "$PGDATA" -U "$user" -E UTF8 --no-locale --no-sync --auth=trust >/dev/null
  fi
  if [ "$db" != postgres ]; then
    printf 'CREATE DATABASE "%s";\n' "$db" | postgres --single -D "$PGDATA" postgres >/dev/null
  fi
  echo "PostgreSQL init process complete; ready for start up."
fi
case "$1" in -*) set -- postgres "$@" ;; esac
exec "$@"
EOF
  chmod 755 "$1"
}

build_images() {
  local kind tag
  for kind in redis memcached postgres; do
    case $kind in
    redis) tag=$REDIS_IMAGE ;;
    memcached) tag=$MEMCACHED_IMAGE ;;
    postgres) tag=$POSTGRES_IMAGE ;;
    esac
    if image_is_current "$tag"; then
      log "$tag is up to date"
    else
      "build_$kind"
    fi
  done
}

main() {
  local started=$SECONDS
  install_packages
  install_chromium
  start_engine
  build_images
  log "ready in $((SECONDS - started))s"
}

main "$@"
