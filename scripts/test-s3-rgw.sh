#!/usr/bin/env bash
# The tests' S3: a one-node Ceph cluster (a monitor and one in-memory OSD) with the RADOS Gateway in
# front, on loopback, from Debian's packages. Unlike s3rver it has multipart listing and abort, and it
# refuses parts under 5 MiB, as AWS does. The test suite starts and stops it (packages/testkit/src/ceph.ts).
#
#   test-s3-rgw.sh start|stop|env
#   test-s3-rgw.sh user-add TENANT ACCESS_KEY SECRET_KEY | user-remove TENANT
#
# A user in a tenant of its own has its own bucket namespace (RGW resolves a bucket name to the
# requesting user's tenant), so test files sharing one cluster can each create a bucket called "models".
#
# Settings (environment): RGW_DIR (default /tmp/ray-gitops-rgw), RGW_PORT (7480), RGW_MON_PORT (16789),
# RGW_MEMORY_BYTES (the OSD's size, 6 GiB), RGW_ACCESS_KEY, RGW_SECRET_KEY.
# Each cluster lives in RGW_DIR: its config, data, logs and pid files; stop removes it.
set -euo pipefail

command=${1:-}
dir=${RGW_DIR:-/tmp/ray-gitops-rgw}
port=${RGW_PORT:-7480}
mon_port=${RGW_MON_PORT:-16789}
memory_bytes=${RGW_MEMORY_BYTES:-6442450944}
access_key=${RGW_ACCESS_KEY:-raygitopstestkey}
secret_key=${RGW_SECRET_KEY:-raygitopstestsecret0123456789}
conf=(-c "$dir/ceph.conf")
packages=(ceph-mon ceph-osd radosgw ceph-common)

print_env() {
  echo "export AWS_ENDPOINT_URL_S3=http://127.0.0.1:$port AWS_ACCESS_KEY_ID=$access_key AWS_SECRET_ACCESS_KEY=$secret_key AWS_REGION=us-east-1"
}

# Ends every daemon whose pid file is in the cluster's run/ (TERM, then KILL after 10 s) and removes the cluster.
stop_cluster() {
  local pids=() pid file
  for file in "$dir"/run/*.pid; do
    [ -f "$file" ] && pids+=("$(cat "$file")")
  done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 20); do
    local alive=no
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=yes; done
    [ "$alive" = no ] && break
    sleep 0.5
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}

# Fails with the daemon's log tail when `check` does not succeed within `seconds`.
wait_for() {
  local what=$1 seconds=$2 log=$3
  shift 3
  for _ in $(seq 1 "$seconds"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "test-s3-rgw: $what did not come up within ${seconds} s; the end of $log:" >&2
  tail -n 20 "$log" >&2 2>/dev/null || true
  exit 1
}

ensure_packages() {
  if command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null && command -v radosgw >/dev/null; then return; fi
  if [ "$(id -u)" != 0 ]; then
    echo "test-s3-rgw: the Ceph daemons are missing; install them: sudo apt-get install ${packages[*]}" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
}

write_config() {
  local fsid=$1
  cat >"$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$mon_port
mon initial members = a
# loopback test cluster: no cephx, one replica, no autoscaling
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
ms bind ipv6 = false
run dir = $dir/run
pid file = $dir/run/\$name.pid
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
keyring = $dir/keyring
[mon.a]
mon data = $dir/mon
[osd.0]
osd data = $dir/osd
osd objectstore = memstore
memstore device bytes = $memory_bytes
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$port
rgw data = $dir/rgw
rgw dns name = 127.0.0.1
CONF
}

start_cluster() {
  ensure_packages
  [ -d "$dir" ] && stop_cluster
  mkdir -p "$dir"/mon "$dir"/osd "$dir"/rgw "$dir"/run "$dir"/log
  local fsid
  fsid=$(cat /proc/sys/kernel/random/uuid)
  write_config "$fsid"

  # monitor
  ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$dir/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
  monmaptool --create --addv a "[v1:127.0.0.1:$mon_port]" --fsid "$fsid" "$dir/monmap" >/dev/null
  ceph-mon "${conf[@]}" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring"
  ceph-mon "${conf[@]}" -i a
  wait_for "the monitor" 30 "$dir/log/mon.a.log" ceph "${conf[@]}" --connect-timeout 2 -s

  # one in-memory OSD
  ceph "${conf[@]}" osd create >/dev/null
  ceph-osd "${conf[@]}" -i 0 --mkfs >/dev/null 2>&1
  ceph "${conf[@]}" osd crush add osd.0 1.0 root=default >/dev/null 2>&1 || true
  ceph-osd "${conf[@]}" -i 0
  wait_for "the OSD" 60 "$dir/log/osd.0.log" bash -c "ceph ${conf[*]} osd stat 2>/dev/null | grep -q '1 up'"

  # the gateway and its one user
  radosgw "${conf[@]}" -n client.rgw
  wait_for "the RADOS Gateway" 60 "$dir/log/client.rgw.log" curl --silent --output /dev/null "http://127.0.0.1:$port"
  radosgw-admin "${conf[@]}" user create --uid=ray-gitops-tests --display-name=ray-gitops-tests \
    --access-key="$access_key" --secret="$secret_key" >/dev/null
  echo "S3 (Ceph RADOS Gateway) ready at http://127.0.0.1:$port"
  print_env
}

add_user() {
  radosgw-admin "${conf[@]}" user create --tenant="$1" --uid=tests --display-name="$1" \
    --access-key="$2" --secret="$3" >/dev/null
}

# Removes a tenant's user with its buckets and objects, which frees the in-memory OSD's space.
remove_user() {
  radosgw-admin "${conf[@]}" user rm --tenant="$1" --uid=tests --purge-data >/dev/null
}

case $command in
  start) start_cluster ;;
  stop) stop_cluster ;;
  env) print_env ;;
  user-add) add_user "${2:?tenant}" "${3:?access key}" "${4:?secret key}" ;;
  user-remove) remove_user "${2:?tenant}" ;;
  *) echo "usage: $0 start|stop|env|user-add TENANT ACCESS SECRET|user-remove TENANT" >&2; exit 2 ;;
esac
