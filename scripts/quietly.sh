# Sourced by scripts/ensure-pnpm.sh and scripts/demo. `quietly LABEL COMMAND...` runs COMMAND with
# its output in a log file and prints one line, "LABEL… ok"; when it fails, "LABEL… failed", the
# log's last lines and its path, and returns COMMAND's exit status.
quietly() {
  local label="$1"
  shift
  local log
  log="$(mktemp "${TMPDIR:-/tmp}/rampart-setup.XXXXXX")"
  printf '%s… ' "$label"
  if "$@" >"$log" 2>&1; then
    echo ok
    rm -f "$log"
    return 0
  else
    local status=$?
    echo "failed (exit $status)"
    tail -n 20 "$log" | sed 's/^/  /' >&2
    echo "full log: $log" >&2
    return "$status"
  fi
}
