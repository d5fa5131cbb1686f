# Sourced by scripts that run podman: the repository's containers.conf and storage.conf (runc, cgroupfs, vfs;
# see podman/), unless the caller already chose its own through CONTAINERS_CONF / CONTAINERS_STORAGE_CONF.
_podman_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../podman" && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$_podman_dir/containers.conf}
export CONTAINERS_STORAGE_CONF=${CONTAINERS_STORAGE_CONF:-$_podman_dir/storage.conf}
unset _podman_dir
